import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_CREDENTIAL, waitFor, type TestServer } from '../support/test-server.js';
import {
  createSdkClient,
  nowSeconds,
  REGION,
  type CmqSdkClient,
  type SignatureMethod,
} from './cmq-sdk-client.js';
import { redirectHttpHost, type HostRedirect } from './cmq-sdk-transport.js';

/**
 * The npm package `cmq-sdk` 2.1.0 against the real server. The SDK cannot be pointed at another endpoint:
 * it posts with got@10 to `http://cmq-queue-{region}.api.tencentyun.com/v2/index.php` (extranet: false)
 * and signs that host without a port, so the test moves only its sockets to the test server.
 *
 * How the SDK surfaces results (node_modules/cmq-sdk/dist/common.js): `got.post(...).json()` resolves with
 * the parsed envelope whatever its `code`, so API errors (7000, 6010, 4440, 4100...) come back as values;
 * only a non-2xx status, an unparseable body or a timeout (10 s, or pollingWaitSeconds + 1 s) would throw.
 */

const SDK_HOST = `cmq-queue-${REGION}.api.tencentyun.com`;
// The server may append a detail after the documented text ("...: <queue>"), so messages match on a prefix.
const NOT_FOUND = {
  code: 4440,
  message: expect.stringMatching(/^\(10100\)queue is not existed, or deleted/),
};
const NO_MESSAGE = { code: 7000, message: '(10200)no message', requestId: expect.any(String) };
const HANDLE_INVALID = { code: 4430, message: '(10260)receipt handle is invalid' };
const HANDLE_MALFORMED = { code: 4000, message: '(10470)receiptHandle error' };

/** Every field GetQueueAttributesResponse declares in cmq-sdk's types, plus delayMsgNum from the docs. */
const ATTRIBUTE_RESPONSE_FIELDS = [
  'maxMsgHeapNum',
  'pollingWaitSeconds',
  'visibilityTimeout',
  'maxMsgSize',
  'msgRetentionSeconds',
  'createTime',
  'lastModifyTime',
  'activeMsgNum',
  'inactiveMsgNum',
  'rewindSeconds',
  'rewindmsgNum',
  'minMsgTime',
  'delayMsgNum',
] as const;

describe.each<SignatureMethod>(['HmacSHA1', 'HmacSHA256'])(
  'cmq-sdk queue client signing with %s',
  (method) => {
    let server: TestServer;
    let redirect: HostRedirect | undefined;
    let sdk: CmqSdkClient;

    beforeAll(async () => {
      server = await startTestServer();
      redirect = redirectHttpHost(SDK_HOST, server.port);
      sdk = createSdkClient(method);
    });

    afterAll(async () => {
      redirect?.restore();
      await server?.close();
    });

    async function createQueue(queueName: string, attributes: Record<string, number> = {}): Promise<string> {
      const created = await sdk.createQueue({ queueName, ...attributes });
      expect(created).toMatchObject({ code: 0, message: '', queueId: expect.any(String) });
      return created.queueId;
    }

    async function counts(queueName: string) {
      const attributes = await sdk.getQueueAttributes({ queueName });
      expect(attributes.code).toBe(0);
      const { activeMsgNum, inactiveMsgNum, delayMsgNum } = attributes;
      return { activeMsgNum, inactiveMsgNum, delayMsgNum: delayMsgNum as unknown };
    }

    it('reaches the server with the SDK own Host header and signature when its sockets are redirected', async () => {
      const listed = await sdk.listQueue({});
      expect(listed).toMatchObject({ code: 0, message: '', requestId: expect.any(String) });
      expect(redirect!.connections).toBeGreaterThan(0);
      const wire = redirect!.written();
      expect(wire).toMatch(/^POST \/v2\/index\.php HTTP\/1\.1\r$/m);
      expect(wire).toMatch(new RegExp(`^host: ${SDK_HOST.replaceAll('.', '\\.')}\\r$`, 'im'));
      expect(wire).toContain(`SignatureMethod=${method}`);
      expect(wire).toContain(`Region=${REGION}`);
    });

    it('creates a queue with every attribute the SDK declares when all are given', async () => {
      const attributes = {
        maxMsgHeapNum: 2_000_000,
        pollingWaitSeconds: 3,
        visibilityTimeout: 45,
        maxMsgSize: 2048,
        msgRetentionSeconds: 7200,
        rewindSeconds: 600,
      };
      const before = nowSeconds();
      const queueId = await createQueue('created-with-attributes', attributes);
      expect(queueId).not.toBe('');

      const got = await sdk.getQueueAttributes({ queueName: 'created-with-attributes' });
      expect(got).toMatchObject({ code: 0, ...attributes });
      expect(got.createTime).toBeGreaterThanOrEqual(before);
      expect(got.createTime).toBeLessThanOrEqual(nowSeconds());
      expect(got.lastModifyTime).toBe(got.createTime);
    });

    it('answers 4460 when a queue name differs from an existing one only in case', async () => {
      await createQueue('case-clash');
      const again = await sdk.createQueue({ queueName: 'CASE-Clash' });
      expect(again).toMatchObject({
        code: 4460,
        message: expect.stringMatching(/^\(4460\)queue is already existed,case insensitive/),
      });
    });

    it('lists queues matching a search word page by page with the total count when offset and limit are given', async () => {
      const ids = new Map<string, string>();
      for (const name of ['listed-c', 'listed-a', 'listed-b']) ids.set(name, await createQueue(name));
      await createQueue('unlisted');

      const all = await sdk.listQueue({ searchWord: 'listed-' });
      expect(all).toMatchObject({ code: 0, totalCount: 3 });
      expect(all.queueList).toHaveLength(3);

      const first = await sdk.listQueue({ searchWord: 'listed-', offset: 0, limit: 2 });
      const second = await sdk.listQueue({ searchWord: 'listed-', offset: 2, limit: 2 });
      const beyond = await sdk.listQueue({ searchWord: 'listed-', offset: 3, limit: 2 });
      expect(first).toMatchObject({ code: 0, totalCount: 3 });
      expect(second).toMatchObject({ code: 0, totalCount: 3 });
      expect(beyond).toMatchObject({ code: 0, totalCount: 3, queueList: [] });
      expect(first.queueList).toHaveLength(2);
      expect(second.queueList).toHaveLength(1);

      const paged = [...first.queueList, ...second.queueList].sort((a, b) =>
        a.queueName.localeCompare(b.queueName),
      );
      expect(paged).toEqual(
        [...ids]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([queueName, queueId]) => ({ queueId, queueName })),
      );
    });

    it('returns every declared attribute with exact counts when messages are ready, in flight and delayed', async () => {
      const queueName = 'counted';
      await createQueue(queueName, { visibilityTimeout: 300 });
      const empty = await sdk.getQueueAttributes({ queueName });
      for (const field of ATTRIBUTE_RESPONSE_FIELDS) expect(typeof empty[field], field).toBe('number');
      expect(empty).toMatchObject({
        code: 0,
        activeMsgNum: 0,
        inactiveMsgNum: 0,
        delayMsgNum: 0,
        rewindmsgNum: 0,
        minMsgTime: 0,
        maxMsgHeapNum: 100_000_000,
        pollingWaitSeconds: 0,
        visibilityTimeout: 300,
        maxMsgSize: 65_536,
        msgRetentionSeconds: 345_600,
        rewindSeconds: 0,
      });

      expect(await sdk.sendMessage({ queueName, msgBody: 'first' })).toMatchObject({ code: 0 });
      expect(await sdk.sendMessage({ queueName, msgBody: 'second' })).toMatchObject({ code: 0 });
      expect(await sdk.sendMessage({ queueName, msgBody: 'later', delaySeconds: 600 })).toMatchObject({
        code: 0,
      });
      const received = await sdk.batchReceiveMessage({ queueName, numOfMsg: 16, pollingWaitSeconds: 0 });
      expect(received.code).toBe(0);
      expect(received.msgInfoList.map((m) => m.msgBody).sort()).toEqual(['first', 'second']);
      expect(await sdk.sendMessage({ queueName, msgBody: 'third' })).toMatchObject({ code: 0 });

      const got = await sdk.getQueueAttributes({ queueName });
      for (const field of ATTRIBUTE_RESPONSE_FIELDS) expect(typeof got[field], field).toBe('number');
      expect(got).toMatchObject({
        code: 0,
        activeMsgNum: 1,
        inactiveMsgNum: 2,
        delayMsgNum: 1,
        rewindmsgNum: 0,
        minMsgTime: Math.min(...received.msgInfoList.map((m) => m.enqueueTime)),
      });
    });

    it('echoes the updated attributes when they are set and get returns them afterwards', async () => {
      const queueName = 'settable';
      await createQueue(queueName);
      const updated = {
        maxMsgHeapNum: 5_000_000,
        pollingWaitSeconds: 5,
        visibilityTimeout: 120,
        maxMsgSize: 4096,
        msgRetentionSeconds: 86_400,
        rewindSeconds: 3600,
      };
      const set = await sdk.setQueueAttributes({ queueName, ...updated });
      expect(set).toMatchObject({ code: 0, message: '', ...updated });

      const partial = await sdk.setQueueAttributes({ queueName, visibilityTimeout: 90 });
      expect(partial).toMatchObject({ code: 0, ...updated, visibilityTimeout: 90 });

      const got = await sdk.getQueueAttributes({ queueName });
      expect(got).toMatchObject({ code: 0, ...updated, visibilityTimeout: 90 });
      expect(got.lastModifyTime).toBeGreaterThanOrEqual(got.createTime);

      const refused = await sdk.setQueueAttributes({ queueName, visibilityTimeout: 0 });
      expect(refused.code).toBe(4000);
      expect(refused.message).toMatch(/^\(10350\)parameter visibilityTimeout /);
      expect(await sdk.getQueueAttributes({ queueName })).toMatchObject({ visibilityTimeout: 90 });
    });

    it('receives a sent message with every field the SDK declares when no delay is given', async () => {
      const queueName = 'plain';
      await createQueue(queueName, { visibilityTimeout: 40 });
      // Form-significant and non-ASCII characters: the SDK signs raw values and got percent-encodes them.
      const msgBody = '{"k":"a&b=c+d %25"} 中文 ✓';
      const before = nowSeconds();
      const sent = await sdk.sendMessage({ queueName, msgBody });
      expect(sent).toMatchObject({ code: 0, message: '', msgId: expect.any(String) });

      const received = await sdk.receiveMessage({ queueName, pollingWaitSeconds: 0 });
      expect(received).toMatchObject({
        code: 0,
        msgBody,
        msgId: sent.msgId,
        receiptHandle: expect.any(String),
        dequeueCount: 1,
      });
      expect(received.enqueueTime).toBeGreaterThanOrEqual(before);
      expect(received.firstDequeueTime).toBeGreaterThanOrEqual(received.enqueueTime);
      expect(received.firstDequeueTime).toBeLessThanOrEqual(nowSeconds());
      expect(received.nextVisibleTime).toBe(received.firstDequeueTime + 40);
      expect(await counts(queueName)).toEqual({ activeMsgNum: 0, inactiveMsgNum: 1, delayMsgNum: 0 });
    });

    it('keeps a message sent with delaySeconds invisible until the delay has passed', async () => {
      const queueName = 'delayed';
      await createQueue(queueName);
      const sent = await sdk.sendMessage({ queueName, msgBody: 'patience', delaySeconds: 2 });
      expect(sent).toMatchObject({ code: 0, msgId: expect.any(String) });
      expect(await sdk.receiveMessage({ queueName, pollingWaitSeconds: 0 })).toEqual(NO_MESSAGE);
      expect(await counts(queueName)).toEqual({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 1 });

      // The long poll returns when the delay ends (the SDK allows pollingWaitSeconds + 1 s).
      const received = await sdk.receiveMessage({ queueName, pollingWaitSeconds: 10 });
      expect(received).toMatchObject({ code: 0, msgBody: 'patience', msgId: sent.msgId });
      expect(received.firstDequeueTime - received.enqueueTime).toBeGreaterThanOrEqual(1);
    });

    it('sends a batch with the 0-based indices the SDK uses and answers ids in input order', async () => {
      const queueName = 'batched';
      await createQueue(queueName);
      const bodies = Array.from({ length: 16 }, (_, i) => `batch-${i}`);
      const sent = await sdk.batchSendMessage({ queueName, msgBody: bodies });
      expect(sent).toMatchObject({ code: 0, message: '' });
      expect(sent.msgList).toHaveLength(16);
      const wire = redirect!.written();
      expect(wire).toContain('msgBody.0=batch-0');
      expect(wire).toContain('msgBody.15=batch-15');
      expect(wire).not.toContain('msgBody.16=');

      const received = await sdk.batchReceiveMessage({ queueName, numOfMsg: 16, pollingWaitSeconds: 0 });
      expect(received.code).toBe(0);
      expect(received.msgInfoList).toHaveLength(16);
      for (const info of received.msgInfoList) {
        expect(info).toEqual({
          msgBody: expect.any(String),
          msgId: expect.any(String),
          receiptHandle: expect.any(String),
          enqueueTime: expect.any(Number),
          firstDequeueTime: expect.any(Number),
          nextVisibleTime: expect.any(Number),
          dequeueCount: 1,
        });
      }
      const bodyById = new Map(received.msgInfoList.map((m) => [m.msgId, m.msgBody]));
      expect(sent.msgList.map((m) => bodyById.get(m.msgId))).toEqual(bodies);

      const deleted = await sdk.batchDeleteMessage({
        queueName,
        receiptHandle: received.msgInfoList.map((m) => m.receiptHandle),
      });
      expect(deleted).toEqual({ code: 0, message: '', requestId: expect.any(String) });
      expect(await counts(queueName)).toEqual({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0 });
    });

    it('delays a whole batch when delaySeconds is given once for it', async () => {
      const queueName = 'batch-delayed';
      await createQueue(queueName);
      const sent = await sdk.batchSendMessage({ queueName, msgBody: ['x', 'y', 'z'], delaySeconds: 600 });
      expect(sent).toMatchObject({ code: 0 });
      expect(sent.msgList).toHaveLength(3);
      expect(await counts(queueName)).toEqual({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 3 });
      expect(await sdk.batchReceiveMessage({ queueName, numOfMsg: 3, pollingWaitSeconds: 0 })).toEqual(
        NO_MESSAGE,
      );
    });

    it('returns a long-polling receive when a message is sent during the wait', async () => {
      const queueName = 'long-poll';
      await createQueue(queueName);
      const receiving = sdk.receiveMessage({ queueName, pollingWaitSeconds: 10 });
      await waitFor(() => server.app.queues.waitingReceivers(queueName) === 1, 5000, 'receiver waiting');
      const sent = await sdk.sendMessage({ queueName, msgBody: 'wake up' });
      expect(await receiving).toMatchObject({ code: 0, msgBody: 'wake up', msgId: sent.msgId });
    });

    it('long-polls for the queue pollingWaitSeconds when the receive does not give one', async () => {
      const queueName = 'long-poll-default';
      await createQueue(queueName, { pollingWaitSeconds: 8 });
      const receiving = sdk.receiveMessage({ queueName });
      await waitFor(() => server.app.queues.waitingReceivers(queueName) === 1, 5000, 'receiver waiting');
      const sent = await sdk.sendMessage({ queueName, msgBody: 'by attribute' });
      expect(await receiving).toMatchObject({ code: 0, msgBody: 'by attribute', msgId: sent.msgId });
    });

    it('returns a long-polling batch receive when a batch is sent during the wait', async () => {
      const queueName = 'long-poll-batch';
      await createQueue(queueName);
      const receiving = sdk.batchReceiveMessage({ queueName, numOfMsg: 4, pollingWaitSeconds: 10 });
      await waitFor(() => server.app.queues.waitingReceivers(queueName) === 1, 5000, 'receiver waiting');
      const sent = await sdk.batchSendMessage({ queueName, msgBody: ['one', 'two'] });
      expect(sent.code).toBe(0);

      const first = await receiving;
      expect(first.code).toBe(0);
      expect(first.msgInfoList.length).toBeGreaterThan(0);
      const bodies = first.msgInfoList.map((m) => m.msgBody);
      if (bodies.length < 2) {
        const rest = await sdk.batchReceiveMessage({ queueName, numOfMsg: 4, pollingWaitSeconds: 0 });
        expect(rest.code).toBe(0);
        bodies.push(...rest.msgInfoList.map((m) => m.msgBody));
      }
      expect(bodies.sort()).toEqual(['one', 'two']);
    });

    it('resolves with 7000 "(10200)no message" rather than throwing when the queue is empty', async () => {
      const queueName = 'empty';
      await createQueue(queueName);
      expect(await sdk.receiveMessage({ queueName, pollingWaitSeconds: 0 })).toEqual(NO_MESSAGE);
      expect(await sdk.receiveMessage({ queueName, pollingWaitSeconds: 1 })).toEqual(NO_MESSAGE);
      expect(await sdk.batchReceiveMessage({ queueName, numOfMsg: 16, pollingWaitSeconds: 0 })).toEqual(
        NO_MESSAGE,
      );
      expect(await sdk.batchReceiveMessage({ queueName, numOfMsg: 16, pollingWaitSeconds: 1 })).toEqual(
        NO_MESSAGE,
      );
    });

    it('deletes a message with its receipt handle and refuses that handle afterwards', async () => {
      const queueName = 'deletable';
      await createQueue(queueName);
      await sdk.sendMessage({ queueName, msgBody: 'delete me' });
      const received = await sdk.receiveMessage({ queueName, pollingWaitSeconds: 0 });
      expect(received).toMatchObject({ code: 0, msgBody: 'delete me' });

      const deleted = await sdk.deleteMessage({ queueName, receiptHandle: received.receiptHandle });
      expect(deleted).toEqual({ code: 0, message: '', requestId: expect.any(String) });
      expect(await counts(queueName)).toEqual({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0 });

      const again = await sdk.deleteMessage({ queueName, receiptHandle: received.receiptHandle });
      expect(again).toMatchObject(HANDLE_INVALID);
      const malformed = await sdk.deleteMessage({ queueName, receiptHandle: 'not-a-handle' });
      expect(malformed).toMatchObject(HANDLE_MALFORMED);
    });

    it('answers 6010 with an errorList of the stale and malformed handles when a batch delete partly fails', async () => {
      const queueName = 'partly-deleted';
      await createQueue(queueName, { visibilityTimeout: 1 });
      await sdk.sendMessage({ queueName, msgBody: 'redelivered' });
      const firstReceive = await sdk.receiveMessage({ queueName, pollingWaitSeconds: 0 });
      expect(firstReceive).toMatchObject({ code: 0, msgBody: 'redelivered', dequeueCount: 1 });
      // Later receives hold messages long enough for the batch delete below.
      expect(await sdk.setQueueAttributes({ queueName, visibilityTimeout: 300 })).toMatchObject({ code: 0 });
      // Wait (server-side long poll) for the first receive's visibility timeout to end and receive it again:
      // the first handle is now stale.
      const secondReceive = await sdk.receiveMessage({ queueName, pollingWaitSeconds: 10 });
      expect(secondReceive).toMatchObject({ code: 0, msgId: firstReceive.msgId, dequeueCount: 2 });
      expect(secondReceive.receiptHandle).not.toBe(firstReceive.receiptHandle);
      await sdk.sendMessage({ queueName, msgBody: 'fresh' });
      const fresh = await sdk.receiveMessage({ queueName, pollingWaitSeconds: 0 });
      expect(fresh).toMatchObject({ code: 0, msgBody: 'fresh' });

      const result = await sdk.batchDeleteMessage({
        queueName,
        receiptHandle: [
          secondReceive.receiptHandle,
          firstReceive.receiptHandle,
          fresh.receiptHandle,
          'garbage',
        ],
      });
      expect(result).toEqual({
        code: 6010,
        message: '(10150)delete message partially failed',
        requestId: expect.any(String),
        errorList: [
          { ...HANDLE_INVALID, receiptHandle: firstReceive.receiptHandle },
          { ...HANDLE_MALFORMED, receiptHandle: 'garbage' },
        ],
      });
      expect(await counts(queueName)).toEqual({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0 });
    });

    const missingQueueCalls: Array<[string, (client: CmqSdkClient) => Promise<{ code: number }>]> = [
      ['getQueueAttributes', (c) => c.getQueueAttributes({ queueName: 'missing' })],
      ['setQueueAttributes', (c) => c.setQueueAttributes({ queueName: 'missing', visibilityTimeout: 60 })],
      ['deleteQueue', (c) => c.deleteQueue({ queueName: 'missing' })],
      ['sendMessage', (c) => c.sendMessage({ queueName: 'missing', msgBody: 'lost' })],
      ['batchSendMessage', (c) => c.batchSendMessage({ queueName: 'missing', msgBody: ['a', 'b'] })],
      ['receiveMessage', (c) => c.receiveMessage({ queueName: 'missing', pollingWaitSeconds: 0 })],
      ['batchReceiveMessage', (c) => c.batchReceiveMessage({ queueName: 'missing', numOfMsg: 2 })],
      ['deleteMessage', (c) => c.deleteMessage({ queueName: 'missing', receiptHandle: '1:abc' })],
      ['batchDeleteMessage', (c) => c.batchDeleteMessage({ queueName: 'missing', receiptHandle: ['1:abc'] })],
    ];
    it.each(missingQueueCalls)('resolves %s with 4440 when the queue does not exist', async (_name, call) => {
      expect(await call(sdk)).toEqual({ ...NOT_FOUND, requestId: expect.any(String) });
    });

    it('deletes a queue holding messages so that it is no longer found or listed', async () => {
      const queueName = 'doomed';
      await createQueue(queueName);
      await sdk.batchSendMessage({ queueName, msgBody: ['a', 'b'] });
      const deleted = await sdk.deleteQueue({ queueName });
      expect(deleted).toEqual({ code: 0, message: '', requestId: expect.any(String) });
      expect(await sdk.getQueueAttributes({ queueName })).toMatchObject(NOT_FOUND);
      expect(await sdk.listQueue({ searchWord: queueName })).toMatchObject({
        code: 0,
        totalCount: 0,
        queueList: [],
      });
      expect(await sdk.deleteQueue({ queueName })).toMatchObject(NOT_FOUND);
    });

    it('rewinds a queue when rewind is enabled and answers 6050 when it is not', async () => {
      await createQueue('rewindable', { rewindSeconds: 3600 });
      await createQueue('not-rewindable');
      const startConsumeTime = nowSeconds() - 60;
      await sdk.sendMessage({ queueName: 'rewindable', msgBody: 'consumed once' });
      const first = await sdk.receiveMessage({ queueName: 'rewindable', pollingWaitSeconds: 0 });
      expect(first).toMatchObject({ code: 0, msgBody: 'consumed once' });
      await sdk.deleteMessage({
        queueName: 'rewindable',
        receiptHandle: (first as { receiptHandle: string }).receiptHandle,
      });
      expect(await sdk.getQueueAttributes({ queueName: 'rewindable' })).toMatchObject({
        activeMsgNum: 0,
        rewindmsgNum: 1,
      });
      expect(await sdk.rewindQueue({ queueName: 'rewindable', startConsumeTime })).toMatchObject({
        code: 0,
        message: '',
      });
      expect(await sdk.receiveMessage({ queueName: 'rewindable', pollingWaitSeconds: 0 })).toMatchObject({
        code: 0,
        msgBody: 'consumed once',
        dequeueCount: 2,
      });
      expect(await sdk.rewindQueue({ queueName: 'not-rewindable', startConsumeTime })).toMatchObject({
        code: 6050,
        message: '(10670)your queue cannot be rewinded',
      });
      expect(await sdk.rewindQueue({ queueName: 'missing', startConsumeTime })).toMatchObject(NOT_FOUND);
    });

    it('answers 4100 and changes nothing when the SDK signs with a wrong secret key', async () => {
      const wrongKey = createSdkClient(method, {
        ...TEST_CREDENTIAL,
        secretKey: `${TEST_CREDENTIAL.secretKey}x`,
      });
      const refused = await wrongKey.createQueue({ queueName: 'forged' });
      expect(refused).toEqual({
        code: 4100,
        message: expect.stringMatching(/^\(10030\)authentication failed/),
        requestId: expect.any(String),
      });
      expect(await wrongKey.listQueue({})).toMatchObject({ code: 4100 });
      expect(await sdk.getQueueAttributes({ queueName: 'forged' })).toMatchObject(NOT_FOUND);
    });

    it('answers 4100 when the SDK uses a secret id the server does not know', async () => {
      const stranger = createSdkClient(method, {
        ...TEST_CREDENTIAL,
        secretId: 'AKIDunknown000000000000000000000',
      });
      expect(await stranger.listQueue({})).toEqual({
        code: 4100,
        message: expect.stringMatching(/^\(10270\)secret id is not existed/),
        requestId: expect.any(String),
      });
    });
  },
);
