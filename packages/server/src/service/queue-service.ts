import type { Clock } from '../domain/clock.js';
import type { MessageInfo, TraceEvent } from '../domain/trace.js';
import { DomainError } from '../domain/errors.js';
import {
  checkNewMessages,
  type NewMessage,
  type QueueStats,
  type ReceivedMessage,
} from '../domain/message.js';
import {
  DEFAULT_QUEUE_ATTRIBUTES,
  mergeAttributes,
  queueKey,
  type Queue,
  type QueueAttributes,
} from '../domain/queue.js';
import { parseReceiptHandle, type ReceiptHandle } from '../domain/receipt-handle.js';
import type { DeleteOutcome, ListQuery, Store } from '../store/store.js';
import { LongPollWaiters } from './long-poll.js';

export interface QueueServiceLimits {
  readonly maxQueues: number;
  readonly batchTotalBytes: number;
  /** Longest a receiver sleeps between two looks at its queue even without a signal. */
  readonly longPollBackstopMs: number;
}

export interface ReceiveOptions {
  readonly max: number;
  /** Long-poll wait; the queue's pollingWaitSeconds when undefined. */
  readonly waitSeconds: number | undefined;
}

export type DeleteResult = DeleteOutcome | 'malformed';

/** Queue use cases over the store port. Validation of single values happens at the edge (http/). */
export class QueueService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #limits: QueueServiceLimits;
  readonly #waiters: LongPollWaiters;
  readonly #unsubscribe: () => void;

  constructor(store: Store, clock: Clock, limits: QueueServiceLimits) {
    this.#store = store;
    this.#clock = clock;
    this.#limits = limits;
    this.#waiters = new LongPollWaiters(clock, limits.longPollBackstopMs);
    this.#unsubscribe = store.onMessagesReady((key, count) => this.#waiters.signal(key, count));
  }

  /** Receivers currently long-polling a queue. */
  waitingReceivers(queueName: string): number {
    return this.#waiters.waiting(queueKey(queueName));
  }

  /** Attributes not given take DEFAULT_QUEUE_ATTRIBUTES. */
  async createQueue(name: string, attributes: Partial<QueueAttributes>): Promise<Queue> {
    return this.#store.createQueue({
      name,
      attributes: mergeAttributes(name, DEFAULT_QUEUE_ATTRIBUTES, attributes),
      nowMs: this.#clock.nowMs(),
      maxQueues: this.#limits.maxQueues,
    });
  }

  listQueues(query: ListQuery): Promise<{ total: number; queues: Queue[] }> {
    return this.#store.listQueues(query);
  }

  async getQueue(name: string): Promise<{ queue: Queue; stats: QueueStats }> {
    const queue = await this.#requireQueue(name);
    const stats = await this.#store.getQueueStats(name, this.#clock.nowMs());
    return { queue, stats };
  }

  setQueueAttributes(name: string, patch: Partial<QueueAttributes>): Promise<Queue> {
    return this.#store.updateQueue(name, patch, this.#clock.nowMs());
  }

  deleteQueue(name: string): Promise<void> {
    return this.#store.deleteQueue(name);
  }

  listDeadLetterSources(deadLetterQueueName: string): Promise<Queue[]> {
    return this.#store.listDeadLetterSources(deadLetterQueueName);
  }

  /** Makes every deleted-but-retained message enqueued since `startMs` receivable again. */
  rewindQueue(name: string, startMs: number): Promise<number> {
    return this.#store.rewindQueue(name, startMs, this.#clock.nowMs());
  }

  redriveMessages(
    deadLetterQueueName: string,
    destinationQueueName: string | undefined,
    max: number,
  ): Promise<number> {
    return this.#store.redriveMessages(
      deadLetterQueueName,
      { destinationQueueName, max },
      this.#clock.nowMs(),
    );
  }

  async getMessage(
    name: string,
    msgId: string,
  ): Promise<{ message: MessageInfo | undefined; trace: TraceEvent[] }> {
    const message = await this.#store.getMessage(name, msgId, this.#clock.nowMs());
    const trace = await this.#store.getTrace(name, msgId);
    return { message, trace };
  }

  async sendMessages(name: string, messages: readonly NewMessage[]): Promise<string[]> {
    // The hot path of every send: the queue looked up without #requireQueue's async frame, and the
    // store's promise awaited rather than returned (returning a promise from an async function resolves
    // it through two more microtasks).
    const queue = await this.#store.getQueue(name);
    if (queue === undefined) throw new DomainError('QUEUE_NOT_FOUND', { detail: name });
    checkNewMessages(messages, queue.attributes, this.#limits.batchTotalBytes);
    return await this.#store.sendMessages(name, messages, this.#clock.nowMs());
  }

  /**
   * Returns as soon as at least one message is ready, or empty when the wait ends (or the server is
   * shutting down). Never waits longer than the requested wait.
   */
  async receiveMessages(name: string, options: ReceiveOptions): Promise<ReceivedMessage[]> {
    const queue = await this.#requireQueue(name);
    const key = queueKey(name);
    const deadlineMs =
      this.#clock.nowMs() + (options.waitSeconds ?? queue.attributes.pollingWaitSeconds) * 1000;
    const request = {
      max: options.max,
      visibilityTimeoutMs: queue.attributes.visibilityTimeoutSeconds * 1000,
    };
    for (;;) {
      const waiter = this.#waiters.arm(key, options.max);
      let received: ReceivedMessage[];
      try {
        received = await this.#store.receiveMessages(name, request, this.#clock.nowMs());
      } catch (error) {
        waiter.cancel();
        throw error;
      }
      const nowMs = this.#clock.nowMs();
      if (received.length > 0 || nowMs >= deadlineMs || this.#waiters.closed) {
        waiter.cancel();
        // A full batch suggests more are ready: pass the turn to the next waiting receiver.
        if (received.length === options.max) this.#waiters.signal(key, 1);
        return received;
      }
      const nextVisibleAtMs = (await this.#store.nextVisibleAtMs(name, nowMs)) ?? Number.POSITIVE_INFINITY;
      await waiter.wait(Math.min(deadlineMs, nextVisibleAtMs));
    }
  }

  async deleteMessages(name: string, handles: readonly string[]): Promise<DeleteResult[]> {
    const parsed: Array<ReceiptHandle | undefined> = handles.map((text) => {
      try {
        return parseReceiptHandle(text);
      } catch {
        return undefined;
      }
    });
    const valid = parsed.filter((h): h is ReceiptHandle => h !== undefined);
    const outcomes =
      valid.length > 0 ? await this.#store.deleteMessages(name, valid, this.#clock.nowMs()) : [];
    if (valid.length === 0) await this.#requireQueue(name);
    let next = 0;
    return parsed.map((h) => (h === undefined ? 'malformed' : outcomes[next++]!));
  }

  /** Answers every long poll now; later receives still work until the store closes. */
  stopWaiting(): void {
    this.#unsubscribe();
    this.#waiters.close();
  }

  async #requireQueue(name: string): Promise<Queue> {
    const queue = await this.#store.getQueue(name);
    if (queue === undefined) throw new DomainError('QUEUE_NOT_FOUND', { detail: name });
    return queue;
  }
}
