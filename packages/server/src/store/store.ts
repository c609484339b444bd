import type { NewMessage, QueueStats, ReceivedMessage } from '../domain/message.js';
import type { Queue, QueueAttributes } from '../domain/queue.js';
import type { ReceiptHandle } from '../domain/receipt-handle.js';

/**
 * The storage port, derived from queue semantics. Every engine (memory, SQLite, later PostgreSQL) passes
 * store/conformance.ts. Rules every engine keeps:
 * - A promise that resolves after a write means the write is durable (fsync'd, for durable engines).
 * - State that decides correctness (visibility, receipt tokens, counts) lives in the engine, never only
 *   in one process's memory, so several server processes can share one engine.
 * - Time comes in as `nowMs`; engines never read the clock for rules.
 * - Queue names are matched case-insensitively. Errors are DomainError codes, never driver errors.
 */
export interface Store {
  /** Fails with QUEUE_ALREADY_EXISTS (any casing) or QUEUE_LIMIT_REACHED. */
  createQueue(input: CreateQueueInput): Promise<Queue>;
  getQueue(name: string): Promise<Queue | undefined>;
  /** Name order (case-insensitive); `searchWord` matches a substring of the name, case-insensitively. */
  listQueues(query: ListQuery): Promise<{ total: number; queues: Queue[] }>;
  /** Replaces the listed attributes; fails with QUEUE_NOT_FOUND. */
  updateQueue(name: string, patch: Partial<QueueAttributes>, nowMs: number): Promise<Queue>;
  /** Removes the queue and all its messages (the messages may be reclaimed in the background). */
  deleteQueue(name: string): Promise<void>;

  /**
   * Stores the batch atomically and returns the message ids in input order. Fails with QUEUE_NOT_FOUND,
   * or QUEUE_FULL when the queue would hold more than maxMsgHeapNum messages.
   */
  sendMessages(queueName: string, messages: readonly NewMessage[], nowMs: number): Promise<string[]>;
  /**
   * Takes up to `max` ready messages, makes them invisible until nowMs + visibilityTimeoutMs and issues
   * each a new receipt handle. Empty array when none is ready. Expired messages are never returned.
   */
  receiveMessages(queueName: string, request: ReceiveRequest, nowMs: number): Promise<ReceivedMessage[]>;
  /**
   * Deletes each message whose handle is the newest one issued and still within its invisibility.
   * Result per handle, in input order.
   */
  deleteMessages(
    queueName: string,
    handles: readonly ReceiptHandle[],
    nowMs: number,
  ): Promise<DeleteOutcome[]>;
  /** Exact counts at nowMs (messages whose delay or visibility timeout ended count as active). */
  getQueueStats(queueName: string, nowMs: number): Promise<QueueStats>;
  /** The earliest future time a delayed or in-flight message of the queue becomes ready, if any. */
  nextVisibleAtMs(queueName: string, nowMs: number): Promise<number | undefined>;
  /** Removes messages past their queue's retention, at most `limit`; returns how many it removed. */
  expireMessages(nowMs: number, limit: number): Promise<number>;

  /**
   * Tells the listener that messages of a queue (by case-insensitive key) may have become ready. Only a
   * hint to shorten long polls; waiters keep a polling backstop.
   */
  onMessagesReady(listener: (queueKey: string, count: number) => void): () => void;
  close(): Promise<void>;
}

export interface CreateQueueInput {
  readonly name: string;
  readonly attributes: QueueAttributes;
  readonly nowMs: number;
  readonly maxQueues: number;
}

export interface ListQuery {
  readonly searchWord?: string | undefined;
  readonly offset: number;
  readonly limit: number;
}

export interface ReceiveRequest {
  readonly max: number;
  readonly visibilityTimeoutMs: number;
}

export type DeleteOutcome = 'deleted' | 'invalid';
