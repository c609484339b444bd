import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CmqTestClient } from '../support/cmq-client.js';
import { startTestServer, TEST_CREDENTIAL, type TestServer } from '../support/test-server.js';
import {
  createSdkClient,
  nowSeconds,
  REGION,
  type CmqSdkClient,
  type SignatureMethod,
} from './cmq-sdk-client.js';
import { redirectHttpHost, type HostRedirect } from './cmq-sdk-transport.js';

/**
 * The npm package `cmq-sdk` 2.1.0's topic and subscription methods against the real server, following the
 * SDK's own live tests (node_modules/cmq-sdk/tests/topic*.spec.ts) with exact expectations where those only
 * check `code`. The SDK posts to `http://cmq-topic-{region}.api.tencentyun.com/v2/index.php` (extranet:
 * false) and signs that host, so only its sockets are moved to the test server (see cmq-sdk.test.ts).
 * Queues are created and drained with the signed raw test client: one host redirect is active at a time.
 *
 * The SDK resolves with the parsed envelope whatever its `code` (got's `.json()`), so API errors come back as
 * values, and it sends arrays 0-based (`msgTag.0`, `filterTag.0`, `msgBody.0`).
 */

const SDK_HOST = `cmq-topic-${REGION}.api.tencentyun.com`;
const TOPIC_NOT_FOUND = {
  code: 4440,
  message: expect.stringMatching(/^\(10600\)topic is not existed, or deleted/),
};

/** Every field the SDK's GetTopicAttributesResponse declares (Java reads the same ones with getInt). */
const TOPIC_ATTRIBUTE_FIELDS = [
  'msgCount',
  'maxMsgSize',
  'msgRetentionSeconds',
  'createTime',
  'lastModifyTime',
  'filterType',
] as const;

describe.each<SignatureMethod>(['HmacSHA1', 'HmacSHA256'])(
  'cmq-sdk topic client signing with %s',
  (method) => {
    let server: TestServer;
    let redirect: HostRedirect | undefined;
    let sdk: CmqSdkClient;
    let raw: CmqTestClient;

    beforeAll(async () => {
      server = await startTestServer();
      redirect = redirectHttpHost(SDK_HOST, server.port);
      sdk = createSdkClient(method);
      raw = server.client();
    });

    afterAll(async () => {
      redirect?.restore();
      await server?.close();
    });

    async function createTopic(topicName: string, filterType?: number): Promise<string> {
      const created = await sdk.createTopic(
        filterType === undefined ? { topicName } : { topicName, filterType },
      );
      expect(created).toEqual({
        code: 0,
        message: '',
        requestId: expect.any(String),
        topicId: expect.any(String),
      });
      return created.topicId;
    }

    async function createQueue(queueName: string): Promise<void> {
      expect(await raw.call('CreateQueue', { queueName })).toMatchObject({ code: 0 });
    }

    async function subscribeQueue(
      topicName: string,
      subscriptionName: string,
      endpoint: string,
      filter: { filterTag?: string[]; bindingKey?: string[] } = {},
    ): Promise<void> {
      await createQueue(endpoint);
      const subscribed = await sdk.subscribe({
        topicName,
        subscriptionName,
        protocol: 'queue',
        endpoint,
        ...filter,
      });
      // SubscribeResponse declares no fields; the server also answers subscriptionId (Python reads it).
      expect(subscribed).toEqual({
        code: 0,
        message: '',
        requestId: expect.any(String),
        subscriptionId: expect.any(String),
      });
    }

    /** Every body waiting in a queue, sorted. */
    async function drain(queueName: string): Promise<string[]> {
      const bodies: string[] = [];
      for (;;) {
        const r = await raw.call('BatchReceiveMessage', { queueName, numOfMsg: 16, pollingWaitSeconds: 0 });
        if (r.code === 7000) return bodies.sort();
        expect(r.code).toBe(0);
        bodies.push(...(r['msgInfoList'] as Array<{ msgBody: string }>).map((m) => m.msgBody));
      }
    }

    it('reaches the server on the topic host with the SDK own Host header and signature', async () => {
      const listed = await sdk.listTopic({});
      expect(listed).toMatchObject({ code: 0, message: '', totalCount: 0, topicList: [] });
      expect(redirect!.connections).toBeGreaterThan(0);
      const wire = redirect!.written();
      expect(wire).toMatch(/^POST \/v2\/index\.php HTTP\/1\.1\r$/m);
      expect(wire).toMatch(new RegExp(`^host: ${SDK_HOST.replaceAll('.', '\\.')}\\r$`, 'im'));
      expect(wire).toContain(`SignatureMethod=${method}`);
      expect(wire).toContain('Action=ListTopic');
    });

    it('creates, lists, sets, gets and deletes a topic as in the SDK topic.spec', async () => {
      const topicName = 'Test-basics';
      const before = nowSeconds();
      const topicId = await createTopic(topicName);

      const listed = await sdk.listTopic({ limit: 20 });
      expect(listed.code).toBe(0);
      expect(listed.topicList).toContainEqual({ topicId, topicName });
      expect(listed.totalCount).toBe(listed.topicList.length);
      const searched = await sdk.listTopic({ searchWord: 'basics', offset: 0, limit: 1 });
      expect(searched).toMatchObject({ code: 0, totalCount: 1, topicList: [{ topicId, topicName }] });

      const set = await sdk.setTopicAttributes({ topicName, maxMsgSize: 131_072 });
      expect(set).toEqual({ code: 0, message: '', requestId: expect.any(String) });

      const got = await sdk.getTopicAttributes({ topicName });
      for (const field of TOPIC_ATTRIBUTE_FIELDS) expect(typeof got[field], field).toBe('number');
      expect(got).toMatchObject({
        code: 0,
        msgCount: 0,
        maxMsgSize: 131_072,
        msgRetentionSeconds: 86_400,
        filterType: 1,
      });
      expect(got.createTime).toBeGreaterThanOrEqual(before);
      expect(got.lastModifyTime).toBeGreaterThanOrEqual(got.createTime);
      expect(got.lastModifyTime).toBeLessThanOrEqual(nowSeconds());

      const deleted = await sdk.deleteTopic({ topicName });
      expect(deleted).toEqual({ code: 0, message: '', requestId: expect.any(String) });
      expect(await sdk.getTopicAttributes({ topicName })).toMatchObject(TOPIC_NOT_FOUND);
      expect(await sdk.deleteTopic({ topicName })).toMatchObject(TOPIC_NOT_FOUND);
    });

    it('refuses an out-of-range maxMsgSize and a duplicate topic without changing anything', async () => {
      const topicName = 'Test-refusals';
      await createTopic(topicName, 2);
      const refused = await sdk.setTopicAttributes({ topicName, maxMsgSize: 512 });
      expect(refused).toMatchObject({ code: 4000, message: expect.stringMatching(/^\(10350\).*maxMsgSize/) });
      expect(await sdk.createTopic({ topicName: topicName.toLowerCase(), filterType: 1 })).toMatchObject({
        code: 4460,
      });
      expect(await sdk.getTopicAttributes({ topicName })).toMatchObject({
        maxMsgSize: 65_536,
        filterType: 2,
      });
    });

    it('manages a subscription through its whole life as in the SDK topic-subscribe.spec', async () => {
      const topicName = 'Test-subscribe';
      const subscriptionName = 'Test-Sub';
      await createTopic(topicName);
      const before = nowSeconds();
      await subscribeQueue(topicName, subscriptionName, 'normal', { filterTag: ['system'] });
      expect(redirect!.written()).toContain('filterTag.0=system');

      const listed = await sdk.listSubscriptionByTopic({ topicName, limit: 20 });
      expect(listed).toMatchObject({
        code: 0,
        totalCount: 1,
        subscriptionList: [
          { subscriptionId: expect.any(String), subscriptionName, protocol: 'queue', endpoint: 'normal' },
        ],
      });

      const set = await sdk.setSubscriptionAttributes({
        topicName,
        subscriptionName,
        notifyStrategy: 'BACKOFF_RETRY',
      });
      expect(set).toEqual({ code: 0, message: '', requestId: expect.any(String) });

      const got = await sdk.getSubscriptionAttributes({ topicName, subscriptionName });
      expect(got).toMatchObject({
        code: 0,
        topicOwner: expect.any(String),
        msgCount: 0,
        protocol: 'queue',
        endpoint: 'normal',
        notifyStrategy: 'BACKOFF_RETRY',
        notifyContentFormat: 'SIMPLIFIED',
        bindingKey: [],
        filterTag: ['system'],
      });
      expect(got.createTime).toBeGreaterThanOrEqual(before);
      expect(got.lastModifyTime).toBeGreaterThanOrEqual(got.createTime);

      const cleared = await sdk.clearSubscriptionFilterTags({ topicName, subscriptionName });
      expect(cleared).toEqual({ code: 0, message: '', requestId: expect.any(String) });
      expect(await sdk.getSubscriptionAttributes({ topicName, subscriptionName })).toMatchObject({
        code: 0,
        filterTag: [],
        notifyStrategy: 'BACKOFF_RETRY',
      });

      expect(await sdk.deleteTopic({ topicName })).toMatchObject({
        code: 4000,
        message: expect.stringMatching(/^\(10540\)/),
      });
      const unsubscribed = await sdk.unsubscribe({ topicName, subscriptionName });
      expect(unsubscribed).toEqual({ code: 0, message: '', requestId: expect.any(String) });
      expect(await sdk.getSubscriptionAttributes({ topicName, subscriptionName })).toMatchObject({
        code: 4440,
      });
      expect(await sdk.deleteTopic({ topicName })).toMatchObject({ code: 0 });
    });

    it('replaces filter tags and binding keys given as arrays to setSubscriptionAttributes', async () => {
      const topicName = 'Test-set-arrays';
      await createTopic(topicName);
      await subscribeQueue(topicName, 'arrays', 'arrays-inbox', {
        filterTag: ['a', 'b'],
        bindingKey: ['x.y'],
      });
      const set = await sdk.setSubscriptionAttributes({
        topicName,
        subscriptionName: 'arrays',
        notifyContentFormat: 'SIMPLIFIED',
        filterTag: ['c'],
        bindingKey: ['k.*', 'k.#'],
      });
      expect(set).toMatchObject({ code: 0 });
      expect(await sdk.getSubscriptionAttributes({ topicName, subscriptionName: 'arrays' })).toMatchObject({
        filterTag: ['c'],
        bindingKey: ['k.*', 'k.#'],
      });
    });

    it('counts and delivers by filter tag as in the SDK topic-for-tag.spec', async () => {
      const topicName = 'Test-tags';
      await createTopic(topicName);
      await subscribeQueue(topicName, 'Test-Sub1', 'tag-sub1', { filterTag: ['system'] });
      await subscribeQueue(topicName, 'Test-Sub2', 'tag-sub2');

      const untagged = await sdk.publishMessage({ topicName, msgBody: '{"note":"both"}' });
      expect(untagged).toEqual({
        code: 0,
        message: '',
        requestId: expect.any(String),
        msgId: expect.any(String),
      });
      const tagged = await sdk.publishMessage({ topicName, msgBody: '{"name":"only"}', msgTag: ['system'] });
      expect(tagged).toMatchObject({ code: 0, msgId: expect.any(String) });
      expect(tagged.msgId).not.toBe(untagged.msgId);

      const sub1 = await sdk.getSubscriptionAttributes({ topicName, subscriptionName: 'Test-Sub1' });
      const sub2 = await sdk.getSubscriptionAttributes({ topicName, subscriptionName: 'Test-Sub2' });
      expect(sub1).toMatchObject({ code: 0, msgCount: 1 });
      expect(sub2).toMatchObject({ code: 0, msgCount: 2 });
      expect(await drain('tag-sub1')).toEqual(['{"name":"only"}']);
      expect(await drain('tag-sub2')).toEqual(['{"name":"only"}', '{"note":"both"}']);
    });

    it('counts and delivers by routing key as in the SDK topic-for-router.spec', async () => {
      const topicName = 'Test-routes';
      await createTopic(topicName, 2);
      await subscribeQueue(topicName, 'Test-Sub1', 'route-sub1', { bindingKey: ['system.common'] });
      await subscribeQueue(topicName, 'Test-Sub2', 'route-sub2', { bindingKey: ['*.common'] });

      const both = await sdk.publishMessage({
        topicName,
        msgBody: '{"note":"both"}',
        routingKey: 'system.common',
      });
      expect(both).toMatchObject({ code: 0, msgId: expect.any(String) });
      const only = await sdk.publishMessage({
        topicName,
        msgBody: '{"name":"only"}',
        routingKey: 'app.common',
      });
      expect(only).toMatchObject({ code: 0, msgId: expect.any(String) });

      expect(await sdk.getSubscriptionAttributes({ topicName, subscriptionName: 'Test-Sub1' })).toMatchObject(
        {
          code: 0,
          msgCount: 1,
          bindingKey: ['system.common'],
        },
      );
      expect(await sdk.getSubscriptionAttributes({ topicName, subscriptionName: 'Test-Sub2' })).toMatchObject(
        {
          code: 0,
          msgCount: 2,
          bindingKey: ['*.common'],
        },
      );
      expect(await drain('route-sub1')).toEqual(['{"note":"both"}']);
      expect(await drain('route-sub2')).toEqual(['{"name":"only"}', '{"note":"both"}']);

      const unmatched = await sdk.publishMessage({ topicName, msgBody: 'nobody', routingKey: 'app.private' });
      expect(unmatched).toMatchObject({
        code: 6030,
        message: expect.stringMatching(
          /^\(10730\)no bindingKey or filterTag matches the routingKey or msgTag/,
        ),
      });
      expect(await drain('route-sub1')).toEqual([]);
      expect(await drain('route-sub2')).toEqual([]);
    });

    it('publishes one message and a batch of 16 as in the SDK topic-message.spec', async () => {
      const topicName = 'Test-messages';
      await createTopic(topicName);
      await subscribeQueue(topicName, 'Test-Sub', 'message-sub');

      expect(await sdk.publishMessage({ topicName, msgBody: '{"name":"kain"}' })).toMatchObject({ code: 0 });
      const bodies = Array.from({ length: 16 }, (_, i) => `{"index":${i}}`);
      const batch = await sdk.batchPublishMessage({ topicName, msgBody: bodies, msgTag: ['batch'] });
      expect(batch).toMatchObject({ code: 0, message: '' });
      expect(batch.msgList).toHaveLength(16);
      for (const entry of batch.msgList) expect(entry).toEqual({ msgId: expect.any(String) });
      const wire = redirect!.written();
      expect(wire).toContain('msgBody.0=');
      expect(wire).toContain('msgBody.15=');
      expect(wire).not.toContain('msgBody.16=');

      expect(await drain('message-sub')).toEqual(['{"name":"kain"}', ...bodies].sort());
      expect(await sdk.getSubscriptionAttributes({ topicName, subscriptionName: 'Test-Sub' })).toMatchObject({
        msgCount: 17,
      });

      const tooMany = await sdk.batchPublishMessage({ topicName, msgBody: [...bodies, 'seventeenth'] });
      expect(tooMany).toMatchObject({ code: 4000, message: expect.stringMatching(/^\(10370\)msgBody/) });
      expect(await drain('message-sub')).toEqual([]);
    });

    it('resolves publishes with 6030 when the topic has no subscription or none matches', async () => {
      const topicName = 'Test-unheard';
      await createTopic(topicName);
      expect(await sdk.publishMessage({ topicName, msgBody: 'lost' })).toEqual({
        code: 6030,
        // The server may append a detail after the documented text, so the message matches on a prefix.
        message: expect.stringMatching(
          /^\(10650\)topic has no subscription, please create a subscription before publishing message/,
        ),
        requestId: expect.any(String),
      });
      expect(await sdk.batchPublishMessage({ topicName, msgBody: ['a', 'b'] })).toMatchObject({ code: 6030 });

      await subscribeQueue(topicName, 'picky', 'picky-inbox', { filterTag: ['wanted'] });
      expect(await sdk.publishMessage({ topicName, msgBody: 'x', msgTag: ['unwanted'] })).toMatchObject({
        code: 6030,
        message: expect.stringMatching(/^\(10730\)/),
      });
      expect(
        await sdk.batchPublishMessage({ topicName, msgBody: ['y'], msgTag: ['unwanted'] }),
      ).toMatchObject({
        code: 6030,
        message: expect.stringMatching(/^\(10730\)/),
      });
      expect(await drain('picky-inbox')).toEqual([]);
      expect(await sdk.getSubscriptionAttributes({ topicName, subscriptionName: 'picky' })).toMatchObject({
        msgCount: 0,
      });
    });

    const missingTopicCalls: Array<[string, (client: CmqSdkClient) => Promise<{ code: number }>]> = [
      ['getTopicAttributes', (c) => c.getTopicAttributes({ topicName: 'missing' })],
      ['setTopicAttributes', (c) => c.setTopicAttributes({ topicName: 'missing', maxMsgSize: 2048 })],
      ['deleteTopic', (c) => c.deleteTopic({ topicName: 'missing' })],
      ['publishMessage', (c) => c.publishMessage({ topicName: 'missing', msgBody: 'x' })],
      ['batchPublishMessage', (c) => c.batchPublishMessage({ topicName: 'missing', msgBody: ['x'] })],
      [
        'subscribe',
        (c) => c.subscribe({ topicName: 'missing', subscriptionName: 's', protocol: 'queue', endpoint: 'q' }),
      ],
      ['listSubscriptionByTopic', (c) => c.listSubscriptionByTopic({ topicName: 'missing' })],
      ['unsubscribe', (c) => c.unsubscribe({ topicName: 'missing', subscriptionName: 's' })],
      [
        'getSubscriptionAttributes',
        (c) => c.getSubscriptionAttributes({ topicName: 'missing', subscriptionName: 's' }),
      ],
      [
        'setSubscriptionAttributes',
        (c) =>
          c.setSubscriptionAttributes({
            topicName: 'missing',
            subscriptionName: 's',
            notifyStrategy: 'BACKOFF_RETRY',
          }),
      ],
      [
        'clearSubscriptionFilterTags',
        (c) => c.clearSubscriptionFilterTags({ topicName: 'missing', subscriptionName: 's' }),
      ],
    ];
    it.each(missingTopicCalls)('resolves %s with 4440 when the topic does not exist', async (_name, call) => {
      expect(await call(sdk)).toEqual({ ...TOPIC_NOT_FOUND, requestId: expect.any(String) });
    });

    it('answers 4100 and creates nothing when the SDK signs with a wrong secret key', async () => {
      const wrongKey = createSdkClient(method, {
        ...TEST_CREDENTIAL,
        secretKey: `${TEST_CREDENTIAL.secretKey}x`,
      });
      expect(await wrongKey.createTopic({ topicName: 'forged' })).toEqual({
        code: 4100,
        message: expect.stringMatching(/^\(10030\)authentication failed/),
        requestId: expect.any(String),
      });
      expect(await sdk.getTopicAttributes({ topicName: 'forged' })).toMatchObject(TOPIC_NOT_FOUND);
    });
  },
);
