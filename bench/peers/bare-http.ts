import { startServerProcess } from '../lib/server-process.js';

export interface BareHttpServer {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts bench/peers/bare-http-server.ts in its own process, answering `responseBytes`-byte JSON after
 * `workMicros` µs of busy-waiting (0: at once).
 */
export async function startBareHttp(
  repoRoot: string,
  responseBytes: number,
  workMicros = 0,
): Promise<BareHttpServer> {
  const server = await startServerProcess({
    cwd: repoRoot,
    script: 'bench/peers/bare-http-server.ts',
    args: ['--port', '0', '--response-bytes', String(responseBytes), '--work-us', String(workMicros)],
    ready: /bare-http listening on (.+):(\d+)\n/,
  });
  return { pid: server.pid, host: server.host, port: server.port, stop: () => server.stop() };
}
