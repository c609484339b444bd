import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer } from './checkpointer.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real SQLite file in WAL mode with synchronous=NORMAL, as openSqliteStore sets it up. */
function database(): Database {
  const dir = mkdtempSync(join(tmpdir(), 'opencmq-checkpointer-'));
  const db = new BetterSqlite3(join(dir, 'test.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (v TEXT NOT NULL)');
  cleanups.push(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

describe('Checkpointer', () => {
  it('copies the WAL into the database from its own thread and keeps the WAL short under steady writes', async () => {
    const db = database();
    const restartFrames = 200;
    const checkpointer = new Checkpointer(db, { intervalMs: 2, restartFrames });
    cleanups.push(() => checkpointer.close());
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const writeBatch = db.transaction(() => {
      for (let i = 0; i < 8; i++) insert.run('x'.repeat(1000));
    });
    // The thread reports once it runs.
    const deadline = Date.now() + 10_000;
    while (checkpointer.stats.checkpoints === 0 && Date.now() < deadline) await nextTurn();
    // About 3 pages a transaction: 1,000 transactions write some 3,000 frames, 15 times restartFrames.
    // Without checkpoints the WAL would hold every frame (more bytes than the rows written, 8 KB a batch);
    // with them it starts over, so the file (its high-water mark) stops growing while the rows go on. How
    // high that mark gets depends on how soon the thread first ran on a loaded machine (a CI run saw
    // 6.8 MB after 1,000 batches), so write on (up to 10,000 batches) until the thread has restarted the
    // WAL 3 times and the file holds less than 3/4 of what was written: a WAL that never starts over
    // cannot get there.
    const walBytes = () => statSync(`${db.name}-wal`).size;
    let batches = 0;
    const short = () => checkpointer.stats.restarts >= 3 && walBytes() < batches * 8 * 1000 * 0.75;
    while (batches < 1000 || (!short() && batches < 10_000)) {
      writeBatch();
      checkpointer.afterCommit();
      batches++;
      await nextTurn();
    }
    expect(checkpointer.failed).toBe(false);
    expect(checkpointer.stats.checkpoints).toBeGreaterThan(0);
    expect(checkpointer.stats.restarts).toBeGreaterThanOrEqual(3);
    expect(walBytes()).toBeLessThan(batches * 8 * 1000 * 0.75);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await checkpointer.close();
    expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(8 * batches);
    // Everything the thread copied is in the database file: a checkpoint from here has little left.
    const [left] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
    expect(left!.checkpointed).toBe(left!.log);
  });

  it('gives checkpoints back to SQLite (inside COMMIT) when its thread cannot run', async () => {
    const db = database();
    const checkpointer = new Checkpointer(db, {
      intervalMs: 5,
      driverPath: '/nonexistent/better-sqlite3.js',
    });
    cleanups.push(() => checkpointer.close());
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const deadline = Date.now() + 10_000;
    while (!checkpointer.failed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(checkpointer.failed).toBe(true);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('keeps the process alive until its thread has exited when close() is the only work left', () => {
    // A process whose last work is close(): with the worker unref'd throughout, the process ended while
    // the worker was still closing and the code after close() never ran. Seen under --cpu-prof (the
    // benchmark's profiling runs lost their SQL timing table), so the child runs with it.
    const dir = mkdtempSync(join(tmpdir(), 'opencmq-checkpointer-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const script = `
      import BetterSqlite3 from 'better-sqlite3';
      import { Checkpointer } from ${JSON.stringify(new URL('./checkpointer.ts', import.meta.url).href)};
      const db = new BetterSqlite3(${JSON.stringify(join(dir, 'test.db'))});
      db.pragma('journal_mode = WAL');
      const checkpointer = new Checkpointer(db, { intervalMs: 1000 });
      setTimeout(() => {
        void checkpointer.close().then(() => process.stdout.write('closed'));
      }, 200);
    `;
    const args = ['--import', 'tsx', '--cpu-prof', `--cpu-prof-dir=${join(dir, 'profile')}`];
    const run = spawnSync(process.execPath, [...args, '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('closed');
  });
});
