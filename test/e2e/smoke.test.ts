import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('server smoke', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('creates a queue, sends, receives and deletes over signed HTTP', async () => {
    const client = server.client();
    expect(await client.call('CreateQueue', { queueName: 'smoke' })).toMatchObject({ code: 0 });
    const sent = await client.call('SendMessage', { queueName: 'smoke', msgBody: 'hi' });
    expect(sent).toMatchObject({ code: 0, msgId: expect.any(String) });
    const received = await client.call('ReceiveMessage', { queueName: 'smoke' });
    expect(received).toMatchObject({ code: 0, msgBody: 'hi', msgId: sent['msgId'] });
    const deleted = await client.call('DeleteMessage', {
      queueName: 'smoke',
      receiptHandle: String(received['receiptHandle']),
    });
    expect(deleted).toMatchObject({ code: 0 });
  });
});

describe('idle keep-alive connections', () => {
  /** A raw connection that has had one answer (the queue listing), and whether it has closed since. */
  async function connectionAfterOneAnswer(
    server: TestServer,
  ): Promise<{ socket: Socket; closed: () => boolean }> {
    const socket = connect(server.port, '127.0.0.1');
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const body = 'Action=ListQueue';
    socket.write(
      `POST /v2/index.php HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    return { socket, closed: () => closed };
  }

  it('closes one idle for keepAliveTimeoutMs, and keeps one open far longer by default', async () => {
    const short = await startTestServer({ keepAliveTimeoutMs: 1000 });
    const byDefault = await startTestServer();
    try {
      expect(byDefault.config.keepAliveTimeoutMs).toBe(600_000);
      const a = await connectionAfterOneAnswer(short);
      const b = await connectionAfterOneAnswer(byDefault);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(a.closed()).toBe(true);
      expect(b.closed()).toBe(false);
      b.socket.destroy();
    } finally {
      await short.close();
      await byDefault.close();
    }
  });
});
