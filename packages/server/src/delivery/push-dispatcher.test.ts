import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Subscription } from '../domain/topic.js';
import { DEFAULT_SUBSCRIPTION_ATTRIBUTES, DEFAULT_TOPIC_ATTRIBUTES } from '../domain/topic-defaults.js';
import type { Logger } from '../log.js';
import { createMemoryStore } from '../store/memory/memory-store.js';
import { PushDispatcher } from './push-dispatcher.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const clock = { nowMs: () => Date.now() };
const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

describe('PushDispatcher', () => {
  it('refreshes again when asked while a refresh that read the old subscriptions is running', async () => {
    const store = createMemoryStore();
    await store.createTopic({
      name: 'orders',
      attributes: DEFAULT_TOPIC_ATTRIBUTES,
      nowMs: clock.nowMs(),
      maxTopics: 10,
    });
    await store.subscribe({
      topicName: 'orders',
      name: 'hook',
      protocol: 'http',
      // Nothing is published, so nothing is ever pushed here.
      endpoint: 'http://127.0.0.1:9/hook',
      attributes: DEFAULT_SUBSCRIPTION_ATTRIBUTES,
      nowMs: clock.nowMs(),
      maxSubscriptionsPerTopic: 10,
    });
    const dispatcher = new PushDispatcher(store, clock, silent, {
      pushTimeoutMs: 1000,
      backstopMs: 60_000,
      topicOwner: '100000000',
      lookup: undefined,
      allowPrivateTargets: true,
      random: () => 0.5,
      refreshMs: 60_000,
    });
    closing.push(() => dispatcher.close());
    await dispatcher.start();
    expect(dispatcher.workerCount).toBe(1);

    // The next listing reads the subscriptions at once but answers only when released.
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const list = store.listPushSubscriptions.bind(store);
    vi.spyOn(store, 'listPushSubscriptions').mockImplementationOnce(async (): Promise<Subscription[]> => {
      const subscriptions = await list();
      await released;
      return subscriptions;
    });
    const stale = dispatcher.refresh();
    await store.unsubscribe('orders', 'hook');
    const fresh = dispatcher.refresh();
    release();
    await stale;
    await fresh;
    expect(dispatcher.workerCount).toBe(0);
  });
});
