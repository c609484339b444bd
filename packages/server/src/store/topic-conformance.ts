import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordReadySignals, rejectsWith, T0, testQueueAttributes } from './conformance-support.js';
import type { QueueAttributes } from '../domain/queue.js';
import type {
  Delivery,
  PublishedMessage,
  Subscription,
  SubscriptionAttributes,
  SubscriptionProtocol,
  SubscriptionStats,
  TopicAttributes,
} from '../domain/topic.js';
import { DEFAULT_SUBSCRIPTION_ATTRIBUTES, DEFAULT_TOPIC_ATTRIBUTES } from '../domain/topic-defaults.js';
import { FILTER_TYPES } from '../domain/topic-filter.js';
import type { Store } from './store.js';
import type { TopicStore } from './topic-store.js';

/**
 * The topic suite every engine passes next to store/conformance.ts: topics, subscriptions, filtering,
 * fan-out into queues and the push-delivery lifecycle (lease, complete, fail, expiry). Time is passed
 * explicitly (`nowMs`), as in the queue suite.
 */
export function runTopicStoreConformance(
  engineName: string,
  create: () => Promise<Store & TopicStore> | (Store & TopicStore),
): void {
  const topicAttrs = (patch: Partial<TopicAttributes> = {}): TopicAttributes => ({
    ...DEFAULT_TOPIC_ATTRIBUTES,
    ...patch,
  });
  const subAttrs = (patch: Partial<SubscriptionAttributes> = {}): SubscriptionAttributes => ({
    ...DEFAULT_SUBSCRIPTION_ATTRIBUTES,
    ...patch,
  });
  const queueAttrs = testQueueAttributes;

  let store: Store & TopicStore;

  const createTopic = (name: string, patch: Partial<TopicAttributes> = {}, nowMs = T0, maxTopics = 100) =>
    store.createTopic({ name, attributes: topicAttrs(patch), nowMs, maxTopics });
  const subscribe = (
    topicName: string,
    name: string,
    protocol: SubscriptionProtocol,
    endpoint: string,
    patch: Partial<SubscriptionAttributes> = {},
    options: { nowMs?: number; max?: number } = {},
  ) =>
    store.subscribe({
      topicName,
      name,
      protocol,
      endpoint,
      attributes: subAttrs(patch),
      nowMs: options.nowMs ?? T0,
      maxSubscriptionsPerTopic: options.max ?? 100,
    });
  const subscribeHttp = (topicName: string, name: string, patch: Partial<SubscriptionAttributes> = {}) =>
    subscribe(topicName, name, 'http', `http://127.0.0.1:9/${name}`, patch);
  const subscribeQueue = (
    topicName: string,
    name: string,
    queueName: string,
    patch: Partial<SubscriptionAttributes> = {},
  ) => subscribe(topicName, name, 'queue', queueName, { notifyContentFormat: 'SIMPLIFIED', ...patch });
  const msg = (body: string, tags: string[] = [], routingKey?: string): PublishedMessage => ({
    body,
    tags,
    routingKey,
  });
  const publish = (topicName: string, messages: Array<PublishedMessage | string>, nowMs = T0) =>
    store.publishMessages(
      topicName,
      messages.map((m) => (typeof m === 'string' ? msg(m) : m)),
      nowMs,
    );
  const createQueue = (name: string, patch: Partial<QueueAttributes> = {}) =>
    store.createQueue({ name, attributes: queueAttrs(patch), nowMs: T0, maxQueues: 100 });
  /** Receives (and so hides) everything ready in the queue; bodies in receive order. */
  const bodiesIn = async (queueName: string, nowMs = T0) =>
    (await store.receiveMessages(queueName, { max: 16, visibilityTimeoutMs: 30_000 }, nowMs)).map(
      (m) => m.body,
    );
  const lease = (subscriptionId: string, nowMs: number, max = 16, leaseMs = 30_000) =>
    store.leaseDeliveries(subscriptionId, max, leaseMs, nowMs);
  const bodiesOf = (deliveries: readonly Delivery[]) => deliveries.map((d) => d.body);
  const statsOf = async (topicName: string, name: string) =>
    (await store.getSubscription(topicName, name)).stats;
  const stats = (counts: Partial<SubscriptionStats>): SubscriptionStats => ({
    routedCount: 0,
    pendingCount: 0,
    deliveredCount: 0,
    failedAttempts: 0,
    droppedCount: 0,
    ...counts,
  });
  const msgCountOf = async (topicName: string) => (await store.getTopic(topicName))?.stats.msgCount;
  const byName = (a: Subscription, b: Subscription) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

  describe(`topic store conformance: ${engineName}`, () => {
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('topics', () => {
      it('finds a topic by any casing of its name and keeps the casing it was created with', async () => {
        const created = await createTopic('Events', { maxMsgSizeBytes: 4096 }, T0 + 7);
        expect(created.topicId).toMatch(/^topic-[0-9a-v]{12}$/);
        expect(created).toEqual({
          topicId: created.topicId,
          name: 'Events',
          attributes: topicAttrs({ maxMsgSizeBytes: 4096 }),
          createdAtMs: T0 + 7,
          modifiedAtMs: T0 + 7,
        });
        expect(await store.getTopic('EVENTS')).toEqual({ topic: created, stats: { msgCount: 0 } });
        expect(await store.getTopic('no-such-topic')).toBeUndefined();
      });

      it('refuses a second topic whose name differs only in case', async () => {
        await createTopic('Events');
        await rejectsWith(createTopic('events'), 'TOPIC_ALREADY_EXISTS');
      });

      it('refuses a topic beyond the topic limit, counting topics only', async () => {
        await createQueue('q1');
        await createQueue('q2');
        await createTopic('a', {}, T0, 2);
        await createTopic('b', {}, T0, 2);
        await rejectsWith(createTopic('c', {}, T0, 2), 'TOPIC_LIMIT_REACHED');
        await store.deleteTopic('a');
        await createTopic('c', {}, T0, 2);
        expect((await store.listTopics({ offset: 0, limit: 50 })).total).toBe(2);
      });

      it('gives each topic its own id, and a topic created again a new one', async () => {
        const a = await createTopic('a');
        const b = await createTopic('b');
        expect(a.topicId).not.toBe(b.topicId);
        await store.deleteTopic('a');
        const again = await createTopic('A');
        expect(again.topicId).not.toBe(a.topicId);
        expect(again.name).toBe('A');
      });

      it('lists topics by name with search, offset and limit, and counts all matches', async () => {
        for (const name of ['beta', 'alpha-2', 'ALPHA-3', 'alpha-1', 'gamma']) await createTopic(name);
        const all = await store.listTopics({ offset: 0, limit: 50 });
        expect(all.total).toBe(5);
        expect(all.topics.map((t) => t.name)).toEqual(['alpha-1', 'alpha-2', 'ALPHA-3', 'beta', 'gamma']);
        const page = await store.listTopics({ searchWord: 'Alpha', offset: 1, limit: 1 });
        expect(page.total).toBe(3);
        expect(page.topics.map((t) => t.name)).toEqual(['alpha-2']);
        const none = await store.listTopics({ searchWord: 'zeta', offset: 0, limit: 50 });
        expect(none).toEqual({ total: 0, topics: [] });
      });

      it('updates size and retention, ignores a new filter type, and stamps the modification time', async () => {
        const created = await createTopic('Events');
        const updated = await store.updateTopic(
          'events',
          { maxMsgSizeBytes: 2048, msgRetentionSeconds: 600, filterType: FILTER_TYPES.routingKey },
          T0 + 5000,
        );
        expect(updated).toEqual({
          ...created,
          attributes: { maxMsgSizeBytes: 2048, msgRetentionSeconds: 600, filterType: FILTER_TYPES.tag },
          modifiedAtMs: T0 + 5000,
        });
        const again = await store.updateTopic('Events', { maxMsgSizeBytes: 4096 }, T0 + 6000);
        expect(again.attributes).toEqual({
          maxMsgSizeBytes: 4096,
          msgRetentionSeconds: 600,
          filterType: FILTER_TYPES.tag,
        });
        expect((await store.getTopic('Events'))?.topic).toEqual(again);
      });

      it('refuses to delete a topic while it has subscriptions', async () => {
        await createTopic('Events');
        await subscribeHttp('Events', 'hook');
        await rejectsWith(store.deleteTopic('events'), 'TOPIC_HAS_SUBSCRIPTIONS');
        expect(await store.getTopic('Events')).toBeDefined();
        await store.unsubscribe('Events', 'hook');
        await store.deleteTopic('EVENTS');
        expect(await store.getTopic('Events')).toBeUndefined();
        await createTopic('Events');
        expect(await store.listSubscriptions('Events', { offset: 0, limit: 50 })).toEqual({
          total: 0,
          subscriptions: [],
        });
      });

      it('fails with TOPIC_NOT_FOUND for every operation on a missing topic', async () => {
        await rejectsWith(store.updateTopic('nope', {}, T0), 'TOPIC_NOT_FOUND');
        await rejectsWith(store.deleteTopic('nope'), 'TOPIC_NOT_FOUND');
        await rejectsWith(subscribeHttp('nope', 'hook'), 'TOPIC_NOT_FOUND');
        await rejectsWith(store.unsubscribe('nope', 'hook'), 'TOPIC_NOT_FOUND');
        await rejectsWith(store.getSubscription('nope', 'hook'), 'TOPIC_NOT_FOUND');
        await rejectsWith(store.listSubscriptions('nope', { offset: 0, limit: 10 }), 'TOPIC_NOT_FOUND');
        await rejectsWith(store.updateSubscription('nope', 'hook', {}, T0), 'TOPIC_NOT_FOUND');
        await rejectsWith(publish('nope', ['x']), 'TOPIC_NOT_FOUND');
      });
    });

    describe('subscriptions', () => {
      beforeEach(async () => {
        await createTopic('Events');
      });

      it('creates a subscription found by any casing of topic and name, with zero stats', async () => {
        const created = await subscribe(
          'EVENTS',
          'Mailer',
          'http',
          'http://127.0.0.1:9/mail',
          { filterTags: ['a', 'b'], maxInFlight: 8 },
          { nowMs: T0 + 5 },
        );
        expect(created.subscriptionId).toMatch(/^sub-[0-9a-v]{12}$/);
        expect(created).toEqual({
          subscriptionId: created.subscriptionId,
          topicName: 'Events',
          name: 'Mailer',
          protocol: 'http',
          endpoint: 'http://127.0.0.1:9/mail',
          attributes: subAttrs({ filterTags: ['a', 'b'], maxInFlight: 8 }),
          createdAtMs: T0 + 5,
          modifiedAtMs: T0 + 5,
        });
        expect(await store.getSubscription('events', 'MAILER')).toEqual({
          subscription: created,
          stats: stats({}),
        });
      });

      it('keeps subscription names unique within a topic, case-insensitively', async () => {
        await createTopic('Other');
        const first = await subscribeHttp('Events', 'Mailer');
        await rejectsWith(subscribeHttp('Events', 'MAILER'), 'SUBSCRIPTION_ALREADY_EXISTS');
        const other = await subscribeHttp('Other', 'mailer');
        expect(other.subscriptionId).not.toBe(first.subscriptionId);
        expect(other.topicName).toBe('Other');
      });

      it('refuses a subscription beyond the per-topic limit', async () => {
        await createTopic('Other');
        await subscribe('Events', 'a', 'http', 'http://127.0.0.1:9/a', {}, { max: 2 });
        await subscribe('Events', 'b', 'queue', 'inbox', {}, { max: 2 });
        await rejectsWith(
          subscribe('Events', 'c', 'http', 'http://127.0.0.1:9/c', {}, { max: 2 }),
          'SUBSCRIPTION_LIMIT_REACHED',
        );
        await subscribe('Other', 'c', 'http', 'http://127.0.0.1:9/c', {}, { max: 2 });
        await store.unsubscribe('Events', 'A');
        await subscribe('Events', 'c', 'http', 'http://127.0.0.1:9/c', {}, { max: 2 });
      });

      it('fails with SUBSCRIPTION_NOT_FOUND for a missing subscription', async () => {
        await rejectsWith(store.getSubscription('Events', 'nope'), 'SUBSCRIPTION_NOT_FOUND');
        await rejectsWith(store.unsubscribe('Events', 'nope'), 'SUBSCRIPTION_NOT_FOUND');
        await rejectsWith(store.updateSubscription('Events', 'nope', {}, T0), 'SUBSCRIPTION_NOT_FOUND');
      });

      it('accepts a queue subscription whose queue does not exist yet', async () => {
        const sub = await subscribeQueue('Events', 'toQueue', 'not-yet');
        expect(sub).toMatchObject({ protocol: 'queue', endpoint: 'not-yet' });
      });

      it('lists the subscriptions of one topic by name with search, offset and limit', async () => {
        await createTopic('Other');
        await subscribeHttp('Other', 'alpha-0');
        for (const name of ['beta', 'alpha-2', 'ALPHA-3', 'alpha-1']) await subscribeHttp('Events', name);
        const all = await store.listSubscriptions('events', { offset: 0, limit: 50 });
        expect(all.total).toBe(4);
        expect(all.subscriptions.map((s) => s.name)).toEqual(['alpha-1', 'alpha-2', 'ALPHA-3', 'beta']);
        expect(all.subscriptions[0]).toEqual((await store.getSubscription('Events', 'alpha-1')).subscription);
        const page = await store.listSubscriptions('Events', { searchWord: 'ALPHA', offset: 1, limit: 1 });
        expect(page.total).toBe(3);
        expect(page.subscriptions.map((s) => s.name)).toEqual(['alpha-2']);
      });

      it('replaces only the given attributes, arrays whole, and stamps the modification time', async () => {
        const created = await subscribeHttp('Events', 'hook', {
          filterTags: ['a', 'c'],
          bindingKeys: ['k.#'],
          signingSecret: 's3cret',
        });
        const updated = await store.updateSubscription(
          'EVENTS',
          'HOOK',
          { notifyStrategy: 'BACKOFF_RETRY', filterTags: ['b'], maxInFlight: 8 },
          T0 + 9000,
        );
        expect(updated).toEqual({
          ...created,
          attributes: subAttrs({
            notifyStrategy: 'BACKOFF_RETRY',
            filterTags: ['b'],
            bindingKeys: ['k.#'],
            maxInFlight: 8,
            signingSecret: 's3cret',
          }),
          modifiedAtMs: T0 + 9000,
        });
        expect((await store.getSubscription('Events', 'hook')).subscription).toEqual(updated);
        // The replaced tags decide the next publish: 'a' no longer matches anything.
        await rejectsWith(publish('Events', [msg('x', ['a'])]), 'NO_MATCHING_SUBSCRIPTION');
        await publish('Events', [msg('y', ['b'])]);
        await store.updateSubscription('Events', 'hook', { filterTags: [] }, T0 + 9001);
        await publish('Events', [msg('z')]);
        expect((await statsOf('Events', 'hook')).routedCount).toBe(2);
      });

      it('lists every http subscription of every topic for the dispatcher', async () => {
        await createTopic('Other');
        const a = await subscribeHttp('Events', 'a');
        await subscribeQueue('Events', 'q', 'inbox');
        const b = await subscribeHttp('Other', 'b');
        expect((await store.listPushSubscriptions()).sort(byName)).toEqual([a, b]);
        const updated = await store.updateSubscription('Events', 'a', { rateLimitPerSecond: 5 }, T0 + 1);
        expect((await store.listPushSubscriptions()).sort(byName)).toEqual([updated, b]);
        await store.unsubscribe('Events', 'a');
        expect(await store.listPushSubscriptions()).toEqual([b]);
      });

      it('starts a subscription created again under an old name afresh', async () => {
        const old = await subscribeHttp('Events', 'hook');
        await publish('Events', ['a', 'b']);
        const [first] = await lease(old.subscriptionId, T0);
        await store.unsubscribe('events', 'HOOK');
        const again = await subscribeHttp('Events', 'hook');
        expect(again.subscriptionId).not.toBe(old.subscriptionId);
        // The old subscription's lease is worthless: completing it changes nothing.
        await store.completeDelivery(first!.deliveryId, T0 + 1);
        expect(await statsOf('Events', 'hook')).toEqual(stats({}));
        expect(await lease(again.subscriptionId, T0 + 60_000)).toEqual([]);
      });
    });

    describe('filtering', () => {
      it('delivers by tags on a tag topic: no filter tags gets all, otherwise any shared tag', async () => {
        await createTopic('Tags');
        for (const q of ['all', 'sys', 'ab']) await createQueue(q);
        await subscribeQueue('Tags', 'all', 'all');
        await subscribeQueue('Tags', 'sys', 'sys', { filterTags: ['system'] });
        await subscribeQueue('Tags', 'ab', 'ab', { filterTags: ['a', 'b'] });
        await publish('Tags', [
          msg('untagged'),
          msg('system', ['system']),
          msg('b-and-c', ['b', 'c']),
          msg('other-case', ['System']),
        ]);
        expect(await bodiesIn('all')).toEqual(['untagged', 'system', 'b-and-c', 'other-case']);
        expect(await bodiesIn('sys')).toEqual(['system']);
        expect(await bodiesIn('ab')).toEqual(['b-and-c']);
        expect((await statsOf('Tags', 'all')).routedCount).toBe(4);
        expect((await statsOf('Tags', 'sys')).routedCount).toBe(1);
        expect((await statsOf('Tags', 'ab')).routedCount).toBe(1);
      });

      it('routes every publish by the subscriptions as they are at that moment', async () => {
        await createTopic('Changing');
        for (const q of ['first', 'second']) await createQueue(q);
        await subscribeQueue('Changing', 'first', 'first');
        await publish('Changing', [msg('to-first', ['x'])]);
        await store.updateSubscription('Changing', 'first', { filterTags: ['y'] }, T0);
        await subscribeQueue('Changing', 'second', 'second');
        await publish('Changing', [msg('x-tagged', ['x']), msg('y-tagged', ['y'])]);
        await store.unsubscribe('Changing', 'first');
        await publish('Changing', [msg('after-unsubscribe', ['y'])]);
        await store.unsubscribe('Changing', 'second');
        await expect(publish('Changing', ['nobody'])).rejects.toMatchObject({ code: 'NO_SUBSCRIPTION' });
        await store.deleteTopic('Changing');
        await expect(publish('Changing', ['gone'])).rejects.toMatchObject({ code: 'TOPIC_NOT_FOUND' });
        expect(await bodiesIn('first')).toEqual(['to-first', 'y-tagged']);
        expect(await bodiesIn('second')).toEqual(['x-tagged', 'y-tagged', 'after-unsubscribe']);
      });

      it('routes by the subscriptions kept when a subscription change in the same batch is refused', async () => {
        await createTopic('Undone');
        await createQueue('kept');
        await subscribeQueue('Undone', 'kept', 'kept');
        await publish('Undone', ['before']);
        // One batch in the SQLite engine: the failing subscribe and the publish after it.
        const [refused, published] = await Promise.allSettled([
          subscribe('Undone', 'kept', 'queue', 'other'),
          publish('Undone', ['after']),
        ]);
        expect(refused).toMatchObject({
          status: 'rejected',
          reason: { code: 'SUBSCRIPTION_ALREADY_EXISTS' },
        });
        expect(published.status).toBe('fulfilled');
        expect(await bodiesIn('kept')).toEqual(['before', 'after']);
      });

      it('delivers by binding keys on a routing topic, RabbitMQ style', async () => {
        await createTopic('Routes', { filterType: FILTER_TYPES.routingKey });
        for (const q of ['exact', 'star', 'hash']) await createQueue(q);
        await subscribeQueue('Routes', 'exact', 'exact', { bindingKeys: ['system.common'] });
        await subscribeQueue('Routes', 'star', 'star', { bindingKeys: ['*.common'] });
        await subscribeQueue('Routes', 'hash', 'hash', { bindingKeys: ['#'] });
        await publish('Routes', [
          msg('system', [], 'system.common'),
          msg('app', [], 'app.common'),
          msg('deep', [], 'x.y.common'),
          msg('no-key', [], undefined),
          msg('empty-key', [], ''),
        ]);
        expect(await bodiesIn('exact')).toEqual(['system']);
        expect(await bodiesIn('star')).toEqual(['system', 'app']);
        expect(await bodiesIn('hash')).toEqual(['system', 'app', 'deep', 'no-key', 'empty-key']);
      });

      it('ignores binding keys on a tag topic', async () => {
        await createTopic('Tags');
        await createQueue('bound');
        await createQueue('tagged');
        await subscribeQueue('Tags', 'bound', 'bound', { bindingKeys: ['nothing.matches'] });
        await subscribeQueue('Tags', 'tagged', 'tagged', { filterTags: ['t'], bindingKeys: ['#'] });
        await publish('Tags', [msg('keyed', [], 'other.key')]);
        expect(await bodiesIn('bound')).toEqual(['keyed']);
        expect(await bodiesIn('tagged')).toEqual([]);
      });

      it('ignores tags on a routing topic, and a subscription without binding keys gets nothing', async () => {
        await createTopic('Routes', { filterType: FILTER_TYPES.routingKey });
        await createQueue('inbox');
        await subscribeQueue('Routes', 'keyed', 'inbox', { filterTags: ['t'], bindingKeys: ['a'] });
        await subscribeQueue('Routes', 'unbound', 'inbox', { filterTags: ['t'] });
        await publish('Routes', [msg('by-key', [], 'a')]);
        await rejectsWith(publish('Routes', [msg('by-tag', ['t'], 'b')]), 'NO_MATCHING_SUBSCRIPTION');
        expect(await bodiesIn('inbox')).toEqual(['by-key']);
        expect((await statsOf('Routes', 'unbound')).routedCount).toBe(0);
      });
    });

    describe('publishing', () => {
      beforeEach(async () => {
        await createTopic('Events');
        await createQueue('inbox');
      });

      it('refuses to publish to a topic without subscriptions and stores nothing', async () => {
        await rejectsWith(publish('Events', ['early']), 'NO_SUBSCRIPTION');
        expect(await msgCountOf('Events')).toBe(0);
        await subscribeQueue('Events', 'q', 'inbox');
        await publish('Events', ['later']);
        expect(await bodiesIn('inbox')).toEqual(['later']);
        expect((await statsOf('Events', 'q')).routedCount).toBe(1);
      });

      it('refuses a whole batch when one message matches no subscription and stores none of it', async () => {
        const hook = await subscribeHttp('Events', 'hook', { filterTags: ['x'] });
        await subscribeQueue('Events', 'q', 'inbox', { filterTags: ['x'] });
        await rejectsWith(
          publish('Events', [msg('ok', ['x']), msg('no', ['y'])]),
          'NO_MATCHING_SUBSCRIPTION',
        );
        expect(await bodiesIn('inbox')).toEqual([]);
        expect(await statsOf('Events', 'q')).toEqual(stats({}));
        expect(await statsOf('Events', 'hook')).toEqual(stats({}));
        expect(await msgCountOf('Events')).toBe(0);
        expect(await store.nextDeliveryAtMs(hook.subscriptionId)).toBeUndefined();
        expect(await lease(hook.subscriptionId, T0)).toEqual([]);
        await publish('Events', [msg('one', ['x']), msg('two', ['x', 'y'])]);
        expect(await bodiesIn('inbox')).toEqual(['one', 'two']);
        expect(bodiesOf(await lease(hook.subscriptionId, T0))).toEqual(['one', 'two']);
      });

      it('returns distinct message ids in input order, unique across topics', async () => {
        await createTopic('Other');
        const hook = await subscribeHttp('Events', 'hook');
        await subscribeQueue('Other', 'q', 'inbox');
        const ids = await publish('Events', ['a', 'b', 'c']);
        const otherIds = await publish('Other', ['d', 'e']);
        const moreIds = await publish('Events', ['f']);
        expect(new Set([...ids, ...otherIds, ...moreIds]).size).toBe(6);
        const deliveries = await lease(hook.subscriptionId, T0);
        expect(deliveries.map((d) => [d.msgId, d.body])).toEqual([
          [ids[0], 'a'],
          [ids[1], 'b'],
          [ids[2], 'c'],
          [moreIds[0], 'f'],
        ]);
      });
    });

    describe('queue subscriptions', () => {
      beforeEach(async () => {
        await createTopic('Events');
      });

      it('enqueues the raw body as a ready message of the queue, matched case-insensitively', async () => {
        await createQueue('Inbox');
        const sub = await subscribeQueue('Events', 'q', 'INBOX');
        const { signals, stop } = recordReadySignals(store);
        await publish('Events', [msg('{"raw":true}', ['tag'], 'some.key'), msg('second')], T0 + 100);
        stop();
        expect(signals.filter(([key]) => key === 'inbox').reduce((n, [, count]) => n + count, 0)).toBe(2);
        expect((await store.getQueueStats('Inbox', T0 + 100)).activeMsgNum).toBe(2);
        const received = await store.receiveMessages(
          'inbox',
          { max: 16, visibilityTimeoutMs: 30_000 },
          T0 + 200,
        );
        expect(received.map((m) => [m.body, m.enqueuedAtMs, m.dequeueCount])).toEqual([
          ['{"raw":true}', T0 + 100, 1],
          ['second', T0 + 100, 1],
        ]);
        expect(await statsOf('Events', 'q')).toEqual(stats({ routedCount: 2, deliveredCount: 2 }));
        expect(await msgCountOf('Events')).toBe(0);
        expect(await store.nextDeliveryAtMs(sub.subscriptionId)).toBeUndefined();
        expect(await lease(sub.subscriptionId, T0 + 100)).toEqual([]);
      });

      it('counts a message as dropped while the queue is missing, and the publish still succeeds', async () => {
        await createQueue('elsewhere');
        await subscribeQueue('Events', 'q', 'later');
        await subscribeQueue('Events', 'ok', 'elsewhere');
        const [id] = await publish('Events', ['lost']);
        expect(typeof id).toBe('string');
        expect(await statsOf('Events', 'q')).toEqual(stats({ routedCount: 1, droppedCount: 1 }));
        expect(await bodiesIn('elsewhere')).toEqual(['lost']);
        await createQueue('later');
        await publish('Events', ['kept']);
        expect(await bodiesIn('later')).toEqual(['kept']);
        expect(await statsOf('Events', 'q')).toEqual(
          stats({ routedCount: 2, deliveredCount: 1, droppedCount: 1 }),
        );
        await store.deleteQueue('later');
        await publish('Events', ['lost again']);
        expect(await statsOf('Events', 'q')).toEqual(
          stats({ routedCount: 3, deliveredCount: 1, droppedCount: 2 }),
        );
      });

      it('counts a message larger than the target queue allows as dropped', async () => {
        await createQueue('tiny', { maxMsgSizeBytes: 1024 });
        await subscribeQueue('Events', 'q', 'tiny');
        await publish('Events', ['x'.repeat(1025), 'fits']);
        expect(await bodiesIn('tiny')).toEqual(['fits']);
        expect(await statsOf('Events', 'q')).toEqual(
          stats({ routedCount: 2, deliveredCount: 1, droppedCount: 1 }),
        );
      });

      it('counts messages as dropped once the queue holds maxMsgHeapNum', async () => {
        await createQueue('small', { maxMsgHeapNum: 2 });
        await subscribeQueue('Events', 'q', 'small');
        const hook = await subscribeHttp('Events', 'hook');
        const ids = await publish('Events', ['1', '2', '3']);
        expect(ids).toHaveLength(3);
        expect(await bodiesIn('small')).toEqual(['1', '2']);
        expect(await statsOf('Events', 'q')).toEqual(
          stats({ routedCount: 3, deliveredCount: 2, droppedCount: 1 }),
        );
        expect(bodiesOf(await lease(hook.subscriptionId, T0))).toEqual(['1', '2', '3']);
      });
    });

    describe('push deliveries', () => {
      beforeEach(async () => {
        await createTopic('Events', { msgRetentionSeconds: 3600 });
      });

      it('creates one delivery per message and http subscription, due at the publish time', async () => {
        const a = await subscribeHttp('Events', 'a');
        const b = await subscribeHttp('Events', 'b');
        const [id] = await publish('Events', [msg('hello', ['x', 'y'])], T0 + 500);
        expect(await lease(a.subscriptionId, T0 + 499)).toEqual([]);
        const [delivery] = await lease(a.subscriptionId, T0 + 500);
        expect(typeof delivery?.deliveryId).toBe('string');
        expect(delivery).toEqual({
          deliveryId: delivery?.deliveryId,
          msgId: id,
          body: 'hello',
          tags: ['x', 'y'],
          publishedAtMs: T0 + 500,
          attempts: 0,
          expiresAtMs: T0 + 500 + 3_600_000,
        });
        const [other] = await lease(b.subscriptionId, T0 + 500);
        expect(other).toMatchObject({ msgId: id, body: 'hello' });
        expect(other?.deliveryId).not.toBe(delivery?.deliveryId);
        expect(await statsOf('Events', 'a')).toEqual(stats({ routedCount: 1, pendingCount: 1 }));
        expect(await msgCountOf('Events')).toBe(1);
      });

      it('signals each http subscription that got deliveries once per publish', async () => {
        const a = await subscribeHttp('Events', 'a');
        const b = await subscribeHttp('Events', 'b');
        await subscribeHttp('Events', 'tagged', { filterTags: ['never'] });
        await subscribeQueue('Events', 'q', 'inbox');
        const signals: string[] = [];
        const stop = store.onDeliveriesReady((subscriptionId) => signals.push(subscriptionId));
        await publish('Events', ['1', '2', '3']);
        expect(signals.sort()).toEqual([a.subscriptionId, b.subscriptionId].sort());
        stop();
        await publish('Events', ['4']);
        expect(signals).toHaveLength(2);
      });

      it('leases at most max deliveries, in publish order when due at the same time', async () => {
        const hook = await subscribeHttp('Events', 'hook');
        await publish('Events', ['a', 'b', 'c']);
        expect(bodiesOf(await lease(hook.subscriptionId, T0, 2))).toEqual(['a', 'b']);
        expect(bodiesOf(await lease(hook.subscriptionId, T0, 2))).toEqual(['c']);
        expect(await lease(hook.subscriptionId, T0, 2)).toEqual([]);
        expect(await lease(hook.subscriptionId, T0, 0)).toEqual([]);
      });

      it('leases the delivery due longest first', async () => {
        const hook = await subscribeHttp('Events', 'hook');
        await publish('Events', ['a'], T0);
        await publish('Events', ['b'], T0 + 1000);
        await publish('Events', ['c'], T0 + 2000);
        const [a, b, c] = await lease(hook.subscriptionId, T0 + 2000);
        await store.failDelivery(a!.deliveryId, T0 + 10_000, T0 + 2001);
        await store.failDelivery(b!.deliveryId, T0 + 5000, T0 + 2001);
        await store.failDelivery(c!.deliveryId, T0 + 7000, T0 + 2001);
        const retried = await lease(hook.subscriptionId, T0 + 10_000);
        expect(retried.map((d) => [d.body, d.attempts])).toEqual([
          ['b', 1],
          ['c', 1],
          ['a', 1],
        ]);
      });

      it('keeps a leased delivery from others until the lease runs out, then leases it again', async () => {
        const hook = await subscribeHttp('Events', 'hook');
        const other = await subscribeHttp('Events', 'other');
        await publish('Events', ['a', 'b', 'c']);
        const first = await lease(hook.subscriptionId, T0, 16, 30_000);
        expect(bodiesOf(first)).toEqual(['a', 'b', 'c']);
        expect(await lease(hook.subscriptionId, T0)).toEqual([]);
        expect(await lease(hook.subscriptionId, T0 + 29_999)).toEqual([]);
        expect(bodiesOf(await lease(other.subscriptionId, T0))).toEqual(['a', 'b', 'c']);
        expect(await store.nextDeliveryAtMs(hook.subscriptionId)).toBe(T0 + 30_000);
        // The dispatcher holding the lease crashed: its work comes back, not as a failed attempt.
        const recovered = await lease(hook.subscriptionId, T0 + 30_000);
        expect(recovered.map((d) => [d.deliveryId, d.attempts])).toEqual(first.map((d) => [d.deliveryId, 0]));
        expect(await statsOf('Events', 'hook')).toEqual(stats({ routedCount: 3, pendingCount: 3 }));
      });

      it('reports the next time a delivery becomes leasable', async () => {
        const hook = await subscribeHttp('Events', 'hook');
        await subscribeQueue('Events', 'q', 'inbox');
        expect(await store.nextDeliveryAtMs(hook.subscriptionId)).toBeUndefined();
        await publish('Events', ['a', 'b'], T0);
        expect(await store.nextDeliveryAtMs(hook.subscriptionId)).toBe(T0);
        const [a] = await lease(hook.subscriptionId, T0 + 1000, 1, 30_000);
        expect(await store.nextDeliveryAtMs(hook.subscriptionId)).toBe(T0);
        const [b] = await lease(hook.subscriptionId, T0 + 2000, 1, 30_000);
        expect(await store.nextDeliveryAtMs(hook.subscriptionId)).toBe(T0 + 31_000);
        await store.failDelivery(a!.deliveryId, T0 + 40_000, T0 + 3000);
        expect(await store.nextDeliveryAtMs(hook.subscriptionId)).toBe(T0 + 32_000);
        await store.completeDelivery(b!.deliveryId, T0 + 3000);
        expect(await store.nextDeliveryAtMs(hook.subscriptionId)).toBe(T0 + 40_000);
        await store.completeDelivery(a!.deliveryId, T0 + 3000);
        expect(await store.nextDeliveryAtMs(hook.subscriptionId)).toBeUndefined();
        expect(await store.nextDeliveryAtMs('sub-doesnotexist')).toBeUndefined();
        expect(await lease('sub-doesnotexist', T0)).toEqual([]);
      });

      it('removes a completed delivery and counts it delivered once', async () => {
        const hook = await subscribeHttp('Events', 'hook');
        await publish('Events', ['a', 'b']);
        const [a] = await lease(hook.subscriptionId, T0, 1);
        await store.completeDelivery(a!.deliveryId, T0 + 10);
        await store.completeDelivery(a!.deliveryId, T0 + 11);
        await store.failDelivery(a!.deliveryId, T0 + 1000, T0 + 12);
        await store.completeDelivery('999999999', T0 + 13);
        await store.failDelivery('999999999', undefined, T0 + 13);
        expect(await statsOf('Events', 'hook')).toEqual(
          stats({ routedCount: 2, pendingCount: 1, deliveredCount: 1 }),
        );
        expect(bodiesOf(await lease(hook.subscriptionId, T0 + 60_000))).toEqual(['b']);
      });

      it('retries a failed delivery at its next attempt, not before, however long its lease was', async () => {
        const hook = await subscribeHttp('Events', 'hook');
        await publish('Events', ['a']);
        const [first] = await lease(hook.subscriptionId, T0, 16, 60_000);
        await store.failDelivery(first!.deliveryId, T0 + 1000, T0 + 100);
        expect(await lease(hook.subscriptionId, T0 + 999)).toEqual([]);
        expect(await store.nextDeliveryAtMs(hook.subscriptionId)).toBe(T0 + 1000);
        const [second] = await lease(hook.subscriptionId, T0 + 1000);
        expect(second).toEqual({ ...first, attempts: 1 });
        expect(await statsOf('Events', 'hook')).toEqual(
          stats({ routedCount: 1, pendingCount: 1, failedAttempts: 1 }),
        );
      });

      it('drops a failed delivery with no next attempt, or one at or past its expiry', async () => {
        const hook = await subscribeHttp('Events', 'hook');
        await publish('Events', ['give-up', 'too-late', 'just-in-time']);
        const [giveUp, tooLate, inTime] = await lease(hook.subscriptionId, T0);
        const expiresAtMs = T0 + 3_600_000;
        expect(inTime?.expiresAtMs).toBe(expiresAtMs);
        await store.failDelivery(giveUp!.deliveryId, undefined, T0 + 1);
        await store.failDelivery(tooLate!.deliveryId, expiresAtMs, T0 + 1);
        await store.failDelivery(inTime!.deliveryId, expiresAtMs - 1, T0 + 1);
        expect(await statsOf('Events', 'hook')).toEqual(
          stats({ routedCount: 3, pendingCount: 1, failedAttempts: 3, droppedCount: 2 }),
        );
        const [last] = await lease(hook.subscriptionId, expiresAtMs - 1);
        expect(last).toMatchObject({ body: 'just-in-time', attempts: 1 });
        expect(await msgCountOf('Events')).toBe(1);
      });

      it('drops deliveries at their expiry instead of leasing them', async () => {
        await createTopic('Short', { msgRetentionSeconds: 60 });
        const a = await subscribeHttp('Short', 'a');
        const b = await subscribeHttp('Short', 'b');
        await publish('Short', ['old'], T0);
        await publish('Short', ['young'], T0 + 1);
        expect(bodiesOf(await lease(a.subscriptionId, T0 + 60_000))).toEqual(['young']);
        expect(await statsOf('Short', 'a')).toEqual(
          stats({ routedCount: 2, pendingCount: 1, droppedCount: 1 }),
        );
        // Expiry is applied per subscription when it leases: b still holds both.
        expect(await statsOf('Short', 'b')).toEqual(stats({ routedCount: 2, pendingCount: 2 }));
        expect(await msgCountOf('Short')).toBe(2);
        expect(await lease(b.subscriptionId, T0 + 60_001)).toEqual([]);
        expect(await statsOf('Short', 'b')).toEqual(stats({ routedCount: 2, droppedCount: 2 }));
        expect(await msgCountOf('Short')).toBe(1);
      });

      it('expires deliveries by the retention at their publish time', async () => {
        const hook = await subscribeHttp('Events', 'hook');
        await publish('Events', ['before'], T0);
        await store.updateTopic('Events', { msgRetentionSeconds: 120 }, T0 + 1);
        await publish('Events', ['after'], T0 + 2);
        const deliveries = await lease(hook.subscriptionId, T0 + 2);
        expect(deliveries.map((d) => [d.body, d.expiresAtMs])).toEqual([
          ['before', T0 + 3_600_000],
          ['after', T0 + 2 + 120_000],
        ]);
      });

      it('removes pending deliveries with their subscription, leaving others untouched', async () => {
        const gone = await subscribeHttp('Events', 'gone');
        await subscribeHttp('Events', 'stays');
        await publish('Events', ['a', 'b']);
        const [leased] = await lease(gone.subscriptionId, T0, 1);
        expect(await msgCountOf('Events')).toBe(2);
        await store.unsubscribe('EVENTS', 'Gone');
        expect(await lease(gone.subscriptionId, T0 + 60_000)).toEqual([]);
        expect(await store.nextDeliveryAtMs(gone.subscriptionId)).toBeUndefined();
        await store.completeDelivery(leased!.deliveryId, T0 + 1);
        await store.failDelivery(leased!.deliveryId, T0 + 1000, T0 + 1);
        expect(await statsOf('Events', 'stays')).toEqual(stats({ routedCount: 2, pendingCount: 2 }));
        expect(await msgCountOf('Events')).toBe(2);
        await store.unsubscribe('Events', 'stays');
        expect(await msgCountOf('Events')).toBe(0);
      });

      it('counts routed, pending, delivered, failed and dropped exactly', async () => {
        const a = await subscribeHttp('Events', 'a');
        await subscribeHttp('Events', 'b');
        await createQueue('inbox');
        await subscribeQueue('Events', 'q', 'inbox');
        await subscribeQueue('Events', 'missing', 'no-such-queue');
        await publish('Events', ['1', '2', '3']);
        const [d1, d2, d3] = await lease(a.subscriptionId, T0);
        await store.completeDelivery(d1!.deliveryId, T0 + 1);
        await store.failDelivery(d2!.deliveryId, T0 + 1000, T0 + 1);
        await store.failDelivery(d3!.deliveryId, undefined, T0 + 1);
        const [retry1] = await lease(a.subscriptionId, T0 + 1000);
        await store.failDelivery(retry1!.deliveryId, T0 + 2000, T0 + 1001);
        const [retry2] = await lease(a.subscriptionId, T0 + 2000);
        expect(retry2).toMatchObject({ deliveryId: d2!.deliveryId, attempts: 2 });
        await store.completeDelivery(retry2!.deliveryId, T0 + 2001);
        expect(await statsOf('Events', 'a')).toEqual(
          stats({ routedCount: 3, deliveredCount: 2, failedAttempts: 3, droppedCount: 1 }),
        );
        expect(await statsOf('Events', 'b')).toEqual(stats({ routedCount: 3, pendingCount: 3 }));
        expect(await statsOf('Events', 'q')).toEqual(stats({ routedCount: 3, deliveredCount: 3 }));
        expect(await statsOf('Events', 'missing')).toEqual(stats({ routedCount: 3, droppedCount: 3 }));
        expect(await bodiesIn('inbox')).toEqual(['1', '2', '3']);
      });

      it('counts a message in the topic backlog while any push delivery of it is pending', async () => {
        await subscribeQueue('Events', 'q', 'inbox');
        expect(await msgCountOf('Events')).toBe(0);
        await publish('Events', ['queue-only']);
        expect(await msgCountOf('Events')).toBe(0);
        const a = await subscribeHttp('Events', 'a');
        const b = await subscribeHttp('Events', 'b');
        await publish('Events', ['m1', 'm2']);
        expect(await msgCountOf('Events')).toBe(2);
        const [a1, a2] = await lease(a.subscriptionId, T0);
        const [b1] = await lease(b.subscriptionId, T0);
        await store.completeDelivery(a1!.deliveryId, T0 + 1);
        expect(await msgCountOf('Events')).toBe(2);
        await store.completeDelivery(b1!.deliveryId, T0 + 1);
        expect(await msgCountOf('Events')).toBe(1);
        await store.failDelivery(a2!.deliveryId, undefined, T0 + 1);
        expect(await msgCountOf('Events')).toBe(1);
        await store.unsubscribe('Events', 'b');
        expect(await msgCountOf('Events')).toBe(0);
      });
    });
  });
}
