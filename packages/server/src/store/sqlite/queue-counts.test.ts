import BetterSqlite3, { type Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueCountLedger } from './queue-counts.js';
import type { QueueCounts } from './statements.js';

const opened: Database[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

/** A real table of counts, read and written as the store does, with every statement recorded. */
function setUp() {
  const db = new BetterSqlite3(':memory:');
  opened.push(db);
  db.exec(`CREATE TABLE queues (id INTEGER PRIMARY KEY, ready_count INTEGER NOT NULL DEFAULT 0,
    delayed_count INTEGER NOT NULL DEFAULT 0, inflight_count INTEGER NOT NULL DEFAULT 0,
    retained_count INTEGER NOT NULL DEFAULT 0)`);
  db.exec('INSERT INTO queues (id, ready_count) VALUES (1, 5), (2, 0)');
  const statements: string[] = [];
  const read = db
    .prepare<[number], QueueCounts>(
      'SELECT ready_count, delayed_count, inflight_count, retained_count FROM queues WHERE id = ?',
    )
    .raw(true);
  const write = db.prepare<[number, number, number, number, number]>(
    `UPDATE queues SET ready_count = ready_count + ?, delayed_count = delayed_count + ?,
       inflight_count = inflight_count + ?, retained_count = retained_count + ? WHERE id = ?`,
  );
  const ledger = new QueueCountLedger(
    (id) => {
      statements.push(`read ${id}`);
      return read.get(id);
    },
    (id, [r, d, i, k]) => {
      statements.push(`write ${id}`);
      write.run(r, d, i, k, id);
    },
  );
  const stored = (id: number) => read.get(id);
  return { db, ledger, statements, stored };
}

describe('QueueCountLedger', () => {
  it('reads a queue once, adds operations in memory and writes one UPDATE per changed queue at flush', () => {
    const { ledger, statements, stored } = setUp();
    expect(ledger.current(1)).toEqual([5, 0, 0, 0]);
    ledger.add(1, -2, 0, 2);
    ledger.kept();
    ledger.add(1, 1, 1, 0, 0);
    ledger.add(2, 0, 0, 0, 3);
    expect(ledger.current(1)).toEqual([4, 1, 2, 0]);
    ledger.kept();
    expect(stored(1)).toEqual([5, 0, 0, 0]);
    ledger.flush();
    expect(stored(1)).toEqual([4, 1, 2, 0]);
    expect(stored(2)).toEqual([0, 0, 0, 3]);
    expect(ledger.current(1)).toEqual([4, 1, 2, 0]);
    expect(ledger.current(2)).toEqual([0, 0, 0, 3]);
    // Queue 2 was first read after its flush, so from its row: still one read each, one write each.
    expect(statements).toEqual(['read 1', 'write 1', 'write 2', 'read 2']);
  });

  it('skips queues whose changes cancel out', () => {
    const { ledger, statements } = setUp();
    ledger.add(1, 1, 0, 0);
    ledger.add(1, -1, 0, 0);
    ledger.kept();
    ledger.flush();
    expect(statements).toEqual([]);
  });

  it('drops an operation rolled back and keeps the batch', () => {
    const { ledger, stored } = setUp();
    ledger.add(1, 1, 0, 0);
    ledger.kept();
    ledger.add(1, 10, 0, 0);
    expect(ledger.current(1)).toEqual([16, 0, 0, 0]);
    ledger.rolledBack('operation');
    expect(ledger.current(1)).toEqual([6, 0, 0, 0]);
    ledger.flush();
    expect(stored(1)).toEqual([6, 0, 0, 0]);
  });

  it('drops the batch rolled back and reads the rows again', () => {
    const { db, ledger, statements, stored } = setUp();
    ledger.current(1);
    db.exec('BEGIN');
    ledger.add(1, 1, 0, 0);
    ledger.kept();
    ledger.flush();
    db.exec('ROLLBACK');
    ledger.rolledBack('batch');
    expect(stored(1)).toEqual([5, 0, 0, 0]);
    expect(ledger.current(1)).toEqual([5, 0, 0, 0]);
    expect(statements).toEqual(['read 1', 'write 1', 'read 1']);
  });

  it('counts a queue whose row is gone as empty', () => {
    const { ledger } = setUp();
    expect(ledger.current(99)).toEqual([0, 0, 0, 0]);
  });
});
