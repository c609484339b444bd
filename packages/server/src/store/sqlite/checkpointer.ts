import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';

export interface CheckpointerOptions {
  /** How often the thread checkpoints. */
  readonly intervalMs: number;
  /** WAL frames (pages) past which the writer completes a checkpoint so the WAL can start over. */
  readonly restartFrames?: number;
  /** Where the thread loads better-sqlite3 from (tests point it elsewhere to make the thread fail). */
  readonly driverPath?: string;
}

/**
 * The WAL checkpoints, off the event loop: a worker thread with its own connection copies committed WAL
 * frames into the database file every `intervalMs` (PASSIVE: it never blocks the writer), and syncs the
 * WAL before and the database file after, as SQLite's synchronous=NORMAL does. On the event loop the same
 * work (SQLite's automatic checkpoint inside COMMIT, every 1,000 pages) cost 10-20 % of the pipeline
 * benchmark's throughput (docs/decisions/0011).
 *
 * The WAL starts over from its beginning only when a write transaction begins with every frame copied,
 * which a checkpoint running beside a busy writer seldom sees; so once the WAL holds `restartFrames`
 * (8,192: 32 MiB), the writer's thread checkpoints the few frames the worker has not reached yet
 * (`afterCommit`). Should the worker fail, the connection goes back to SQLite's automatic checkpoints.
 * The worker does not keep the process alive on its own (unref): a store that failed to open, or a
 * process that ends without close(), is not held up by it.
 */
export class Checkpointer {
  readonly #db: Database;
  readonly #worker: Worker;
  readonly #restartFrames: number;
  #walFrames = 0;
  #failed = false;
  #exited = false;
  #closed: Promise<void> | undefined;
  /** Checkpoints the thread reported and checkpoints the writer completed, for tests and benchmarks. */
  readonly stats = { checkpoints: 0, restarts: 0 };

  constructor(db: Database, options: CheckpointerOptions) {
    this.#db = db;
    this.#restartFrames = options.restartFrames ?? 8192;
    db.pragma('wal_autocheckpoint = 0');
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: options.driverPath ?? createRequire(import.meta.url).resolve('better-sqlite3'),
        path: db.name,
        intervalMs: options.intervalMs,
      },
    });
    this.#worker.unref();
    this.#worker.on('message', (result: { log: number; checkpointed: number }) => {
      this.stats.checkpoints++;
      this.#walFrames = result.log;
    });
    this.#worker.on('error', () => this.#fallBack());
    this.#worker.on('exit', () => {
      this.#exited = true;
      if (this.#closed === undefined) this.#fallBack();
    });
  }

  /** Called by the writer after each COMMIT. */
  afterCommit(): void {
    if (this.#walFrames < this.#restartFrames || this.#failed) return;
    try {
      const [result] = this.#db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number }>;
      // Busy while the thread's own checkpoint runs: try again after the next COMMIT, not only after
      // the thread's next report (which may be many commits away).
      if (result?.busy === 0) {
        this.#walFrames = 0;
        this.stats.restarts++;
      }
    } catch {
      this.#walFrames = 0;
      // The thread goes on checkpointing; the next report past restartFrames tries again.
    }
  }

  /** Stops the worker; the caller then checkpoints what is left itself (close's TRUNCATE). */
  close(): Promise<void> {
    this.#closed ??= this.#exited
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          // Held open from here: an unref'd worker let a process with nothing else to do exit before the
          // worker did, so shutdown never reached its final checkpoint (seen under --cpu-prof).
          this.#worker.ref();
          this.#worker.once('exit', () => resolve());
          this.#worker.postMessage('close');
        });
    return this.#closed;
  }

  /** Whether the thread failed and SQLite checkpoints inside COMMIT again. */
  get failed(): boolean {
    return this.#failed;
  }

  #fallBack(): void {
    if (this.#failed || !this.#db.open) return;
    this.#failed = true;
    this.#db.pragma('wal_autocheckpoint = 1000');
  }
}

/** Plain JavaScript: worker threads do not inherit the TypeScript loader. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 0 });
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');
let last = -1;
let failures = 0;
const timer = setInterval(() => {
  let result;
  try {
    [result] = db.pragma('wal_checkpoint(PASSIVE)');
    failures = 0;
  } catch (error) {
    // A passing failure (the disk briefly full) is retried; a lasting one ends the thread (fall back).
    if (++failures >= 10) throw error;
    return;
  }
  if (result.log !== last || result.checkpointed !== result.log) parentPort.postMessage(result);
  last = result.log;
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;
