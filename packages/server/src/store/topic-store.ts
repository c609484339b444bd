import type {
  Delivery,
  PublishedMessage,
  Subscription,
  SubscriptionAttributes,
  SubscriptionProtocol,
  SubscriptionStats,
  Topic,
  TopicAttributes,
  TopicStats,
} from '../domain/topic.js';
import type { ListQuery } from './store.js';

/**
 * The storage port of topics and subscriptions; every engine implements it next to Store and passes
 * store/topic-conformance.ts. Same rules as Store: durable before resolve, state in the engine, time as
 * nowMs, names matched case-insensitively (subscription names within their topic), DomainError codes.
 */
export interface TopicStore {
  /** TOPIC_ALREADY_EXISTS (any casing), TOPIC_LIMIT_REACHED. */
  createTopic(input: {
    name: string;
    attributes: TopicAttributes;
    nowMs: number;
    maxTopics: number;
  }): Promise<Topic>;
  getTopic(name: string): Promise<{ topic: Topic; stats: TopicStats } | undefined>;
  /** Name order; searchWord is a case-insensitive substring. */
  listTopics(query: ListQuery): Promise<{ total: number; topics: Topic[] }>;
  /** maxMsgSizeBytes and msgRetentionSeconds may change; filterType may not (it is ignored). TOPIC_NOT_FOUND. */
  updateTopic(name: string, patch: Partial<TopicAttributes>, nowMs: number): Promise<Topic>;
  /** TOPIC_NOT_FOUND; TOPIC_HAS_SUBSCRIPTIONS while any subscription exists (cmq-api.md §3.5). */
  deleteTopic(name: string): Promise<void>;

  /**
   * TOPIC_NOT_FOUND, SUBSCRIPTION_ALREADY_EXISTS (name within the topic, any casing),
   * SUBSCRIPTION_LIMIT_REACHED. The endpoint of a queue subscription is a queue name (matched
   * case-insensitively at delivery; the queue need not exist yet).
   */
  subscribe(input: {
    topicName: string;
    name: string;
    protocol: SubscriptionProtocol;
    endpoint: string;
    attributes: SubscriptionAttributes;
    nowMs: number;
    maxSubscriptionsPerTopic: number;
  }): Promise<Subscription>;
  /** Removes the subscription and its pending deliveries. TOPIC_NOT_FOUND, SUBSCRIPTION_NOT_FOUND. */
  unsubscribe(topicName: string, name: string): Promise<void>;
  getSubscription(
    topicName: string,
    name: string,
  ): Promise<{ subscription: Subscription; stats: SubscriptionStats }>;
  /** Name order within the topic; searchWord is a case-insensitive substring of the name. */
  listSubscriptions(
    topicName: string,
    query: ListQuery,
  ): Promise<{ total: number; subscriptions: Subscription[] }>;
  /** Replaces the given attributes (arrays are replaced whole, not merged). */
  updateSubscription(
    topicName: string,
    name: string,
    patch: Partial<SubscriptionAttributes>,
    nowMs: number,
  ): Promise<Subscription>;
  /** Every http subscription of every topic (the dispatcher runs one worker each). */
  listPushSubscriptions(): Promise<Subscription[]>;

  /**
   * Publishes a batch atomically and returns message ids in input order. Each message goes to every
   * subscription the topic's filter selects (domain/topic-filter.ts selectSubscriptions): into the target
   * queue as a new ready message with the raw body (a missing target queue, or one at maxMsgHeapNum, counts
   * the message as dropped for that subscription), or as a pending delivery of an http subscription due at
   * nowMs and expiring at nowMs + the topic's msgRetentionSeconds. routedCount grows for each match.
   * TOPIC_NOT_FOUND; NO_SUBSCRIPTION when the topic has none (nothing stored); NO_MATCHING_SUBSCRIPTION
   * when some message of the batch matches no subscription (nothing stored; cmq-api.md §3.6).
   */
  publishMessages(topicName: string, messages: readonly PublishedMessage[], nowMs: number): Promise<string[]>;

  /**
   * Leases up to `max` deliveries of an http subscription that are due (next attempt ≤ nowMs) and not
   * leased, oldest due first, until nowMs + leaseMs (another dispatcher cannot take them meanwhile; a crashed
   * one's lease simply runs out). Deliveries past their expiry are dropped instead of returned.
   */
  leaseDeliveries(subscriptionId: string, max: number, leaseMs: number, nowMs: number): Promise<Delivery[]>;
  /** The push succeeded: the delivery is gone, deliveredCount grows. Unknown ids are ignored. */
  completeDelivery(deliveryId: string, nowMs: number): Promise<void>;
  /** The push failed: failedAttempts grows; retried at nextAttemptAtMs, or dropped when undefined or past expiry. */
  failDelivery(deliveryId: string, nextAttemptAtMs: number | undefined, nowMs: number): Promise<void>;
  /** The earliest next-attempt time of the subscription's unleased deliveries, or of its leases' ends. */
  nextDeliveryAtMs(subscriptionId: string): Promise<number | undefined>;
  /** Hint that an http subscription has new deliveries (publish); dispatchers keep a polling backstop. */
  onDeliveriesReady(listener: (subscriptionId: string) => void): () => void;
}
