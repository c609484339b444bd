import { randomInt } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { MESSAGE_STATES } from '../../domain/message.js';
import { RECEIPT_TOKEN_LIMIT } from '../../domain/receipt-handle.js';
import type { MessageRow, QueueRow } from './rows.js';
import { BOUND_LIMIT } from './bound-limit.js';

const { ready: READY, delayed: DELAYED, inflight: INFLIGHT } = MESSAGE_STATES;
const MESSAGE_COLUMNS =
  'id, state, visible_at_ms, body, enqueued_at_ms, first_dequeued_at_ms, dequeue_count, source_queue_id';

/** A queue's counts (ready, delayed, in flight, retained) as queueCountsById returns them. */
export type QueueCounts = [ready: number, delayed: number, inflight: number, retained: number];

/** A ready message as selectReady returns it. */
export type ReadyTuple = [
  id: number,
  body: string,
  enqueuedAtMs: number,
  firstDequeuedAtMs: number,
  dequeueCount: number,
];

/** Items (ids, rows) one statement of `preparedPerCount` takes at most. */
export const ITEMS_PER_STATEMENT = 16;

const TOKEN_MODULUS = RECEIPT_TOKEN_LIMIT - 1;

/** The receipt token markInflight stores for a message: computed the same way here and in SQL. */
export function receiptToken(base: number, id: number): number {
  return ((base + (id % TOKEN_MODULUS)) % TOKEN_MODULUS) + 1;
}

/** A token base for one receive, in [0, TOKEN_MODULUS). */
export function receiptTokenBase(): number {
  return randomInt(0, TOKEN_MODULUS);
}

/**
 * A statement over a list of items (`id IN (?, …)`, `VALUES (…), (…)`), prepared once per list length up
 * to ITEMS_PER_STATEMENT, on first use: `sql(count)` writes it for `count` items.
 */
function preparedPerCount(db: Database, sql: (count: number) => string) {
  const byCount: Statement[] = [];
  return {
    forCount(count: number): Statement {
      if (!(count >= 1 && count <= ITEMS_PER_STATEMENT))
        throw new RangeError(`1 to ${ITEMS_PER_STATEMENT} items, not ${count}`);
      return (byCount[count] ??= db.prepare(sql(count)));
    },
  };
}

/** `count` copies of `item`, comma-separated. */
function repeated(item: string, count: number): string {
  return Array.from({ length: count }, () => item).join(', ');
}

/** Every statement of the SQLite engine, prepared once. One place for the SQL, named by what it does. */
export function prepareStatements(db: Database) {
  const prepare = <P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R> =>
    db.prepare<P, R>(sql);
  return {
    // queues
    queueByKey: prepare<[string], QueueRow>('SELECT * FROM queues WHERE name_key = ?'),
    queueById: prepare<[number], QueueRow>('SELECT * FROM queues WHERE id = ?'),
    /** Only the counts, as a tuple: a whole row costs about 10 µs to build, this about 1.4 µs (QueueCountLedger). */
    queueCountsById: prepare<[number], QueueCounts>(
      'SELECT ready_count, delayed_count, inflight_count, retained_count FROM queues WHERE id = ?',
    ).raw(true),
    countQueues: prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM queues'),
    insertQueue: prepare(
      `INSERT INTO queues (name, name_key, queue_id, max_msg_heap_num, polling_wait_seconds, visibility_timeout_seconds,
         max_msg_size_bytes, msg_retention_seconds, rewind_seconds, dead_letter_policy, dead_letter_queue_key,
         dedup_window_seconds, trace, created_at_ms, modified_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateQueue: prepare(
      `UPDATE queues SET max_msg_heap_num = ?, polling_wait_seconds = ?, visibility_timeout_seconds = ?,
         max_msg_size_bytes = ?, msg_retention_seconds = ?, rewind_seconds = ?, dead_letter_policy = ?,
         dead_letter_queue_key = ?, dedup_window_seconds = ?, trace = ?, modified_at_ms = ? WHERE id = ?`,
    ),
    deleteQueue: prepare<[number]>('DELETE FROM queues WHERE id = ?'),
    dropQueue: prepare<[number]>('INSERT INTO dropped_queues (queue_id) VALUES (?)'),
    listQueues: prepare<[string, number, number], QueueRow>(
      `SELECT * FROM queues WHERE name_key LIKE ? ESCAPE '\\' ORDER BY name_key ${BOUND_LIMIT} OFFSET ?`,
    ),
    countMatching: prepare<[string], { n: number }>(
      `SELECT COUNT(*) AS n FROM queues WHERE name_key LIKE ? ESCAPE '\\'`,
    ),
    sourcesOf: prepare<[string], QueueRow>(
      'SELECT * FROM queues WHERE dead_letter_queue_key = ? ORDER BY name_key',
    ),
    allQueues: prepare<[], QueueRow>('SELECT * FROM queues'),
    /** Written once per queue and batch by QueueCountLedger; operations add to the ledger. */
    addCounts: prepare<[number, number, number, number, number]>(
      `UPDATE queues SET ready_count = ready_count + ?, delayed_count = delayed_count + ?,
         inflight_count = inflight_count + ?, retained_count = retained_count + ? WHERE id = ?`,
    ),

    // messages
    /** Messages: (queue, state, visible time, enqueue time, body) per row; SqliteStore.#insertMessages. */
    insertMessages: preparedPerCount(
      db,
      (count) =>
        `INSERT INTO messages (queue_id, state, visible_at_ms, enqueued_at_ms, body) VALUES ${repeated('(?, ?, ?, ?, ?)', count)}`,
    ),
    messageById: prepare<[number, number], MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ? AND queue_id = ?`,
    ),
    promote: prepare<[number, number, number]>(
      `UPDATE messages SET state = ${READY} WHERE queue_id = ? AND state = ? AND visible_at_ms <= ?`,
    ),
    /** Whether settle has a delayed or in-flight message to promote: a read is cheaper than two UPDATEs. */
    anyDue: prepare<[number, number, number, number], number>(
      `SELECT EXISTS (SELECT 1 FROM messages WHERE queue_id = ? AND state = ${DELAYED} AND visible_at_ms <= ?)
         OR EXISTS (SELECT 1 FROM messages WHERE queue_id = ? AND state = ${INFLIGHT} AND visible_at_ms <= ?)`,
    ).pluck(true),
    dueInflightOverLimit: prepare<[number, number, number], { id: number }>(
      `SELECT id FROM messages WHERE queue_id = ? AND state = ${INFLIGHT} AND visible_at_ms <= ? AND dequeue_count >= ?`,
    ),
    /** Candidates for a time-to-live move, oldest first; in-flight rows are skipped by the caller's filter. */
    olderThan: prepare<[number, number, number], { id: number; state: number }>(
      `SELECT id, state FROM messages WHERE queue_id = ? AND enqueued_at_ms <= ? AND state != ${INFLIGHT}
       ORDER BY enqueued_at_ms ${BOUND_LIMIT}`,
    ),
    moveMessage: prepare<[number, number, number | null, number]>(
      `UPDATE messages SET queue_id = ?, state = ${READY}, visible_at_ms = ?, source_queue_id = ? WHERE id = ?`,
    ),
    redriveMessage: prepare<[number, number, number]>(
      `UPDATE messages SET queue_id = ?, state = ${READY}, visible_at_ms = ?, source_queue_id = NULL,
         dequeue_count = 0, first_dequeued_at_ms = 0 WHERE id = ?`,
    ),
    redriveCandidates: prepare<
      [number, number, number],
      { id: number; state: number; source_queue_id: number | null }
    >(
      `SELECT id, state, source_queue_id FROM messages WHERE queue_id = ? AND state != ${INFLIGHT}
       ORDER BY enqueued_at_ms, id ${BOUND_LIMIT} OFFSET ?`,
    ),
    /** Whether any message is past retention: one index probe, where the count below builds a sorter. */
    anyExpired: prepare<[number, number], { expired: number }>(
      'SELECT EXISTS (SELECT 1 FROM messages WHERE queue_id = ? AND enqueued_at_ms <= ?) AS expired',
    ),
    /** The oldest `limit` messages past retention, counted by state (bounded: a long outage may leave millions). */
    expiredByState: prepare<[number, number, number], { state: number; n: number }>(
      `SELECT state, COUNT(*) AS n FROM (SELECT state FROM messages WHERE queue_id = ? AND enqueued_at_ms <= ?
         ORDER BY enqueued_at_ms ${BOUND_LIMIT}) GROUP BY state`,
    ),
    expiredIds: prepare<[number, number, number], { id: number; state: number }>(
      `SELECT id, state FROM messages WHERE queue_id = ? AND enqueued_at_ms <= ? ORDER BY enqueued_at_ms ${BOUND_LIMIT}`,
    ),
    deleteExpired: prepare<[number, number]>(
      'DELETE FROM messages WHERE queue_id = ? AND enqueued_at_ms <= ?',
    ),
    deleteById: prepare<[number]>('DELETE FROM messages WHERE id = ?'),
    /**
     * The next ready messages as tuples: better-sqlite3 makes each row object in V8's dictionary mode,
     * which costs more than the row itself (16 rows: 46 µs as tuples, 75 µs as objects).
     */
    /**
     * Skips messages past retention (enqueued at or before the cutoff) that expiry has not reached yet. The
     * unary + keeps SQLite from reading by messages_by_age and sorting the whole queue (a 1M-message queue
     * then received 50 messages a second).
     */
    selectReady: prepare<[number, number, number], ReadyTuple>(
      `SELECT id, body, enqueued_at_ms, first_dequeued_at_ms, dequeue_count FROM messages
       WHERE queue_id = ? AND state = ${READY} AND +enqueued_at_ms > ? ORDER BY visible_at_ms, id ${BOUND_LIMIT}`,
    ).raw(true),
    /**
     * Marks up to ITEMS_PER_STATEMENT received messages in flight in one statement (one UPDATE per message
     * cost 6.5 µs more per receive of 16). Parameters: next visible time, first-dequeue time for messages
     * never received, the token base, then the ids. Each message's receipt token is
     * `receiptToken(base, id)`, in [1, RECEIPT_TOKEN_LIMIT): the base is drawn per receive, so a handle
     * reveals nothing about other receives' handles.
     */
    markInflight: preparedPerCount(
      db,
      (
        count,
      ) => `UPDATE messages SET state = ${INFLIGHT}, visible_at_ms = ?, dequeue_count = dequeue_count + 1,
         first_dequeued_at_ms = CASE first_dequeued_at_ms WHEN 0 THEN ? ELSE first_dequeued_at_ms END,
         receipt_token = (? + id % ${TOKEN_MODULUS}) % ${TOKEN_MODULUS} + 1 WHERE id IN (${repeated('?', count)})`,
    ),
    /** The common delete: one statement, no row read (no rewind on the queue). */
    deleteByHandle: prepare<[number, number, number, number, number]>(
      `DELETE FROM messages WHERE id = ? AND queue_id = ? AND state = ${INFLIGHT}
         AND receipt_token = ? AND visible_at_ms > ? AND enqueued_at_ms > ?`,
    ),
    deletableByHandle: prepare<[number, number, number, number, number], MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ? AND queue_id = ? AND state = ${INFLIGHT}
         AND receipt_token = ? AND visible_at_ms > ? AND enqueued_at_ms > ?`,
    ),
    oldest: prepare<[number], { t: number | null }>(
      'SELECT MIN(enqueued_at_ms) AS t FROM messages WHERE queue_id = ?',
    ),
    nextVisible: prepare<[number, number, number], { t: number | null }>(
      'SELECT MIN(visible_at_ms) AS t FROM messages WHERE queue_id = ? AND state = ? AND visible_at_ms > ?',
    ),
    droppedQueues: prepare<[], { queue_id: number }>('SELECT queue_id FROM dropped_queues LIMIT 16'),
    reclaim: prepare<[number, number]>(
      `DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE queue_id = ? ${BOUND_LIMIT})`,
    ),
    reclaimRetained: prepare<[number, number]>(
      `DELETE FROM retained_messages WHERE id IN (SELECT id FROM retained_messages WHERE queue_id = ? ${BOUND_LIMIT})`,
    ),
    forgetDropped: prepare<[number]>('DELETE FROM dropped_queues WHERE queue_id = ?'),

    // rewind
    retain: prepare<[number, number, number, number, number, string]>(
      `INSERT INTO retained_messages (id, queue_id, enqueued_at_ms, first_dequeued_at_ms, dequeue_count, body)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    retainedById: prepare<
      [number, number],
      {
        id: number;
        enqueued_at_ms: number;
        first_dequeued_at_ms: number;
        dequeue_count: number;
        body: string;
      }
    >(
      'SELECT id, enqueued_at_ms, first_dequeued_at_ms, dequeue_count, body FROM retained_messages WHERE id = ? AND queue_id = ?',
    ),
    countRetainedUntil: prepare<[number, number, number], { n: number }>(
      `SELECT COUNT(*) AS n FROM (SELECT 1 FROM retained_messages WHERE queue_id = ? AND enqueued_at_ms <= ?
         ${BOUND_LIMIT})`,
    ),
    dropOldestRetainedUntil: prepare<[number, number, number]>(
      `DELETE FROM retained_messages WHERE id IN (SELECT id FROM retained_messages
         WHERE queue_id = ? AND enqueued_at_ms <= ? ORDER BY enqueued_at_ms ${BOUND_LIMIT})`,
    ),
    dropRetainedUntil: prepare<[number, number]>(
      'DELETE FROM retained_messages WHERE queue_id = ? AND enqueued_at_ms <= ?',
    ),
    retainedSince: prepare<
      [number, number],
      {
        id: number;
        enqueued_at_ms: number;
        first_dequeued_at_ms: number;
        dequeue_count: number;
        body: string;
      }
    >(
      `SELECT id, enqueued_at_ms, first_dequeued_at_ms, dequeue_count, body FROM retained_messages
       WHERE queue_id = ? AND enqueued_at_ms >= ? ORDER BY enqueued_at_ms, id`,
    ),
    unretain: prepare<[number]>('DELETE FROM retained_messages WHERE id = ?'),
    reinsert: prepare<[number, number, number, number, number, number, string]>(
      `INSERT INTO messages (id, queue_id, state, visible_at_ms, enqueued_at_ms, first_dequeued_at_ms, dequeue_count, body)
       VALUES (?, ?, ${READY}, ?, ?, ?, ?, ?)`,
    ),

    // deduplication
    dedupLookup: prepare<[number, string, number], { msg_id: number }>(
      'SELECT msg_id FROM dedup_ids WHERE queue_id = ? AND dedup_id = ? AND expires_at_ms > ?',
    ),
    dedupRecord: prepare<[number, string, number, number]>(
      'INSERT OR REPLACE INTO dedup_ids (queue_id, dedup_id, msg_id, expires_at_ms) VALUES (?, ?, ?, ?)',
    ),
    dedupExpire: prepare<[number, number]>(
      `DELETE FROM dedup_ids WHERE (queue_id, dedup_id) IN
         (SELECT queue_id, dedup_id FROM dedup_ids WHERE expires_at_ms <= ? ${BOUND_LIMIT})`,
    ),
    /** A changed window applies to ids already recorded (they were stored with first send + old window). */
    dedupShift: prepare<[number, number]>(
      'UPDATE dedup_ids SET expires_at_ms = expires_at_ms + ? WHERE queue_id = ?',
    ),
    dedupForgetQueue: prepare<[number]>('DELETE FROM dedup_ids WHERE queue_id = ?'),

    // trace
    traceInsert: prepare<[number, number, string, string]>(
      'INSERT INTO trace_events (msg_id, at_ms, event, detail) VALUES (?, ?, ?, ?)',
    ),
    traceOf: prepare<[number], { msg_id: number; at_ms: number; event: string; detail: string }>(
      'SELECT msg_id, at_ms, event, detail FROM trace_events WHERE msg_id = ? ORDER BY at_ms, seq',
    ),
    tracePruneOlder: prepare<[number, number]>(
      `DELETE FROM trace_events WHERE seq IN (SELECT seq FROM trace_events WHERE at_ms < ? ${BOUND_LIMIT})`,
    ),
    /** Sequence numbers only grow and pruning takes the oldest, so high - low + 1 bounds the count. */
    traceSpan: prepare<[], { low: number | null; high: number | null }>(
      'SELECT MIN(seq) AS low, MAX(seq) AS high FROM trace_events',
    ),
    tracePruneOldest: prepare<[number]>(
      `DELETE FROM trace_events WHERE seq IN (SELECT seq FROM trace_events ORDER BY seq ${BOUND_LIMIT})`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
