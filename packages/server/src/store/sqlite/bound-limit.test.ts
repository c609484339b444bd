import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BOUND_LIMIT } from './bound-limit.js';

describe('BOUND_LIMIT', () => {
  it('is what every SQLite statement with a bound row count uses', () => {
    const plain: string[] = [];
    for (const file of readdirSync(import.meta.dirname)) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file === 'bound-limit.ts') continue;
      const source = readFileSync(join(import.meta.dirname, file), 'utf8');
      source.split('\n').forEach((line, i) => {
        if (/\bLIMIT\s+\?/i.test(line)) plain.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(plain).toEqual([]);
  });

  it('limits rows as a plain LIMIT does, whatever count is bound next', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, q INTEGER NOT NULL)');
    const insert = db.prepare('INSERT INTO t (q) VALUES (?)');
    for (let i = 0; i < 20; i++) insert.run(i % 2);
    const select = db.prepare(`SELECT id FROM t WHERE q = ? ORDER BY id ${BOUND_LIMIT}`).pluck();
    expect(select.all(1, 3)).toEqual([2, 4, 6]);
    expect(select.all(0, 1)).toEqual([1]);
    expect(select.all(1, 16)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(select.all(0, 0)).toEqual([]);
    db.close();
  });
});
