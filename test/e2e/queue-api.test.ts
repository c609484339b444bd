import { request } from 'node:http';
import { encodeForm, signRequest } from '@opencmq/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendRaw, type CmqEnvelope } from '../support/cmq-client.js';
import { startTestServer, TEST_CREDENTIAL, waitFor, type TestServer } from '../support/test-server.js';

/** The CMQ v2 queue API over real HTTP against the SQLite engine, action by action. */
describe('CMQ v2 queue API', () => {
  let server: TestServer;
  let queue: string;
  let counter = 0;
  const call = (action: string, params: Record<string, string | number> = {}) =>
    server.client().call(action, params);
  const stats = async (name = queue) => {
    const r = await call('GetQueueAttributes', { queueName: name });
    return { active: r['activeMsgNum'], inactive: r['inactiveMsgNum'], delayed: r['delayMsgNum'] };
  };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(async () => {
    queue = `q-${++counter}`;
    expect(await call('CreateQueue', { queueName: queue, visibilityTimeout: 5 })).toMatchObject({ code: 0 });
  });

  describe('queue management', () => {
    it('creates a queue with every attribute and reads them back with exact counts', async () => {
      const created = await call('CreateQueue', {
        queueName: 'Full_Attrs-1',
        maxMsgHeapNum: 2_000_000,
        pollingWaitSeconds: 7,
        visibilityTimeout: 45,
        maxMsgSize: 2048,
        msgRetentionSeconds: 7200,
        rewindSeconds: 600,
      });
      expect(created).toMatchObject({ code: 0, message: '', queueId: expect.stringMatching(/^queue-/) });
      const attributes = await call('GetQueueAttributes', { queueName: 'full_attrs-1' });
      const nowSeconds = Math.floor(Date.now() / 1000);
      expect(attributes).toMatchObject({
        code: 0,
        queueId: created['queueId'],
        queueName: 'Full_Attrs-1',
        maxMsgHeapNum: 2_000_000,
        pollingWaitSeconds: 7,
        visibilityTimeout: 45,
        maxMsgSize: 2048,
        msgRetentionSeconds: 7200,
        rewindSeconds: 600,
        activeMsgNum: 0,
        inactiveMsgNum: 0,
        delayMsgNum: 0,
        rewindmsgNum: 0,
        rewindMsgNum: 0,
        minMsgTime: 0,
      });
      expect(Math.abs((attributes['createTime'] as number) - nowSeconds)).toBeLessThanOrEqual(2);
      expect(attributes['lastModifyTime']).toBe(attributes['createTime']);
    });

    it('applies the documented defaults when attributes are omitted', async () => {
      expect(await call('CreateQueue', { queueName: 'defaults' })).toMatchObject({ code: 0 });
      expect(await call('GetQueueAttributes', { queueName: 'defaults' })).toMatchObject({
        maxMsgHeapNum: 100_000_000,
        pollingWaitSeconds: 0,
        visibilityTimeout: 30,
        maxMsgSize: 65_536,
        msgRetentionSeconds: 345_600,
        rewindSeconds: 0,
      });
    });

    it('refuses a duplicate name in any casing with 4460', async () => {
      const r = await call('CreateQueue', { queueName: queue.toUpperCase() });
      expect(r).toMatchObject({
        code: 4460,
        message: expect.stringContaining('(4460)queue is already existed'),
      });
    });

    it('refuses bad names and out-of-range attributes, naming the parameter, and creates nothing', async () => {
      for (const queueName of ['1starts-with-digit', 'has space', 'x'.repeat(65), 'dot.ted']) {
        expect(await call('CreateQueue', { queueName })).toMatchObject({
          code: 4000,
          message: expect.stringContaining('(10020)'),
        });
      }
      const cases: Array<[string, number | string, number]> = [
        ['visibilityTimeout', 0, 10350],
        ['visibilityTimeout', 43_201, 10350],
        ['pollingWaitSeconds', 31, 10350],
        ['maxMsgSize', 1023, 10350],
        ['maxMsgSize', 1_048_577, 10350],
        ['msgRetentionSeconds', 59, 10350],
        ['msgRetentionSeconds', 1_296_001, 10350],
        ['maxMsgHeapNum', 999_999, 10350],
        ['visibilityTimeout', 'ten', 10360],
        ['visibilityTimeout', '1.5', 10360],
        // Blanks around the digits, which Number() would skip, are not an integer either.
        ['visibilityTimeout', ' 30', 10360],
        ['visibilityTimeout', '30\n', 10360],
        ['pollingWaitSeconds', '\t5', 10360],
      ];
      for (const [name, value, module] of cases) {
        const r = await call('CreateQueue', { queueName: 'never-created', [name]: value });
        expect(r, `${name}=${value}`).toMatchObject({
          code: 4000,
          message: expect.stringContaining(`(${module})`),
        });
        expect(r.message).toContain(name);
      }
      const rewind = await call('CreateQueue', {
        queueName: 'never-created',
        msgRetentionSeconds: 60,
        rewindSeconds: 61,
      });
      expect(rewind).toMatchObject({ code: 4000, message: expect.stringContaining('rewindSeconds') });
      // 16 digits are more than a double holds exactly: the refusal quotes the value as sent.
      const huge = await call('CreateQueue', {
        queueName: 'never-created',
        maxMsgHeapNum: '9999999999999999',
      });
      expect(huge).toMatchObject({ code: 4000, message: expect.stringContaining('got 9999999999999999') });
      expect(await call('GetQueueAttributes', { queueName: 'never-created' })).toMatchObject({ code: 4440 });
    });

    it('lists queues with search, offset, limit and the total count', async () => {
      for (const name of ['list-b', 'list-a', 'list-c', 'other-list'])
        await call('CreateQueue', { queueName: name });
      const page = await call('ListQueue', { searchWord: 'list-', offset: 1, limit: 1 });
      expect(page).toMatchObject({
        code: 0,
        totalCount: 3,
        queueList: [{ queueName: 'list-b', queueId: expect.any(String) }],
      });
      const all = await call('ListQueue', { searchWord: 'LIST' });
      expect(all['totalCount']).toBe(4);
      expect(await call('ListQueue', { limit: 51 })).toMatchObject({
        code: 4000,
        message: expect.stringContaining('limit'),
      });
    });

    it('sets attributes, echoes the new values and keeps the others', async () => {
      const r = await call('SetQueueAttributes', {
        queueName: queue,
        pollingWaitSeconds: 3,
        maxMsgSize: 4096,
      });
      expect(r).toMatchObject({
        code: 0,
        pollingWaitSeconds: 3,
        maxMsgSize: 4096,
        visibilityTimeout: 5,
        msgRetentionSeconds: 345_600,
      });
      expect(await call('GetQueueAttributes', { queueName: queue })).toMatchObject({
        pollingWaitSeconds: 3,
        maxMsgSize: 4096,
      });
      expect(await call('SetQueueAttributes', { queueName: 'missing', pollingWaitSeconds: 3 })).toMatchObject(
        { code: 4440 },
      );
    });

    it('deletes a queue; later calls answer 4440', async () => {
      await call('SendMessage', { queueName: queue, msgBody: 'x' });
      expect(await call('DeleteQueue', { queueName: queue })).toMatchObject({ code: 0 });
      for (const action of ['GetQueueAttributes', 'DeleteQueue', 'ReceiveMessage']) {
        expect(await call(action, { queueName: queue })).toMatchObject({
          code: 4440,
          message: expect.stringContaining('(10100)queue is not existed'),
        });
      }
      expect(await call('SendMessage', { queueName: queue, msgBody: 'x' })).toMatchObject({ code: 4440 });
    });
  });

  describe('messages', () => {
    it('sends, receives with every delivery field, and deletes', async () => {
      const sent = await call('SendMessage', {
        queueName: queue,
        msgBody: '{"order": 1, "note": "a+b=c & d"}',
      });
      expect(sent).toMatchObject({ code: 0, msgId: expect.any(String) });
      const before = Math.floor(Date.now() / 1000);
      const received = await call('ReceiveMessage', { queueName: queue });
      expect(received).toMatchObject({
        code: 0,
        msgBody: '{"order": 1, "note": "a+b=c & d"}',
        msgId: sent['msgId'],
        receiptHandle: expect.stringMatching(/^[A-Za-z0-9%#:_-]{1,256}$/),
        dequeueCount: 1,
      });
      for (const field of ['enqueueTime', 'firstDequeueTime', 'nextVisibleTime'])
        expect(typeof received[field]).toBe('number');
      expect(received['nextVisibleTime'] as number).toBeGreaterThanOrEqual(before + 4);
      expect(await stats()).toEqual({ active: 0, inactive: 1, delayed: 0 });
      expect(
        await call('DeleteMessage', { queueName: queue, receiptHandle: String(received['receiptHandle']) }),
      ).toMatchObject({ code: 0 });
      expect(await stats()).toEqual({ active: 0, inactive: 0, delayed: 0 });
    });

    it('answers 7000 "(10200)no message" on an empty queue', async () => {
      const r = await call('ReceiveMessage', { queueName: queue });
      expect(r).toMatchObject({ code: 7000, message: '(10200)no message', requestId: expect.any(String) });
      expect(await call('BatchReceiveMessage', { queueName: queue, numOfMsg: 16 })).toMatchObject({
        code: 7000,
      });
    });

    it('batch-sends with 0- and 1-based indices, in order, and batch-receives up to numOfMsg', async () => {
      const zero = await call('BatchSendMessage', { queueName: queue, 'msgBody.0': 'a', 'msgBody.1': 'b' });
      const one = await call('BatchSendMessage', {
        queueName: queue,
        'msgBody.1': 'c',
        'msgBody.2': 'd',
        'msgBody.3': 'e',
      });
      expect(zero['msgList']).toHaveLength(2);
      expect(one['msgList']).toHaveLength(3);
      const first = await call('BatchReceiveMessage', { queueName: queue, numOfMsg: 4 });
      expect((first['msgInfoList'] as Array<{ msgBody: string }>).map((m) => m.msgBody)).toEqual([
        'a',
        'b',
        'c',
        'd',
      ]);
      const rest = await call('BatchReceiveMessage', { queueName: queue, numOfMsg: 16 });
      expect((rest['msgInfoList'] as Array<{ msgBody: string }>).map((m) => m.msgBody)).toEqual(['e']);
    });

    it('sorts array indices numerically (msgBody.10 after msgBody.9)', async () => {
      const params: Record<string, string> = { queueName: queue };
      for (let i = 1; i <= 12; i++) params[`msgBody.${i}`] = `m${i}`;
      const sent = await call('BatchSendMessage', params);
      expect(sent['msgList']).toHaveLength(12);
      const received = await call('BatchReceiveMessage', { queueName: queue, numOfMsg: 16 });
      expect((received['msgInfoList'] as Array<{ msgBody: string }>).map((m) => m.msgBody)).toEqual(
        Array.from({ length: 12 }, (_, i) => `m${i + 1}`),
      );
    });

    it('refuses malformed batches without storing any message', async () => {
      const gap = await call('BatchSendMessage', { queueName: queue, 'msgBody.0': 'a', 'msgBody.2': 'b' });
      expect(gap).toMatchObject({ code: 4000, message: expect.stringContaining('(10380)msgBody') });
      const startsAt2 = await call('BatchSendMessage', { queueName: queue, 'msgBody.2': 'a' });
      expect(startsAt2).toMatchObject({ code: 4000, message: expect.stringContaining('(10380)') });
      const leadingZero = await call('BatchSendMessage', {
        queueName: queue,
        'msgBody.0': 'a',
        'msgBody.01': 'b',
      });
      expect(leadingZero).toMatchObject({ code: 4000, message: expect.stringContaining('(10380)msgBody') });
      // A bare msgBody beside msgBody.n: one of them would be dropped.
      const mixed = await call('BatchSendMessage', { queueName: queue, msgBody: 'bare', 'msgBody.0': 'a' });
      expect(mixed).toMatchObject({ code: 4000, message: expect.stringContaining('(10330)') });
      expect(mixed.message).toContain('msgBody');
      const tooMany: Record<string, string> = { queueName: queue };
      for (let i = 0; i < 17; i++) tooMany[`msgBody.${i}`] = 'x';
      expect(await call('BatchSendMessage', tooMany)).toMatchObject({
        code: 4000,
        message: expect.stringContaining('(10370)msgBody'),
      });
      const oneEmpty = await call('BatchSendMessage', {
        queueName: queue,
        'msgBody.0': 'a',
        'msgBody.1': '',
      });
      expect(oneEmpty).toMatchObject({ code: 4000, message: expect.stringContaining('(10120)') });
      await call('SetQueueAttributes', { queueName: queue, maxMsgSize: 1024 });
      const oneTooBig = await call('BatchSendMessage', {
        queueName: queue,
        'msgBody.0': 'a',
        'msgBody.1': 'é'.repeat(513),
      });
      expect(oneTooBig).toMatchObject({ code: 4400, message: expect.stringContaining('(10230)') });
      expect(await stats()).toEqual({ active: 0, inactive: 0, delayed: 0 });
      expect(await call('BatchReceiveMessage', { queueName: queue, numOfMsg: 16 })).toMatchObject({
        code: 7000,
      });
    });

    it('names the missing or bad parameter', async () => {
      expect(await call('SendMessage', { queueName: queue })).toMatchObject({
        code: 4000,
        message: expect.stringContaining('(10390)lacked of required parameter msgBody'),
      });
      expect(await call('SendMessage', { msgBody: 'x' })).toMatchObject({
        code: 4000,
        message: expect.stringContaining('queueName'),
      });
      expect(await call('SendMessage', { queueName: queue, msgBody: '' })).toMatchObject({
        code: 4000,
        message: expect.stringContaining('(10120)'),
      });
      expect(await call('BatchReceiveMessage', { queueName: queue })).toMatchObject({
        code: 4000,
        message: expect.stringContaining('numOfMsg'),
      });
      expect(await call('BatchReceiveMessage', { queueName: queue, numOfMsg: 17 })).toMatchObject({
        code: 4000,
        message: expect.stringContaining('numOfMsg'),
      });
      expect(await call('ReceiveMessage', { queueName: queue, pollingWaitSeconds: 31 })).toMatchObject({
        code: 4000,
        message: expect.stringContaining('pollingWaitSeconds'),
      });
      expect(await call('SendMessage', { queueName: queue, msgBody: 'x', delaySeconds: -1 })).toMatchObject({
        code: 4000,
        message: expect.stringContaining('(10692)'),
      });
      expect(await call('DeleteMessage', { queueName: queue })).toMatchObject({
        code: 4000,
        message: expect.stringContaining('receiptHandle'),
      });
    });

    it('refuses a message over maxMsgSize counting UTF-8 bytes', async () => {
      await call('SetQueueAttributes', { queueName: queue, maxMsgSize: 1024 });
      expect(await call('SendMessage', { queueName: queue, msgBody: 'x'.repeat(1024) })).toMatchObject({
        code: 0,
      });
      expect(await call('SendMessage', { queueName: queue, msgBody: '消'.repeat(342) })).toMatchObject({
        code: 4400,
      });
    });

    it('keeps a delayed message invisible and counted as delayed until its delay ends', async () => {
      await call('SendMessage', { queueName: queue, msgBody: 'later', delaySeconds: 1 });
      expect(await stats()).toEqual({ active: 0, inactive: 0, delayed: 1 });
      expect(await call('ReceiveMessage', { queueName: queue })).toMatchObject({ code: 7000 });
      const received = await call('ReceiveMessage', { queueName: queue, pollingWaitSeconds: 5 });
      expect(received).toMatchObject({ code: 0, msgBody: 'later' });
    });

    it('fences receipt handles: after a re-receive the old handle cannot delete (4430)', async () => {
      await call('SetQueueAttributes', { queueName: queue, visibilityTimeout: 1 });
      await call('SendMessage', { queueName: queue, msgBody: 'fenced' });
      const first = await call('ReceiveMessage', { queueName: queue });
      const second = await call('ReceiveMessage', { queueName: queue, pollingWaitSeconds: 5 });
      expect(second).toMatchObject({ code: 0, msgId: first['msgId'], dequeueCount: 2 });
      expect(second['firstDequeueTime']).toBe(first['firstDequeueTime']);
      expect(
        await call('DeleteMessage', { queueName: queue, receiptHandle: String(first['receiptHandle']) }),
      ).toMatchObject({
        code: 4430,
        message: '(10260)receipt handle is invalid',
      });
      expect(
        await call('DeleteMessage', { queueName: queue, receiptHandle: String(second['receiptHandle']) }),
      ).toMatchObject({ code: 0 });
      expect(await call('DeleteMessage', { queueName: queue, receiptHandle: 'not a handle' })).toMatchObject({
        code: 4000,
        message: expect.stringContaining('(10470)'),
      });
    });

    it('batch-deletes and reports each failed handle with 6010 and an errorList', async () => {
      await call('BatchSendMessage', { queueName: queue, 'msgBody.0': 'a', 'msgBody.1': 'b' });
      const received = (await call('BatchReceiveMessage', { queueName: queue, numOfMsg: 2 }))[
        'msgInfoList'
      ] as Array<{ receiptHandle: string }>;
      const r = await call('BatchDeleteMessage', {
        queueName: queue,
        'receiptHandle.0': received[0]!.receiptHandle,
        'receiptHandle.1': '999999:zz',
        'receiptHandle.2': received[1]!.receiptHandle,
        'receiptHandle.3': 'garbage!',
      });
      expect(r).toMatchObject({
        code: 6010,
        message: '(10150)delete message partially failed',
        errorList: [
          { code: 4430, message: '(10260)receipt handle is invalid', receiptHandle: '999999:zz' },
          { code: 4000, message: '(10470)receiptHandle error', receiptHandle: 'garbage!' },
        ],
      });
      expect(await stats()).toEqual({ active: 0, inactive: 0, delayed: 0 });
      await call('SendMessage', { queueName: queue, msgBody: 'c' });
      const c = await call('ReceiveMessage', { queueName: queue });
      expect(
        await call('BatchDeleteMessage', { queueName: queue, 'receiptHandle.1': String(c['receiptHandle']) }),
      ).toMatchObject({ code: 0 });
    });

    it('answers an empty unindexed receiptHandle as missing (10390), as DeleteMessage does', async () => {
      for (const action of ['DeleteMessage', 'BatchDeleteMessage']) {
        expect(await call(action, { queueName: queue, receiptHandle: '' })).toMatchObject({
          code: 4000,
          message: expect.stringContaining('(10390)lacked of required parameter receiptHandle'),
        });
      }
    });

    it('reports minMsgTime as the enqueue time of the oldest message not yet deleted', async () => {
      const sent = await call('SendMessage', { queueName: queue, msgBody: 'old' });
      const received = await call('ReceiveMessage', { queueName: queue });
      expect(received['msgId']).toBe(sent['msgId']);
      const attributes = await call('GetQueueAttributes', { queueName: queue });
      expect(attributes['minMsgTime']).toBe(received['enqueueTime']);
      await call('DeleteMessage', { queueName: queue, receiptHandle: String(received['receiptHandle']) });
      expect((await call('GetQueueAttributes', { queueName: queue }))['minMsgTime']).toBe(0);
    });
  });

  describe('long polling', () => {
    it('returns as soon as a message is sent during the wait', async () => {
      const started = Date.now();
      const pending = call('ReceiveMessage', { queueName: queue, pollingWaitSeconds: 20 });
      await waitFor(() => server.app.queues.waitingReceivers(queue) === 1, 5000, 'the receiver to wait');
      await call('SendMessage', { queueName: queue, msgBody: 'wake' });
      expect(await pending).toMatchObject({ code: 0, msgBody: 'wake' });
      expect(Date.now() - started).toBeLessThan(20_000);
    });

    it('answers 7000 when the wait ends without a message, not before and not long after', async () => {
      const started = Date.now();
      expect(await call('ReceiveMessage', { queueName: queue, pollingWaitSeconds: 1 })).toMatchObject({
        code: 7000,
      });
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(990);
      expect(elapsed).toBeLessThan(1900);
    });

    it('uses the queue pollingWaitSeconds when the request has none', async () => {
      await call('SetQueueAttributes', { queueName: queue, pollingWaitSeconds: 10 });
      const pending = call('ReceiveMessage', { queueName: queue });
      await waitFor(() => server.app.queues.waitingReceivers(queue) === 1, 5000, 'the receiver to wait');
      await call('SendMessage', { queueName: queue, msgBody: 'via queue default' });
      expect(await pending).toMatchObject({ code: 0, msgBody: 'via queue default' });
    });

    it('wakes one waiter per message, and every waiter gets a different message', async () => {
      const waiters = Array.from({ length: 4 }, () =>
        call('ReceiveMessage', { queueName: queue, pollingWaitSeconds: 20 }),
      );
      await waitFor(() => server.app.queues.waitingReceivers(queue) === 4, 5000, 'four receivers to wait');
      await call('BatchSendMessage', { queueName: queue, 'msgBody.0': 'w1', 'msgBody.1': 'w2' });
      await waitFor(
        () => server.app.queues.waitingReceivers(queue) === 2,
        5000,
        'two receivers to be served',
      );
      await call('BatchSendMessage', { queueName: queue, 'msgBody.0': 'w3', 'msgBody.1': 'w4' });
      const bodies = (await Promise.all(waiters)).map((r) => r['msgBody']);
      expect(bodies.sort()).toEqual(['w1', 'w2', 'w3', 'w4']);
    });

    it('wakes when an in-flight message becomes visible again', async () => {
      await call('SetQueueAttributes', { queueName: queue, visibilityTimeout: 1 });
      await call('SendMessage', { queueName: queue, msgBody: 'comes back' });
      const first = await call('ReceiveMessage', { queueName: queue });
      const again = await call('ReceiveMessage', { queueName: queue, pollingWaitSeconds: 10 });
      expect(again).toMatchObject({ code: 0, msgId: first['msgId'], dequeueCount: 2 });
    });
  });

  describe('transport', () => {
    const signed = (
      params: Record<string, string>,
      options: {
        method?: 'GET' | 'POST';
        path?: string;
        host?: string;
        sig?: 'HmacSHA1' | 'HmacSHA256';
      } = {},
    ) =>
      signRequest({
        method: options.method ?? 'POST',
        host: options.host ?? `127.0.0.1:${server.port}`,
        path: options.path ?? '/v2/index.php',
        ...TEST_CREDENTIAL,
        action: params['Action'] ?? 'ListQueue',
        params: Object.fromEntries(Object.entries(params).filter(([k]) => k !== 'Action')),
        ...(options.sig ? { signatureMethod: options.sig } : {}),
        nowSeconds: Math.floor(Date.now() / 1000),
        nonce: String(Math.floor(Math.random() * 1e15)),
      });

    it('serves GET with parameters in the query string, on any path', async () => {
      const form = encodeForm(
        signed({ Action: 'SendMessage', queueName: queue, msgBody: 'via get' }, { method: 'GET', path: '/' }),
      );
      expect(await sendRaw(server.port, 'GET', '/', form)).toMatchObject({
        code: 0,
        msgId: expect.any(String),
      });
    });

    it('parses the body as a form whatever the Content-Type (none, */*), with HmacSHA1 too', async () => {
      const form = encodeForm(
        signed({ Action: 'GetQueueAttributes', queueName: queue }, { sig: 'HmacSHA1' }),
      );
      const bare = await rawPost(server.port, form, {});
      expect(bare).toMatchObject({ code: 0, queueName: queue });
      const java = encodeForm(signed({ Action: 'GetQueueAttributes', queueName: queue }));
      expect(await rawPost(server.port, java, { 'content-type': '*/*;charset=utf-8' })).toMatchObject({
        code: 0,
      });
    });

    it('matches actions case-insensitively and ignores unknown (signed) parameters', async () => {
      const r = await call('getqueueATTRIBUTES', {
        queueName: queue,
        UserpollingWaitSeconds: 30,
        RequestClient: 'SDK_Python_1.3',
      });
      expect(r).toMatchObject({ code: 0, queueName: queue });
    });

    it('accepts a signature over the host without the port (SDKs that sign the bare host)', async () => {
      const r = await server.client({ signedHost: '127.0.0.1' }).call('ListQueue');
      expect(r).toMatchObject({ code: 0 });
    });

    it('refuses a repeated parameter with 10330 and an unknown action with 10430', async () => {
      const form = `${encodeForm(signed({ Action: 'SendMessage', queueName: queue, msgBody: 'x' }))}&msgBody=y`;
      expect(await sendRaw(server.port, 'POST', '/v2/index.php', form)).toMatchObject({
        code: 4000,
        message: expect.stringContaining('(10330)parameter msgBody'),
      });
      expect(await call('FlyToTheMoon')).toMatchObject({
        code: 4000,
        message: expect.stringContaining('(10430)action name FlyToTheMoon'),
      });
      expect(await stats()).toEqual({ active: 0, inactive: 0, delayed: 0 });
    });

    it('refuses a body with a malformed escape or escapes not of UTF-8 with 10420, storing nothing', async () => {
      const form = encodeForm(signed({ Action: 'SendMessage', queueName: queue, msgBody: 'PLACEHOLDER' }));
      for (const body of ['a%E0%A4', 'a%ZZb', 'abc%', '%FF']) {
        const answer = await sendRaw(server.port, 'POST', '/v2/index.php', form.replace('PLACEHOLDER', body));
        expect(answer, body).toMatchObject({
          code: 4000,
          message: expect.stringContaining('(10420)cannot parse parameter msgBody'),
        });
      }
      expect(await stats()).toEqual({ active: 0, inactive: 0, delayed: 0 });
    });

    it('refuses methods other than GET and POST with 10410', async () => {
      expect(await sendRaw(server.port, 'PUT', '/v2/index.php', '')).toMatchObject({
        code: 4000,
        message: expect.stringContaining('(10410)unexpected http PUT'),
      });
    });

    it('refuses an oversized body early with 10420, declared or streamed', async () => {
      const limit = server.config.maxRequestBytes;
      const declared = await rawPost(server.port, 'x'.repeat(limit + 1), {});
      expect(declared).toMatchObject({ code: 4000, message: expect.stringContaining('(10420)') });
      const streamed = await chunkedPost(server.port, limit + 64 * 1024);
      expect(streamed).toMatchObject({ code: 4000, message: expect.stringContaining('(10420)') });
    });

    it('answers a GET whose URL is larger than the 64 KiB head limit with 10420, not a bare HTTP error', async () => {
      const form = encodeForm(
        signed({ Action: 'SendMessage', queueName: queue, msgBody: 'x'.repeat(70_000) }, { method: 'GET' }),
      );
      expect(await sendRaw(server.port, 'GET', '/v2/index.php', form)).toMatchObject({
        code: 4000,
        message: expect.stringContaining('(10420)'),
      });
      const fits = encodeForm(
        signed({ Action: 'SendMessage', queueName: queue, msgBody: 'y'.repeat(20_000) }, { method: 'GET' }),
      );
      expect(await sendRaw(server.port, 'GET', '/v2/index.php', fits)).toMatchObject({ code: 0 });
    });

    it('names the batch limit when a batch is larger than 1 MiB in total', async () => {
      await call('SetQueueAttributes', { queueName: queue, maxMsgSize: 1_048_576 });
      const r = await call('BatchSendMessage', {
        queueName: queue,
        'msgBody.0': 'a'.repeat(600_000),
        'msgBody.1': 'b'.repeat(600_000),
      });
      expect(r).toMatchObject({
        code: 4470,
        message: '(10300)total message size exceed 1048576 bytes (this batch is 1200000)',
      });
    });

    it('refuses too many parameters before doing any work', async () => {
      const params: Record<string, string> = { Action: 'ListQueue' };
      for (let i = 0; i < server.config.maxParams + 1; i++) params[`p${i}`] = 'v';
      expect(await sendRaw(server.port, 'POST', '/', encodeForm(Object.entries(params)))).toMatchObject({
        code: 4000,
        message: expect.stringContaining('(10420)'),
      });
    });
  });

  describe('authentication', () => {
    it('refuses a wrong key, an unknown SecretId, a tampered parameter and a missing signature, changing nothing', async () => {
      const wrongKey = await server
        .client({ secretKey: 'not-the-key' })
        .call('SendMessage', { queueName: queue, msgBody: 'x' });
      expect(wrongKey).toMatchObject({
        code: 4100,
        message: expect.stringContaining('(10030)authentication failed'),
      });
      const unknownId = await server
        .client({ secretId: 'AKIDnobody' })
        .call('SendMessage', { queueName: queue, msgBody: 'x' });
      expect(unknownId).toMatchObject({ code: 4100, message: expect.stringContaining('(10270)') });
      const tampered = await server
        .client()
        .call('SendMessage', { queueName: queue, msgBody: 'x' }, { overrides: { msgBody: 'y' } });
      expect(tampered).toMatchObject({ code: 4100 });
      const unsigned = await sendRaw(
        server.port,
        'POST',
        '/v2/index.php',
        encodeForm([
          ['Action', 'SendMessage'],
          ['queueName', queue],
          ['msgBody', 'x'],
        ]),
      );
      expect(unsigned).toMatchObject({ code: 4100, message: expect.stringContaining('SecretId') });
      expect(await stats()).toEqual({ active: 0, inactive: 0, delayed: 0 });
    });

    it('refuses a timestamp outside the window', async () => {
      const stale = await server
        .client()
        .call(
          'ListQueue',
          {},
          { nowSeconds: Math.floor(Date.now() / 1000) - server.config.timestampWindowSeconds - 5 },
        );
      expect(stale).toMatchObject({ code: 4100, message: expect.stringContaining('Timestamp') });
    });

    it('accepts an identical request twice by default (cmq-sdk nonces collide), refuses it with replay protection on', async () => {
      const nowSeconds = Math.floor(Date.now() / 1000);
      const send = (target: TestServer) =>
        target
          .client()
          .call('SendMessage', { queueName: queue, msgBody: 'once' }, { nowSeconds, nonce: '42' });
      expect(await send(server)).toMatchObject({ code: 0 });
      expect(await send(server)).toMatchObject({ code: 0 });
      const guarded = await startTestServer({ replayProtection: true });
      try {
        await guarded.client().call('CreateQueue', { queueName: queue });
        expect(await send(guarded)).toMatchObject({ code: 0 });
        expect(await send(guarded)).toMatchObject({
          code: 4100,
          message: expect.stringContaining('already received'),
        });
        const attributes = await guarded.client().call('GetQueueAttributes', { queueName: queue });
        expect(attributes['activeMsgNum']).toBe(1);
      } finally {
        await guarded.close();
      }
    });

    it('accepts nonces beyond 2^53 as opaque strings', async () => {
      expect(await server.client().call('ListQueue', {}, { nonce: '9223372036854775806' })).toMatchObject({
        code: 0,
      });
    });
  });
});

function rawPost(port: number, body: string, headers: Record<string, string>): Promise<CmqEnvelope> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/v2/index.php', headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CmqEnvelope));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Streams `total` bytes without a Content-Length; resolves with the answer the server sends. */
function chunkedPost(port: number, total: number): Promise<CmqEnvelope> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v2/index.php',
        headers: { 'transfer-encoding': 'chunked' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CmqEnvelope));
      },
    );
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}
