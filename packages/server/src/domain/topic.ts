import type { FilterType } from './topic-filter.js';

/**
 * Topics and subscriptions (cmq-api.md §3): publish once, the server delivers to every matching
 * subscription, into a queue (the raw body becomes a queue message) or as an HTTP POST (push).
 */
export interface TopicAttributes {
  readonly maxMsgSizeBytes: number;
  /** How long a published message may wait for delivery to a push subscription (CMQ: fixed 1 day). */
  readonly msgRetentionSeconds: number;
  /** 1 = tag filtering, 2 = routing keys; fixed at creation. */
  readonly filterType: FilterType;
}

export interface Topic {
  readonly topicId: string;
  readonly name: string;
  readonly attributes: TopicAttributes;
  readonly createdAtMs: number;
  readonly modifiedAtMs: number;
}

export interface TopicStats {
  /** Published messages still waiting for delivery to at least one push subscription. */
  readonly msgCount: number;
}

export const SUBSCRIPTION_PROTOCOLS = ['http', 'queue'] as const;
export type SubscriptionProtocol = (typeof SUBSCRIPTION_PROTOCOLS)[number];
export const NOTIFY_CONTENT_FORMATS = ['JSON', 'SIMPLIFIED'] as const;
export type NotifyContentFormat = (typeof NOTIFY_CONTENT_FORMATS)[number];
export const NOTIFY_STRATEGIES = ['BACKOFF_RETRY', 'EXPONENTIAL_DECAY_RETRY'] as const;
export type NotifyStrategyName = (typeof NOTIFY_STRATEGIES)[number];

export interface SubscriptionAttributes {
  readonly notifyStrategy: NotifyStrategyName;
  readonly notifyContentFormat: NotifyContentFormat;
  readonly filterTags: readonly string[];
  readonly bindingKeys: readonly string[];
  /** Push flow control (OpenCMQ): most pushes in flight at once; the adaptive window stays below it. */
  readonly maxInFlight: number;
  /** Push flow control (OpenCMQ): pushes per second at most; 0 = no limit. */
  readonly rateLimitPerSecond: number;
  /** Opt-in push authenticity (OpenCMQ): HMAC-SHA256 secret for the x-opencmq-signature header; '' = off. */
  readonly signingSecret: string;
}

export interface Subscription {
  readonly subscriptionId: string;
  readonly topicName: string;
  readonly name: string;
  readonly protocol: SubscriptionProtocol;
  /** A URL for http, a queue name for queue. */
  readonly endpoint: string;
  readonly attributes: SubscriptionAttributes;
  readonly createdAtMs: number;
  readonly modifiedAtMs: number;
}

export interface SubscriptionStats {
  /** Messages routed to the subscription since it was created (what CMQ clients read as msgCount). */
  readonly routedCount: number;
  /** Push deliveries waiting (first attempt or retry). */
  readonly pendingCount: number;
  readonly deliveredCount: number;
  /** Push attempts that failed (each retry counts). */
  readonly failedAttempts: number;
  /** Messages given up: retries exhausted, topic retention ended, or the target queue missing or full. */
  readonly droppedCount: number;
}

export interface PublishedMessage {
  readonly body: string;
  readonly tags: readonly string[];
  /** Undefined means no routing key (an empty key is the same). */
  readonly routingKey: string | undefined;
}

/** One pending push of one message to one http subscription, as leased to a dispatcher. */
export interface Delivery {
  readonly deliveryId: string;
  readonly msgId: string;
  readonly body: string;
  readonly tags: readonly string[];
  readonly publishedAtMs: number;
  /** Failed attempts so far (0 for the first push). */
  readonly attempts: number;
  /** After this the message is dropped (topic retention). */
  readonly expiresAtMs: number;
}
