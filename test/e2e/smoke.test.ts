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
