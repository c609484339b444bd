/**
 * What a message's life costs in SQLite under other layouts of the `messages` table, before anyone builds
 * one into the engine: raw better-sqlite3, no engine, no HTTP. Each cycle sends 16 messages (one INSERT),
 * receives them (the engine's SELECT of ready messages and its UPDATE marking them in flight) and deletes
 * them (one DELETE per receipt handle, as the engine does), each step in a transaction of its own, on a
 * queue that keeps a standing backlog of about 1,000 messages. `synchronous = OFF`: the subject is the CPU
 * of the statements and of writing the WAL, not the disk (bench/fsync-cost.ts measures that).
 *
 * Layouts:
 * - `current`: the engine's schema (store/sqlite/migrations.ts): AUTOINCREMENT ids, `messages_by_state`
 *   (queue, state, visible time) and `messages_by_age` (queue, enqueue time).
 * - `no-age-index`: the same without `messages_by_age` (what minMsgTime, retention and the expiry probe
 *   read today; without it they would need another ordered key).
 * - `per-queue`: one table per queue, ids given by the writer (a global sequence), an index on
 *   (state, visible time): rowid order is enqueue order within the queue, so the oldest message is the
 *   first row and no age index is needed.
 *
 * Layouts run in turn, round after round, so the machine's drift lands on all of them alike; the figure is
 * the process's CPU (user + system) per message.
 *
 * A raw cycle overstates what a layout gives the engine: per-queue tables, 0.83 of `current` here, saved
 * about 5 % of the engine's CPU a message (bench/store-cost.ts) and cost much with many queues; they were
 * built and dropped (docs/decisions/0014, "third session").
 *
 *   node --import tsx bench/schema-cost.ts [--rounds 3] [--cycles 20000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { RECEIPT_TOKEN_LIMIT } from '../packages/server/src/domain/receipt-handle.js';
import { receiptToken } from '../packages/server/src/store/sqlite/statements.js';
import { countOption } from './lib/count-option.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    cycles: { type: 'string', default: '20000' },
  },
});
const rounds = countOption('rounds', values.rounds);
const cycles = countOption('cycles', values.cycles);

const LAYOUTS = ['current', 'no-age-index', 'per-queue'] as const;
type Layout = (typeof LAYOUTS)[number];

const BATCH = 16;
const BACKLOG_BATCHES = 64;
/** The engine's (statements.ts): tokens in [1, RECEIPT_TOKEN_LIMIT). */
const TOKEN_MODULUS = RECEIPT_TOKEN_LIMIT - 1;
const VISIBILITY_MS = 30_000;
const BODY = 'x'.repeat(256);
const COLUMNS = `state INTEGER NOT NULL, visible_at_ms INTEGER NOT NULL, enqueued_at_ms INTEGER NOT NULL,
  first_dequeued_at_ms INTEGER NOT NULL DEFAULT 0, dequeue_count INTEGER NOT NULL DEFAULT 0,
  receipt_token INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL`;

/** One layout's database and statements; `cycle` runs one send, receive and delete of BATCH messages. */
class LifeCycle {
  readonly #db: Database.Database;
  readonly #dir: string;
  readonly #perQueue: boolean;
  readonly #insert: Database.Statement;
  readonly #selectReady: Database.Statement;
  readonly #markInflight: Database.Statement;
  readonly #delete: Database.Statement;
  readonly #insertParams: Array<number | string>;
  #nextId = 1;
  #nowMs = 1_800_000_000_000;

  constructor(layout: Layout) {
    this.#dir = mkdtempSync(join(tmpdir(), 'opencmq-schema-cost-'));
    this.#db = new Database(join(this.#dir, 'db.sqlite'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = OFF');
    this.#db.pragma('cache_size = -65536');
    this.#perQueue = layout === 'per-queue';
    if (this.#perQueue) {
      this.#db.exec(`CREATE TABLE queue_1 (id INTEGER PRIMARY KEY, ${COLUMNS});
        CREATE INDEX queue_1_by_state ON queue_1 (state, visible_at_ms);`);
    } else {
      this.#db.exec(`CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, queue_id INTEGER NOT NULL,
          ${COLUMNS});
        CREATE INDEX messages_by_state ON messages (queue_id, state, visible_at_ms);`);
      if (layout === 'current') {
        this.#db.exec('CREATE INDEX messages_by_age ON messages (queue_id, enqueued_at_ms);');
      }
    }
    const table = this.#perQueue ? 'queue_1' : 'messages';
    const inQueue = this.#perQueue ? '' : 'queue_id = 1 AND';
    const rowShape = this.#perQueue ? '(?, 0, ?, ?, ?)' : '(1, 0, ?, ?, ?)';
    this.#insert = this.#db.prepare(
      `INSERT INTO ${table} (${this.#perQueue ? 'id' : 'queue_id'}, state, visible_at_ms, enqueued_at_ms, body)
       VALUES ${Array.from({ length: BATCH }, () => rowShape).join(', ')}`,
    );
    this.#selectReady = this.#db
      .prepare(
        `SELECT id, body, enqueued_at_ms, first_dequeued_at_ms, dequeue_count FROM ${table}
         WHERE ${inQueue} state = 0 AND +enqueued_at_ms > ? ORDER BY visible_at_ms, id LIMIT ${BATCH}`,
      )
      .raw(true);
    // The unary + keeps SQLite on the rowid for `id IN (…)` (with `queue_id = 1` it may pick an index).
    this.#markInflight = this.#db.prepare(
      `UPDATE ${table} SET state = 2, visible_at_ms = ?, dequeue_count = dequeue_count + 1,
         first_dequeued_at_ms = CASE first_dequeued_at_ms WHEN 0 THEN ? ELSE first_dequeued_at_ms END,
         receipt_token = (? + id % ${TOKEN_MODULUS}) % ${TOKEN_MODULUS} + 1
       WHERE ${this.#perQueue ? '' : '+queue_id = 1 AND'} id IN (${Array.from({ length: BATCH }, () => '?').join(', ')})`,
    );
    this.#delete = this.#db.prepare(
      `DELETE FROM ${table} WHERE id = ? AND ${inQueue} state = 2 AND receipt_token = ?
         AND visible_at_ms > ? AND enqueued_at_ms > ?`,
    );
    this.#insertParams = new Array<number | string>(BATCH * (this.#perQueue ? 4 : 3));
    for (let i = 0; i < BACKLOG_BATCHES; i++) this.#send();
  }

  cycle(): void {
    this.#send();
    this.#db.exec('BEGIN IMMEDIATE');
    const rows = this.#selectReady.all(0) as Array<[number, string, number, number, number]>;
    const ids = rows.map((row) => row[0]);
    if (ids.length !== BATCH) throw new Error(`received ${ids.length} messages, not ${BATCH}`);
    const tokenBase = this.#nowMs % TOKEN_MODULUS;
    this.#markInflight.run(this.#nowMs + VISIBILITY_MS, this.#nowMs, tokenBase, ...ids);
    this.#db.exec('COMMIT');
    this.#db.exec('BEGIN IMMEDIATE');
    for (const id of ids) {
      if (this.#delete.run(id, receiptToken(tokenBase, id), this.#nowMs, 0).changes !== 1)
        throw new Error(`delete ${id} failed`);
    }
    this.#db.exec('COMMIT');
  }

  close(): void {
    this.#db.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #send(): void {
    this.#nowMs++;
    const params = this.#insertParams;
    const width = this.#perQueue ? 4 : 3;
    for (let i = 0; i < BATCH; i++) {
      let at = i * width;
      if (this.#perQueue) params[at++] = this.#nextId++;
      params[at++] = this.#nowMs;
      params[at++] = this.#nowMs;
      params[at] = BODY;
    }
    this.#db.exec('BEGIN IMMEDIATE');
    this.#insert.run(params);
    this.#db.exec('COMMIT');
  }
}

const perLayout = new Map<Layout, number[]>(LAYOUTS.map((layout) => [layout, []]));
for (let round = 1; round <= rounds; round++) {
  for (const layout of LAYOUTS) {
    const life = new LifeCycle(layout);
    for (let i = 0; i < Math.ceil(cycles / 4); i++) life.cycle();
    const before = process.cpuUsage();
    for (let i = 0; i < cycles; i++) life.cycle();
    const cpu = process.cpuUsage(before);
    life.close();
    const microsPerMessage = (cpu.user + cpu.system) / (cycles * BATCH);
    perLayout.get(layout)!.push(microsPerMessage);
    process.stdout.write(`round ${round} ${layout}: ${microsPerMessage.toFixed(2)} µs CPU a message\n`);
  }
}
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(perLayout.get('current')!);
for (const layout of LAYOUTS) {
  const m = median(perLayout.get(layout)!);
  process.stdout.write(
    `${layout}: median ${m.toFixed(2)} µs CPU a message, ${(m / base).toFixed(3)} of current\n`,
  );
}
