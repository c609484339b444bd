import { CmqBenchClient } from './cmq-client.js';
import { startOpenCmq, type OpenCmqOptions, type OpenCmqServer } from './opencmq-server.js';

/** A started OpenCMQ server and the keep-alive clients opened on it, all closed together. */
export interface OpenCmqSession {
  readonly server: OpenCmqServer;
  /** A new keep-alive client of the server, closed with the session. */
  client(): CmqBenchClient;
  /** Closes every client opened so far (a workload's onStop), the server stays up. */
  closeClients(): void;
  /** Closes every client and stops the server. */
  close(): Promise<void>;
}

type SessionOptions = Pick<OpenCmqOptions, 'repoRoot' | 'engine' | 'cpuProfileDir' | 'nodeOptions'>;

/** Starts OpenCMQ; the caller closes the session (a scenario that keeps several systems up at once). */
export async function openCmqSession(options: SessionOptions): Promise<OpenCmqSession> {
  const server = await startOpenCmq({
    repoRoot: options.repoRoot,
    engine: options.engine,
    cpuProfileDir: options.cpuProfileDir,
    nodeOptions: options.nodeOptions,
  });
  const clients: CmqBenchClient[] = [];
  const closeClients = () => {
    for (const client of clients) client.close();
  };
  return {
    server,
    client() {
      const client = new CmqBenchClient(server);
      clients.push(client);
      return client;
    },
    closeClients,
    async close() {
      closeClients();
      await server.stop();
    },
  };
}

/** Starts OpenCMQ, runs `body`, then closes every client and stops the server, whatever `body` did. */
export async function withOpenCmq<T>(
  options: SessionOptions,
  body: (session: OpenCmqSession) => Promise<T>,
): Promise<T> {
  const session = await openCmqSession(options);
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}
