import { writeFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { DEAD_LETTER_LIMITS, type DeadLetterPolicy } from '../../domain/dead-letter-policy.js';
import { DomainError } from '../../domain/errors.js';
import {
  MESSAGE_STATES,
  type NewMessage,
  type QueueStats,
  type ReceivedMessage,
} from '../../domain/message.js';
import { mergeAttributes, queueKey, type Queue, type QueueAttributes } from '../../domain/queue.js';
import { formatReceiptHandle, type ReceiptHandle } from '../../domain/receipt-handle.js';
import type { MessageInfo, MessageLocation, TraceEvent, TraceEventKind } from '../../domain/trace.js';
import { createQueueId } from '../queue-id.js';
import { ReadyListeners } from '../ready-listeners.js';
import type {
  CreateQueueInput,
  DeleteOutcome,
  ListQuery,
  ReadyListener,
  ReceiveRequest,
  Store,
  TracePruning,
} from '../store.js';
import { DeferredInserts, type MessageRow } from './deferred-inserts.js';
import { GroupCommit, type Operation, type RunOptions } from './group-commit.js';
import { QueueCountLedger } from './queue-counts.js';
import { QueueRows } from './queue-rows.js';
import type { Checkpointer } from './checkpointer.js';
import type { DataDirLock } from './data-dir-lock.js';
import type { StatementTiming } from './statement-timing.js';
import type { WalSync } from './wal-sync.js';
import { deadLetterPolicyOf, toQueue, type QueueRow } from './rows.js';
import {
  ITEMS_PER_STATEMENT,
  prepareStatements,
  receiptToken,
  receiptTokenBase,
  type Statements,
} from './statements.js';

const { ready: READY, delayed: DELAYED, inflight: INFLIGHT } = MESSAGE_STATES;
const STATE_NAMES: Record<number, MessageLocation> = {
  [READY]: 'ready',
  [DELAYED]: 'delayed',
  [INFLIGHT]: 'inflight',
};
/** Adds a hook run after COMMIT; the hook returns whether it woke anyone whose work writes (GroupCommit). */
export type AfterCommit = (hook: () => boolean) => void;

/** See SqliteStore.queueWriter. */
export interface RawQueueWriter {
  enqueue(queueName: string, body: string, bodyBytes: number): 'stored' | 'missing' | 'full';
  /** Writes the bodies (per queue, many rows an INSERT), the counts and the wake-ups of every queue that took one. */
  finish(): void;
}

/** Expired messages (and retained ones past the rewind window) one call removes at most. */
const EXPIRY_CHUNK = 10_000;

/*
 * Hot paths use module functions, not named closures: tsx compiles with esbuild's keepNames, which wraps
 * each `const f = () => …` in a defineProperty call every time it is created (about 1 µs; two of them were
 * 3 % of the single benchmark's server CPU).
 */

/** A message's deduplication id, when its queue deduplicates (a window of 0 turns it off). */
function dedupIdOf(message: NewMessage, windowMs: number): string | undefined {
  return windowMs > 0 ? message.deduplicationId : undefined;
}

/** Messages a queue holds by its counters (toward maxMsgHeapNum). */
function heldCount(row: QueueRow): number {
  return row.ready_count + row.delayed_count + row.inflight_count;
}

/** What a store holds besides its connection; all closed with it. */
export interface SqliteFiles {
  readonly wal: WalSync;
  /** Checkpoints off the event loop; without one, SQLite checkpoints inside COMMIT. */
  readonly checkpointer?: Checkpointer | undefined;
  /** The claim on the data directory. */
  readonly lock?: DataDirLock | undefined;
  /** Statement timing, written to `file` on close (profiling runs). */
  readonly timing?: { readonly timing: StatementTiming; readonly file: string } | undefined;
}

/**
 * The embedded engine: one SQLite file in WAL mode; writes share commits through GroupCommit, which
 * acknowledges them once the WAL is fdatasynced (WalSync). Counts live in the queue row and change in the
 * same transaction as the messages; time-driven transitions (delay end, visibility timeout, expiry,
 * dead-letter moves) are applied for a queue when it is next touched ("settled"), through indexes, so no
 * operation scans the queue: the cost is O(log n) per message touched. Deleted messages of a queue with
 * rewind on move to retained_messages, so neither receives nor minMsgTime ever walk over them.
 */

export class SqliteStore implements Store {
  protected readonly db: Database;
  protected readonly commit: GroupCommit;
  protected readonly listeners = new ReadyListeners();
  protected readonly sql: Statements;
  /** Queue rows by name key: configuration cached, counts from the ledger. */
  protected readonly rows: QueueRows;
  /** Every change to a queue's counts goes here; written to the queue rows once per batch. */
  protected readonly counts: QueueCountLedger;
  /** Rows of SendMessage operations, inserted together before the next operation that needs them. */
  readonly #deferred: DeferredInserts;
  #closed = false;

  readonly #files: SqliteFiles;

  constructor(db: Database, files: SqliteFiles, maxBatch: number | undefined) {
    this.db = db;
    this.#files = files;
    this.sql = prepareStatements(db);
    const sql = this.sql;
    this.counts = new QueueCountLedger(
      (queueId) => sql.queueCountsById.get(queueId),
      (queueId, [ready, delayed, inflight, retained]) =>
        sql.addCounts.run(ready, delayed, inflight, retained, queueId),
    );
    this.rows = new QueueRows(this.sql, this.counts);
    const deferred = new DeferredInserts((queueId, rows) => this.#insertMessages(queueId, rows));
    this.#deferred = deferred;
    this.commit = new GroupCommit(db, files.wal, {
      maxBatch,
      onRollback: (scope) => {
        this.counts.rolledBack(scope);
        deferred.rolledBack(scope);
        this.forgetCachedRows();
      },
      onKept: () => {
        this.counts.kept();
        deferred.kept();
      },
      beforeWrites: () => deferred.flush(),
      beforeCommit: () => this.counts.flush(),
      onCommit: () => files.checkpointer?.afterCommit(),
    });
  }

  /** Transactions committed and the operations in them (tests, benchmarks). */
  get commitStats(): Readonly<{ batches: number; operations: number }> {
    return this.commit.stats;
  }

  createQueue(input: CreateQueueInput): Promise<Queue> {
    return this.write(() => {
      const key = queueKey(input.name);
      if (this.sql.queueByKey.get(key)) throw new DomainError('QUEUE_ALREADY_EXISTS', { detail: input.name });
      if (this.sql.countQueues.get()!.n >= input.maxQueues) throw new DomainError('QUEUE_LIMIT_REACHED');
      const a = input.attributes;
      const policy = this.#resolvePolicy(key, a.deadLetterPolicy);
      this.sql.insertQueue.run(
        input.name,
        key,
        createQueueId(),
        a.maxMsgHeapNum,
        a.pollingWaitSeconds,
        a.visibilityTimeoutSeconds,
        a.maxMsgSizeBytes,
        a.msgRetentionSeconds,
        a.rewindSeconds,
        policy === null ? null : JSON.stringify(policy),
        policy === null ? null : queueKey(policy.deadLetterQueue),
        a.deduplicationWindowSeconds,
        a.trace ? 1 : 0,
        input.nowMs,
        input.nowMs,
      );
      this.rows.forget(key);
      return toQueue(this.sql.queueByKey.get(key)!);
    });
  }

  getQueue(name: string): Promise<Queue | undefined> {
    return this.read(() => this.rows.queue(queueKey(name)));
  }

  listQueues(query: ListQuery): Promise<{ total: number; queues: Queue[] }> {
    return this.read(() => {
      const pattern = `%${(query.searchWord ?? '').toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      return {
        total: this.sql.countMatching.get(pattern)!.n,
        queues: this.sql.listQueues.all(pattern, query.limit, query.offset).map(toQueue),
      };
    });
  }

  listDeadLetterSources(deadLetterQueueName: string): Promise<Queue[]> {
    return this.read(() => {
      const row = this.queueRow(deadLetterQueueName);
      return this.sql.sourcesOf.all(row.name_key).map(toQueue);
    });
  }

  updateQueue(name: string, patch: Partial<QueueAttributes>, nowMs: number): Promise<Queue> {
    return this.write(() => {
      const row = this.queueRow(name);
      const a = mergeAttributes(row.name, toQueue(row).attributes, patch);
      const policy =
        patch.deadLetterPolicy === undefined
          ? a.deadLetterPolicy
          : this.#resolvePolicy(row.name_key, a.deadLetterPolicy);
      this.sql.updateQueue.run(
        a.maxMsgHeapNum,
        a.pollingWaitSeconds,
        a.visibilityTimeoutSeconds,
        a.maxMsgSizeBytes,
        a.msgRetentionSeconds,
        a.rewindSeconds,
        policy === null ? null : JSON.stringify(policy),
        policy === null ? null : queueKey(policy.deadLetterQueue),
        a.deduplicationWindowSeconds,
        a.trace ? 1 : 0,
        nowMs,
        row.id,
      );
      if (a.deduplicationWindowSeconds !== row.dedup_window_seconds) {
        this.sql.dedupShift.run((a.deduplicationWindowSeconds - row.dedup_window_seconds) * 1000, row.id);
      }
      if (a.rewindSeconds === 0 && row.retained_count > 0) {
        // Turning rewind off drops the rewindable messages at once (cmq-api.md §2.6).
        this.sql.dropRetainedUntil.run(row.id, Number.MAX_SAFE_INTEGER);
        this.counts.add(row.id, 0, 0, 0, -row.retained_count);
      }
      this.rows.forget(row.name_key);
      return toQueue(this.sql.queueById.get(row.id)!);
    });
  }

  deleteQueue(name: string): Promise<void> {
    return this.write(() => {
      const row = this.queueRow(name);
      const sources = this.sql.sourcesOf.all(row.name_key).filter((s) => s.id !== row.id);
      if (sources.length > 0) {
        throw new DomainError('DEAD_LETTER_QUEUE_IN_USE', {
          detail: `dead-letter queue of ${sources.map((s) => s.name).join(', ')}`,
        });
      }
      this.sql.deleteQueue.run(row.id);
      this.rows.forget(row.name_key);
      this.sql.dedupForgetQueue.run(row.id);
      // Messages of a big queue are reclaimed in chunks by expireMessages, not in this transaction.
      this.sql.dropQueue.run(row.id);
    });
  }

  sendMessages(queueName: string, messages: readonly NewMessage[], nowMs: number): Promise<string[]> {
    return this.write(
      (afterCommit, beginWrites) => {
        let row = this.queueRow(queueName);
        const windowMs = row.dedup_window_seconds * 1000;
        // Without deduplication ids to look up and record, or trace events to write, the rows wait for
        // the batch's end (DeferredInserts) and this operation writes nothing itself.
        const deferred = row.trace === 0 && messages.every((m) => dedupIdOf(m, windowMs) === undefined);
        if (!deferred) beginWrites();
        // A deferred send stores every message; others may answer resends with earlier ids.
        const resolved = deferred ? undefined : this.#resolveResends(row.id, messages, windowMs, nowMs);
        const fresh = resolved?.fresh ?? messages;
        // Counters may still include messages past retention: settle before refusing.
        if (heldCount(row) + fresh.length > row.max_msg_heap_num) {
          beginWrites();
          row = this.settle(row, nowMs, afterCommit);
        }
        if (heldCount(row) + fresh.length > row.max_msg_heap_num) throw new DomainError('QUEUE_FULL');
        const rows = fresh.map((m): MessageRow => [
          m.delaySeconds > 0 ? DELAYED : READY,
          nowMs + m.delaySeconds * 1000,
          nowMs,
          m.body,
        ]);
        const ready = fresh.reduce((n, m) => (m.delaySeconds === 0 ? n + 1 : n), 0);
        this.counts.add(row.id, ready, fresh.length - ready, 0);
        const { name_key: key } = row;
        if (ready > 0) afterCommit(() => this.listeners.emit(key, ready));
        if (deferred) {
          // Every message is fresh here; the answer is filled in when the rows are written.
          const ids = new Array<string>(rows.length);
          this.#deferred.add(row.id, rows, (written) => {
            for (let i = 0; i < written.length; i++) ids[i] = String(written[i]);
          });
          return ids;
        }
        const freshIds = this.#insertMessages(row.id, rows);
        fresh.forEach((m, i) => {
          const id = freshIds[i]!;
          const dedup = dedupIdOf(m, windowMs);
          if (dedup !== undefined) this.sql.dedupRecord.run(row.id, dedup, id, nowMs + windowMs);
          this.#trace(row, id, nowMs, 'sent', '');
        });
        // `resolved` is undefined only for deferred sends, answered above.
        return resolved!.sources.map((source) =>
          String('id' in source ? source.id : freshIds[source.fresh]!),
        );
      },
      { lazySavepoint: true },
    );
  }

  /**
   * Each message is stored (its index in `fresh`) or answered with the id a resend within the window got;
   * a deduplication id repeated within one send is stored once, at its first occurrence.
   */
  #resolveResends(
    queueId: number,
    messages: readonly NewMessage[],
    windowMs: number,
    nowMs: number,
  ): { fresh: NewMessage[]; sources: Array<{ fresh: number } | { id: number }> } {
    const fresh: NewMessage[] = [];
    const firstInBatch = new Map<string, number>();
    const sources = messages.map((m): { fresh: number } | { id: number } => {
      const dedup = dedupIdOf(m, windowMs);
      if (dedup !== undefined) {
        const first = firstInBatch.get(dedup);
        if (first !== undefined) return { fresh: first };
        const prior = this.sql.dedupLookup.get(queueId, dedup, nowMs)?.msg_id;
        if (prior !== undefined) return { id: prior };
        firstInBatch.set(dedup, fresh.length);
      }
      fresh.push(m);
      return { fresh: fresh.length - 1 };
    });
    return { fresh, sources };
  }

  receiveMessages(queueName: string, request: ReceiveRequest, nowMs: number): Promise<ReceivedMessage[]> {
    // A queue that holds nothing (its counts are exact, and only this process writes the file) answers at
    // once, without a transaction and its fsync, unless writes are queued that this receive must follow:
    // the first look of every long poll, and the looks of idle consumers, mostly find an empty queue.
    const held = this.commit.hasQueued ? undefined : this.rows.get(queueKey(queueName));
    if (
      held !== undefined &&
      !this.#closed &&
      held.ready_count + held.delayed_count + held.inflight_count + held.retained_count === 0
    ) {
      return Promise.resolve([]);
    }
    return this.write((afterCommit) => {
      const row = this.settle(this.queueRow(queueName), nowMs, afterCommit);
      const rows = this.sql.selectReady.all(row.id, nowMs - row.msg_retention_seconds * 1000, request.max);
      const nextVisibleAtMs = nowMs + request.visibilityTimeoutMs;
      const tokenBase = receiptTokenBase();
      for (let i = 0; i < rows.length; i += ITEMS_PER_STATEMENT) {
        const ids = rows.slice(i, i + ITEMS_PER_STATEMENT).map(([id]) => id);
        this.sql.markInflight.forCount(ids.length).run(nextVisibleAtMs, nowMs, tokenBase, ...ids);
      }
      const received = rows.map(([id, body, enqueuedAtMs, firstSeenAtMs, dequeueCount]): ReceivedMessage => {
        const msgId = String(id);
        const receiptHandle = formatReceiptHandle({ msgId, token: receiptToken(tokenBase, id) });
        this.#trace(row, id, nowMs, 'received', receiptHandle);
        return {
          msgId,
          body,
          receiptHandle,
          enqueuedAtMs,
          firstDequeuedAtMs: firstSeenAtMs === 0 ? nowMs : firstSeenAtMs,
          nextVisibleAtMs,
          dequeueCount: dequeueCount + 1,
        };
      });
      if (received.length > 0) this.counts.add(row.id, -received.length, 0, received.length);
      return received;
    });
  }

  deleteMessages(
    queueName: string,
    handles: readonly ReceiptHandle[],
    nowMs: number,
  ): Promise<DeleteOutcome[]> {
    return this.write(() => {
      const row = this.queueRow(queueName);
      const cutoff = nowMs - row.msg_retention_seconds * 1000;
      const retainAfter = nowMs - row.rewind_seconds * 1000;
      let deleted = 0;
      let retained = 0;
      const outcomes = handles.map((h): DeleteOutcome => {
        const id = Number(h.msgId);
        if (!Number.isSafeInteger(id)) return 'invalid';
        if (row.rewind_seconds === 0) {
          if (this.sql.deleteByHandle.run(id, row.id, h.token, nowMs, cutoff).changes === 0) return 'invalid';
        } else {
          // With rewind on, the row is read first: it moves to retained_messages.
          const m = this.sql.deletableByHandle.get(id, row.id, h.token, nowMs, cutoff);
          if (m === undefined) return 'invalid';
          this.sql.deleteById.run(id);
          if (m.enqueued_at_ms > retainAfter) {
            this.sql.retain.run(
              id,
              row.id,
              m.enqueued_at_ms,
              m.first_dequeued_at_ms,
              m.dequeue_count,
              m.body,
            );
            retained++;
          }
        }
        // Checked here too so the handle is formatted only for traced queues.
        if (row.trace === 1) this.#trace(row, id, nowMs, 'deleted', formatReceiptHandle(h));
        deleted++;
        return 'deleted';
      });
      if (deleted > 0) this.counts.add(row.id, 0, 0, -deleted, retained);
      return outcomes;
    });
  }

  rewindQueue(queueName: string, startMs: number, nowMs: number): Promise<number> {
    return this.write((afterCommit) => {
      const row = this.settle(this.queueRow(queueName), nowMs, afterCommit);
      if (row.rewind_seconds === 0) throw new DomainError('REWIND_DISABLED');
      const rows = this.sql.retainedSince.all(row.id, startMs);
      for (const m of rows) {
        this.sql.unretain.run(m.id);
        this.sql.reinsert.run(
          m.id,
          row.id,
          nowMs,
          m.enqueued_at_ms,
          m.first_dequeued_at_ms,
          m.dequeue_count,
          m.body,
        );
        this.#trace(row, m.id, nowMs, 'rewound', '');
      }
      if (rows.length > 0) {
        this.counts.add(row.id, rows.length, 0, 0, -rows.length);
        afterCommit(() => this.listeners.emit(row.name_key, rows.length));
      }
      return rows.length;
    });
  }

  redriveMessages(
    deadLetterQueueName: string,
    options: { destinationQueueName?: string | undefined; max: number },
    nowMs: number,
  ): Promise<number> {
    return this.write((afterCommit) => {
      const dlq = this.settle(this.queueRow(deadLetterQueueName), nowMs, afterCommit);
      const fixed =
        options.destinationQueueName === undefined ? undefined : this.queueRow(options.destinationQueueName);
      const targets = new Map<number, { row: QueueRow; ready: number; delayed: number }>();
      const fromDlq = [0, 0, 0];
      // Messages that cannot move (no known source, source deleted) stay and do not count against max.
      let skipped = 0;
      let movedSoFar = 0;
      while (movedSoFar < options.max) {
        const chunk = this.sql.redriveCandidates.all(dlq.id, options.max - movedSoFar, skipped);
        if (chunk.length === 0) break;
        for (const m of chunk) {
          const target =
            fixed ?? (m.source_queue_id === null ? undefined : this.sql.queueById.get(m.source_queue_id));
          if (target === undefined || target.id === dlq.id) {
            skipped++;
            continue;
          }
          movedSoFar++;
          this.sql.redriveMessage.run(target.id, nowMs, m.id);
          fromDlq[m.state]!++;
          const entry = targets.get(target.id) ?? { row: target, ready: 0, delayed: 0 };
          entry.ready++;
          targets.set(target.id, entry);
          this.#trace(dlq, m.id, nowMs, 'redriven', target.name);
        }
      }
      let moved = 0;
      for (const { row, ready } of targets.values()) {
        this.counts.add(row.id, ready, 0, 0);
        afterCommit(() => this.listeners.emit(row.name_key, ready));
        moved += ready;
      }
      if (moved > 0) this.counts.add(dlq.id, -fromDlq[READY]!, -fromDlq[DELAYED]!, 0);
      return moved;
    });
  }

  getMessage(queueName: string, msgId: string, nowMs: number): Promise<MessageInfo | undefined> {
    return this.write((afterCommit) => {
      const row = this.settle(this.queueRow(queueName), nowMs, afterCommit);
      const id = Number(msgId);
      if (!/^\d{1,16}$/.test(msgId) || !Number.isSafeInteger(id)) return undefined;
      const live = this.sql.messageById.get(id, row.id);
      if (live !== undefined) {
        return {
          msgId,
          queueName: row.name,
          state: STATE_NAMES[live.state]!,
          enqueuedAtMs: live.enqueued_at_ms,
          firstDequeuedAtMs: live.first_dequeued_at_ms,
          nextVisibleAtMs: live.visible_at_ms,
          dequeueCount: live.dequeue_count,
          bodyBytes: Buffer.byteLength(live.body, 'utf8'),
        };
      }
      const kept = this.sql.retainedById.get(id, row.id);
      return kept === undefined
        ? undefined
        : {
            msgId,
            queueName: row.name,
            state: 'retained',
            enqueuedAtMs: kept.enqueued_at_ms,
            firstDequeuedAtMs: kept.first_dequeued_at_ms,
            nextVisibleAtMs: 0,
            dequeueCount: kept.dequeue_count,
            bodyBytes: Buffer.byteLength(kept.body, 'utf8'),
          };
    });
  }

  getTrace(queueName: string, msgId: string): Promise<TraceEvent[]> {
    return this.read(() => {
      this.queueRow(queueName);
      if (!/^\d{1,16}$/.test(msgId)) return [];
      return this.sql.traceOf.all(Number(msgId)).map((e) => ({
        msgId: String(e.msg_id),
        atMs: e.at_ms,
        event: e.event as TraceEventKind,
        detail: e.detail,
      }));
    });
  }

  getQueueStats(queueName: string, nowMs: number): Promise<QueueStats> {
    return this.write((afterCommit) => {
      const row = this.settle(this.queueRow(queueName), nowMs, afterCommit);
      const oldest = this.sql.oldest.get(row.id)!.t;
      return {
        activeMsgNum: row.ready_count,
        inactiveMsgNum: row.inflight_count,
        delayMsgNum: row.delayed_count,
        oldestEnqueuedAtMs: oldest ?? undefined,
        retainedMsgNum: row.retained_count,
      };
    });
  }

  nextVisibleAtMs(queueName: string, nowMs: number): Promise<number | undefined> {
    return this.read(() => {
      const row = this.queueRow(queueName);
      const times = [DELAYED, INFLIGHT]
        .filter((state) => (state === DELAYED ? row.delayed_count : row.inflight_count) > 0)
        .map((state) => this.sql.nextVisible.get(row.id, state, nowMs)!.t)
        .filter((t): t is number => t !== null);
      return times.length > 0 ? Math.min(...times) : undefined;
    });
  }

  expireMessages(nowMs: number, limit: number, trace?: TracePruning): Promise<number> {
    return this.write((afterCommit) => {
      let removed = 0;
      for (const stored of this.sql.allQueues.all()) {
        const row = this.rows.withFreshCounts(stored);
        if (removed < limit) removed += this.#expireOldest(row, nowMs, limit - removed);
        this.settle(row, nowMs, afterCommit, false);
        this.#expireRetained(row, nowMs);
      }
      for (const { queue_id } of this.sql.droppedQueues.all()) {
        const { changes } = this.sql.reclaim.run(queue_id, limit);
        const retained = this.sql.reclaimRetained.run(queue_id, limit).changes;
        if (changes < limit && retained < limit) this.sql.forgetDropped.run(queue_id);
      }
      this.sql.dedupExpire.run(nowMs, limit);
      if (trace !== undefined) {
        this.sql.tracePruneOlder.run(trace.traceBeforeMs, limit);
        const span = this.sql.traceSpan.get()!;
        const count = span.low === null || span.high === null ? 0 : span.high - span.low + 1;
        if (count > trace.traceMaxEvents)
          this.sql.tracePruneOldest.run(Math.min(limit, count - trace.traceMaxEvents));
      }
      return removed;
    });
  }

  onMessagesReady(listener: ReadyListener): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.commit.drain();
    this.listeners.clear();
    await this.#files.checkpointer?.close();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
    this.#files.wal.close();
    this.#files.lock?.release();
    const timing = this.#files.timing;
    if (timing !== undefined) writeFileSync(timing.file, timing.timing.report());
  }

  protected write<T>(operation: Operation<T>, options?: RunOptions): Promise<T> {
    if (this.#closed)
      return Promise.reject(new DomainError('STORE_UNAVAILABLE', { detail: 'store is closed' }));
    return this.commit.run(operation, options);
  }

  /** Reads see committed state: batches run whole between turns of the event loop. */
  protected read<T>(operation: () => T): Promise<T> {
    if (this.#closed)
      return Promise.reject(new DomainError('STORE_UNAVAILABLE', { detail: 'store is closed' }));
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** After a rollback: cached rows may hold what it undid. Engines with caches of their own add theirs. */
  protected forgetCachedRows(): void {
    this.rows.clear();
  }

  protected queueRow(name: string): QueueRow {
    const row = this.rows.get(queueKey(name));
    if (row === undefined) throw new DomainError('QUEUE_NOT_FOUND', { detail: name });
    return row;
  }

  /**
   * Puts raw bodies into queues as ready messages, inside the current transaction (a topic's queue
   * subscriptions). Each queue is looked up once per writer; `enqueue` decides and keeps the body, and
   * `finish()` inserts each queue's bodies together and writes its count and its wake-up once, however
   * many bodies it took. 'missing' and 'full' store nothing.
   */
  protected queueWriter(nowMs: number, afterCommit: AfterCommit): RawQueueWriter {
    const touched = new Map<string, { row: QueueRow; held: number; bodies: string[] } | null>();
    return {
      enqueue: (queueName, body, bodyBytes) => {
        const key = queueKey(queueName);
        let target = touched.get(key);
        if (target === undefined) {
          const row = this.rows.get(key);
          target =
            row === undefined
              ? null
              : { row, held: row.ready_count + row.delayed_count + row.inflight_count, bodies: [] };
          touched.set(key, target);
        }
        if (target === null) return 'missing';
        const { row } = target;
        if (target.held + target.bodies.length >= row.max_msg_heap_num) return 'full';
        // The queue's own size limit holds for topic deliveries too (counted as dropped by the caller).
        if (bodyBytes > row.max_msg_size_bytes) return 'full';
        target.bodies.push(body);
        return 'stored';
      },
      finish: () => {
        for (const target of touched.values()) {
          if (target === null || target.bodies.length === 0) continue;
          const { row, bodies } = target;
          const ids = this.#insertMessages(
            row.id,
            bodies.map((body) => [READY, nowMs, nowMs, body]),
          );
          for (const id of ids) this.#trace(row, id, nowMs, 'sent', '');
          this.counts.add(row.id, bodies.length, 0, 0);
          afterCommit(() => this.listeners.emit(row.name_key, bodies.length));
        }
      },
    };
  }

  /**
   * Inserts messages into a queue, up to ITEMS_PER_STATEMENT rows per INSERT (one statement per message
   * cost 24-29 µs per 16 messages against 12 µs); returns their ids in order. The ids of one INSERT are
   * consecutive: AUTOINCREMENT gives each row the largest id so far plus one, and nothing else inserts in
   * between. Each row: state, visible time, enqueue time, body.
   */
  #insertMessages(queueId: number, rows: readonly MessageRow[]): number[] {
    const ids: number[] = [];
    for (let start = 0; start < rows.length; start += ITEMS_PER_STATEMENT) {
      const count = Math.min(ITEMS_PER_STATEMENT, rows.length - start);
      // One array, bound as it is: spreading 80 arguments into the call cost more than the loop.
      const params = new Array<number | string>(count * 5);
      for (let k = 0; k < count; k++) {
        const [state, visibleAtMs, enqueuedAtMs, body] = rows[start + k]!;
        params[k * 5] = queueId;
        params[k * 5 + 1] = state;
        params[k * 5 + 2] = visibleAtMs;
        params[k * 5 + 3] = enqueuedAtMs;
        params[k * 5 + 4] = body;
      }
      const last = Number(this.sql.insertMessages.forCount(count).run(params).lastInsertRowid);
      for (let k = count - 1; k >= 0; k--) ids.push(last - k);
    }
    return ids;
  }

  /** Cross-queue rules of a dead-letter policy; returns it naming the dead-letter queue as stored. */
  #resolvePolicy(sourceKey: string, policy: DeadLetterPolicy | null): DeadLetterPolicy | null {
    if (policy === null) return null;
    const dlq = this.sql.queueByKey.get(queueKey(policy.deadLetterQueue));
    if (dlq === undefined)
      throw new DomainError('DEAD_LETTER_QUEUE_NOT_FOUND', { detail: policy.deadLetterQueue });
    if (dlq.dead_letter_policy !== null) {
      throw new DomainError('DEAD_LETTER_CHAIN', { detail: `${dlq.name} has a dead-letter queue itself` });
    }
    if (this.sql.sourcesOf.all(sourceKey).length > 0) {
      throw new DomainError('DEAD_LETTER_CHAIN', {
        detail: 'this queue is the dead-letter queue of another queue',
      });
    }
    const others = this.sql.sourcesOf.all(dlq.name_key).filter((s) => s.name_key !== sourceKey);
    if (others.length >= DEAD_LETTER_LIMITS.maxSourcesPerDeadLetterQueue) {
      throw new DomainError('DEAD_LETTER_SOURCES_LIMIT', {
        detail: `${dlq.name} already serves ${others.length} queues`,
      });
    }
    return { ...policy, deadLetterQueue: dlq.name };
  }

  /**
   * Applies what is due by nowMs: expiry, delay ends, visibility timeouts (or dead-letter moves past
   * maxReceiveCount), time-to-live dead-letter moves. Returns the fresh queue row.
   */
  protected settle(row: QueueRow, nowMs: number, afterCommit: AfterCommit, expire = true): QueueRow {
    // The background sweep expires in bounded chunks itself (expire = false).
    if (expire) this.#expire(row, nowMs);
    const policy = deadLetterPolicyOf(row);
    const dlq = policy === null ? undefined : this.rows.get(queueKey(policy.deadLetterQueue));
    let movedOut = 0;
    if (policy?.policy === 0 && dlq !== undefined) {
      const over = this.sql.dueInflightOverLimit.all(row.id, nowMs, policy.maxReceiveCount);
      for (const { id } of over) this.#moveToDeadLetter(row, dlq, id, nowMs);
      if (over.length > 0) this.counts.add(row.id, 0, 0, -over.length);
      movedOut += over.length;
    }
    const due = this.sql.anyDue.get(row.id, nowMs, row.id, nowMs) === 1;
    const fromDelayed = due ? this.sql.promote.run(row.id, DELAYED, nowMs).changes : 0;
    const fromInflight = due ? this.sql.promote.run(row.id, INFLIGHT, nowMs).changes : 0;
    const promoted = fromDelayed + fromInflight;
    if (promoted > 0) {
      this.counts.add(row.id, promoted, -fromDelayed, -fromInflight);
      afterCommit(() => this.listeners.emit(row.name_key, promoted));
    }
    if (policy?.policy === 1 && dlq !== undefined) {
      const stale = this.sql.olderThan.all(row.id, nowMs - policy.maxTimeToLiveSeconds * 1000, 10_000);
      const counts = [0, 0, 0];
      for (const { id, state } of stale) {
        this.#moveToDeadLetter(row, dlq, id, nowMs);
        counts[state]!++;
      }
      if (stale.length > 0) this.counts.add(row.id, -counts[READY]!, -counts[DELAYED]!, 0);
      movedOut += stale.length;
    }
    if (movedOut > 0 && dlq !== undefined) {
      this.counts.add(dlq.id, movedOut, 0, 0);
      afterCommit(() => this.listeners.emit(dlq.name_key, movedOut));
    }
    return this.rows.withFreshCounts(row);
  }

  #moveToDeadLetter(source: QueueRow, dlq: QueueRow, id: number, nowMs: number): void {
    this.sql.moveMessage.run(dlq.id, nowMs, source.id, id);
    this.#trace(source, id, nowMs, 'dead-lettered', dlq.name);
  }

  /** Expiry bounded to `limit` messages, oldest first, for the background sweep. */
  #expireOldest(row: QueueRow, nowMs: number, limit: number): number {
    const cutoff = nowMs - row.msg_retention_seconds * 1000;
    const counts = [0, 0, 0];
    const expired = this.sql.expiredIds.all(row.id, cutoff, limit);
    for (const { id, state } of expired) {
      this.sql.deleteById.run(id);
      this.#trace(row, id, nowMs, 'expired', '');
      counts[state]!++;
    }
    if (expired.length > 0) this.counts.add(row.id, -counts[READY]!, -counts[DELAYED]!, -counts[INFLIGHT]!);
    return expired.length;
  }

  /**
   * Deletes messages past retention, at most EXPIRY_CHUNK per call: one request's transaction stays small
   * (each page it changes is copied into an in-memory savepoint journal, temp_store = MEMORY), and the rest
   * goes with the next calls and the background sweep. Receives skip expired messages meanwhile.
   */
  #expire(row: QueueRow, nowMs: number): void {
    if (row.trace === 1) {
      // Traced queues expire row by row so each message gets its 'expired' event.
      this.#expireOldest(row, nowMs, EXPIRY_CHUNK);
    } else {
      const cutoff = nowMs - row.msg_retention_seconds * 1000;
      // Nearly always nothing has expired: ask that first (4 µs), the grouped count costs 45-65 µs.
      if (this.sql.anyExpired.get(row.id, cutoff)!.expired === 0) {
        this.#expireRetained(row, nowMs);
        return;
      }
      const counts = [0, 0, 0];
      for (const { state, n } of this.sql.expiredByState.all(row.id, cutoff, EXPIRY_CHUNK + 1)) {
        counts[state] = n;
      }
      const total = counts[READY]! + counts[DELAYED]! + counts[INFLIGHT]!;
      if (total > EXPIRY_CHUNK) this.#expireOldest(row, nowMs, EXPIRY_CHUNK);
      else if (total > 0) {
        this.sql.deleteExpired.run(row.id, cutoff);
        this.counts.add(row.id, -counts[READY]!, -counts[DELAYED]!, -counts[INFLIGHT]!);
      }
    }
    this.#expireRetained(row, nowMs);
  }

  /** Retained (rewindable) messages end at enqueue time + rewindSeconds; at most EXPIRY_CHUNK per call. */
  #expireRetained(row: QueueRow, nowMs: number): void {
    if (row.retained_count > 0) {
      const retainCutoff = nowMs - row.rewind_seconds * 1000;
      const gone = this.sql.countRetainedUntil.get(row.id, retainCutoff, EXPIRY_CHUNK)!.n;
      if (gone > 0) {
        this.sql.dropOldestRetainedUntil.run(row.id, retainCutoff, gone);
        this.counts.add(row.id, 0, 0, 0, -gone);
      }
    }
  }

  #trace(row: QueueRow, msgId: number, nowMs: number, event: TraceEventKind, detail: string): void {
    if (row.trace === 1) this.sql.traceInsert.run(msgId, nowMs, event, detail);
  }
}
