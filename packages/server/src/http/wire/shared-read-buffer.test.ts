import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../../test/support/wait-for.js';
import { SharedReadBuffer } from './shared-read-buffer.js';

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A server whose connections are adopted by `reads`; each read is copied out with the connection's index. */
async function serve(reads: SharedReadBuffer) {
  const received: Array<{ connection: number; text: string; memory: ArrayBufferLike }> = [];
  const adopted: Array<{ accepted: Socket; socket: Socket }> = [];
  const server = createServer({ pauseOnConnect: true }, (accepted) => {
    const connection = adopted.length;
    const socket = reads.adopt(accepted, (bytes) =>
      received.push({ connection, text: bytes.toString(), memory: bytes.buffer }),
    );
    adopted.push({ accepted, socket });
    sockets.push(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, port, received, adopted };
}

function client(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    sockets.push(socket);
  });
}

describe('SharedReadBuffer', () => {
  it('moves accepted sockets to ones that read every connection into the same memory', async () => {
    const { port, received, adopted } = await serve(new SharedReadBuffer(1024));
    const a = await client(port);
    const b = await client(port);
    a.write('from a');
    await waitFor(() => received.length === 1);
    b.write('from b');
    await waitFor(() => received.length === 2);
    expect(received.map(({ connection, text }) => [connection, text])).toEqual([
      [0, 'from a'],
      [1, 'from b'],
    ]);
    expect(received[0]?.memory).toBe(received[1]?.memory);
    expect(adopted.every(({ accepted, socket }) => accepted !== socket && accepted.destroyed)).toBe(true);
  });

  it('writes, ends and closes through the adopted socket, and leaves the server nothing to wait for', async () => {
    const { server, port, received, adopted } = await serve(new SharedReadBuffer());
    const socket = await client(port);
    const echoed: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => echoed.push(chunk));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('ping');
    await waitFor(() => received.length === 1);
    adopted[0]?.socket.end('pong');
    await closed;
    expect(Buffer.concat(echoed).toString()).toBe('pong');
    const count = await new Promise<number>((resolve, reject) =>
      server.getConnections((error, n) => (error ? reject(error) : resolve(n))),
    );
    expect(count).toBe(0);
  });

  it('ends and closes the adopted socket when the client ends its side', async () => {
    const { port, received, adopted } = await serve(new SharedReadBuffer());
    const socket = await client(port);
    socket.write('bye');
    await waitFor(() => received.length === 1);
    const events: string[] = [];
    const server = adopted[0]!.socket;
    server.on('end', () => events.push('end'));
    const closed = new Promise<void>((resolve) => server.on('close', () => resolve()));
    socket.end();
    await closed;
    expect(events).toEqual(['end']);
  });

  it('reads the accepted socket through data events when its handle cannot take a buffer', async () => {
    const received: string[] = [];
    const kept: Socket[] = [];
    const server = createServer({ pauseOnConnect: true }, (accepted) => {
      // Shadows the handle's method, as on a Node whose handles lack it.
      (accepted as unknown as { _handle: { useUserBuffer?: unknown } })._handle.useUserBuffer = undefined;
      kept.push(
        accepted,
        new SharedReadBuffer().adopt(accepted, (bytes) => received.push(bytes.toString())),
      );
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = await client((server.address() as { port: number }).port);
    socket.write('plain');
    await waitFor(() => received.length === 1);
    expect(received).toEqual(['plain']);
    expect(kept[1]).toBe(kept[0]);
    sockets.push(...kept);
  });
});
