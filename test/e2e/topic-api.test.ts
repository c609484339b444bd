import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CmqEnvelope } from '../support/cmq-client.js';
import { startHttpSink } from '../support/http-sink.js';
import { startTestServer, waitFor, type TestServer } from '../support/test-server.js';

/**
 * The CMQ v2 topic and subscription API over real HTTP against the SQLite engine, action by action
 * (shared/reference/cmq-api.md §3, §4). Filtering is checked end to end: publish, then receive from the
 * queues the subscriptions deliver into.
 */
describe('CMQ v2 topic API', () => {
  let server: TestServer;
  let counter = 0;
  const unique = (prefix: string) => `${prefix}-${++counter}`;
  const call = (action: string, params: Record<string, string | number> = {}) =>
    server.client().call(action, params);

  /** A refusal with this code and module number whose message names `parameter` (when given). */
  function expectRefused(response: CmqEnvelope, code: number, module: number, parameter?: string): void {
    expect(response, JSON.stringify(response)).toMatchObject({
      code,
      message: expect.stringMatching(new RegExp(`^\\(${module}\\)`)),
      requestId: expect.any(String),
    });
    if (parameter !== undefined) expect(response.message).toContain(parameter);
  }

  const ENVELOPE = { code: 0, message: '', requestId: expect.any(String) };
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  async function createTopic(params: Record<string, string | number> = {}): Promise<string> {
    const topicName = unique('topic');
    expect(await call('CreateTopic', { topicName, ...params })).toMatchObject({ code: 0 });
    return topicName;
  }

  async function createQueue(): Promise<string> {
    const queueName = unique('inbox');
    expect(await call('CreateQueue', { queueName })).toMatchObject({ code: 0 });
    return queueName;
  }

  /** Subscribes a new queue to the topic and returns the queue's name. */
  async function subscribeQueue(
    topicName: string,
    subscriptionName: string,
    params: Record<string, string | number> = {},
  ): Promise<string> {
    const endpoint = await createQueue();
    const subscribed = await call('Subscribe', {
      topicName,
      subscriptionName,
      protocol: 'queue',
      endpoint,
      ...params,
    });
    expect(subscribed, JSON.stringify(subscribed)).toMatchObject({ code: 0 });
    return endpoint;
  }

  /** Every body waiting in a queue, sorted (receives until 7000). */
  async function drain(queueName: string): Promise<string[]> {
    const bodies: string[] = [];
    for (;;) {
      const r = await call('BatchReceiveMessage', { queueName, numOfMsg: 16, pollingWaitSeconds: 0 });
      if (r.code === 7000) return bodies.sort();
      expect(r.code).toBe(0);
      bodies.push(...(r['msgInfoList'] as Array<{ msgBody: string }>).map((m) => m.msgBody));
    }
  }

  async function subscriptionAttributes(topicName: string, subscriptionName: string) {
    const r = await call('GetSubscriptionAttributes', { topicName, subscriptionName });
    expect(r.code).toBe(0);
    return r;
  }

  const routedCount = async (topicName: string, subscriptionName: string) =>
    (await subscriptionAttributes(topicName, subscriptionName))['msgCount'];

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  describe('topics', () => {
    it('creates a topic with every attribute and reads back every field Java reads with getInt', async () => {
      const created = await call('CreateTopic', {
        topicName: 'Full_Topic-1',
        maxMsgSize: 2048,
        filterType: 2,
        msgRetentionSeconds: 3600,
      });
      expect(created).toEqual({ ...ENVELOPE, topicId: expect.any(String) });
      expect(created['topicId']).not.toBe('');

      const got = await call('GetTopicAttributes', { topicName: 'full_topic-1' });
      expect(got).toEqual({
        ...ENVELOPE,
        topicId: created['topicId'],
        topicName: 'Full_Topic-1',
        msgCount: 0,
        maxMsgSize: 2048,
        msgRetentionSeconds: 3600,
        createTime: expect.any(Number),
        lastModifyTime: expect.any(Number),
        filterType: 2,
        createUin: expect.any(Number),
        qps: 0,
      });
      expect(Math.abs((got['createTime'] as number) - nowSeconds())).toBeLessThanOrEqual(2);
      expect(got['lastModifyTime']).toBe(got['createTime']);
      expect(Number.isInteger(got['createUin'])).toBe(true);
    });

    it('applies the documented defaults when attributes are omitted', async () => {
      const topicName = await createTopic();
      expect(await call('GetTopicAttributes', { topicName })).toMatchObject({
        code: 0,
        maxMsgSize: 65_536,
        msgRetentionSeconds: 86_400,
        filterType: 1,
        msgCount: 0,
      });
    });

    it('refuses a duplicate name in any casing with 4460', async () => {
      const topicName = await createTopic();
      expectRefused(await call('CreateTopic', { topicName: topicName.toUpperCase() }), 4460, 10620);
    });

    it('refuses bad names and out-of-range attributes, naming the parameter, and creates nothing', async () => {
      expectRefused(await call('CreateTopic', {}), 4000, 10390, 'topicName');
      for (const topicName of ['1starts-with-digit', 'has space', 'x'.repeat(65), 'dot.ted', '_lead']) {
        expectRefused(await call('CreateTopic', { topicName }), 4000, 10590, 'topicName');
      }
      const cases: Array<[string, number | string, number]> = [
        ['maxMsgSize', 1023, 10350],
        ['maxMsgSize', 1_048_577, 10350],
        ['msgRetentionSeconds', 59, 10350],
        ['msgRetentionSeconds', 86_401, 10350],
        ['filterType', 0, 10350],
        ['filterType', 3, 10350],
        ['filterType', 'tag', 10360],
        ['maxMsgSize', '2k', 10360],
      ];
      for (const [name, value, module] of cases) {
        const r = await call('CreateTopic', { topicName: 'never-created', [name]: value });
        expectRefused(r, 4000, module, name);
      }
      expectRefused(await call('GetTopicAttributes', { topicName: 'never-created' }), 4440, 10600);
      expect(await call('ListTopic', { searchWord: 'never-created' })).toMatchObject({ totalCount: 0 });
    });

    it('accepts the limits of maxMsgSize and msgRetentionSeconds', async () => {
      for (const [maxMsgSize, msgRetentionSeconds] of [
        [1024, 60],
        [1_048_576, 86_400],
      ] as const) {
        const topicName = await createTopic({ maxMsgSize, msgRetentionSeconds });
        expect(await call('GetTopicAttributes', { topicName })).toMatchObject({
          maxMsgSize,
          msgRetentionSeconds,
        });
      }
    });

    it('sets maxMsgSize and msgRetentionSeconds with an envelope-only answer and keeps filterType', async () => {
      const topicName = await createTopic({ maxMsgSize: 2048 });
      const before = await call('GetTopicAttributes', { topicName });
      const set = await call('SetTopicAttributes', {
        topicName,
        maxMsgSize: 131_072,
        msgRetentionSeconds: 600,
        filterType: 2,
      });
      expect(set).toEqual(ENVELOPE);
      const after = await call('GetTopicAttributes', { topicName });
      expect(after).toMatchObject({
        topicId: before['topicId'],
        maxMsgSize: 131_072,
        msgRetentionSeconds: 600,
        filterType: 1,
        createTime: before['createTime'],
      });
      expect(after['lastModifyTime'] as number).toBeGreaterThanOrEqual(before['lastModifyTime'] as number);

      expect(await call('SetTopicAttributes', { topicName, maxMsgSize: 4096 })).toEqual(ENVELOPE);
      expect(await call('GetTopicAttributes', { topicName })).toMatchObject({
        maxMsgSize: 4096,
        msgRetentionSeconds: 600,
      });
    });

    it('refuses out-of-range attributes on set, naming the parameter, and changes nothing', async () => {
      const topicName = await createTopic({ maxMsgSize: 2048 });
      expectRefused(
        await call('SetTopicAttributes', { topicName, maxMsgSize: 512 }),
        4000,
        10350,
        'maxMsgSize',
      );
      expectRefused(
        await call('SetTopicAttributes', { topicName, maxMsgSize: 4096, msgRetentionSeconds: 86_401 }),
        4000,
        10350,
        'msgRetentionSeconds',
      );
      expect(await call('GetTopicAttributes', { topicName })).toMatchObject({
        maxMsgSize: 2048,
        msgRetentionSeconds: 86_400,
      });
      expectRefused(
        await call('SetTopicAttributes', { topicName: 'missing', maxMsgSize: 4096 }),
        4440,
        10600,
      );
      expectRefused(await call('SetTopicAttributes', { topicName: 'bad.name' }), 4000, 10590, 'topicName');
    });

    it('lists topics with search, offset, limit and the total count', async () => {
      const ids = new Map<string, string>();
      for (const topicName of ['listed-c', 'listed-a', 'listed-b', 'unlisted']) {
        const r = await call('CreateTopic', { topicName });
        ids.set(topicName, r['topicId'] as string);
      }
      const all = await call('ListTopic', { searchWord: 'LISTED-' });
      expect(all).toEqual({
        ...ENVELOPE,
        totalCount: 3,
        topicList: ['listed-a', 'listed-b', 'listed-c'].map((topicName) => ({
          topicId: ids.get(topicName),
          topicName,
        })),
      });
      const page = await call('ListTopic', { searchWord: 'listed-', offset: 1, limit: 1 });
      expect(page).toMatchObject({
        totalCount: 3,
        topicList: [{ topicId: ids.get('listed-b'), topicName: 'listed-b' }],
      });
      expect(await call('ListTopic', { searchWord: 'listed-', offset: 3 })).toMatchObject({
        totalCount: 3,
        topicList: [],
      });
      expectRefused(await call('ListTopic', { limit: 51 }), 4000, 10350, 'limit');
      expectRefused(await call('ListTopic', { limit: 0 }), 4000, 10350, 'limit');
      expectRefused(await call('ListTopic', { offset: -1 }), 4000, 10350, 'offset');
      expectRefused(await call('ListTopic', { searchWord: 's'.repeat(65) }), 4000, 10350, 'searchWord');
    });

    it('refuses to delete a topic with subscriptions (10540), then deletes it once they are gone', async () => {
      const topicName = await createTopic();
      await subscribeQueue(topicName, 'holder');
      expectRefused(await call('DeleteTopic', { topicName }), 4000, 10540);
      expect(await call('GetTopicAttributes', { topicName })).toMatchObject({ code: 0 });

      expect(await call('Unsubscribe', { topicName, subscriptionName: 'holder' })).toEqual(ENVELOPE);
      expect(await call('DeleteTopic', { topicName: topicName.toUpperCase() })).toEqual(ENVELOPE);
      for (const action of ['GetTopicAttributes', 'DeleteTopic', 'ListSubscriptionByTopic']) {
        expectRefused(await call(action, { topicName }), 4440, 10600);
      }
      expectRefused(await call('PublishMessage', { topicName, msgBody: 'x' }), 4440, 10600);
      expect(await call('ListTopic', { searchWord: topicName })).toMatchObject({ totalCount: 0 });
    });
  });

  describe('subscriptions', () => {
    it('subscribes a queue and answers every attribute with both key spellings and the defaults', async () => {
      const topicName = await createTopic();
      const endpoint = await createQueue();
      const before = nowSeconds();
      const subscribed = await call('Subscribe', {
        topicName,
        subscriptionName: 'Plain_Sub',
        protocol: 'queue',
        endpoint,
      });
      expect(subscribed).toEqual({ ...ENVELOPE, subscriptionId: expect.any(String) });

      const got = await call('GetSubscriptionAttributes', { topicName, subscriptionName: 'plain_sub' });
      expect(got).toEqual({
        ...ENVELOPE,
        subscriptionId: subscribed['subscriptionId'],
        topicOwner: expect.stringMatching(/^\d+$/),
        msgCount: 0,
        protocol: 'queue',
        protocal: 'queue',
        endpoint,
        notifyStrategy: 'EXPONENTIAL_DECAY_RETRY',
        // A queue subscription always delivers the raw body (cmq-api.md §3.8, §10 q7).
        notifyContentFormat: 'SIMPLIFIED',
        createTime: expect.any(Number),
        lastModifyTime: expect.any(Number),
        filterTag: [],
        filterTags: [],
        bindingKey: [],
        deliveredCount: 0,
        pendingCount: 0,
        failedAttempts: 0,
        droppedCount: 0,
        maxInFlight: 64,
        rateLimitPerSecond: 0,
        signingEnabled: false,
      });
      expect(got['createTime'] as number).toBeGreaterThanOrEqual(before);
      expect(got['createTime'] as number).toBeLessThanOrEqual(nowSeconds());
      expect(got['lastModifyTime']).toBe(got['createTime']);
    });

    it('subscribes an http endpoint with every parameter and never echoes the signing secret', async () => {
      const topicName = await createTopic();
      const subscribed = await call('Subscribe', {
        topicName,
        subscriptionName: 'web-hook',
        protocol: 'HTTP',
        endpoint: 'http://127.0.0.1:9/hook?x=1',
        notifyStrategy: 'BACKOFF_RETRY',
        notifyContentFormat: 'SIMPLIFIED',
        'filterTag.1': 'alpha',
        'filterTag.2': 'beta',
        'bindingKey.0': 'ignored.on.tag.topics',
        maxInFlight: 8,
        rateLimitPerSecond: 100,
        signingSecret: 'top-secret-value',
      });
      expect(subscribed).toMatchObject({ code: 0, subscriptionId: expect.any(String) });
      const got = await subscriptionAttributes(topicName, 'web-hook');
      expect(got).toMatchObject({
        protocol: 'http',
        protocal: 'http',
        endpoint: 'http://127.0.0.1:9/hook?x=1',
        notifyStrategy: 'BACKOFF_RETRY',
        notifyContentFormat: 'SIMPLIFIED',
        filterTag: ['alpha', 'beta'],
        filterTags: ['alpha', 'beta'],
        bindingKey: ['ignored.on.tag.topics'],
        maxInFlight: 8,
        rateLimitPerSecond: 100,
        signingEnabled: true,
      });
      expect(got).not.toHaveProperty('signingSecret');
      expect(JSON.stringify(got)).not.toContain('top-secret-value');
    });

    it('defaults an http subscription to JSON pushes', async () => {
      const topicName = await createTopic();
      expect(
        await call('Subscribe', {
          topicName,
          subscriptionName: 'json-hook',
          protocol: 'http',
          endpoint: 'https://hooks.example.com/cmq',
        }),
      ).toMatchObject({ code: 0 });
      expect(await subscriptionAttributes(topicName, 'json-hook')).toMatchObject({
        notifyContentFormat: 'JSON',
        notifyStrategy: 'EXPONENTIAL_DECAY_RETRY',
      });
    });

    it('refuses a second subscription with the same name in any casing (4490)', async () => {
      const topicName = await createTopic();
      await subscribeQueue(topicName, 'only-once');
      const again = await call('Subscribe', {
        topicName,
        subscriptionName: 'ONLY-ONCE',
        protocol: 'queue',
        endpoint: 'elsewhere',
      });
      expectRefused(again, 4490, 10470);
    });

    it('refuses every bad Subscribe parameter, naming it, and creates nothing', async () => {
      const topicName = await createTopic();
      const base = {
        topicName,
        subscriptionName: 'never',
        protocol: 'http',
        endpoint: 'http://127.0.0.1:9/',
      };
      const cases: Array<[Record<string, string | number | undefined>, number, number, string]> = [
        [{ subscriptionName: undefined }, 4000, 10390, 'subscriptionName'],
        [{ subscriptionName: '9lives' }, 4000, 10590, 'subscriptionName'],
        [{ subscriptionName: 'x'.repeat(65) }, 4000, 10590, 'subscriptionName'],
        [{ topicName: 'bad topic' }, 4000, 10590, 'topicName'],
        [{ protocol: undefined }, 4000, 10390, 'protocol'],
        [{ protocol: 'email' }, 4000, 10510, 'protocol'],
        [{ protocol: 'https' }, 4000, 10510, 'protocol'],
        [{ endpoint: undefined }, 4000, 10390, 'endpoint'],
        [{ endpoint: 'http://127.0.0.1:9/a b' }, 4510, 10570, 'endpoint'],
        [{ endpoint: ' http://127.0.0.1:9/' }, 4510, 10570, 'endpoint'],
        [{ endpoint: 'ftp://127.0.0.1/' }, 4000, 10500, 'endpoint'],
        [{ endpoint: 'http:127.0.0.1' }, 4000, 10500, 'endpoint'],
        [{ endpoint: 'http://' }, 4000, 10500, 'endpoint'],
        [{ endpoint: 'http://user:pw@127.0.0.1/' }, 4000, 10500, 'endpoint'],
        [{ endpoint: `http://127.0.0.1/${'p'.repeat(490)}` }, 4000, 10500, 'endpoint'],
        [{ protocol: 'queue', endpoint: 'not.a.queue' }, 4000, 10500, 'endpoint'],
        [{ protocol: 'queue', endpoint: 'http://127.0.0.1:9/' }, 4000, 10500, 'endpoint'],
        [{ notifyStrategy: 'SOMETIMES' }, 4000, 10520, 'notifyStrategy'],
        [{ notifyContentFormat: 'XML' }, 4000, 10530, 'notifyContentFormat'],
        [tagParams('filterTag', 6), 4000, 10490, 'filterTag'],
        [{ 'filterTag.0': 'x'.repeat(17) }, 4000, 10490, 'filterTag'],
        [{ 'filterTag.0': 'a', 'filterTag.2': 'b' }, 4000, 10380, 'filterTag'],
        [tagParams('bindingKey', 6), 4000, 10680, 'bindingKey'],
        [{ 'bindingKey.0': Array.from({ length: 17 }, () => 'w').join('.') }, 4000, 10691, 'bindingKey'],
        [{ 'bindingKey.0': 'a.b#' }, 4000, 10350, 'bindingKey'],
        [{ 'bindingKey.0': 'k'.repeat(65) }, 4000, 10350, 'bindingKey'],
        [{ maxInFlight: 0 }, 4000, 10350, 'maxInFlight'],
        [{ maxInFlight: 1025 }, 4000, 10350, 'maxInFlight'],
        [{ rateLimitPerSecond: -1 }, 4000, 10350, 'rateLimitPerSecond'],
        [{ rateLimitPerSecond: 'fast' }, 4000, 10360, 'rateLimitPerSecond'],
        [{ signingSecret: 's'.repeat(257) }, 4000, 10350, 'signingSecret'],
      ];
      for (const [override, code, module, parameter] of cases) {
        const params = withoutUndefined({ ...base, ...override });
        expectRefused(await call('Subscribe', params), code, module, parameter);
      }
      expect(await call('ListSubscriptionByTopic', { topicName })).toMatchObject({
        code: 0,
        totalCount: 0,
        subscriptionList: [],
      });
      expectRefused(await call('Subscribe', { ...base, topicName: 'no-such-topic' }), 4440, 10600);
    });

    it('accepts the largest valid filter: 5 tags of 16 characters and 5 keys of 15 dots', async () => {
      const topicName = await createTopic();
      const tags = Array.from({ length: 5 }, (_, i) => `${i}`.padEnd(16, 't'));
      const keys = Array.from({ length: 5 }, (_, i) => [`k${i}`, ...Array<string>(15).fill('*')].join('.'));
      const params: Record<string, string> = {};
      tags.forEach((tag, i) => (params[`filterTag.${i}`] = tag));
      keys.forEach((key, i) => (params[`bindingKey.${i}`] = key));
      await subscribeQueue(topicName, 'widest', params);
      expect(await subscriptionAttributes(topicName, 'widest')).toMatchObject({
        filterTag: tags,
        bindingKey: keys,
      });
    });

    it('requires a binding key on a routing topic (10710)', async () => {
      const topicName = await createTopic({ filterType: 2 });
      const endpoint = await createQueue();
      const params = { topicName, subscriptionName: 'keyless', protocol: 'queue', endpoint };
      expectRefused(await call('Subscribe', params), 4000, 10710, 'bindingKey');
      expectRefused(await call('Subscribe', { ...params, 'filterTag.0': 'tag' }), 4000, 10710);
      expect(await call('ListSubscriptionByTopic', { topicName })).toMatchObject({ totalCount: 0 });
      expect(await call('Subscribe', { ...params, 'bindingKey.0': '#' })).toMatchObject({ code: 0 });
    });

    it('lists subscriptions with search, offset, limit (default 20) and the total count', async () => {
      const topicName = await createTopic();
      const created = new Map<string, { subscriptionId: string; endpoint: string }>();
      for (let i = 0; i < 21; i++) {
        const subscriptionName = `sub-${String(i).padStart(2, '0')}`;
        const endpoint = `inbox-${i}`;
        const r = await call('Subscribe', { topicName, subscriptionName, protocol: 'queue', endpoint });
        created.set(subscriptionName, { subscriptionId: r['subscriptionId'] as string, endpoint });
      }
      await call('Subscribe', {
        topicName,
        subscriptionName: 'hook',
        protocol: 'http',
        endpoint: 'http://127.0.0.1:9/',
      });

      const first = await call('ListSubscriptionByTopic', { topicName });
      expect(first).toMatchObject({ ...ENVELOPE, totalCount: 22 });
      expect(first['subscriptionList']).toHaveLength(20);

      const page = await call('ListSubscriptionByTopic', {
        topicName,
        searchWord: 'SUB-1',
        offset: 2,
        limit: 3,
      });
      expect(page).toEqual({
        ...ENVELOPE,
        totalCount: 10,
        subscriptionList: ['sub-12', 'sub-13', 'sub-14'].map((subscriptionName) => ({
          subscriptionId: created.get(subscriptionName)!.subscriptionId,
          subscriptionName,
          protocol: 'queue',
          endpoint: created.get(subscriptionName)!.endpoint,
        })),
      });
      expect(await call('ListSubscriptionByTopic', { topicName, searchWord: 'hook' })).toMatchObject({
        totalCount: 1,
        subscriptionList: [{ subscriptionName: 'hook', protocol: 'http', endpoint: 'http://127.0.0.1:9/' }],
      });
      expect(await call('ListSubscriptionByTopic', { topicName, limit: 100, offset: 1000 })).toMatchObject({
        totalCount: 22,
        subscriptionList: [],
      });
      expectRefused(await call('ListSubscriptionByTopic', { topicName, limit: 101 }), 4000, 10350, 'limit');
      expectRefused(await call('ListSubscriptionByTopic', { topicName, limit: 0 }), 4000, 10350, 'limit');
      expectRefused(
        await call('ListSubscriptionByTopic', { topicName, offset: 1001 }),
        4000,
        10350,
        'offset',
      );
      expectRefused(await call('ListSubscriptionByTopic', {}), 4000, 10390, 'topicName');
    });

    it('sets subscription attributes, replacing given lists and keeping the rest', async () => {
      const topicName = await createTopic();
      await call('Subscribe', {
        topicName,
        subscriptionName: 'mutable',
        protocol: 'http',
        endpoint: 'http://127.0.0.1:9/',
        'filterTag.0': 'one',
        'filterTag.1': 'two',
        'bindingKey.0': 'a.b',
        signingSecret: 'first-secret',
      });
      const before = await subscriptionAttributes(topicName, 'mutable');

      const set = await call('SetSubscriptionAttributes', {
        topicName,
        subscriptionName: 'MUTABLE',
        notifyStrategy: 'backoff_retry',
        notifyContentFormat: 'SIMPLIFIED',
        'filterTag.1': 'three',
        maxInFlight: 2,
        rateLimitPerSecond: 5,
      });
      expect(set).toEqual(ENVELOPE);
      const after = await subscriptionAttributes(topicName, 'mutable');
      expect(after).toMatchObject({
        subscriptionId: before['subscriptionId'],
        protocol: 'http',
        endpoint: 'http://127.0.0.1:9/',
        notifyStrategy: 'BACKOFF_RETRY',
        notifyContentFormat: 'SIMPLIFIED',
        filterTag: ['three'],
        filterTags: ['three'],
        bindingKey: ['a.b'],
        maxInFlight: 2,
        rateLimitPerSecond: 5,
        signingEnabled: true,
        createTime: before['createTime'],
      });
      expect(after['lastModifyTime'] as number).toBeGreaterThanOrEqual(before['lastModifyTime'] as number);

      expect(
        await call('SetSubscriptionAttributes', {
          topicName,
          subscriptionName: 'mutable',
          'bindingKey.0': 'x.*',
          'bindingKey.1': 'y.#',
          signingSecret: '',
        }),
      ).toEqual(ENVELOPE);
      expect(await subscriptionAttributes(topicName, 'mutable')).toMatchObject({
        filterTag: ['three'],
        bindingKey: ['x.*', 'y.#'],
        notifyStrategy: 'BACKOFF_RETRY',
        signingEnabled: false,
      });
    });

    it('keeps a queue subscription SIMPLIFIED when JSON is asked for', async () => {
      const topicName = await createTopic();
      await subscribeQueue(topicName, 'raw', { notifyContentFormat: 'JSON' });
      expect(await subscriptionAttributes(topicName, 'raw')).toMatchObject({
        notifyContentFormat: 'SIMPLIFIED',
      });
      const set = await call('SetSubscriptionAttributes', {
        topicName,
        subscriptionName: 'raw',
        notifyContentFormat: 'JSON',
      });
      expect(set).toEqual(ENVELOPE);
      expect(await subscriptionAttributes(topicName, 'raw')).toMatchObject({
        notifyContentFormat: 'SIMPLIFIED',
      });
    });

    it('refuses bad SetSubscriptionAttributes parameters, naming them, and changes nothing', async () => {
      const topicName = await createTopic();
      await subscribeQueue(topicName, 'steady', { 'filterTag.0': 'keep' });
      const before = await subscriptionAttributes(topicName, 'steady');
      const cases: Array<[Record<string, string | number>, number, string]> = [
        [{ notifyStrategy: 'NEVER' }, 10520, 'notifyStrategy'],
        [{ notifyContentFormat: 'YAML' }, 10530, 'notifyContentFormat'],
        [tagParams('filterTag', 6), 10490, 'filterTag'],
        [tagParams('bindingKey', 6), 10680, 'bindingKey'],
        [{ 'bindingKey.0': `${'a.'.repeat(16)}a` }, 10691, 'bindingKey'],
        [{ maxInFlight: 'many' }, 10360, 'maxInFlight'],
        [{ 'filterTag.0': 'new', notifyStrategy: 'NEVER' }, 10520, 'notifyStrategy'],
      ];
      for (const [params, module, parameter] of cases) {
        const r = await call('SetSubscriptionAttributes', {
          topicName,
          subscriptionName: 'steady',
          ...params,
        });
        expectRefused(r, 4000, module, parameter);
      }
      expect(await subscriptionAttributes(topicName, 'steady')).toEqual({
        ...before,
        requestId: expect.any(String),
      });
      expectRefused(
        await call('SetSubscriptionAttributes', { topicName, subscriptionName: 'missing', maxInFlight: 3 }),
        4440,
        19110,
      );
      expectRefused(
        await call('SetSubscriptionAttributes', { topicName: 'missing', subscriptionName: 'steady' }),
        4440,
        10600,
      );
    });

    it("clears filter tags, also under the Java SDK's ClearSUbscriptionFIlterTags spelling", async () => {
      const topicName = await createTopic();
      for (const [subscriptionName, action] of [
        ['cleared', 'ClearSubscriptionFilterTags'],
        ['java-cleared', 'ClearSUbscriptionFIlterTags'],
      ] as const) {
        await subscribeQueue(topicName, subscriptionName, {
          'filterTag.0': 'a',
          'filterTag.1': 'b',
          'bindingKey.0': 'kept.key',
        });
        expect(await call(action, { topicName, subscriptionName })).toEqual(ENVELOPE);
        expect(await subscriptionAttributes(topicName, subscriptionName)).toMatchObject({
          filterTag: [],
          filterTags: [],
          bindingKey: ['kept.key'],
        });
      }
      expectRefused(
        await call('ClearSubscriptionFilterTags', { topicName, subscriptionName: 'missing' }),
        4440,
        19110,
      );
      expectRefused(
        await call('ClearSubscriptionFilterTags', { topicName }),
        4000,
        10390,
        'subscriptionName',
      );
    });

    it('unsubscribes; the subscription is gone and a second unsubscribe answers 4440', async () => {
      const topicName = await createTopic();
      await subscribeQueue(topicName, 'leaving');
      expect(await call('Unsubscribe', { topicName, subscriptionName: 'LEAVING' })).toEqual(ENVELOPE);
      expectRefused(
        await call('GetSubscriptionAttributes', { topicName, subscriptionName: 'leaving' }),
        4440,
        19110,
      );
      expectRefused(await call('Unsubscribe', { topicName, subscriptionName: 'leaving' }), 4440, 19110);
      expect(await call('ListSubscriptionByTopic', { topicName })).toMatchObject({ totalCount: 0 });
      expectRefused(
        await call('Unsubscribe', { topicName: 'missing', subscriptionName: 'leaving' }),
        4440,
        10600,
      );
      expectRefused(await call('Unsubscribe', { topicName, subscriptionName: '-bad' }), 4000, 10590);
    });
  });

  describe('publishing', () => {
    it('publishes to every subscription of a tag topic whose filter tags match (cmq-api.md §4.1)', async () => {
      const topicName = await createTopic();
      const system = await subscribeQueue(topicName, 'system-only', { 'filterTag.0': 'system' });
      const everything = await subscribeQueue(topicName, 'everything');
      const either = await subscribeQueue(topicName, 'either', {
        'filterTag.1': 'app',
        'filterTag.2': 'system',
      });

      const untagged = await call('PublishMessage', { topicName, msgBody: 'untagged' });
      expect(untagged).toEqual({ ...ENVELOPE, msgId: expect.any(String) });
      expect(
        await call('PublishMessage', { topicName, msgBody: 'system', 'msgTag.0': 'system' }),
      ).toMatchObject({
        code: 0,
      });
      expect(
        await call('PublishMessage', {
          topicName,
          msgBody: 'app+other',
          'msgTag.1': 'other',
          'msgTag.2': 'app',
        }),
      ).toMatchObject({ code: 0 });
      // Tags compare exactly: 'System' is not 'system'.
      expect(await call('PublishMessage', { topicName, msgBody: 'cased', msgTag: 'System' })).toMatchObject({
        code: 0,
      });

      expect(await drain(system)).toEqual(['system']);
      expect(await drain(everything)).toEqual(['app+other', 'cased', 'system', 'untagged']);
      expect(await drain(either)).toEqual(['app+other', 'system']);
      expect(await routedCount(topicName, 'system-only')).toBe(1);
      expect(await routedCount(topicName, 'everything')).toBe(4);
      expect(await routedCount(topicName, 'either')).toBe(2);
    });

    it('routes by binding key on a routing topic with RabbitMQ topic rules (cmq-api.md §4.2)', async () => {
      const topicName = await createTopic({ filterType: 2 });
      const exact = await subscribeQueue(topicName, 'exact', { 'bindingKey.0': 'system.common' });
      const star = await subscribeQueue(topicName, 'star', { 'bindingKey.0': '*.common' });
      const hash = await subscribeQueue(topicName, 'hash', { 'bindingKey.0': 'audit.#.end' });

      const publish = (msgBody: string, routingKey: string) =>
        call('PublishMessage', { topicName, msgBody, routingKey, 'msgTag.0': 'not-a-filter' });
      expect(await publish('both', 'system.common')).toMatchObject({ code: 0 });
      expect(await publish('star only', 'app.common')).toMatchObject({ code: 0 });
      expect(await publish('zero words', 'audit.end')).toMatchObject({ code: 0 });
      expect(await publish('many words', 'audit.a.b.c.end')).toMatchObject({ code: 0 });

      expect(await drain(exact)).toEqual(['both']);
      expect(await drain(star)).toEqual(['both', 'star only']);
      expect(await drain(hash)).toEqual(['many words', 'zero words']);
      expect(await routedCount(topicName, 'exact')).toBe(1);
      expect(await routedCount(topicName, 'star')).toBe(2);
    });

    it('treats an empty routingKey as none: it matches # but not *', async () => {
      const topicName = await createTopic({ filterType: 2 });
      const all = await subscribeQueue(topicName, 'all', { 'bindingKey.0': '#' });
      const one = await subscribeQueue(topicName, 'one-word', { 'bindingKey.0': '*' });
      expect(await call('PublishMessage', { topicName, msgBody: 'empty key', routingKey: '' })).toMatchObject(
        {
          code: 0,
        },
      );
      expect(await call('PublishMessage', { topicName, msgBody: 'no key' })).toMatchObject({ code: 0 });
      expect(await drain(all)).toEqual(['empty key', 'no key']);
      expect(await drain(one)).toEqual([]);
    });

    it('ignores binding keys and routing keys on a tag topic', async () => {
      const topicName = await createTopic();
      const inbox = await subscribeQueue(topicName, 'route-ignored', { 'bindingKey.0': 'route.#' });
      expect(
        await call('PublishMessage', { topicName, msgBody: 'delivered', routingKey: 'other.single' }),
      ).toMatchObject({ code: 0 });
      expect(await drain(inbox)).toEqual(['delivered']);
    });

    it('answers 6030/10650 and stores nothing when the topic has no subscription', async () => {
      const topicName = await createTopic();
      expectRefused(await call('PublishMessage', { topicName, msgBody: 'lost' }), 6030, 10650);
      expectRefused(
        await call('BatchPublishMessage', { topicName, 'msgBody.0': 'a', 'msgBody.1': 'b' }),
        6030,
        10650,
      );
      expect(await call('GetTopicAttributes', { topicName })).toMatchObject({ msgCount: 0 });
      // A subscription added afterwards finds nothing from before it existed.
      const inbox = await subscribeQueue(topicName, 'late');
      expect(await drain(inbox)).toEqual([]);
      expect(await routedCount(topicName, 'late')).toBe(0);
    });

    it('answers 6030/10730 and stores nothing when no filter matches, for single and batch publishes', async () => {
      const topicName = await createTopic();
      const a = await subscribeQueue(topicName, 'wants-a', { 'filterTag.0': 'a' });
      const b = await subscribeQueue(topicName, 'wants-b', { 'filterTag.0': 'b' });
      expectRefused(await call('PublishMessage', { topicName, msgBody: 'c', 'msgTag.0': 'c' }), 6030, 10730);
      expectRefused(await call('PublishMessage', { topicName, msgBody: 'untagged' }), 6030, 10730);
      expectRefused(
        await call('BatchPublishMessage', { topicName, 'msgBody.0': 'x', 'msgBody.1': 'y', 'msgTag.0': 'c' }),
        6030,
        10730,
      );
      expect(await drain(a)).toEqual([]);
      expect(await drain(b)).toEqual([]);
      expect(await routedCount(topicName, 'wants-a')).toBe(0);
      expect(await routedCount(topicName, 'wants-b')).toBe(0);

      const routing = await createTopic({ filterType: 2 });
      const keyed = await subscribeQueue(routing, 'keyed', { 'bindingKey.0': 'order.*' });
      expectRefused(
        await call('PublishMessage', { topicName: routing, msgBody: 'm', routingKey: 'order' }),
        6030,
        10730,
      );
      expectRefused(
        await call('PublishMessage', { topicName: routing, msgBody: 'm', routingKey: 'order.a.b' }),
        6030,
        10730,
      );
      expectRefused(await call('PublishMessage', { topicName: routing, msgBody: 'm' }), 6030, 10730);
      expect(await drain(keyed)).toEqual([]);
      expect(await routedCount(routing, 'keyed')).toBe(0);
    });

    it('batch-publishes up to 16 messages with 0- or 1-based indices, tags and key applying to all', async () => {
      const topicName = await createTopic({ filterType: 2 });
      const inbox = await subscribeQueue(topicName, 'batch', { 'bindingKey.0': 'orders.*' });
      const params: Record<string, string> = { topicName, routingKey: 'orders.eu' };
      const bodies = Array.from({ length: 16 }, (_, i) => `m${i + 1}`);
      bodies.forEach((body, i) => (params[`msgBody.${i + 1}`] = body));
      const published = await call('BatchPublishMessage', params);
      expect(published).toMatchObject(ENVELOPE);
      const msgList = published['msgList'] as Array<{ msgId: string }>;
      expect(msgList).toHaveLength(16);
      for (const entry of msgList) expect(entry).toEqual({ msgId: expect.any(String) });
      expect(new Set(msgList.map((m) => m.msgId)).size).toBe(16);
      expect(await drain(inbox)).toEqual([...bodies].sort());
      expect(await routedCount(topicName, 'batch')).toBe(16);

      const tagTopic = await createTopic();
      const tagged = await subscribeQueue(tagTopic, 'tagged', { 'filterTag.0': 'vip' });
      const zeroBased = await call('BatchPublishMessage', {
        topicName: tagTopic,
        'msgBody.0': 'first',
        'msgBody.1': 'second',
        'msgTag.0': 'vip',
      });
      expect(zeroBased['msgList']).toHaveLength(2);
      expect(await drain(tagged)).toEqual(['first', 'second']);
    });

    it('refuses every bad publish parameter, naming it, and stores nothing', async () => {
      const topicName = await createTopic({ maxMsgSize: 1024 });
      const inbox = await subscribeQueue(topicName, 'catch-all');
      const cases: Array<[string, Record<string, string>, number, number, string | undefined]> = [
        ['PublishMessage', {}, 4000, 10390, 'msgBody'],
        ['PublishMessage', { msgBody: '' }, 4000, 10120, undefined],
        ['PublishMessage', { msgBody: 'x', ...tagParams('msgTag', 6) }, 4000, 10720, 'msgTag'],
        ['PublishMessage', { msgBody: 'x', 'msgTag.0': 't'.repeat(17) }, 4000, 10720, 'msgTag'],
        ['PublishMessage', { msgBody: 'x', 'msgTag.0': 'a', 'msgTag.2': 'b' }, 4000, 10380, 'msgTag'],
        ['PublishMessage', { msgBody: 'x', routingKey: `${'w.'.repeat(16)}w` }, 4000, 10691, 'routingKey'],
        ['PublishMessage', { msgBody: 'x', routingKey: 'a.*' }, 4000, 10350, 'routingKey'],
        ['PublishMessage', { msgBody: 'x', routingKey: 'r'.repeat(65) }, 4000, 10350, 'routingKey'],
        ['PublishMessage', { msgBody: 'é'.repeat(513) }, 4400, 10230, undefined],
        ['BatchPublishMessage', {}, 4000, 10390, 'msgBody'],
        ['BatchPublishMessage', { 'msgBody.0': 'a', 'msgBody.1': '' }, 4000, 10120, undefined],
        ['BatchPublishMessage', tagParams('msgBody', 17), 4000, 10370, 'msgBody'],
        ['BatchPublishMessage', { 'msgBody.0': 'a', 'msgBody.2': 'b' }, 4000, 10380, 'msgBody'],
        ['BatchPublishMessage', { 'msgBody.0': 'a', ...tagParams('msgTag', 6) }, 4000, 10720, 'msgTag'],
        ['BatchPublishMessage', { 'msgBody.0': 'a', routingKey: 'a.#' }, 4000, 10350, 'routingKey'],
        ['BatchPublishMessage', { 'msgBody.0': 'a', 'msgBody.1': 'x'.repeat(1025) }, 4400, 10230, undefined],
      ];
      for (const [action, params, code, module, parameter] of cases) {
        expectRefused(await call(action, { topicName, ...params }), code, module, parameter);
      }
      expectRefused(await call('PublishMessage', { msgBody: 'x' }), 4000, 10390, 'topicName');
      expectRefused(
        await call('PublishMessage', { topicName: 'a.b', msgBody: 'x' }),
        4000,
        10590,
        'topicName',
      );
      expectRefused(await call('PublishMessage', { topicName: 'missing', msgBody: 'x' }), 4440, 10600);
      expect(await drain(inbox)).toEqual([]);
      expect(await routedCount(topicName, 'catch-all')).toBe(0);

      // The limits themselves are accepted: 5 tags of 16 characters, 15 dots, a body of exactly maxMsgSize.
      const accepted = await call('PublishMessage', {
        topicName,
        msgBody: 'x'.repeat(1024),
        routingKey: `${'w.'.repeat(15)}w`,
        ...Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`msgTag.${i}`, `${i}`.padEnd(16, 't')])),
      });
      expect(accepted).toMatchObject({ code: 0 });
      expect(await drain(inbox)).toEqual(['x'.repeat(1024)]);
    });

    it('pushes a published message to an http subscription as CMQ JSON', async () => {
      const sink = await startHttpSink('ok');
      try {
        const topicName = await createTopic();
        const subscribed = await call('Subscribe', {
          topicName,
          subscriptionName: 'pushed',
          protocol: 'http',
          endpoint: sink.url,
          'filterTag.0': 'web',
        });
        expect(subscribed).toMatchObject({ code: 0 });
        const published = await call('PublishMessage', {
          topicName,
          msgBody: '{"hello":"world"}',
          'msgTag.0': 'web',
        });
        expect(published).toMatchObject({ code: 0 });

        const [push] = await sink.waitForRequests(1);
        expect(push!.method).toBe('POST');
        expect(JSON.parse(push!.body)).toMatchObject({
          topicName,
          subscriptionName: 'pushed',
          msgId: published['msgId'],
          msgBody: '{"hello":"world"}',
        });
        await waitFor(
          async () => (await subscriptionAttributes(topicName, 'pushed'))['deliveredCount'] === 1,
          10_000,
          'deliveredCount 1',
        );
        expect(await subscriptionAttributes(topicName, 'pushed')).toMatchObject({
          msgCount: 1,
          deliveredCount: 1,
          pendingCount: 0,
          failedAttempts: 0,
          droppedCount: 0,
        });
      } finally {
        await sink.close();
      }
    });
  });

  it('answers every topic action under its name in any casing', async () => {
    const topicName = await createTopic();
    expect(await call('gettopicattributes', { topicName })).toMatchObject({ code: 0, topicName });
    expect(await call('LISTSUBSCRIPTIONBYTOPIC', { topicName })).toMatchObject({ code: 0, totalCount: 0 });
    const actions = [
      'CreateTopic',
      'SetTopicAttributes',
      'GetTopicAttributes',
      'ListTopic',
      'DeleteTopic',
      'PublishMessage',
      'BatchPublishMessage',
      'Subscribe',
      'Unsubscribe',
      'GetSubscriptionAttributes',
      'SetSubscriptionAttributes',
      'ListSubscriptionByTopic',
      'ClearSubscriptionFilterTags',
    ];
    // Without parameters each action answers for itself (a missing parameter, or a list): never 10430.
    for (const action of actions) {
      for (const spelled of [action.toLowerCase(), action.toUpperCase()]) {
        const response = await call(spelled);
        expect(response.message, `${spelled}: ${JSON.stringify(response)}`).not.toContain('(10430)');
      }
    }
  });
});

/** `name.0` … `name.(count-1)` with distinct short values. */
function tagParams(name: string, count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`${name}.${i}`, `v${i}`]));
}

function withoutUndefined(
  params: Record<string, string | number | undefined>,
): Record<string, string | number> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<
    string,
    string | number
  >;
}
