import type { Queue } from '../../domain/queue.js';
import type { QueueCountLedger } from './queue-counts.js';
import { toQueue, type QueueRow } from './rows.js';
import type { QueueCounts, Statements } from './statements.js';

interface Cached {
  readonly row: QueueRow;
  queue: Queue | undefined;
}

/**
 * Queue rows by name key, with the configuration cached and the counts as the transaction sees them
 * (QueueCountLedger). Reading a whole queue row costs about 10 µs in better-sqlite3 (20 columns made into
 * an object), several times per request. Caching is safe because this process owns the database (the
 * data-directory lock): a row's configuration changes only through this store, which forgets the row when
 * it changes it, and forgets every row when a write is rolled back (the cache may then hold what the
 * rollback undid).
 */
export class QueueRows {
  readonly #sql: Pick<Statements, 'queueByKey'>;
  readonly #counts: QueueCountLedger;
  readonly #cache = new Map<string, Cached>();

  constructor(sql: Pick<Statements, 'queueByKey'>, counts: QueueCountLedger) {
    this.#sql = sql;
    this.#counts = counts;
  }

  /** The queue's row with its current counts, or undefined when no queue has this key. */
  get(key: string): QueueRow | undefined {
    const cached = this.#cached(key);
    return cached === undefined ? undefined : this.withFreshCounts(cached.row);
  }

  /** The queue as the domain sees it (attributes, no counts), from the cache. */
  queue(key: string): Queue | undefined {
    const cached = this.#cached(key);
    if (cached === undefined) return undefined;
    cached.queue ??= toQueue(cached.row);
    return cached.queue;
  }

  /** `row` with the counts as they are now (after the operations of this transaction so far). */
  withFreshCounts(row: QueueRow): QueueRow {
    return rowWith(row, this.#counts.current(row.id));
  }

  /** Call after changing, creating or deleting the queue with this key. */
  forget(key: string): void {
    this.#cache.delete(key);
  }

  /** Call after a rollback. */
  clear(): void {
    this.#cache.clear();
  }

  #cached(key: string): Cached | undefined {
    let cached = this.#cache.get(key);
    if (cached === undefined) {
      const row = this.#sql.queueByKey.get(key);
      if (row === undefined) return undefined;
      cached = {
        row: rowWith(row, [row.ready_count, row.delayed_count, row.inflight_count, row.retained_count]),
        queue: undefined,
      };
      this.#cache.set(key, cached);
    }
    return cached;
  }
}

/**
 * A copy of `row` with `counts`, written out field by field: better-sqlite3's row objects are in V8's
 * dictionary mode, and spreading one costs microseconds; a literal of a fixed shape costs nanoseconds.
 */
function rowWith(row: QueueRow, counts: Readonly<QueueCounts>): QueueRow {
  return {
    id: row.id,
    name: row.name,
    name_key: row.name_key,
    queue_id: row.queue_id,
    max_msg_heap_num: row.max_msg_heap_num,
    polling_wait_seconds: row.polling_wait_seconds,
    visibility_timeout_seconds: row.visibility_timeout_seconds,
    max_msg_size_bytes: row.max_msg_size_bytes,
    msg_retention_seconds: row.msg_retention_seconds,
    rewind_seconds: row.rewind_seconds,
    created_at_ms: row.created_at_ms,
    modified_at_ms: row.modified_at_ms,
    ready_count: counts[0],
    delayed_count: counts[1],
    inflight_count: counts[2],
    retained_count: counts[3],
    dead_letter_policy: row.dead_letter_policy,
    dead_letter_queue_key: row.dead_letter_queue_key,
    dedup_window_seconds: row.dedup_window_seconds,
    trace: row.trace,
  };
}
