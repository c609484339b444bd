import type { Clock } from '../domain/clock.js';
import { DomainError } from '../domain/errors.js';
import type {
  PublishedMessage,
  Subscription,
  SubscriptionAttributes,
  SubscriptionProtocol,
  SubscriptionStats,
  Topic,
  TopicAttributes,
  TopicStats,
} from '../domain/topic.js';
import { DEFAULT_SUBSCRIPTION_ATTRIBUTES, DEFAULT_TOPIC_ATTRIBUTES } from '../domain/topic-defaults.js';
import type { ListQuery } from '../store/store.js';
import type { TopicStore } from '../store/topic-store.js';

export interface TopicServiceLimits {
  readonly maxTopics: number;
  readonly maxSubscriptionsPerTopic: number;
  readonly batchTotalBytes: number;
}

/**
 * Checks a push endpoint before it is stored (DNS, private ranges); resolves or throws
 * DomainError('ENDPOINT_NOT_ALLOWED'). Supplied by the composition root from delivery/endpoint-policy.ts.
 */
export type EndpointGuard = (url: URL) => Promise<void>;

/**
 * Topic use cases over the TopicStore port. Single values (names, tags, keys, URLs, enums) are validated
 * at the edge (http/cmq); this layer applies defaults and the rules that need the topic (message size).
 */
export class TopicService {
  readonly #store: TopicStore;
  readonly #clock: Clock;
  readonly #limits: TopicServiceLimits;
  readonly #guardEndpoint: EndpointGuard;
  readonly #subscriptionListeners = new Set<() => void>();

  constructor(store: TopicStore, clock: Clock, limits: TopicServiceLimits, guardEndpoint: EndpointGuard) {
    this.#store = store;
    this.#clock = clock;
    this.#limits = limits;
    this.#guardEndpoint = guardEndpoint;
  }

  /** Called after a subscription is created, changed or removed (the dispatcher refreshes its workers). */
  onSubscriptionsChanged(listener: () => void): () => void {
    this.#subscriptionListeners.add(listener);
    return () => this.#subscriptionListeners.delete(listener);
  }

  createTopic(name: string, attributes: Partial<TopicAttributes>): Promise<Topic> {
    return this.#store.createTopic({
      name,
      attributes: { ...DEFAULT_TOPIC_ATTRIBUTES, ...definedOnly(attributes) },
      nowMs: this.#clock.nowMs(),
      maxTopics: this.#limits.maxTopics,
    });
  }

  listTopics(query: ListQuery): Promise<{ total: number; topics: Topic[] }> {
    return this.#store.listTopics(query);
  }

  async getTopic(name: string): Promise<{ topic: Topic; stats: TopicStats }> {
    const found = await this.#store.getTopic(name);
    if (found === undefined) throw new DomainError('TOPIC_NOT_FOUND', { detail: name });
    return found;
  }

  setTopicAttributes(name: string, patch: Partial<TopicAttributes>): Promise<Topic> {
    return this.#store.updateTopic(name, definedOnly(patch), this.#clock.nowMs());
  }

  deleteTopic(name: string): Promise<void> {
    return this.#store.deleteTopic(name);
  }

  /**
   * A queue subscription always delivers the raw body (SIMPLIFIED): CMQ's own Java test subscribes a queue
   * with JSON and expects success, so JSON is coerced rather than refused (cmq-api.md §3.8, §10 q7).
   */
  async subscribe(
    topicName: string,
    name: string,
    protocol: SubscriptionProtocol,
    endpoint: string,
    attributes: Partial<SubscriptionAttributes>,
  ): Promise<Subscription> {
    if (protocol === 'http') await this.#guardEndpoint(new URL(endpoint));
    const complete: SubscriptionAttributes = {
      ...DEFAULT_SUBSCRIPTION_ATTRIBUTES,
      ...definedOnly(attributes),
    };
    const subscription = await this.#store.subscribe({
      topicName,
      name,
      protocol,
      endpoint,
      attributes: protocol === 'queue' ? { ...complete, notifyContentFormat: 'SIMPLIFIED' } : complete,
      nowMs: this.#clock.nowMs(),
      maxSubscriptionsPerTopic: this.#limits.maxSubscriptionsPerTopic,
    });
    this.#subscriptionsChanged();
    return subscription;
  }

  async unsubscribe(topicName: string, name: string): Promise<void> {
    await this.#store.unsubscribe(topicName, name);
    this.#subscriptionsChanged();
  }

  listSubscriptions(
    topicName: string,
    query: ListQuery,
  ): Promise<{ total: number; subscriptions: Subscription[] }> {
    return this.#store.listSubscriptions(topicName, query);
  }

  getSubscription(
    topicName: string,
    name: string,
  ): Promise<{ subscription: Subscription; stats: SubscriptionStats }> {
    return this.#store.getSubscription(topicName, name);
  }

  async setSubscriptionAttributes(
    topicName: string,
    name: string,
    patch: Partial<SubscriptionAttributes>,
  ): Promise<Subscription> {
    const current = await this.#store.getSubscription(topicName, name);
    const defined = definedOnly(patch);
    const updated = await this.#store.updateSubscription(
      topicName,
      name,
      current.subscription.protocol === 'queue' ? { ...defined, notifyContentFormat: 'SIMPLIFIED' } : defined,
      this.#clock.nowMs(),
    );
    this.#subscriptionsChanged();
    return updated;
  }

  clearFilterTags(topicName: string, name: string): Promise<Subscription> {
    return this.setSubscriptionAttributes(topicName, name, { filterTags: [] });
  }

  /** Checks sizes against the topic, then publishes atomically to every matching subscription. */
  async publishMessages(topicName: string, messages: readonly PublishedMessage[]): Promise<string[]> {
    const { topic } = await this.getTopic(topicName);
    let total = 0;
    for (const message of messages) {
      const bytes = Buffer.byteLength(message.body, 'utf8');
      if (bytes > topic.attributes.maxMsgSizeBytes) {
        throw new DomainError('MESSAGE_TOO_LARGE', {
          detail: `message body is ${bytes} bytes, the topic's maxMsgSize is ${topic.attributes.maxMsgSizeBytes}`,
        });
      }
      total += bytes;
    }
    if (messages.length > 1 && total > this.#limits.batchTotalBytes) {
      throw new DomainError('BATCH_TOO_LARGE', {
        detail: `${this.#limits.batchTotalBytes} bytes (this batch is ${total})`,
      });
    }
    return this.#store.publishMessages(topicName, messages, this.#clock.nowMs());
  }

  #subscriptionsChanged(): void {
    for (const listener of this.#subscriptionListeners) listener();
  }
}

function definedOnly<T extends object>(patch: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
