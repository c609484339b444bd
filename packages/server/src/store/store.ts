import type { NewMessage, QueueStats, ReceivedMessage } from '../domain/message.js';
import type { Queue, QueueAttributes } from '../domain/queue.js';
import type { ReceiptHandle } from '../domain/receipt-handle.js';
import type { MessageInfo, TraceEvent } from '../domain/trace.js';

/** Told that `count` messages of a queue may be ready; returns whether it woke a receiver. */
export type ReadyListener = (queueKey: string, count: number) => boolean;

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
  /**
   * Fails with QUEUE_ALREADY_EXISTS (any casing) or QUEUE_LIMIT_REACHED, or a DEAD_LETTER_* code when
   * the dead-letter policy breaks a cross-queue rule: the dead-letter queue must exist, must not have a
   * policy itself nor be a source's target while having one (no chains), and serves at most 6 sources.
   */
  createQueue(input: CreateQueueInput): Promise<Queue>;
  getQueue(name: string): Promise<Queue | undefined>;
  /** Name order (case-insensitive); `searchWord` matches a substring of the name, case-insensitively. */
  listQueues(query: ListQuery): Promise<{ total: number; queues: Queue[] }>;
  /**
   * Replaces the listed attributes (a null deadLetterPolicy removes it); fails with QUEUE_NOT_FOUND or as
   * createQueue for the policy. Setting rewindSeconds to 0 drops the retained (rewindable) messages.
   */
  updateQueue(name: string, patch: Partial<QueueAttributes>, nowMs: number): Promise<Queue>;
  /**
   * Removes the queue and all its messages (the messages may be reclaimed in the background). Fails with
   * DEAD_LETTER_QUEUE_IN_USE while the queue is the dead-letter queue of another queue.
   */
  deleteQueue(name: string): Promise<void>;
  /** Queues whose dead-letter policy names this queue, by name. */
  listDeadLetterSources(deadLetterQueueName: string): Promise<Queue[]>;

  /**
   * Stores the batch atomically and returns the message ids in input order. Fails with QUEUE_NOT_FOUND,
   * or QUEUE_FULL when the queue would hold more than maxMsgHeapNum messages. A message whose
   * deduplicationId was sent to the queue within its deduplicationWindowSeconds is not stored again: its
   * id is the first message's id (also within one batch).
   */
  sendMessages(queueName: string, messages: readonly NewMessage[], nowMs: number): Promise<string[]>;
  /**
   * Takes up to `max` ready messages, makes them invisible until nowMs + visibilityTimeoutMs and issues
   * each a new receipt handle. Empty array when none is ready. Expired messages are never returned.
   */
  receiveMessages(queueName: string, request: ReceiveRequest, nowMs: number): Promise<ReceivedMessage[]>;
  /**
   * Deletes each message whose handle is the newest one issued and still within its invisibility.
   * Result per handle, in input order. With rewindSeconds > 0 a deleted message is retained (counted in
   * retainedMsgNum) until enqueue time + rewindSeconds.
   */
  deleteMessages(
    queueName: string,
    handles: readonly ReceiptHandle[],
    nowMs: number,
  ): Promise<DeleteOutcome[]>;
  /**
   * Makes every retained message enqueued at or after `startMs` ready again, oldest first; returns how
   * many. Fails with REWIND_DISABLED when the queue's rewindSeconds is 0.
   */
  rewindQueue(queueName: string, startMs: number, nowMs: number): Promise<number>;
  /**
   * Moves up to `max` messages of a dead-letter queue back to the queue each came from (or to
   * `destinationQueueName`), ready at once with a fresh receive count; returns how many moved.
   */
  redriveMessages(
    deadLetterQueueName: string,
    options: { destinationQueueName?: string | undefined; max: number },
    nowMs: number,
  ): Promise<number>;
  /** Where a message is now (undefined once it is deleted and not retained, or expired). */
  getMessage(queueName: string, msgId: string, nowMs: number): Promise<MessageInfo | undefined>;
  /** Recorded lifecycle events of a message, oldest first (only for queues with trace on). */
  getTrace(queueName: string, msgId: string): Promise<TraceEvent[]>;
  /** Exact counts at nowMs (messages whose delay or visibility timeout ended count as active). */
  getQueueStats(queueName: string, nowMs: number): Promise<QueueStats>;
  /** The earliest future time a delayed or in-flight message of the queue becomes ready, if any. */
  nextVisibleAtMs(queueName: string, nowMs: number): Promise<number | undefined>;
  /**
   * Background upkeep, bounded by `limit` rows per kind: removes messages past their queue's retention,
   * retained messages past rewindSeconds, deduplication ids past their window, trace events older than
   * `traceBeforeMs` or beyond `traceMaxEvents`. Returns how many messages it expired.
   */
  expireMessages(nowMs: number, limit: number, trace?: TracePruning): Promise<number>;

  /**
   * Tells the listener that messages of a queue (by case-insensitive key) may have become ready. Only a
   * hint to shorten long polls; waiters keep a polling backstop. The listener returns whether it woke a
   * receiver (whose receive then writes): an engine with group commit lets such a write share the sync of
   * the write that signalled it.
   */
  onMessagesReady(listener: ReadyListener): () => void;
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

export interface TracePruning {
  readonly traceBeforeMs: number;
  readonly traceMaxEvents: number;
}
