import { setTimeout as realDelay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startHttpSink, type HttpSink, type SinkBehaviour } from '../../../../test/support/http-sink.js';
import type { Clock } from '../domain/clock.js';
import type {
  Subscription,
  SubscriptionAttributes,
  SubscriptionStats,
  TopicAttributes,
} from '../domain/topic.js';
import { DEFAULT_SUBSCRIPTION_ATTRIBUTES, DEFAULT_TOPIC_ATTRIBUTES } from '../domain/topic-defaults.js';
import type { Logger } from '../log.js';
import { createMemoryStore, type MemoryEngine } from '../store/memory/memory-store.js';
import { PushDispatcher } from './push-dispatcher.js';
import { SubscriptionWorker, type WorkerOptions } from './subscription-worker.js';

/**
 * The push worker over the real memory engine and real sockets to a local sink, with fake time: only the
 * timers the worker, pushOnce and the sink use are faked (setTimeout, setInterval, Date), so sockets and
 * setImmediate keep running and a push travels while the clock stands still. Each push therefore starts,
 * reaches the sink and fails or succeeds at one fake instant, and retry schedules can be checked to the
 * millisecond.
 */

const T0 = Date.UTC(2030, 0, 1);
const clock: Clock = { nowMs: () => Date.now() };
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
/** Long enough never to fire unless a test advances past it on purpose. */
const PUSH_TIMEOUT_MS = 2000;
/** The worker's polling backstop: it wakes at least this often even with nothing due. */
const BACKSTOP_MS = 60_000;

let store: MemoryEngine;
/** Every delivery a worker leased, i.e. every push it started, at the fake time it started. */
let starts: { subscriptionId: string; deliveryId: string; atMs: number }[];
/** Every failed push as the worker reported it to the store. */
let failures: { deliveryId: string; atMs: number; nextAttemptAtMs: number | undefined }[];
let topicCount = 0;
const cleanups: (() => unknown)[] = [];

beforeEach(() => {
  vi.useFakeTimers({
    now: T0,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
  });
  store = createMemoryStore();
  starts = [];
  failures = [];
  const lease = store.leaseDeliveries.bind(store);
  vi.spyOn(store, 'leaseDeliveries').mockImplementation(async (subscriptionId, max, leaseMs, nowMs) => {
    const leased = await lease(subscriptionId, max, leaseMs, nowMs);
    for (const d of leased) starts.push({ subscriptionId, deliveryId: d.deliveryId, atMs: nowMs });
    return leased;
  });
  const fail = store.failDelivery.bind(store);
  vi.spyOn(store, 'failDelivery').mockImplementation((deliveryId, nextAttemptAtMs, nowMs) => {
    failures.push({ deliveryId, atMs: nowMs, nextAttemptAtMs });
    return fail(deliveryId, nextAttemptAtMs, nowMs);
  });
});

afterEach(async ({ task }) => {
  try {
    // Workers first (they abort their pushes), then the sinks, then the store.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await store.close();
    // A failed test may leave a sink's waitForRequests timer behind; the check is for passing tests.
    if (task.result?.state !== 'fail') expect(vi.getTimerCount(), 'timers left behind').toBe(0);
  } finally {
    vi.useRealTimers();
    vi.restoreAllMocks();
  }
});

async function sink(behaviour: SinkBehaviour): Promise<HttpSink> {
  const started = await startHttpSink(behaviour);
  cleanups.push(() => started.close());
  return started;
}

/** A fresh topic with one http subscription to `endpoint`. */
async function subscribe(
  endpoint: string,
  attributes: Partial<SubscriptionAttributes> = {},
  topicAttributes: Partial<TopicAttributes> = {},
): Promise<Subscription> {
  const topicName = `topic-${++topicCount}`;
  await store.createTopic({
    name: topicName,
    attributes: { ...DEFAULT_TOPIC_ATTRIBUTES, ...topicAttributes },
    nowMs: clock.nowMs(),
    maxTopics: 1000,
  });
  return store.subscribe({
    topicName,
    name: 'push',
    protocol: 'http',
    endpoint,
    attributes: { ...DEFAULT_SUBSCRIPTION_ATTRIBUTES, ...attributes },
    nowMs: clock.nowMs(),
    maxSubscriptionsPerTopic: 10,
  });
}

async function publish(subscription: Subscription, count: number): Promise<string[]> {
  const bodies = Array.from({ length: count }, (_, i) => `${subscription.topicName}-m${i}`);
  await store.publishMessages(
    subscription.topicName,
    bodies.map((body) => ({ body, tags: [], routingKey: undefined })),
    clock.nowMs(),
  );
  return bodies;
}

function workerOptions(random: () => number, allowPrivateTargets = true): WorkerOptions {
  return {
    pushTimeoutMs: PUSH_TIMEOUT_MS,
    backstopMs: BACKSTOP_MS,
    topicOwner: '100000000',
    lookup: undefined,
    allowPrivateTargets,
    random,
  };
}

function startWorker(
  subscription: Subscription,
  random: () => number = () => 0.5,
  allowPrivateTargets = true,
): SubscriptionWorker {
  const worker = new SubscriptionWorker(
    subscription,
    store,
    clock,
    silent,
    workerOptions(random, allowPrivateTargets),
  );
  cleanups.push(() => worker.close());
  worker.wake();
  return worker;
}

async function statsOf(subscription: Subscription): Promise<SubscriptionStats> {
  return (await store.getSubscription(subscription.topicName, subscription.name)).stats;
}

const startsOf = (subscription: Subscription) =>
  starts.filter((s) => s.subscriptionId === subscription.subscriptionId);

/**
 * Polls on real event-loop turns (setImmediate is not faked) until `condition` holds; fake time stands
 * still meanwhile. Every step of the worker after a socket event is a chain of microtasks over the memory
 * engine, so by the next turn it has leased, pushed or gone to sleep.
 */
async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The sink's waitForRequests, bounded in real time: its own timeout runs on the fake clock, so a push that
 * never comes would otherwise hang the test until Vitest's timeout instead of failing here.
 */
async function arrived(endpoint: HttpSink, count: number, timeoutMs = 5000) {
  const abort = new AbortController();
  try {
    return await Promise.race([
      endpoint.waitForRequests(count),
      realDelay(timeoutMs, undefined, { signal: abort.signal }).then(() => {
        throw new Error(`timed out waiting for ${count} requests (got ${endpoint.requests.length})`);
      }),
    ]);
  } finally {
    abort.abort();
  }
}

/** Waits until every push the worker started has reached the sink and been answered (delivered or failed). */
async function waitSettled(subscription: Subscription, endpoint: HttpSink): Promise<void> {
  await waitUntil(async () => {
    const started = startsOf(subscription).length;
    const stats = await statsOf(subscription);
    return endpoint.requests.length === started && stats.deliveredCount + stats.failedAttempts === started;
  }, `the pushes of ${subscription.topicName} to settle`);
}

/** Moves fake time on and lets the pushes it started finish. */
async function advance(ms: number, subscription: Subscription, endpoint: HttpSink): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await waitSettled(subscription, endpoint);
}

/**
 * Checks a retry schedule: for each delay, nothing is pushed 1 ms before it and the retry is pushed exactly
 * `delayMs` after the previous failure.
 */
async function expectRetriesAfter(
  delaysMs: readonly number[],
  subscription: Subscription,
  endpoint: HttpSink,
): Promise<void> {
  for (const delayMs of delaysMs) {
    const before = endpoint.requests.length;
    const failedAtMs = failures.at(-1)!.atMs;
    await advance(delayMs - 1, subscription, endpoint);
    expect(endpoint.requests, `pushed before ${delayMs} ms had passed`).toHaveLength(before);
    await advance(1, subscription, endpoint);
    const requests = await arrived(endpoint, before + 1);
    expect(requests).toHaveLength(before + 1);
    expect(requests[before]!.receivedAtMs - failedAtMs).toBe(delayMs);
  }
}

describe('SubscriptionWorker', () => {
  it('pushes 4 times in all, retrying 10-20 s after each failure as random draws, then drops when BACKOFF_RETRY keeps failing', async () => {
    const endpoint = await sink(500);
    const subscription = await subscribe(endpoint.url, { notifyStrategy: 'BACKOFF_RETRY' });
    await publish(subscription, 1);
    // 0 -> 10 s, 0.5 -> 15 s, just below 1 -> 20 s (retry-policy.ts).
    const draws = [0, 0.5, 0.999_999_9];
    const random = vi.fn(() => draws.shift() ?? 0.5);
    startWorker(subscription, random);

    const [first] = await arrived(endpoint, 1);
    expect(first!.receivedAtMs).toBe(T0);
    await waitSettled(subscription, endpoint);
    await expectRetriesAfter([10_000, 15_000, 20_000], subscription, endpoint);

    expect(random).toHaveBeenCalledTimes(3);
    expect(failures.map((f) => f.nextAttemptAtMs)).toEqual([
      T0 + 10_000,
      T0 + 25_000,
      T0 + 45_000,
      undefined,
    ]);
    expect(await statsOf(subscription)).toEqual({
      routedCount: 1,
      pendingCount: 0,
      deliveredCount: 0,
      failedAttempts: 4,
      droppedCount: 1,
    });
    expect(await store.nextDeliveryAtMs(subscription.subscriptionId)).toBeUndefined();

    // Two days on (past the topic's one-day retention), the worker still only wakes on its backstop.
    await advance(2 * 86_400_000, subscription, endpoint);
    expect(endpoint.requests).toHaveLength(4);
    expect(startsOf(subscription)).toHaveLength(4);
  });

  it('retries 1 s, 2 s, 4 s and 8 s after each failure and then delivers when EXPONENTIAL_DECAY_RETRY', async () => {
    const endpoint = await sink({ kind: 'flap', steps: [500, 500, 500, 500, 'ok'], then: 'repeat-last' });
    const subscription = await subscribe(endpoint.url, { notifyStrategy: 'EXPONENTIAL_DECAY_RETRY' });
    const [body] = await publish(subscription, 1);
    startWorker(subscription);

    await arrived(endpoint, 1);
    await waitSettled(subscription, endpoint);
    await expectRetriesAfter([1000, 2000, 4000, 8000], subscription, endpoint);

    expect(endpoint.requests.map((r) => r.receivedAtMs - T0)).toEqual([0, 1000, 3000, 7000, 15_000]);
    expect(endpoint.requests.map((r) => (JSON.parse(r.body) as { msgBody: string }).msgBody)).toEqual(
      Array(5).fill(body),
    );
    expect(await statsOf(subscription)).toEqual({
      routedCount: 1,
      pendingCount: 0,
      deliveredCount: 1,
      failedAttempts: 4,
      droppedCount: 0,
    });
    await advance(600_000, subscription, endpoint);
    expect(endpoint.requests).toHaveLength(5);
  });

  it('drops a delivery instead of pushing it again when the topic retention ends before the next retry', async () => {
    const endpoint = await sink(500);
    const subscription = await subscribe(
      endpoint.url,
      { notifyStrategy: 'EXPONENTIAL_DECAY_RETRY' },
      { msgRetentionSeconds: 60 },
    );
    await publish(subscription, 1);
    startWorker(subscription);

    await arrived(endpoint, 1);
    await waitSettled(subscription, endpoint);
    // Pushes at 0, 1, 3, 7, 15 and 31 s; the next retry would be at 63 s, past the 60 s retention.
    await expectRetriesAfter([1000, 2000, 4000, 8000, 16_000], subscription, endpoint);
    expect(failures.at(-1)).toMatchObject({ atMs: T0 + 31_000, nextAttemptAtMs: T0 + 63_000 });
    expect(await statsOf(subscription)).toMatchObject({
      pendingCount: 0,
      failedAttempts: 6,
      droppedCount: 1,
    });

    await advance(120_000, subscription, endpoint);
    expect(endpoint.requests).toHaveLength(6);
  });

  it('never connects to an IP-literal private endpoint when private targets are refused', async () => {
    const endpoint = await sink('ok');
    const subscription = await subscribe(endpoint.url, { notifyStrategy: 'BACKOFF_RETRY' });
    await publish(subscription, 1);
    startWorker(subscription, () => 0.5, false);
    await waitUntil(async () => (await statsOf(subscription)).failedAttempts === 1, 'the refused attempt');
    expect(endpoint.requests).toHaveLength(0);
    expect(endpoint.connectionsAccepted).toBe(0);
  });

  it('takes a new maxInFlight while pushes are in flight without losing them', async () => {
    const endpoint = await sink({ kind: 'slow', delayMs: 50 });
    const subscription = await subscribe(endpoint.url, { maxInFlight: 2 });
    await publish(subscription, 3);
    const worker = startWorker(subscription);
    await arrived(endpoint, 2);
    // Two in flight fill maxInFlight 2: the third waits (the sink answers only when fake time moves).
    await realDelay(100);
    expect(endpoint.requests).toHaveLength(2);
    worker.update({
      ...subscription,
      attributes: { ...subscription.attributes, maxInFlight: 8 },
      modifiedAtMs: clock.nowMs() + 1,
    });
    // The larger limit lets the third out while the first two are still unanswered.
    await arrived(endpoint, 3);
    await advance(100, subscription, endpoint);
    await waitUntil(async () => (await statsOf(subscription)).deliveredCount === 3, 'the deliveries');
  });

  it('drops a delivery without pushing it when its retention ended before the worker first got to it', async () => {
    const endpoint = await sink('ok');
    const subscription = await subscribe(endpoint.url, {}, { msgRetentionSeconds: 60 });
    await publish(subscription, 1);
    await vi.advanceTimersByTimeAsync(60_000);
    startWorker(subscription);

    await waitUntil(async () => (await statsOf(subscription)).droppedCount === 1, 'the drop');
    expect(await statsOf(subscription)).toEqual({
      routedCount: 1,
      pendingCount: 0,
      deliveredCount: 0,
      failedAttempts: 0,
      droppedCount: 1,
    });
    expect(startsOf(subscription)).toEqual([]);
    expect(endpoint.requests).toEqual([]);
  });

  it('keeps at most 2 pushes outstanding to a hanging endpoint while another subscription delivers everything', async () => {
    const hanging = await sink('hang');
    const healthy = await sink('ok');
    const stuck = await subscribe(hanging.url, { maxInFlight: 2 });
    const fine = await subscribe(healthy.url);
    const dispatcher = new PushDispatcher(store, clock, silent, {
      ...workerOptions(() => 0.5),
      refreshMs: 5000,
    });
    cleanups.push(() => dispatcher.close());
    await dispatcher.start();
    expect(dispatcher.workerCount).toBe(2);

    await publish(stuck, 10);
    const bodies = await publish(fine, 50);
    const received = await arrived(healthy, 50);
    expect(new Set(received.map((r) => (JSON.parse(r.body) as { msgBody: string }).msgBody))).toEqual(
      new Set(bodies),
    );
    await waitUntil(async () => (await statsOf(fine)).deliveredCount === 50, 'the healthy deliveries');
    await arrived(hanging, 2);
    // All of this happened at one fake instant: no push to the hanging endpoint could time out.
    expect(Date.now()).toBe(T0);
    expect(startsOf(stuck)).toHaveLength(2);
    expect(hanging.requests).toHaveLength(2);
    expect(hanging.connectionsAccepted).toBe(2);
    expect(await statsOf(stuck)).toMatchObject({ pendingCount: 10, deliveredCount: 0, failedAttempts: 0 });
    expect(await statsOf(fine)).toMatchObject({ pendingCount: 0, deliveredCount: 50 });

    // Through timeouts and retries the bound holds: pushes started minus pushes answered stays <= 2.
    for (let step = 0; step < 20; step++) {
      await vi.advanceTimersByTimeAsync(500);
      await waitUntil(
        () => hanging.requests.length === startsOf(stuck).length,
        'pushes to reach the hanging endpoint',
      );
      const { failedAttempts, deliveredCount } = await statsOf(stuck);
      expect(startsOf(stuck).length - failedAttempts - deliveredCount).toBeLessThanOrEqual(2);
    }
    expect((await statsOf(stuck)).failedAttempts).toBeGreaterThan(0);
    expect(healthy.requests).toHaveLength(50);
  });

  it('starts at most 5 pushes per second plus the burst when rateLimitPerSecond is 5', async () => {
    const endpoint = await sink('ok');
    const subscription = await subscribe(endpoint.url, { rateLimitPerSecond: 5 });
    await publish(subscription, 40);
    startWorker(subscription);

    await arrived(endpoint, 1);
    await waitSettled(subscription, endpoint);
    for (let elapsedMs = 0; elapsedMs < 3000; elapsedMs += 100) await advance(100, subscription, endpoint);

    const startedMs = startsOf(subscription).map((s) => s.atMs - T0);
    // The bucket holds 5 tokens (burst) and refills 5 per second.
    for (let t = 0; t <= 3000; t += 100) {
      const startedBy = startedMs.filter((at) => at <= t).length;
      expect(startedBy, `pushes started by ${t} ms`).toBeLessThanOrEqual(5 + Math.floor((5 * t) / 1000));
    }
    // ...and the limit is a pace, not a stall.
    expect(startedMs.length).toBeGreaterThanOrEqual(15);
    expect(endpoint.requests.map((r) => r.receivedAtMs - T0)).toEqual(startedMs);
    expect((await statsOf(subscription)).deliveredCount).toBe(startedMs.length);
  });
});
