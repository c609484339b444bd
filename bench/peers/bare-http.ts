import { startServerProcess } from '../lib/server-process.js';

export interface BareHttpServer {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts bench/peers/bare-http-server.ts in its own process, answering `responseBytes`-byte JSON. */
export async function startBareHttp(repoRoot: string, responseBytes: number): Promise<BareHttpServer> {
  const server = await startServerProcess({
    cwd: repoRoot,
    script: 'bench/peers/bare-http-server.ts',
    args: ['--port', '0', '--response-bytes', String(responseBytes)],
    ready: /bare-http listening on (.+):(\d+)\n/,
  });
  return { pid: server.pid, host: server.host, port: server.port, stop: () => server.stop() };
}
