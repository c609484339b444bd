import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { DomainError } from '../../domain/errors.js';
import {
  MESSAGE_STATES,
  type NewMessage,
  type QueueStats,
  type ReceivedMessage,
} from '../../domain/message.js';
import { mergeAttributes, queueKey, type Queue, type QueueAttributes } from '../../domain/queue.js';
import { formatReceiptHandle, RECEIPT_TOKEN_LIMIT, type ReceiptHandle } from '../../domain/receipt-handle.js';
import { createQueueId } from '../queue-id.js';
import { ReadyListeners } from '../ready-listeners.js';
import type { CreateQueueInput, DeleteOutcome, ListQuery, ReceiveRequest, Store } from '../store.js';
import { GroupCommit } from './group-commit.js';
import { MIGRATIONS } from './migrations.js';

export interface SqliteStoreOptions {
  /** Directory holding `opencmq.db` and its WAL. Created if missing. */
  readonly dataDir: string;
  /** Operations per group-commit transaction at most. */
  readonly maxBatch?: number;
}

const { ready: READY, delayed: DELAYED, inflight: INFLIGHT } = MESSAGE_STATES;

interface QueueRow {
  id: number;
  name: string;
  name_key: string;
  queue_id: string;
  max_msg_heap_num: number;
  polling_wait_seconds: number;
  visibility_timeout_seconds: number;
  max_msg_size_bytes: number;
  msg_retention_seconds: number;
  rewind_seconds: number;
  created_at_ms: number;
  modified_at_ms: number;
  ready_count: number;
  delayed_count: number;
  inflight_count: number;
}

interface MessageRow {
  id: number;
  body: string;
  enqueued_at_ms: number;
  first_dequeued_at_ms: number;
  dequeue_count: number;
}

/**
 * The embedded engine: one SQLite file in WAL mode with synchronous=FULL, so a commit is on disk before
 * it returns; writes share commits through GroupCommit. Counts live in the queue row and change in the
 * same transaction as the messages; time-driven transitions (delay end, visibility timeout, expiry) are
 * applied for a queue when it is next touched ("settled"), through indexes, so no operation scans the
 * queue: the cost is O(log n) per message touched.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  mkdirSync(options.dataDir, { recursive: true });
  let db: Database;
  try {
    // A short busy timeout: the only other holder can be a second server, which must fail fast.
    db = new BetterSqlite3(join(options.dataDir, 'opencmq.db'), { timeout: 250 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // 64 MiB of page cache (SQLite's default is 2 MiB): keeps the upper levels of the message indexes
    // of multi-million-message queues in memory.
    db.pragma('cache_size = -65536');
    // One server process owns the file: a second one fails at start instead of corrupting state.
    db.pragma('locking_mode = EXCLUSIVE');
    migrate(db);
  } catch (error) {
    throw new DomainError('STORE_UNAVAILABLE', {
      detail: `cannot open the SQLite database in ${options.dataDir}: ${(error as Error).message}`,
      cause: error,
    });
  }
  return new SqliteStore(db, options.maxBatch);
}

function migrate(db: Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

class SqliteStore implements Store {
  readonly #db: Database;
  readonly #commit: GroupCommit;
  readonly #listeners = new ReadyListeners();
  readonly #sql;
  #closed = false;

  constructor(db: Database, maxBatch: number | undefined) {
    this.#db = db;
    this.#commit = new GroupCommit(db, maxBatch);
    const prepare = <P extends unknown[] | object = unknown[], R = unknown>(sql: string): Statement<P, R> =>
      db.prepare<P, R>(sql);
    this.#sql = {
      queueByKey: prepare<[string], QueueRow>('SELECT * FROM queues WHERE name_key = ?'),
      countQueues: prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM queues'),
      insertQueue: prepare(
        `INSERT INTO queues (name, name_key, queue_id, max_msg_heap_num, polling_wait_seconds, visibility_timeout_seconds,
           max_msg_size_bytes, msg_retention_seconds, rewind_seconds, created_at_ms, modified_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateQueue: prepare(
        `UPDATE queues SET max_msg_heap_num = ?, polling_wait_seconds = ?, visibility_timeout_seconds = ?,
           max_msg_size_bytes = ?, msg_retention_seconds = ?, rewind_seconds = ?, modified_at_ms = ? WHERE id = ?`,
      ),
      deleteQueue: prepare<[number]>('DELETE FROM queues WHERE id = ?'),
      dropQueue: prepare<[number]>('INSERT INTO dropped_queues (queue_id) VALUES (?)'),
      listQueues: prepare<[string, number, number], QueueRow>(
        `SELECT * FROM queues WHERE name_key LIKE ? ESCAPE '\\' ORDER BY name_key LIMIT ? OFFSET ?`,
      ),
      countMatching: prepare<[string], { n: number }>(
        `SELECT COUNT(*) AS n FROM queues WHERE name_key LIKE ? ESCAPE '\\'`,
      ),
      addCounts: prepare<[number, number, number, number]>(
        `UPDATE queues SET ready_count = ready_count + ?, delayed_count = delayed_count + ?,
           inflight_count = inflight_count + ? WHERE id = ?`,
      ),
      insertMessage: prepare<[number, number, number, number, string]>(
        'INSERT INTO messages (queue_id, state, visible_at_ms, enqueued_at_ms, body) VALUES (?, ?, ?, ?, ?)',
      ),
      promote: prepare<[number, number, number]>(
        `UPDATE messages SET state = ${READY} WHERE queue_id = ? AND state = ? AND visible_at_ms <= ?`,
      ),
      expiredByState: prepare<[number, number], { state: number; n: number }>(
        'SELECT state, COUNT(*) AS n FROM messages WHERE queue_id = ? AND enqueued_at_ms <= ? GROUP BY state',
      ),
      deleteExpired: prepare<[number, number]>(
        'DELETE FROM messages WHERE queue_id = ? AND enqueued_at_ms <= ?',
      ),
      oldestExpired: prepare<[number, number, number], { id: number; state: number }>(
        'SELECT id, state FROM messages WHERE queue_id = ? AND enqueued_at_ms <= ? ORDER BY enqueued_at_ms LIMIT ?',
      ),
      deleteById: prepare<[number]>('DELETE FROM messages WHERE id = ?'),
      selectReady: prepare<[number, number], MessageRow>(
        `SELECT id, body, enqueued_at_ms, first_dequeued_at_ms, dequeue_count FROM messages
         WHERE queue_id = ? AND state = ${READY} ORDER BY visible_at_ms, id LIMIT ?`,
      ),
      markInflight: prepare<[number, number, number, number]>(
        `UPDATE messages SET state = ${INFLIGHT}, visible_at_ms = ?, dequeue_count = dequeue_count + 1,
           first_dequeued_at_ms = ?, receipt_token = ? WHERE id = ?`,
      ),
      deleteByHandle: prepare<[number, number, number, number, number]>(
        `DELETE FROM messages WHERE id = ? AND queue_id = ? AND state = ${INFLIGHT} AND receipt_token = ?
           AND visible_at_ms > ? AND enqueued_at_ms > ?`,
      ),
      oldest: prepare<[number], { t: number | null }>(
        'SELECT MIN(enqueued_at_ms) AS t FROM messages WHERE queue_id = ?',
      ),
      nextVisible: prepare<[number, number, number], { t: number | null }>(
        'SELECT MIN(visible_at_ms) AS t FROM messages WHERE queue_id = ? AND state = ? AND visible_at_ms > ?',
      ),
      allQueues: prepare<[], QueueRow>('SELECT * FROM queues'),
      droppedQueues: prepare<[], { queue_id: number }>('SELECT queue_id FROM dropped_queues LIMIT 16'),
      reclaim: prepare<[number, number]>(
        'DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE queue_id = ? LIMIT ?)',
      ),
      forgetDropped: prepare<[number]>('DELETE FROM dropped_queues WHERE queue_id = ?'),
    };
  }

  createQueue(input: CreateQueueInput): Promise<Queue> {
    return this.#write(() => {
      const key = queueKey(input.name);
      if (this.#sql.queueByKey.get(key))
        throw new DomainError('QUEUE_ALREADY_EXISTS', { detail: input.name });
      if (this.#sql.countQueues.get()!.n >= input.maxQueues) throw new DomainError('QUEUE_LIMIT_REACHED');
      const a = input.attributes;
      this.#sql.insertQueue.run(
        input.name,
        key,
        createQueueId(),
        a.maxMsgHeapNum,
        a.pollingWaitSeconds,
        a.visibilityTimeoutSeconds,
        a.maxMsgSizeBytes,
        a.msgRetentionSeconds,
        a.rewindSeconds,
        input.nowMs,
        input.nowMs,
      );
      return toQueue(this.#sql.queueByKey.get(key)!);
    });
  }

  getQueue(name: string): Promise<Queue | undefined> {
    return this.#read(() => {
      const row = this.#sql.queueByKey.get(queueKey(name));
      return row && toQueue(row);
    });
  }

  listQueues(query: ListQuery): Promise<{ total: number; queues: Queue[] }> {
    return this.#read(() => {
      const pattern = `%${(query.searchWord ?? '').toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      return {
        total: this.#sql.countMatching.get(pattern)!.n,
        queues: this.#sql.listQueues.all(pattern, query.limit, query.offset).map(toQueue),
      };
    });
  }

  updateQueue(name: string, patch: Partial<QueueAttributes>, nowMs: number): Promise<Queue> {
    return this.#write(() => {
      const row = this.#queueRow(name);
      const a = mergeAttributes(toQueue(row).attributes, patch);
      this.#sql.updateQueue.run(
        a.maxMsgHeapNum,
        a.pollingWaitSeconds,
        a.visibilityTimeoutSeconds,
        a.maxMsgSizeBytes,
        a.msgRetentionSeconds,
        a.rewindSeconds,
        nowMs,
        row.id,
      );
      return toQueue(this.#sql.queueByKey.get(row.name_key)!);
    });
  }

  deleteQueue(name: string): Promise<void> {
    return this.#write(() => {
      const row = this.#queueRow(name);
      this.#sql.deleteQueue.run(row.id);
      // Messages of a big queue are reclaimed in chunks by expireMessages, not in this transaction.
      this.#sql.dropQueue.run(row.id);
    });
  }

  sendMessages(queueName: string, messages: readonly NewMessage[], nowMs: number): Promise<string[]> {
    return this.#write((afterCommit) => {
      const row = this.#queueRow(queueName);
      const held = row.ready_count + row.delayed_count + row.inflight_count;
      if (held + messages.length > row.max_msg_heap_num) throw new DomainError('QUEUE_FULL');
      let ready = 0;
      const ids = messages.map((m) => {
        const delayed = m.delaySeconds > 0;
        if (!delayed) ready++;
        const result = this.#sql.insertMessage.run(
          row.id,
          delayed ? DELAYED : READY,
          nowMs + m.delaySeconds * 1000,
          nowMs,
          m.body,
        );
        return String(result.lastInsertRowid);
      });
      this.#sql.addCounts.run(ready, messages.length - ready, 0, row.id);
      if (ready > 0) afterCommit(() => this.#listeners.emit(row.name_key, ready));
      return ids;
    });
  }

  receiveMessages(queueName: string, request: ReceiveRequest, nowMs: number): Promise<ReceivedMessage[]> {
    return this.#write((afterCommit) => {
      const row = this.#queueRow(queueName);
      this.#settle(row, nowMs, afterCommit);
      const rows = this.#sql.selectReady.all(row.id, request.max);
      const nextVisibleAtMs = nowMs + request.visibilityTimeoutMs;
      const received = rows.map((m): ReceivedMessage => {
        const token = randomInt(1, RECEIPT_TOKEN_LIMIT);
        const firstDequeuedAtMs = m.first_dequeued_at_ms === 0 ? nowMs : m.first_dequeued_at_ms;
        this.#sql.markInflight.run(nextVisibleAtMs, firstDequeuedAtMs, token, m.id);
        const msgId = String(m.id);
        return {
          msgId,
          body: m.body,
          receiptHandle: formatReceiptHandle({ msgId, token }),
          enqueuedAtMs: m.enqueued_at_ms,
          firstDequeuedAtMs,
          nextVisibleAtMs,
          dequeueCount: m.dequeue_count + 1,
        };
      });
      if (received.length > 0) this.#sql.addCounts.run(-received.length, 0, received.length, row.id);
      return received;
    });
  }

  deleteMessages(
    queueName: string,
    handles: readonly ReceiptHandle[],
    nowMs: number,
  ): Promise<DeleteOutcome[]> {
    return this.#write(() => {
      const row = this.#queueRow(queueName);
      const cutoff = nowMs - row.msg_retention_seconds * 1000;
      let deleted = 0;
      const outcomes = handles.map((h): DeleteOutcome => {
        const id = Number(h.msgId);
        if (!Number.isSafeInteger(id)) return 'invalid';
        const { changes } = this.#sql.deleteByHandle.run(id, row.id, h.token, nowMs, cutoff);
        deleted += changes;
        return changes === 1 ? 'deleted' : 'invalid';
      });
      if (deleted > 0) this.#sql.addCounts.run(0, 0, -deleted, row.id);
      return outcomes;
    });
  }

  getQueueStats(queueName: string, nowMs: number): Promise<QueueStats> {
    return this.#write((afterCommit) => {
      const row = this.#settle(this.#queueRow(queueName), nowMs, afterCommit);
      const oldest = this.#sql.oldest.get(row.id)!.t;
      return {
        activeMsgNum: row.ready_count,
        inactiveMsgNum: row.inflight_count,
        delayMsgNum: row.delayed_count,
        oldestEnqueuedAtMs: oldest ?? undefined,
      };
    });
  }

  nextVisibleAtMs(queueName: string, nowMs: number): Promise<number | undefined> {
    return this.#read(() => {
      const row = this.#queueRow(queueName);
      const times = [DELAYED, INFLIGHT]
        .map((state) => this.#sql.nextVisible.get(row.id, state, nowMs)!.t)
        .filter((t): t is number => t !== null);
      return times.length > 0 ? Math.min(...times) : undefined;
    });
  }

  expireMessages(nowMs: number, limit: number): Promise<number> {
    return this.#write(() => {
      let removed = 0;
      for (const row of this.#sql.allQueues.all()) {
        if (removed >= limit) break;
        removed += this.#expireOldest(row, nowMs, limit - removed);
      }
      for (const { queue_id } of this.#sql.droppedQueues.all()) {
        const { changes } = this.#sql.reclaim.run(queue_id, 10_000);
        if (changes < 10_000) this.#sql.forgetDropped.run(queue_id);
      }
      return removed;
    });
  }

  onMessagesReady(listener: (queueKey: string, count: number) => void): () => void {
    return this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#commit.drain();
    this.#listeners.clear();
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
    this.#db.close();
  }

  #write<T>(operation: (afterCommit: (hook: () => void) => void) => T): Promise<T> {
    if (this.#closed)
      return Promise.reject(new DomainError('STORE_UNAVAILABLE', { detail: 'store is closed' }));
    return this.#commit.run(operation);
  }

  /** Reads see committed state: batches run whole between turns of the event loop. */
  #read<T>(operation: () => T): Promise<T> {
    if (this.#closed)
      return Promise.reject(new DomainError('STORE_UNAVAILABLE', { detail: 'store is closed' }));
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #queueRow(name: string): QueueRow {
    const row = this.#sql.queueByKey.get(queueKey(name));
    if (row === undefined) throw new DomainError('QUEUE_NOT_FOUND', { detail: name });
    return row;
  }

  /** Applies expiry, delay ends and visibility timeouts due by nowMs; returns the fresh queue row. */
  #settle(row: QueueRow, nowMs: number, afterCommit: (hook: () => void) => void): QueueRow {
    this.#expire(row, nowMs);
    const fromDelayed = this.#sql.promote.run(row.id, DELAYED, nowMs).changes;
    const fromInflight = this.#sql.promote.run(row.id, INFLIGHT, nowMs).changes;
    const promoted = fromDelayed + fromInflight;
    if (promoted > 0) {
      this.#sql.addCounts.run(promoted, -fromDelayed, -fromInflight, row.id);
      afterCommit(() => this.#listeners.emit(row.name_key, promoted));
    }
    return this.#sql.queueByKey.get(row.name_key)!;
  }

  /** Expiry bounded to `limit` messages, oldest first, for the background sweep. */
  #expireOldest(row: QueueRow, nowMs: number, limit: number): number {
    const cutoff = nowMs - row.msg_retention_seconds * 1000;
    const counts = [0, 0, 0];
    const expired = this.#sql.oldestExpired.all(row.id, cutoff, limit);
    for (const { id, state } of expired) {
      this.#sql.deleteById.run(id);
      counts[state]!++;
    }
    if (expired.length > 0)
      this.#sql.addCounts.run(-counts[READY]!, -counts[DELAYED]!, -counts[INFLIGHT]!, row.id);
    return expired.length;
  }

  #expire(row: QueueRow, nowMs: number): number {
    const cutoff = nowMs - row.msg_retention_seconds * 1000;
    const counts = [0, 0, 0];
    for (const { state, n } of this.#sql.expiredByState.all(row.id, cutoff)) counts[state] = n;
    const total = counts[READY]! + counts[DELAYED]! + counts[INFLIGHT]!;
    if (total > 0) {
      this.#sql.deleteExpired.run(row.id, cutoff);
      this.#sql.addCounts.run(-counts[READY]!, -counts[DELAYED]!, -counts[INFLIGHT]!, row.id);
    }
    return total;
  }
}

function toQueue(row: QueueRow): Queue {
  return {
    queueId: row.queue_id,
    name: row.name,
    attributes: {
      maxMsgHeapNum: row.max_msg_heap_num,
      pollingWaitSeconds: row.polling_wait_seconds,
      visibilityTimeoutSeconds: row.visibility_timeout_seconds,
      maxMsgSizeBytes: row.max_msg_size_bytes,
      msgRetentionSeconds: row.msg_retention_seconds,
      rewindSeconds: row.rewind_seconds,
    },
    createdAtMs: row.created_at_ms,
    modifiedAtMs: row.modified_at_ms,
  };
}
