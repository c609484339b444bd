import { globalAgent, type ClientRequestArgs } from 'node:http';
import { createConnection, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * `cmq-sdk` posts to a hard-coded host (`cmq-queue-{region}.api.tencentyun.com` over plain http when
 * `extranet: false`) through got@10, which uses node's global http agent. This sends the connections that
 * agent opens to `hostname` (whatever the port) to 127.0.0.1:`port` instead. Only the socket moves: the
 * request line, the Host header and the signature stay the SDK's own, so the server verifies the host the
 * SDK signed. Everything written on redirected sockets is kept so tests can check what went on the wire.
 */
export interface HostRedirect {
  /** Connections redirected so far. */
  readonly connections: number;
  /** Every byte the client wrote on redirected sockets, in order, as text. */
  written(): string;
  /** Puts the agent's own createConnection back and drops idle sockets to the redirected host. */
  restore(): void;
}

type CreateConnection = (
  options: ClientRequestArgs,
  callback?: (err: Error | null, stream: Duplex) => void,
) => Duplex | null | undefined;

export function redirectHttpHost(hostname: string, port: number): HostRedirect {
  const agent = globalAgent as typeof globalAgent & { createConnection: CreateConnection };
  if (Object.hasOwn(agent, 'createConnection')) {
    throw new Error('http.globalAgent.createConnection is already overridden');
  }
  const original: CreateConnection = agent.createConnection.bind(agent);
  const chunks: string[] = [];
  let connections = 0;

  const redirected: CreateConnection = (options, callback) => {
    if ((options.host ?? options.hostname) !== hostname) return original(options, callback);
    connections++;
    const socket: Socket = createConnection({ host: '127.0.0.1', port });
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = (chunk: unknown, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return write(chunk, ...rest);
    };
    return socket;
  };
  agent.createConnection = redirected;

  return {
    get connections() {
      return connections;
    },
    written: () => chunks.join(''),
    restore() {
      if (agent.createConnection !== redirected) throw new Error('redirect already restored');
      delete (agent as Partial<typeof agent>).createConnection;
      for (const [name, sockets] of Object.entries(agent.freeSockets)) {
        if (name.startsWith(`${hostname}:`)) for (const socket of sockets ?? []) socket.destroy();
      }
    },
  };
}
