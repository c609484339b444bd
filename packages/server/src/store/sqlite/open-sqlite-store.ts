import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { DomainError } from '../../domain/errors.js';
import { Checkpointer } from './checkpointer.js';
import { DataDirLock } from './data-dir-lock.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteEngine } from './sqlite-engine.js';
import { StatementTiming } from './statement-timing.js';
import { WalSync } from './wal-sync.js';

export interface SqliteStoreOptions {
  /** Directory holding `opencmq.db` and its WAL. Created if missing. */
  readonly dataDir: string;
  /** Operations per group-commit transaction at most. */
  readonly maxBatch?: number;
  /** When set, every SQL statement is timed and a table of them is written here on close (profiling). */
  readonly statementTimingFile?: string | undefined;
}

/**
 * Opens (creating and migrating as needed) the embedded engine in `dataDir`: one SQLite file in WAL mode.
 * synchronous=NORMAL: COMMIT does not fsync, WalSync fdatasyncs the WAL off the event loop before the
 * group commit acknowledges (NORMAL still syncs around checkpoints, so checkpointed frames are safe).
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteEngine {
  mkdirSync(options.dataDir, { recursive: true });
  let db: Database | undefined;
  let lock: DataDirLock | undefined;
  try {
    // A short busy timeout: the only other holder can be a second server, which must fail fast.
    lock = DataDirLock.acquire(options.dataDir, 250);
    db = new BetterSqlite3(join(options.dataDir, 'opencmq.db'), { timeout: 250 });
    const timing =
      options.statementTimingFile === undefined
        ? undefined
        : { timing: new StatementTiming(db), file: options.statementTimingFile };
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Savepoint journals (every operation of a group commit runs in a SAVEPOINT) in memory: on disk, one
    // spills to a temporary file past 64 KiB of changed pages, and marking, deleting and inserting a
    // message across 10 queues cost 2-3x as much (ADR 0011). Operations are bounded (EXPIRY_CHUNK).
    db.pragma('temp_store = MEMORY');
    // 64 MiB of page cache (SQLite's default is 2 MiB): keeps the upper levels of the message indexes
    // of multi-million-message queues in memory.
    db.pragma('cache_size = -65536');
    migrate(db);
    // The WAL file exists once the connection has read the database (migrate did), and stays while the
    // connection is open.
    const wal = new WalSync(`${db.name}-wal`);
    const checkpointer = new Checkpointer(db, { intervalMs: 50 });
    return new SqliteEngine(db, { wal, checkpointer, lock, timing }, options.maxBatch);
  } catch (error) {
    // A half-opened store would keep the data directory claimed for the life of this process.
    if (db?.open === true) db.close();
    lock?.release();
    throw new DomainError('STORE_UNAVAILABLE', {
      detail: `cannot open the SQLite database in ${options.dataDir}: ${(error as Error).message}`,
      cause: error,
    });
  }
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
