import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isPrivateAddress } from './endpoint-policy.js';
import type { Clock } from '../domain/clock.js';
import type { Delivery, Subscription } from '../domain/topic.js';
import { RepeatedFailureLog, type Logger } from '../log.js';
import type { TopicStore } from '../store/topic-store.js';
import { AdaptiveWindow, TokenBucket, WINDOW_DEFAULTS } from './flow-control.js';
import { pushOnce, type PushOutcome } from './http-push.js';
import { buildPush } from './push-request.js';
import { nextRetryDelayMs } from './retry-policy.js';

export interface WorkerOptions {
  readonly pushTimeoutMs: number;
  /** Longest sleep without a signal between two looks for due deliveries. */
  readonly backstopMs: number;
  /** Sent as TopicOwner in JSON pushes. */
  readonly topicOwner: string;
  readonly lookup: LookupFunction | undefined;
  /** When false, pushes to private, loopback or link-local addresses are refused at push time too. */
  readonly allowPrivateTargets: boolean;
  readonly random: () => number;
}

/** Deliveries leased at once at most: enough to fill a window quickly, small enough to stay fair. */
const MAX_LEASE = 32;

/**
 * Pushes one http subscription's deliveries. Everything that can slow a subscriber down is per worker: its
 * own keep-alive agent, adaptive window (in-flight bound), token bucket (rate) and timers, so a hanging or
 * failing endpoint only ever occupies its own window and never delays another subscription's pushes.
 * Memory is bounded by the window: the worker never leases more deliveries than it has free slots.
 */
export class SubscriptionWorker {
  #subscription: Subscription;
  readonly #store: TopicStore;
  readonly #clock: Clock;
  readonly #log: Logger;
  /** Leasing failures (a full disk): logged once a minute while they last, not once a backstop. */
  readonly #failures: RepeatedFailureLog;
  readonly #options: WorkerOptions;
  readonly #agent: HttpAgent;
  readonly #abort = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  #window: AdaptiveWindow;
  #bucket: TokenBucket;
  #timer: NodeJS.Timeout | undefined;
  #pumping = false;
  #again = false;
  #closed = false;

  constructor(
    subscription: Subscription,
    store: TopicStore,
    clock: Clock,
    log: Logger,
    options: WorkerOptions,
  ) {
    this.#subscription = subscription;
    this.#store = store;
    this.#clock = clock;
    this.#log = log;
    this.#failures = new RepeatedFailureLog(log, clock, 'push worker', {
      subscriptionId: subscription.subscriptionId,
    });
    this.#options = options;
    const max = subscription.attributes.maxInFlight;
    this.#agent = subscription.endpoint.startsWith('https:')
      ? new HttpsAgent({ keepAlive: true, maxSockets: max })
      : new HttpAgent({ keepAlive: true, maxSockets: max });
    this.#window = new AdaptiveWindow({ max, initial: Math.min(4, max) });
    this.#bucket = new TokenBucket(
      subscription.attributes.rateLimitPerSecond,
      Math.max(1, subscription.attributes.rateLimitPerSecond),
    );
  }

  get subscription(): Subscription {
    return this.#subscription;
  }

  /** Takes changed attributes (strategy, format, secret, flow limits) without dropping work in flight. */
  update(subscription: Subscription): void {
    const before = this.#subscription.attributes;
    this.#subscription = subscription;
    const after = subscription.attributes;
    this.#agent.maxSockets = after.maxInFlight;
    if (before.maxInFlight !== after.maxInFlight)
      this.#window = new AdaptiveWindow({ max: after.maxInFlight, initial: Math.min(4, after.maxInFlight) });
    if (before.rateLimitPerSecond !== after.rateLimitPerSecond)
      this.#bucket = new TokenBucket(after.rateLimitPerSecond, Math.max(1, after.rateLimitPerSecond));
    this.wake();
  }

  /** Look for due deliveries now (new publish, a slot freed, a timer fired). */
  wake(): void {
    if (this.#closed) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    void this.#pump().finally(() => {
      this.#pumping = false;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** Stops leasing, aborts pushes in flight (their leases run out and another worker retries them). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#abort.abort();
    await Promise.allSettled([...this.#inFlight]);
    this.#agent.destroy();
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        if (this.#closed) return;
        const nowMs = this.#clock.nowMs();
        const free = this.#freeSlots(nowMs);
        if (free === 0) {
          // A finishing push wakes the worker; a pause or an empty bucket needs a timer.
          const waitMs = Math.max(this.#window.pausedUntilMs - nowMs, this.#bucket.msUntilNext(nowMs), 0);
          if (this.#window.inFlight === 0 || waitMs > 0) this.#sleep(Math.max(waitMs, 1));
          return;
        }
        const leaseMs = this.#options.pushTimeoutMs + 5000;
        const deliveries = await this.#store.leaseDeliveries(
          this.#subscription.subscriptionId,
          free,
          leaseMs,
          nowMs,
        );
        this.#failures.succeeded();
        if (deliveries.length === 0) {
          const next = await this.#store.nextDeliveryAtMs(this.#subscription.subscriptionId);
          const now = this.#clock.nowMs();
          this.#sleep(
            next === undefined
              ? this.#options.backstopMs
              : Math.min(Math.max(next - now, 1), this.#options.backstopMs),
          );
          return;
        }
        for (const delivery of deliveries) this.#start(delivery);
      }
    } catch (error) {
      if (!this.#closed) {
        this.#failures.failed(error);
        this.#sleep(this.#options.backstopMs);
      }
    }
  }

  #freeSlots(nowMs: number): number {
    const w = this.#window;
    if (w.pausedUntilMs > nowMs) return 0;
    // Tokens are only looked at here and taken per push started (#start), so an idle subscription whose
    // lease comes back empty keeps its burst.
    return Math.max(Math.min(w.limit - w.inFlight, MAX_LEASE, this.#bucket.available(nowMs)), 0);
  }

  #start(delivery: Delivery): void {
    const nowMs = this.#clock.nowMs();
    // Refused by the window or the bucket: its lease runs out and it is leased again later.
    if (!this.#window.tryAcquire(nowMs)) return;
    if (!this.#bucket.take(nowMs)) {
      this.#window.release({ kind: 'failed', reason: 'aborted', elapsedMs: 0 }, nowMs);
      return;
    }
    const task = this.#push(delivery, nowMs, this.#window)
      .catch((error: unknown) => {
        // A store failure (disk, closed store): the lease runs out and the delivery is pushed again.
        if (!this.#closed)
          this.#log.error('recording a push outcome failed', {
            subscriptionId: this.#subscription.subscriptionId,
            error,
          });
      })
      .finally(() => {
        this.#inFlight.delete(task);
        this.wake();
      });
    this.#inFlight.add(task);
  }

  /** `window` is the one the push acquired a slot in (update() may have replaced the worker's since). */
  async #push(delivery: Delivery, startedMs: number, window: AdaptiveWindow): Promise<void> {
    const sub = this.#subscription;
    const push = buildPush({
      topicOwner: this.#options.topicOwner,
      topicName: sub.topicName,
      subscriptionName: sub.name,
      msgId: delivery.msgId,
      body: delivery.body,
      tags: delivery.tags,
      publishTimeMs: delivery.publishedAtMs,
      format: sub.attributes.notifyContentFormat,
      requestId: `${delivery.deliveryId}-${delivery.attempts}`,
      ...(sub.attributes.signingSecret !== '' ? { signingSecret: sub.attributes.signingSecret } : {}),
      nowMs: startedMs,
    });
    const outcome: PushOutcome =
      this.#refusedTarget(sub.endpoint) ??
      (await pushOnce(sub.endpoint, push, {
        timeoutMs: this.#options.pushTimeoutMs,
        agent: this.#agent,
        signal: this.#abort.signal,
        clock: this.#clock,
        ...(this.#options.lookup ? { lookup: this.#options.lookup } : {}),
      }));
    const nowMs = this.#clock.nowMs();
    window.release(outcome, nowMs);
    if (outcome.kind === 'failed' && outcome.reason === 'aborted') return; // shutting down: the lease runs out
    if (outcome.kind === 'delivered') {
      await this.#store.completeDelivery(delivery.deliveryId, nowMs);
      return;
    }
    const delayMs = nextRetryDelayMs(
      sub.attributes.notifyStrategy,
      delivery.attempts + 1,
      this.#options.random,
    );
    // Retry-After is honoured up to the window's pause cap, so a bogus value cannot drop the message.
    const retryAfterMs =
      outcome.kind === 'throttled'
        ? Math.min(outcome.retryAfterMs ?? 0, WINDOW_DEFAULTS.maxPauseMs)
        : undefined;
    const next = delayMs === undefined ? undefined : nowMs + Math.max(delayMs, retryAfterMs ?? 0);
    await this.#store.failDelivery(delivery.deliveryId, next, nowMs);
  }

  /**
   * Node does not call the guarded DNS lookup for an IP-literal host, so such an endpoint is checked here
   * (a subscription made while private targets were allowed must not be pushed to after they are refused).
   */
  #refusedTarget(endpoint: string): PushOutcome | undefined {
    if (this.#options.allowPrivateTargets) return undefined;
    const host = new URL(endpoint).hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) === 0 || !isPrivateAddress(host)) return undefined;
    return {
      kind: 'failed',
      reason: 'network',
      elapsedMs: 0,
      detail: `${host} is a private address and private push targets are refused`,
    };
  }

  #sleep(ms: number): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    this.#timer = setTimeout(() => this.wake(), ms);
    this.#timer.unref();
  }
}
