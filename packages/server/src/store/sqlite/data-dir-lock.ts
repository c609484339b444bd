import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';

/**
 * One server process per data directory. The database itself runs in SQLite's normal locking mode (so a
 * checkpointer thread can open it too), so the claim is a separate file, `opencmq.lock`: an SQLite file
 * held in an open EXCLUSIVE transaction for the life of the store. SQLite's locks work across processes
 * and across connections of one process alike; a second server waits `timeoutMs`, then fails.
 */
export class DataDirLock {
  readonly #db: Database;

  private constructor(db: Database) {
    this.#db = db;
  }

  /** Throws (SQLITE_BUSY: "database is locked") while another store holds `dataDir`. */
  static acquire(dataDir: string, timeoutMs: number): DataDirLock {
    const db = new BetterSqlite3(join(dataDir, 'opencmq.lock'), { timeout: timeoutMs });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
      return new DataDirLock(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  release(): void {
    if (!this.#db.open) return;
    this.#db.exec('ROLLBACK');
    this.#db.close();
  }
}
