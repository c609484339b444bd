import { afterEach } from 'vitest';

/**
 * For tests: registers an afterEach that stops every server handed to the returned function during the
 * test, in the order they were handed over; the function returns the server it was given.
 */
export function stopAfterEach<T extends { stop(): Promise<unknown> }>(): (server: T) => T {
  const started: T[] = [];
  afterEach(async () => {
    for (const server of started.splice(0)) await server.stop();
  });
  return (server) => {
    started.push(server);
    return server;
  };
}
