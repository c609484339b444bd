import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_CREDENTIAL, waitFor, type TestServer } from '../support/test-server.js';

/** Dead-letter queues, rewind, deduplication and message trace over the CMQ v2 API and the admin API. */
describe('queue features over HTTP', () => {
  let server: TestServer;
  let n = 0;
  const call = (action: string, params: Record<string, string | number> = {}) =>
    server.client().call(action, params);
  const fresh = (prefix: string) => `${prefix}-${++n}`;
  const counts = async (queueName: string) => {
    const r = await call('GetQueueAttributes', { queueName });
    return {
      active: r['activeMsgNum'],
      inactive: r['inactiveMsgNum'],
      delayed: r['delayMsgNum'],
      rewind: r['rewindmsgNum'],
    };
  };

  beforeAll(async () => {
    server = await startTestServer({ maintenanceIntervalMs: 50 });
  });
  afterAll(async () => {
    await server.close();
  });

  describe('dead-letter queues', () => {
    it('moves a message received maxReceiveCount times to the dead-letter queue, keeping its id and body', async () => {
      const dlq = fresh('dlq');
      const source = fresh('src');
      await call('CreateQueue', { queueName: dlq });
      const policy = JSON.stringify({ deadLetterQueue: dlq.toUpperCase(), policy: 0, maxReceiveCount: 2 });
      expect(
        await call('CreateQueue', { queueName: source, visibilityTimeout: 1, deadLetterPolicy: policy }),
      ).toMatchObject({ code: 0 });
      const attributes = await call('GetQueueAttributes', { queueName: source });
      expect(JSON.parse(String(attributes['deadLetterPolicy']))).toEqual({
        deadLetterQueue: dlq,
        policy: 0,
        maxReceiveCount: 2,
      });

      const sent = await call('SendMessage', { queueName: source, msgBody: 'poison' });
      expect(await call('ReceiveMessage', { queueName: source })).toMatchObject({ code: 0, dequeueCount: 1 });
      expect(await call('ReceiveMessage', { queueName: source, pollingWaitSeconds: 5 })).toMatchObject({
        code: 0,
        dequeueCount: 2,
      });
      const dead = await call('ReceiveMessage', { queueName: dlq, pollingWaitSeconds: 10 });
      expect(dead).toMatchObject({ code: 0, msgId: sent['msgId'], msgBody: 'poison' });
      expect(await counts(source)).toMatchObject({ active: 0, inactive: 0, delayed: 0 });
      expect(await call('ListDeadLetterSourceQueues', { queueName: dlq })).toMatchObject({
        code: 0,
        totalCount: 1,
        queueList: [{ queueName: source }],
      });
    });

    it('refuses a missing dead-letter queue, a chain, a seventh source and deleting a dead-letter queue in use', async () => {
      const dlq = fresh('dlq');
      await call('CreateQueue', { queueName: dlq });
      const policyFor = (target: string) =>
        JSON.stringify({ deadLetterQueue: target, policy: 0, maxReceiveCount: 3 });
      expect(
        await call('CreateQueue', { queueName: fresh('s'), deadLetterPolicy: policyFor('no-such-queue') }),
      ).toMatchObject({
        code: 4000,
        message: expect.stringContaining('(19020)'),
      });
      const sources: string[] = [];
      for (let i = 0; i < 6; i++) {
        const name = fresh('s');
        sources.push(name);
        expect(
          await call('CreateQueue', { queueName: name, deadLetterPolicy: policyFor(dlq) }),
        ).toMatchObject({ code: 0 });
      }
      const seventh = fresh('s');
      expect(
        await call('CreateQueue', { queueName: seventh, deadLetterPolicy: policyFor(dlq) }),
      ).toMatchObject({
        code: 4000,
        message: expect.stringContaining('(19040)'),
      });
      expect(await call('GetQueueAttributes', { queueName: seventh })).toMatchObject({ code: 4440 });
      // a source cannot serve as a dead-letter queue, and a dead-letter queue cannot get one
      expect(
        await call('CreateQueue', { queueName: fresh('s'), deadLetterPolicy: policyFor(sources[0]!) }),
      ).toMatchObject({
        message: expect.stringContaining('(19030)'),
      });
      const other = fresh('other');
      await call('CreateQueue', { queueName: other });
      expect(
        await call('SetQueueAttributes', { queueName: dlq, deadLetterPolicy: policyFor(other) }),
      ).toMatchObject({
        message: expect.stringContaining('(19030)'),
      });
      expect(await call('DeleteQueue', { queueName: dlq })).toMatchObject({
        code: 4000,
        message: expect.stringContaining('(19050)'),
      });
      for (const source of sources)
        expect(await call('UnbindDeadLetter', { queueName: source })).toMatchObject({ code: 0 });
      expect(await call('DeleteQueue', { queueName: dlq })).toMatchObject({ code: 0 });
    });

    it('refuses malformed policies naming the problem', async () => {
      const target = fresh('dlq');
      await call('CreateQueue', { queueName: target });
      const bad = [
        'not json',
        '[]',
        JSON.stringify({ deadLetterQueue: target, policy: 2 }),
        JSON.stringify({ deadLetterQueue: target, policy: 0, maxReceiveCount: 0 }),
        JSON.stringify({ deadLetterQueue: target, policy: 1, maxTimeToLive: 299 }),
        JSON.stringify({ deadLetterQueue: target, policy: 1, maxTimeToLive: 3600 }),
      ];
      for (const deadLetterPolicy of bad) {
        const r = await call('CreateQueue', {
          queueName: fresh('s'),
          msgRetentionSeconds: 3600,
          deadLetterPolicy,
        });
        expect(r, deadLetterPolicy).toMatchObject({
          code: 4000,
          message: expect.stringContaining('(19010)'),
        });
      }
    });

    it('redrives dead-lettered messages back to their source queue', async () => {
      const dlq = fresh('dlq');
      const source = fresh('src');
      await call('CreateQueue', { queueName: dlq });
      await call('CreateQueue', {
        queueName: source,
        visibilityTimeout: 1,
        deadLetterPolicy: JSON.stringify({ deadLetterQueue: dlq, policy: 0, maxReceiveCount: 1 }),
      });
      await call('BatchSendMessage', { queueName: source, 'msgBody.0': 'a', 'msgBody.1': 'b' });
      expect(
        (await call('BatchReceiveMessage', { queueName: source, numOfMsg: 2 }))['msgInfoList'],
      ).toHaveLength(2);
      await waitFor(
        async () => (await counts(dlq)).active === 2,
        10_000,
        'two messages in the dead-letter queue',
      );
      expect(await call('RedriveDeadLetterMessages', { queueName: dlq })).toMatchObject({
        code: 0,
        movedCount: 2,
      });
      expect(await counts(dlq)).toMatchObject({ active: 0 });
      const back = await call('BatchReceiveMessage', { queueName: source, numOfMsg: 16 });
      const infos = back['msgInfoList'] as Array<{ msgBody: string; dequeueCount: number }>;
      expect(infos.map((m) => m.msgBody).sort()).toEqual(['a', 'b']);
      expect(infos.every((m) => m.dequeueCount === 1)).toBe(true);
    });
  });

  describe('rewind', () => {
    it('makes deleted messages enqueued since a time receivable again and counts the retained ones', async () => {
      const queue = fresh('rw');
      await call('CreateQueue', { queueName: queue, rewindSeconds: 600 });
      const startSeconds = Math.floor(Date.now() / 1000);
      await call('BatchSendMessage', { queueName: queue, 'msgBody.0': 'one', 'msgBody.1': 'two' });
      const received = (await call('BatchReceiveMessage', { queueName: queue, numOfMsg: 2 }))[
        'msgInfoList'
      ] as Array<{ receiptHandle: string }>;
      await call('BatchDeleteMessage', {
        queueName: queue,
        'receiptHandle.0': received[0]!.receiptHandle,
        'receiptHandle.1': received[1]!.receiptHandle,
      });
      expect(await counts(queue)).toEqual({ active: 0, inactive: 0, delayed: 0, rewind: 2 });
      expect(await call('ReceiveMessage', { queueName: queue })).toMatchObject({ code: 7000 });
      expect(
        await call('RewindQueue', { queueName: queue, startConsumeTime: startSeconds + 3600 }),
      ).toMatchObject({ code: 0, rewindMsgNum: 0 });
      expect(await call('RewindQueue', { queueName: queue, startConsumeTime: startSeconds })).toMatchObject({
        code: 0,
        rewindMsgNum: 2,
      });
      expect(await counts(queue)).toEqual({ active: 2, inactive: 0, delayed: 0, rewind: 0 });
      const again = (await call('BatchReceiveMessage', { queueName: queue, numOfMsg: 16 }))[
        'msgInfoList'
      ] as Array<{ msgBody: string }>;
      expect(again.map((m) => m.msgBody)).toEqual(['one', 'two']);
    });

    it('answers 6050 when rewind is off, and turning it off drops the retained messages', async () => {
      const queue = fresh('rw');
      await call('CreateQueue', { queueName: queue });
      expect(await call('RewindQueue', { queueName: queue, startConsumeTime: 0 })).toMatchObject({
        code: 6050,
        message: expect.stringContaining('(10670)your queue cannot be rewinded'),
      });
      await call('SetQueueAttributes', { queueName: queue, rewindSeconds: 600 });
      await call('SendMessage', { queueName: queue, msgBody: 'x' });
      const m = await call('ReceiveMessage', { queueName: queue });
      await call('DeleteMessage', { queueName: queue, receiptHandle: String(m['receiptHandle']) });
      expect((await counts(queue)).rewind).toBe(1);
      await call('SetQueueAttributes', { queueName: queue, rewindSeconds: 0 });
      expect((await counts(queue)).rewind).toBe(0);
      expect(await call('RewindQueue', { queueName: queue, startConsumeTime: 0 })).toMatchObject({
        code: 6050,
      });
    });
  });

  describe('deduplication', () => {
    it('returns the first msgId for a resend with the same deduplicationId and stores one message', async () => {
      const queue = fresh('dd');
      await call('CreateQueue', { queueName: queue });
      const first = await call('SendMessage', {
        queueName: queue,
        msgBody: 'order-17',
        deduplicationId: 'order-17',
      });
      const resend = await call('SendMessage', {
        queueName: queue,
        msgBody: 'order-17',
        deduplicationId: 'order-17',
      });
      expect(resend).toMatchObject({ code: 0, msgId: first['msgId'] });
      const other = await call('SendMessage', {
        queueName: queue,
        msgBody: 'order-18',
        deduplicationId: 'order-18',
      });
      expect(other['msgId']).not.toBe(first['msgId']);
      const batch = await call('BatchSendMessage', {
        queueName: queue,
        'msgBody.0': 'order-17',
        'msgBody.1': 'order-19',
        'msgBody.2': 'order-19',
        'deduplicationId.0': 'order-17',
        'deduplicationId.1': 'order-19',
        'deduplicationId.2': 'order-19',
      });
      const ids = (batch['msgList'] as Array<{ msgId: string }>).map((m) => m.msgId);
      expect(ids[0]).toBe(first['msgId']);
      expect(ids[1]).toBe(ids[2]);
      expect((await counts(queue)).active).toBe(3);
    });

    it('refuses a malformed deduplicationId and a count that does not pair with the bodies', async () => {
      const queue = fresh('dd');
      await call('CreateQueue', { queueName: queue });
      expect(
        await call('SendMessage', { queueName: queue, msgBody: 'x', deduplicationId: 'a'.repeat(129) }),
      ).toMatchObject({
        code: 4000,
        message: expect.stringContaining('deduplicationId'),
      });
      expect(
        await call('BatchSendMessage', {
          queueName: queue,
          'msgBody.0': 'a',
          'msgBody.1': 'b',
          'deduplicationId.0': 'only-one',
        }),
      ).toMatchObject({ code: 4000, message: expect.stringContaining('deduplicationId') });
      expect(
        await call('CreateQueue', {
          queueName: fresh('dd'),
          msgRetentionSeconds: 60,
          deduplicationWindowSeconds: 61,
        }),
      ).toMatchObject({
        code: 4000,
        message: expect.stringContaining('deduplicationWindowSeconds'),
      });
      expect((await counts(queue)).active).toBe(0);
    });
  });

  describe('message lookup and trace (admin API)', () => {
    it('shows a message and its lifecycle events to an authenticated admin request', async () => {
      const queue = fresh('tr');
      await call('CreateQueue', { queueName: queue, trace: 1, rewindSeconds: 600 });
      const sent = await call('SendMessage', { queueName: queue, msgBody: 'traced body' });
      const msgId = String(sent['msgId']);
      const inFlight = await admin(`/admin/v1/queues/${queue}/messages/${msgId}`);
      expect(inFlight).toMatchObject({
        status: 200,
        body: { message: { msgId, state: 'ready', bodySize: 11, dequeueCount: 0 } },
      });
      const received = await call('ReceiveMessage', { queueName: queue });
      await call('DeleteMessage', { queueName: queue, receiptHandle: String(received['receiptHandle']) });
      await call('RewindQueue', { queueName: queue, startConsumeTime: 0 });
      const after = await admin(`/admin/v1/queues/${queue}/messages/${msgId}`);
      expect(after.status).toBe(200);
      expect(after.body['message']).toMatchObject({ state: 'ready', dequeueCount: 1 });
      const events = (after.body['trace'] as Array<{ event: string; detail: string }>).map((e) => e.event);
      expect(events).toEqual(['sent', 'received', 'deleted', 'rewound']);
      const trace = after.body['trace'] as Array<{ event: string; detail: string }>;
      expect(trace[1]!.detail).toBe(received['receiptHandle']);
    });

    it('refuses unauthenticated admin requests, answers 404 for a missing queue, null for a missing message and 400 for an id no message can have', async () => {
      expect((await admin('/admin/v1/queues/x/messages/1', false)).status).toBe(401);
      expect((await admin('/admin/v1/queues/no-such-queue/messages/1')).status).toBe(404);
      const queue = fresh('tr');
      await call('CreateQueue', { queueName: queue });
      expect(await admin(`/admin/v1/queues/${queue}/messages/123456789`)).toMatchObject({
        status: 200,
        body: { message: null, trace: [] },
      });
      expect((await admin('/admin/v1/elsewhere')).status).toBe(404);
      for (const bogus of ['abc', '12a', '-1', '%2012', '1'.repeat(21)]) {
        expect(await admin(`/admin/v1/queues/${queue}/messages/${bogus}`)).toMatchObject({
          status: 400,
          body: { error: 'bad-msg-id' },
        });
      }
    });
  });

  function admin(
    path: string,
    authenticated = true,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = authenticated
      ? {
          authorization: `Basic ${Buffer.from(`${TEST_CREDENTIAL.secretId}:${TEST_CREDENTIAL.secretKey}`).toString('base64')}`,
        }
      : {};
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  }
});
