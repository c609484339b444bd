import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseReceiptHandle, RECEIPT_TOKEN_LIMIT } from '../../domain/receipt-handle.js';
import { runStoreConformance } from '../conformance.js';
import { DEFAULT_QUEUE_ATTRIBUTES as DEFAULTS } from '../../domain/queue.js';
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { openSqliteStore } from './open-sqlite-store.js';
import { prepareStatements, receiptToken, receiptTokenBase } from './statements.js';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'opencmq-sqlite-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

runStoreConformance('sqlite', () => openSqliteStore({ dataDir: freshDir() }));

describe('sqlite store', () => {
  const T0 = 1_700_000_000_000;
  const attributes = {
    maxMsgHeapNum: 1_000_000,
    pollingWaitSeconds: 0,
    visibilityTimeoutSeconds: 30,
    maxMsgSizeBytes: 65_536,
    msgRetentionSeconds: 3600,
    rewindSeconds: 0,
    deadLetterPolicy: null,
    deduplicationWindowSeconds: 300,
    trace: false,
  };

  it('keeps queues, messages, visibility and counts across a close and reopen', async () => {
    const dataDir = freshDir();
    const first = openSqliteStore({ dataDir });
    await first.createQueue({ name: 'durable', attributes, nowMs: T0, maxQueues: 10 });
    await first.sendMessages(
      'durable',
      [
        { body: 'a', delaySeconds: 0 },
        { body: 'b', delaySeconds: 0 },
      ],
      T0,
    );
    await first.sendMessages('durable', [{ body: 'later', delaySeconds: 60 }], T0);
    const [received] = await first.receiveMessages('durable', { max: 1, visibilityTimeoutMs: 30_000 }, T0);
    await first.close();

    const second = openSqliteStore({ dataDir });
    expect(await second.getQueueStats('durable', T0 + 1)).toMatchObject({
      activeMsgNum: 1,
      inactiveMsgNum: 1,
      delayMsgNum: 1,
    });
    expect(
      await second.deleteMessages('durable', [parseReceiptHandle(received!.receiptHandle)], T0 + 2),
    ).toEqual(['deleted']);
    await second.close();
  });

  it('refuses to open a data directory another store holds', async () => {
    const dataDir = freshDir();
    const owner = openSqliteStore({ dataDir });
    await owner.createQueue({ name: 'q', attributes, nowMs: T0, maxQueues: 10 });
    expect(() => openSqliteStore({ dataDir })).toThrow(/cannot open the SQLite database/);
    await owner.close();
    // Closing gives the directory up (the claim is opencmq.lock, held by the store, not by the process).
    const next = openSqliteStore({ dataDir });
    expect((await next.getQueue('q'))?.name).toBe('q');
    await next.close();
  });

  it('commits concurrent sends together and acknowledges each', async () => {
    const store = openSqliteStore({ dataDir: freshDir() });
    await store.createQueue({ name: 'q', attributes, nowMs: T0, maxQueues: 10 });
    const sends = Array.from({ length: 200 }, (_, i) =>
      store.sendMessages('q', [{ body: `m${i}`, delaySeconds: 0 }], T0),
    );
    const ids = (await Promise.all(sends)).flat();
    expect(new Set(ids).size).toBe(200);
    expect((await store.getQueueStats('q', T0)).activeMsgNum).toBe(200);
    await store.close();
  });

  it('rejects only the failing operation of a batch, and its counts with it, in memory and on disk', async () => {
    const dataDir = freshDir();
    const store = openSqliteStore({ dataDir });
    await store.createQueue({
      name: 'q',
      attributes: { ...attributes, maxMsgHeapNum: 3 },
      nowMs: T0,
      maxQueues: 10,
    });
    const results = await Promise.allSettled([
      store.sendMessages('q', [{ body: 'ok-1', delaySeconds: 0 }], T0),
      store.sendMessages('missing', [{ body: 'lost', delaySeconds: 0 }], T0),
      store.sendMessages('q', [{ body: 'ok-2', delaySeconds: 30 }], T0),
      // Would pass maxMsgHeapNum only with the counts of the two sends before it in this batch.
      store.sendMessages(
        'q',
        [
          { body: 'too-many-1', delaySeconds: 0 },
          { body: 'too-many-2', delaySeconds: 0 },
        ],
        T0,
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect(await store.getQueueStats('q', T0)).toMatchObject({ activeMsgNum: 1, delayMsgNum: 1 });
    await store.close();
    // The counts the batch wrote to the queue row, as the next process reads them.
    const reopened = openSqliteStore({ dataDir });
    expect(await reopened.getQueueStats('q', T0)).toMatchObject({ activeMsgNum: 1, delayMsgNum: 1 });
    await reopened.close();
  });

  it('answers a receive on a queue that holds nothing without a transaction, and one behind queued writes with one', async () => {
    const store = openSqliteStore({ dataDir: freshDir() });
    await store.createQueue({ name: 'q', attributes, nowMs: T0, maxQueues: 10 });
    const receive = () => store.receiveMessages('q', { max: 16, visibilityTimeoutMs: 30_000 }, T0);
    const before = store.commitStats.batches;
    expect(await receive()).toEqual([]);
    expect(store.commitStats.batches).toBe(before);
    // A send queued in the same turn comes first: the receive waits for its batch and finds it.
    const [, received] = await Promise.all([
      store.sendMessages('q', [{ body: 'm', delaySeconds: 0 }], T0),
      receive(),
    ]);
    expect(received.map((m) => m.body)).toEqual(['m']);
    // A message in flight may come back when its visibility ends: the receive settles it in a transaction.
    const inflight = store.commitStats.batches;
    expect(await receive()).toEqual([]);
    expect(store.commitStats.batches).toBe(inflight + 1);
    // Deleted with rewind off: the queue holds nothing again.
    await store.deleteMessages('q', [parseReceiptHandle(received[0]!.receiptHandle)], T0);
    const emptied = store.commitStats.batches;
    expect(await receive()).toEqual([]);
    expect(store.commitStats.batches).toBe(emptied);
    await store.close();
  });

  it('reclaims the messages of a deleted queue in the background', async () => {
    const dataDir = freshDir();
    const store = openSqliteStore({ dataDir });
    await store.createQueue({ name: 'q', attributes, nowMs: T0, maxQueues: 10 });
    await store.sendMessages('q', [{ body: 'x', delaySeconds: 0 }], T0);
    // The rows as they are on disk, read through a second connection (WAL mode lets it read beside the store).
    const reader = new BetterSqlite3(join(dataDir, 'opencmq.db'), { readonly: true });
    const rows = () =>
      reader
        .prepare(
          'SELECT (SELECT COUNT(*) FROM messages) AS messages, (SELECT COUNT(*) FROM dropped_queues) AS dropped',
        )
        .get();
    try {
      await store.deleteQueue('q');
      // Deleting the queue only marks it: its message stays until the background sweep.
      expect(rows()).toEqual({ messages: 1, dropped: 1 });
      await store.createQueue({ name: 'q', attributes, nowMs: T0, maxQueues: 10 });
      expect(await store.getQueueStats('q', T0)).toMatchObject({ activeMsgNum: 0 });
      await store.expireMessages(T0, 100);
      expect(rows()).toEqual({ messages: 0, dropped: 0 });
      expect(await store.getQueueStats('q', T0)).toMatchObject({
        activeMsgNum: 0,
        oldestEnqueuedAtMs: undefined,
      });
    } finally {
      reader.close();
      await store.close();
    }
  });
});

describe('sqlite statement timing', () => {
  it('writes a table of the statements run, costliest first, when the store closes', async () => {
    const dataDir = freshDir();
    const file = join(dataDir, 'sql-timing.md');
    const store = openSqliteStore({ dataDir, statementTimingFile: file });
    await store.createQueue({ name: 'timed', attributes: DEFAULTS, nowMs: 1, maxQueues: 10 });
    for (let i = 0; i < 3; i++) await store.sendMessages('timed', [{ body: 'b', delaySeconds: 0 }], 2);
    await store.close();
    const rows = readFileSync(file, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('| total ms | calls | µs a call | statement |');
    const insert = rows.find((row) => row.includes('INSERT INTO messages'));
    expect(insert?.split('|')[2]?.trim()).toBe('3');
    const totals = rows.slice(2).map((row) => Number(row.split('|')[1]));
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
  });
});

describe('sqlite expiry in bounded steps', () => {
  it('removes at most 10,000 expired messages per request, and receives never return an expired one', async () => {
    const store = openSqliteStore({ dataDir: freshDir() });
    const attributes = { ...DEFAULTS, msgRetentionSeconds: 60, maxMsgHeapNum: 100_000 };
    await store.createQueue({ name: 'old', attributes, nowMs: 0, maxQueues: 10 });
    const bodies = Array.from({ length: 16 }, () => ({ body: 'x', delaySeconds: 0 }));
    // 10,048 messages sent at t=0 and 16 at t=30 s.
    await Promise.all(Array.from({ length: 628 }, () => store.sendMessages('old', bodies, 0)));
    await store.sendMessages('old', bodies, 30_000);
    const later = 61_000;
    // The first request expires the oldest 10,000; the 48 older ones left are skipped, the 16 newer returned.
    const received = await store.receiveMessages('old', { max: 16, visibilityTimeoutMs: 30_000 }, later);
    expect(received.map((m) => m.enqueuedAtMs)).toEqual(Array(16).fill(30_000));
    // The background sweep finds the 48 the request left.
    expect(await store.expireMessages(later, 100_000)).toBe(48);
    const stats = await store.getQueueStats('old', later);
    expect([stats.activeMsgNum, stats.inactiveMsgNum]).toEqual([0, 16]);
    await store.close();
  });
});

describe('sqlite query plans', () => {
  it('reads ready messages through messages_by_state in order, never sorting a whole queue', () => {
    const db = new BetterSqlite3(':memory:');
    for (const migration of MIGRATIONS) db.exec(migration);
    const { selectReady } = prepareStatements(db);
    const plan = db
      .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${selectReady.source}`)
      .all(1, 0, 16)
      .map((step) => step.detail);
    db.close();
    expect(plan).toEqual([
      expect.stringMatching(/USING INDEX messages_by_state \(queue_id=\? AND state=\?\)/),
    ]);
  });
});

describe('sqlite receipt tokens', () => {
  it('stores the token receiptToken computes, in [1, RECEIPT_TOKEN_LIMIT), for extreme bases and ids', () => {
    const db = new BetterSqlite3(':memory:');
    for (const migration of MIGRATIONS) db.exec(migration);
    const { markInflight } = prepareStatements(db);
    const insert = db.prepare<[number]>(
      `INSERT INTO messages (id, queue_id, state, visible_at_ms, enqueued_at_ms, body) VALUES (?, 1, 0, 0, 0, 'b')`,
    );
    const stored = db.prepare<[number], number>('SELECT receipt_token FROM messages WHERE id = ?').pluck();
    const modulus = RECEIPT_TOKEN_LIMIT - 1;
    const ids = [1, 2, modulus - 1, modulus, modulus + 1, 2 ** 52 + 3];
    for (const id of ids) insert.run(id);
    for (const base of [0, 1, modulus - 1, receiptTokenBase()]) {
      markInflight.forCount(ids.length).run(60_000, 0, base, ...ids);
      for (const id of ids) {
        const token = receiptToken(base, id);
        expect(stored.get(id)).toBe(token);
        expect(token).toBeGreaterThanOrEqual(1);
        expect(token).toBeLessThan(RECEIPT_TOKEN_LIMIT);
      }
    }
    // A base from 0 to modulus - 1 reaches every token for one id: base 0 and base modulus - 1 differ.
    expect(receiptToken(0, 5)).not.toBe(receiptToken(modulus - 1, 5));
    db.close();
  });
});
