import type { Clock } from '../domain/clock.js';
import type { Logger } from '../log.js';
import type { TopicStore } from '../store/topic-store.js';
import { SubscriptionWorker, type WorkerOptions } from './subscription-worker.js';

/**
 * Runs one SubscriptionWorker per http subscription. Publishes wake the subscription's worker through the
 * store's signal; subscription changes (in this process) refresh the set at once, and a periodic refresh
 * picks up changes made by other server processes sharing the store.
 */
export class PushDispatcher {
  readonly #store: TopicStore;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #options: WorkerOptions & { readonly refreshMs: number };
  readonly #workers = new Map<string, SubscriptionWorker>();
  #unsubscribe: (() => void) | undefined;
  #refreshTimer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #refreshAgain: Promise<void> | undefined;
  #closed = false;

  constructor(
    store: TopicStore,
    clock: Clock,
    log: Logger,
    options: WorkerOptions & { readonly refreshMs: number },
  ) {
    this.#store = store;
    this.#clock = clock;
    this.#log = log;
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#unsubscribe = this.#store.onDeliveriesReady((id) => this.#workers.get(id)?.wake());
    await this.refresh();
    this.#refreshTimer = setInterval(() => void this.refresh(), this.#options.refreshMs);
    this.#refreshTimer.unref();
  }

  /** Subscriptions whose worker runs now (for tests and metrics). */
  get workerCount(): number {
    return this.#workers.size;
  }

  /**
   * Brings the workers in line with the store's http subscriptions. A refresh asked for while one runs
   * runs again after it (that one may have read the list before the change that asked), and both callers
   * wait for the second.
   */
  refresh(): Promise<void> {
    if (this.#refreshing !== undefined) {
      this.#refreshAgain ??= this.#refreshing.then(() => {
        this.#refreshAgain = undefined;
        return this.refresh();
      });
      return this.#refreshAgain;
    }
    this.#refreshing = this.#refresh().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#refreshTimer);
    this.#unsubscribe?.();
    await this.#refreshing?.catch(() => undefined);
    await Promise.all([...this.#workers.values()].map((w) => w.close()));
    this.#workers.clear();
  }

  async #refresh(): Promise<void> {
    if (this.#closed) return;
    try {
      const subscriptions = await this.#store.listPushSubscriptions();
      if (this.#closed) return;
      const seen = new Set<string>();
      for (const subscription of subscriptions) {
        seen.add(subscription.subscriptionId);
        const worker = this.#workers.get(subscription.subscriptionId);
        if (worker === undefined) {
          const created = new SubscriptionWorker(
            subscription,
            this.#store,
            this.#clock,
            this.#log,
            this.#options,
          );
          this.#workers.set(subscription.subscriptionId, created);
          created.wake();
        } else if (worker.subscription.modifiedAtMs !== subscription.modifiedAtMs) {
          worker.update(subscription);
        }
      }
      for (const [id, worker] of this.#workers) {
        if (seen.has(id)) continue;
        this.#workers.delete(id);
        void worker.close();
      }
    } catch (error) {
      this.#log.error('push dispatcher refresh failed', { error });
    }
  }
}
