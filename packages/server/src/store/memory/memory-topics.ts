import { DomainError } from '../../domain/errors.js';
import { queueKey } from '../../domain/queue.js';
import type {
  Delivery,
  Subscription,
  SubscriptionAttributes,
  SubscriptionStats,
  Topic,
  TopicStats,
} from '../../domain/topic.js';
import { selectSubscriptions } from '../../domain/topic-filter.js';
import { createPublicId } from '../queue-id.js';
import type { ListQuery } from '../store.js';
import type { TopicStore } from '../topic-store.js';
import { MinHeap } from './min-heap.js';

/** The TopicStore port with plain results: MemoryStore runs each call as one step (atomic, no awaits). */
export type SyncTopicStore = {
  [K in keyof TopicStore]: (...args: Parameters<TopicStore[K]>) => Awaited<ReturnType<TopicStore[K]>>;
};

/** What became of a topic message sent to a queue subscription's queue. */
export type EnqueueOutcome = 'stored' | 'missing' | 'full';

/** Stores a raw body in a queue (by case-insensitive name) as a ready message; never throws. */
export type EnqueueRaw = (queueName: string, body: string, nowMs: number) => EnqueueOutcome;

/**
 * The topic half of the memory engine. Per topic it keeps its subscriptions by name key; per http
 * subscription a PushBacklog of pending deliveries. A published message is kept (one object shared by its
 * deliveries) while any push delivery of it is pending, which is what the topic's msgCount counts.
 */
export class MemoryTopics implements SyncTopicStore {
  readonly #topics = new Map<string, TopicState>();
  readonly #subscriptions = new Map<string, SubscriptionState>();
  readonly #deliveries = new Map<string, PendingDelivery>();
  readonly #listeners = new Set<(subscriptionId: string) => void>();
  readonly #enqueue: EnqueueRaw;
  #nextMessageId = 1;
  #nextDeliveryId = 1;

  constructor(enqueue: EnqueueRaw) {
    this.#enqueue = enqueue;
  }

  createTopic(input: Parameters<TopicStore['createTopic']>[0]): Topic {
    const key = queueKey(input.name);
    if (this.#topics.has(key)) throw new DomainError('TOPIC_ALREADY_EXISTS', { detail: input.name });
    if (this.#topics.size >= input.maxTopics) throw new DomainError('TOPIC_LIMIT_REACHED');
    const meta: Topic = {
      topicId: createPublicId('topic'),
      name: input.name,
      attributes: { ...input.attributes },
      createdAtMs: input.nowMs,
      modifiedAtMs: input.nowMs,
    };
    this.#topics.set(key, { meta, key, subscriptions: new Map(), pendingMessages: 0 });
    return meta;
  }

  getTopic(name: string): { topic: Topic; stats: TopicStats } | undefined {
    const topic = this.#topics.get(queueKey(name));
    return topic && { topic: topic.meta, stats: { msgCount: topic.pendingMessages } };
  }

  listTopics(query: ListQuery): { total: number; topics: Topic[] } {
    const matching = page([...this.#topics.values()], query);
    return { total: matching.total, topics: matching.items.map((t) => t.meta) };
  }

  updateTopic(name: string, patch: Parameters<TopicStore['updateTopic']>[1], nowMs: number): Topic {
    const topic = this.#topic(name);
    const current = topic.meta.attributes;
    topic.meta = {
      ...topic.meta,
      attributes: {
        maxMsgSizeBytes: patch.maxMsgSizeBytes ?? current.maxMsgSizeBytes,
        // Deliveries already pending keep the expiry of their publish.
        msgRetentionSeconds: patch.msgRetentionSeconds ?? current.msgRetentionSeconds,
        filterType: current.filterType,
      },
      modifiedAtMs: nowMs,
    };
    return topic.meta;
  }

  deleteTopic(name: string): void {
    const topic = this.#topic(name);
    if (topic.subscriptions.size > 0) {
      throw new DomainError('TOPIC_HAS_SUBSCRIPTIONS', {
        detail: `${topic.meta.name} has ${topic.subscriptions.size} subscriptions`,
      });
    }
    this.#topics.delete(topic.key);
  }

  subscribe(input: Parameters<TopicStore['subscribe']>[0]): Subscription {
    const topic = this.#topic(input.topicName);
    const key = queueKey(input.name);
    if (topic.subscriptions.has(key))
      throw new DomainError('SUBSCRIPTION_ALREADY_EXISTS', { detail: input.name });
    if (topic.subscriptions.size >= input.maxSubscriptionsPerTopic) {
      throw new DomainError('SUBSCRIPTION_LIMIT_REACHED');
    }
    const meta: Subscription = {
      subscriptionId: createPublicId('sub'),
      topicName: topic.meta.name,
      name: input.name,
      protocol: input.protocol,
      endpoint: input.endpoint,
      attributes: copyAttributes(input.attributes),
      createdAtMs: input.nowMs,
      modifiedAtMs: input.nowMs,
    };
    const subscription: SubscriptionState = {
      meta,
      key,
      topic,
      backlog: new PushBacklog(),
      counts: { routed: 0, delivered: 0, failedAttempts: 0, dropped: 0 },
    };
    topic.subscriptions.set(key, subscription);
    this.#subscriptions.set(meta.subscriptionId, subscription);
    return meta;
  }

  unsubscribe(topicName: string, name: string): void {
    const subscription = this.#subscription(topicName, name);
    // Its pending deliveries are neither delivered nor dropped: they leave with the subscription's stats.
    for (const delivery of subscription.backlog.values()) this.#forget(delivery);
    subscription.topic.subscriptions.delete(subscription.key);
    this.#subscriptions.delete(subscription.meta.subscriptionId);
  }

  getSubscription(topicName: string, name: string): { subscription: Subscription; stats: SubscriptionStats } {
    const subscription = this.#subscription(topicName, name);
    const counts = subscription.counts;
    return {
      subscription: subscription.meta,
      stats: {
        routedCount: counts.routed,
        pendingCount: subscription.backlog.size,
        deliveredCount: counts.delivered,
        failedAttempts: counts.failedAttempts,
        droppedCount: counts.dropped,
      },
    };
  }

  listSubscriptions(topicName: string, query: ListQuery): { total: number; subscriptions: Subscription[] } {
    const matching = page([...this.#topic(topicName).subscriptions.values()], query);
    return { total: matching.total, subscriptions: matching.items.map((s) => s.meta) };
  }

  updateSubscription(
    topicName: string,
    name: string,
    patch: Partial<SubscriptionAttributes>,
    nowMs: number,
  ): Subscription {
    const subscription = this.#subscription(topicName, name);
    subscription.meta = {
      ...subscription.meta,
      attributes: copyAttributes({ ...subscription.meta.attributes, ...patch }),
      modifiedAtMs: nowMs,
    };
    return subscription.meta;
  }

  listPushSubscriptions(): Subscription[] {
    const push: Subscription[] = [];
    for (const subscription of this.#subscriptions.values()) {
      if (subscription.meta.protocol === 'http') push.push(subscription.meta);
    }
    return push;
  }

  publishMessages(
    topicName: string,
    messages: Parameters<TopicStore['publishMessages']>[1],
    nowMs: number,
  ): string[] {
    const topic = this.#topic(topicName);
    if (topic.subscriptions.size === 0) throw new DomainError('NO_SUBSCRIPTION');
    const candidates = [...topic.subscriptions.values()].map((state) => ({
      state,
      filterTags: state.meta.attributes.filterTags,
      bindingKeys: state.meta.attributes.bindingKeys,
    }));
    // Route the whole batch before storing anything: a message without a match refuses the batch.
    const routes = messages.map((message) =>
      selectSubscriptions(topic.meta.attributes.filterType, candidates, message).map((c) => c.state),
    );
    if (routes.some((matched) => matched.length === 0)) throw new DomainError('NO_MATCHING_SUBSCRIPTION');

    const expiresAtMs = nowMs + topic.meta.attributes.msgRetentionSeconds * 1000;
    const signalled = new Set<string>();
    const ids = messages.map((input, index) => {
      const msgId = String(this.#nextMessageId++);
      let message: TopicMessage | undefined;
      for (const subscription of routes[index] ?? []) {
        subscription.counts.routed++;
        if (subscription.meta.protocol === 'queue') {
          // Stored in the queue is delivered: routed = pending + delivered + dropped for both protocols.
          if (this.#enqueue(subscription.meta.endpoint, input.body, nowMs) === 'stored')
            subscription.counts.delivered++;
          else subscription.counts.dropped++;
          continue;
        }
        if (message === undefined) {
          message = {
            msgId,
            body: input.body,
            tags: [...input.tags],
            publishedAtMs: nowMs,
            topic,
            pending: 0,
          };
          topic.pendingMessages++;
        }
        message.pending++;
        const seq = this.#nextDeliveryId++;
        const delivery: PendingDelivery = {
          deliveryId: String(seq),
          seq,
          message,
          subscription,
          expiresAtMs,
          attempts: 0,
          nextAttemptAtMs: nowMs,
          version: 0,
        };
        this.#deliveries.set(delivery.deliveryId, delivery);
        subscription.backlog.add(delivery);
        signalled.add(subscription.meta.subscriptionId);
      }
      return msgId;
    });
    for (const subscriptionId of signalled) for (const listener of this.#listeners) listener(subscriptionId);
    return ids;
  }

  leaseDeliveries(subscriptionId: string, max: number, leaseMs: number, nowMs: number): Delivery[] {
    const subscription = this.#subscriptions.get(subscriptionId);
    if (subscription === undefined) return [];
    for (const expired of subscription.backlog.takeExpired(nowMs)) {
      this.#forget(expired);
      subscription.counts.dropped++;
    }
    return subscription.backlog.lease(max, nowMs, nowMs + leaseMs).map((delivery): Delivery => ({
      deliveryId: delivery.deliveryId,
      msgId: delivery.message.msgId,
      body: delivery.message.body,
      tags: delivery.message.tags,
      publishedAtMs: delivery.message.publishedAtMs,
      attempts: delivery.attempts,
      expiresAtMs: delivery.expiresAtMs,
    }));
  }

  completeDelivery(deliveryId: string, _nowMs: number): void {
    const delivery = this.#deliveries.get(deliveryId);
    if (delivery === undefined) return;
    this.#forget(delivery);
    delivery.subscription.counts.delivered++;
  }

  failDelivery(deliveryId: string, nextAttemptAtMs: number | undefined, _nowMs: number): void {
    const delivery = this.#deliveries.get(deliveryId);
    if (delivery === undefined) return;
    const counts = delivery.subscription.counts;
    counts.failedAttempts++;
    delivery.attempts++;
    if (nextAttemptAtMs === undefined || nextAttemptAtMs >= delivery.expiresAtMs) {
      this.#forget(delivery);
      counts.dropped++;
    } else {
      delivery.subscription.backlog.schedule(delivery, nextAttemptAtMs);
    }
  }

  nextDeliveryAtMs(subscriptionId: string): number | undefined {
    return this.#subscriptions.get(subscriptionId)?.backlog.nextAtMs();
  }

  onDeliveriesReady(listener: (subscriptionId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  clearListeners(): void {
    this.#listeners.clear();
  }

  /** Takes a pending delivery out of every index; the message goes when its last delivery does. */
  #forget(delivery: PendingDelivery): void {
    this.#deliveries.delete(delivery.deliveryId);
    delivery.subscription.backlog.remove(delivery);
    const message = delivery.message;
    if (--message.pending === 0) message.topic.pendingMessages--;
  }

  #topic(name: string): TopicState {
    const topic = this.#topics.get(queueKey(name));
    if (topic === undefined) throw new DomainError('TOPIC_NOT_FOUND', { detail: name });
    return topic;
  }

  #subscription(topicName: string, name: string): SubscriptionState {
    const subscription = this.#topic(topicName).subscriptions.get(queueKey(name));
    if (subscription === undefined) throw new DomainError('SUBSCRIPTION_NOT_FOUND', { detail: name });
    return subscription;
  }
}

interface TopicState {
  meta: Topic;
  readonly key: string;
  /** By name key, in creation order (the order selectSubscriptions sees them). */
  readonly subscriptions: Map<string, SubscriptionState>;
  /** Published messages with at least one pending push delivery (TopicStats.msgCount). */
  pendingMessages: number;
}

interface SubscriptionState {
  meta: Subscription;
  readonly key: string;
  readonly topic: TopicState;
  /** Pending push deliveries (always empty for a queue subscription). */
  readonly backlog: PushBacklog;
  readonly counts: { routed: number; delivered: number; failedAttempts: number; dropped: number };
}

interface TopicMessage {
  readonly msgId: string;
  readonly body: string;
  readonly tags: readonly string[];
  readonly publishedAtMs: number;
  readonly topic: TopicState;
  /** Pending deliveries of this message, over all subscriptions. */
  pending: number;
}

interface PendingDelivery {
  readonly deliveryId: string;
  /** Creation order: publish order, and the tie-break between deliveries due at the same time. */
  readonly seq: number;
  readonly message: TopicMessage;
  readonly subscription: SubscriptionState;
  readonly expiresAtMs: number;
  attempts: number;
  /** When it may be leased: its first or next attempt, or while leased the lease's end. */
  nextAttemptAtMs: number;
  /** Fences due-heap entries against reschedules (lazy removal). */
  version: number;
}

interface DueEntry {
  readonly delivery: PendingDelivery;
  readonly atMs: number;
  readonly version: number;
}

const dueFirst = (a: DueEntry, b: DueEntry): boolean =>
  a.atMs < b.atMs || (a.atMs === b.atMs && a.delivery.seq < b.delivery.seq);
const expiringFirst = (a: PendingDelivery, b: PendingDelivery): boolean =>
  a.expiresAtMs < b.expiresAtMs || (a.expiresAtMs === b.expiresAtMs && a.seq < b.seq);

/**
 * One http subscription's pending deliveries: a heap by next attempt (a lease moves the next attempt to the
 * lease's end, so a lease that runs out makes the delivery due again, and a crashed dispatcher's work comes
 * back by itself) and a heap by expiry. Entries of deliveries that left or were rescheduled are skipped when
 * they surface; a heap holding more than twice the live deliveries (+1024) is rebuilt, so memory stays
 * bounded and the rebuild costs O(log n) amortized per push.
 */
class PushBacklog {
  readonly #live = new Set<PendingDelivery>();
  #due = new MinHeap<DueEntry>(dueFirst);
  #expiry = new MinHeap<PendingDelivery>(expiringFirst);

  get size(): number {
    return this.#live.size;
  }

  values(): IterableIterator<PendingDelivery> {
    return this.#live.values();
  }

  add(delivery: PendingDelivery): void {
    this.#live.add(delivery);
    this.#expiry.push(delivery);
    if (this.#expiry.size > this.#bound()) this.#rebuildExpiry();
    this.#pushDue(delivery);
  }

  remove(delivery: PendingDelivery): void {
    this.#live.delete(delivery);
  }

  schedule(delivery: PendingDelivery, atMs: number): void {
    delivery.nextAttemptAtMs = atMs;
    delivery.version++;
    this.#pushDue(delivery);
  }

  /** Removes and returns the deliveries whose expiry is at or before nowMs. */
  takeExpired(nowMs: number): PendingDelivery[] {
    const expired: PendingDelivery[] = [];
    for (let top = this.#expiry.peek(); top !== undefined; top = this.#expiry.peek()) {
      if (this.#live.has(top)) {
        if (top.expiresAtMs > nowMs) break;
        expired.push(top);
        this.#live.delete(top);
      }
      this.#expiry.pop();
    }
    return expired;
  }

  /** Up to `max` deliveries due by nowMs, earliest next attempt first, each rescheduled to `untilMs`. */
  lease(max: number, nowMs: number, untilMs: number): PendingDelivery[] {
    const leased: PendingDelivery[] = [];
    while (leased.length < max) {
      const top = this.#peekDue();
      if (top === undefined || top.atMs > nowMs) break;
      this.#due.pop();
      leased.push(top.delivery);
    }
    for (const delivery of leased) this.schedule(delivery, untilMs);
    return leased;
  }

  nextAtMs(): number | undefined {
    return this.#peekDue()?.atMs;
  }

  #peekDue(): DueEntry | undefined {
    for (let top = this.#due.peek(); top !== undefined; top = this.#due.peek()) {
      if (this.#live.has(top.delivery) && top.version === top.delivery.version) return top;
      this.#due.pop();
    }
    return undefined;
  }

  #pushDue(delivery: PendingDelivery): void {
    this.#due.push({ delivery, atMs: delivery.nextAttemptAtMs, version: delivery.version });
    if (this.#due.size > this.#bound()) {
      this.#due = new MinHeap<DueEntry>(dueFirst);
      for (const live of this.#live) {
        this.#due.push({ delivery: live, atMs: live.nextAttemptAtMs, version: live.version });
      }
    }
  }

  #rebuildExpiry(): void {
    this.#expiry = new MinHeap<PendingDelivery>(expiringFirst);
    for (const live of this.#live) this.#expiry.push(live);
  }

  #bound(): number {
    return 2 * this.#live.size + 1024;
  }
}

function copyAttributes(attributes: SubscriptionAttributes): SubscriptionAttributes {
  return { ...attributes, filterTags: [...attributes.filterTags], bindingKeys: [...attributes.bindingKeys] };
}

/** Name order (case-insensitive), searchWord a case-insensitive substring; total counts every match. */
function page<T extends { readonly key: string }>(
  items: T[],
  query: ListQuery,
): { total: number; items: T[] } {
  const word = query.searchWord?.toLowerCase();
  const matching = items
    .filter((item) => word === undefined || item.key.includes(word))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { total: matching.length, items: matching.slice(query.offset, query.offset + query.limit) };
}
