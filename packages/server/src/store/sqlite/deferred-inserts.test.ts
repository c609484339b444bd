import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DeferredInserts, type MessageRow } from './deferred-inserts.js';

/** A real table with AUTOINCREMENT ids, as the messages table has; records each INSERT's rows. */
function setUp() {
  const db = new BetterSqlite3(':memory:');
  db.exec(
    'CREATE TABLE m (id INTEGER PRIMARY KEY AUTOINCREMENT, queue_id INTEGER NOT NULL, body TEXT NOT NULL)',
  );
  const insert = db.prepare<[number, string]>('INSERT INTO m (queue_id, body) VALUES (?, ?)');
  const statements: string[][] = [];
  const deferred = new DeferredInserts((queueId, rows) => {
    statements.push(rows.map((row) => row[3]));
    return rows.map((row) => Number(insert.run(queueId, row[3]).lastInsertRowid));
  });
  const stored = () => db.prepare('SELECT id, queue_id AS queue, body FROM m ORDER BY id').all();
  return { deferred, statements, stored };
}

const rowsOf = (...bodies: string[]): MessageRow[] => bodies.map((body) => [0, 1, 1, body]);

describe('DeferredInserts', () => {
  it("writes each queue's kept rows together in the order they came and gives each sender its own ids", () => {
    const { deferred, statements, stored } = setUp();
    const assigned: Record<string, readonly number[]> = {};
    const add = (name: string, queueId: number, ...bodies: string[]) => {
      deferred.add(queueId, rowsOf(...bodies), (ids) => (assigned[name] = ids));
      deferred.kept();
    };
    add('first', 1, 'a', 'b');
    add('other queue', 2, 'x');
    add('second', 1, 'c');
    deferred.flush();
    expect(statements).toEqual([['a', 'b', 'c'], ['x']]);
    expect(stored()).toEqual([
      { id: 1, queue: 1, body: 'a' },
      { id: 2, queue: 1, body: 'b' },
      { id: 3, queue: 1, body: 'c' },
      { id: 4, queue: 2, body: 'x' },
    ]);
    expect(assigned).toEqual({ first: [1, 2], second: [3], 'other queue': [4] });
    deferred.flush();
    expect(statements).toHaveLength(2);
  });

  it("drops the rows of an operation rolled back, keeps the running operation's out of a flush, and drops all with the batch", () => {
    const { deferred, statements } = setUp();
    deferred.add(1, rowsOf('kept'), () => {});
    deferred.kept();
    deferred.add(1, rowsOf('undone'), () => {});
    deferred.rolledBack('operation');
    deferred.add(1, rowsOf('running'), () => {});
    // A flush in the middle of an operation (it began writing) writes only what earlier operations kept.
    deferred.flush();
    expect(statements).toEqual([['kept']]);
    deferred.kept();
    deferred.add(1, rowsOf('batch failed'), () => {});
    deferred.kept();
    deferred.rolledBack('batch');
    deferred.flush();
    expect(statements).toEqual([['kept']]);
  });
});
