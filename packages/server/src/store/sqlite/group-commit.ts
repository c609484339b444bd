import type { Database, Statement } from 'better-sqlite3';
import { DomainError } from '../../domain/errors.js';
import type { WalSync } from './wal-sync.js';

/**
 * What an operation is given: after-commit hooks, and (for lazy-savepoint operations) the start of its writes.
 * A hook returns whether it woke anyone whose work writes (a long-polling receiver, a push worker).
 */
export type Operation<T> = (afterCommit: (hook: () => boolean) => void, beginWrites: () => void) => T;

export interface RunOptions {
  /** The operation writes nothing before it calls `beginWrites` (its savepoint opens then, if ever). */
  readonly lazySavepoint?: boolean;
}

interface Pending {
  readonly operation: Operation<unknown>;
  readonly lazySavepoint: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** The outcome, set when the operation ran; given out after the batch's sync. */
  ok: boolean;
  result: unknown;
}

/** What the store keeps beside the transaction, told where the transaction stands. */
export interface GroupCommitHooks {
  /** An operation's writes were undone (ROLLBACK TO), or the whole batch's (ROLLBACK): caches drop them. */
  readonly onRollback: (scope: 'operation' | 'batch') => void;
  /** An operation's writes were kept (RELEASE). */
  readonly onKept?: () => void;
  /**
   * Before an operation's savepoint opens, and before `beforeCommit`: writes that earlier operations held
   * back go to the database now, outside any savepoint. One that throws rolls the whole batch back.
   */
  readonly beforeWrites?: () => void;
  /** The batch's last writes, inside its transaction: one that throws rolls the whole batch back. */
  readonly beforeCommit?: () => void;
  /** After each COMMIT (the checkpointer may complete a checkpoint there). */
  readonly onCommit?: () => void;
}

/**
 * Group commit: every write operation queued while the disk is idle runs in one transaction on the next
 * turn of the event loop, and all of them are acknowledged after its COMMIT and the fdatasync of the WAL
 * that follows it (WalSync, on the thread pool). While a batch syncs, the event loop goes on reading and
 * checking requests, and the operations they queue wait: they run as one batch when the sync has ended,
 * so batches grow with load and fsyncs per message fall. (Committing during the sync as well overlapped
 * CPU and disk, but it doubled the syncs, and on the 2-core machine each sync's hand-offs and the smaller
 * bursts of answers cost more than the overlap saved: docs/decisions/0014, item 9.) Each operation runs
 * inside its own SAVEPOINT: one that throws (a queue not found, a full queue) is rolled back alone and
 * rejects alone; the rest of the batch commits.
 *
 * An operation run with `{ lazySavepoint: true }` promises to write nothing until it calls `beginWrites`;
 * its savepoint opens then, and not at all if it never does (a SendMessage whose rows wait for the batch's
 * end: SAVEPOINT and RELEASE cost about 1.5 µs of a ~40 µs request). Before any savepoint opens, the store
 * writes what earlier operations held back (`beforeWrites`), so an operation's rollback never undoes them;
 * a failure there fails the whole batch.
 *
 * After-commit hooks (wake-ups of waiting receivers) run at COMMIT, before the sync: whatever they cause
 * is a later write, acknowledged after a later sync that covers this batch too (and, when the disk was
 * idle, the same sync: see #requestSync). Reads between COMMIT and the sync can see a write that is not yet
 * acknowledged, as with any write racing a read.
 */
export class GroupCommit {
  readonly #db: Database;
  readonly #maxBatch: number;
  /** Prepared once: exec() would parse these on every operation. */
  readonly #begin: Statement;
  readonly #commit: Statement;
  readonly #savepoint: Statement;
  readonly #release: Statement;
  readonly #wal: WalSync;
  readonly #hooks: GroupCommitHooks;
  #pending: Pending[] = [];
  #scheduled = false;
  /** Batches committed whose sync has not returned yet. */
  #unsynced = 0;
  /** Syncs asked for while a deferred sync waits for its turn (see #requestSync). */
  #deferredSyncs: Array<(error: Error | undefined) => void> | undefined;
  #idle: Array<() => void> = [];
  // The running batch's state, in fields so that an operation costs no closures or arrays of its own.
  /** After-commit hooks of the running batch; the running operation's start at #operationHooksFrom. */
  readonly #batchHooks: Array<() => boolean> = [];
  #operationHooksFrom = 0;
  /** Whether the running operation's savepoint is open. */
  #savepointOpen = false;
  /** Writes held back by earlier operations failed when the running operation began writing. */
  #heldBackFailure: { error: unknown } | undefined;
  readonly #afterCommit = (hook: () => boolean): void => {
    this.#batchHooks.push(hook);
  };
  readonly #beginWrites = (): void => {
    if (this.#savepointOpen) return;
    try {
      this.#hooks.beforeWrites?.();
    } catch (error) {
      this.#heldBackFailure = { error };
      throw error;
    }
    this.#savepoint.run();
    this.#savepointOpen = true;
  };
  /** Batches committed and operations in them, for metrics and benchmarks. */
  readonly stats = { batches: 0, operations: 0 };

  constructor(db: Database, wal: WalSync, options: { maxBatch?: number | undefined } & GroupCommitHooks) {
    this.#db = db;
    this.#wal = wal;
    this.#maxBatch = options.maxBatch ?? 512;
    this.#hooks = options;
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#savepoint = db.prepare('SAVEPOINT op');
    this.#release = db.prepare('RELEASE op');
  }

  /** Runs `operation` in the next batch; resolves after the batch is durably committed. */
  run<T>(operation: Operation<T>, options?: RunOptions): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({
        operation,
        lazySavepoint: options?.lazySavepoint === true,
        resolve: resolve as (value: unknown) => void,
        reject,
        ok: false,
        result: undefined,
      });
      this.#schedule();
    });
  }

  /** Whether operations wait for the next batch (a read now would be ordered before them). */
  get hasQueued(): boolean {
    return this.#pending.length > 0;
  }

  /** Resolves when nothing is queued, running or waiting for its sync. */
  drain(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #isIdle(): boolean {
    return this.#pending.length === 0 && !this.#scheduled && this.#unsynced === 0;
  }

  /**
   * Flushes on the next turn unless an fdatasync is running: then the queue grows until it ends. What
   * queued during a sync (`afterSync`) is flushed one turn later still, after the event loop has polled
   * once more: the batch's answers have just gone out, and the requests that come straight back (and any
   * read already waiting) join the batch instead of waiting for the next sync. In `single` on the Intel
   * machine this gave B/A 1.017-1.032 (`compare-trees`, server CPU -2.5 %), two turns 1.008 (0014 item 14).
   */
  #schedule(afterSync = false): void {
    if (this.#scheduled || this.#pending.length === 0 || this.#wal.running) return;
    this.#scheduled = true;
    setImmediate(afterSync ? this.#flushNextTurn : this.#flushNow);
  }

  readonly #flushNow = (): void => this.#flush();
  /** An immediate set from an immediate runs on the event loop's next turn, after its poll. */
  readonly #flushNextTurn = (): void => {
    setImmediate(this.#flushNow);
  };

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#pending.splice(0, this.#maxBatch);
    if (batch.length === 0) {
      this.#afterFlush();
      return;
    }
    if (this.#wal.failure !== undefined) {
      const error = storeUnavailable(this.#wal.failure);
      for (const item of batch) item.reject(error);
      this.#afterFlush();
      return;
    }
    const hooks = this.#batchHooks;
    hooks.length = 0;
    try {
      this.#begin.run();
      for (const item of batch) {
        this.#savepointOpen = false;
        this.#heldBackFailure = undefined;
        this.#operationHooksFrom = hooks.length;
        if (!item.lazySavepoint) this.#beginWrites();
        try {
          item.result = item.operation(this.#afterCommit, this.#beginWrites);
          const heldBack = this.#heldBackFailed();
          if (heldBack !== undefined) throw heldBack.error;
          if (this.#savepointOpen) this.#release.run();
          this.#hooks.onKept?.();
          item.ok = true;
        } catch (error) {
          // Writes held back by earlier operations failed: those operations fail with the whole batch.
          const heldBack = this.#heldBackFailed();
          if (heldBack !== undefined) throw heldBack.error;
          // SQLite rolls the whole transaction back on some errors (a full disk): the batch fails with it.
          if (!this.#db.inTransaction) throw error;
          if (this.#savepointOpen) this.#db.exec('ROLLBACK TO op; RELEASE op');
          this.#hooks.onRollback('operation');
          hooks.length = this.#operationHooksFrom;
          item.ok = false;
          item.result = storeErrorOf(error);
        }
      }
      this.#hooks.beforeWrites?.();
      this.#hooks.beforeCommit?.();
      this.#commit.run();
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      this.#hooks.onRollback('batch');
      hooks.length = 0;
      const failure = storeErrorOf(error);
      for (const item of batch) item.reject(failure);
      this.#afterFlush();
      return;
    }
    this.stats.batches++;
    this.stats.operations += batch.length;
    this.#hooks.onCommit?.();
    // Hooks may queue writes (never run a batch): the array is the next batch's only after they ran.
    let woke = false;
    for (const hook of hooks) if (hook()) woke = true;
    hooks.length = 0;
    this.#unsynced++;
    this.#requestSync(woke, (syncError) => {
      this.#unsynced--;
      if (syncError !== undefined) {
        const error = storeUnavailable(syncError);
        for (const item of batch) item.reject(error);
      } else {
        for (const item of batch) {
          if (item.ok) item.resolve(item.result);
          else item.reject(item.result);
        }
      }
      this.#afterFlush(true);
    });
    this.#afterFlush();
  }

  /**
   * Asks for the sync that acknowledges a batch. When one of the batch's after-commit hooks woke someone
   * whose work writes (a long-polling receiver, a push worker) and the disk is idle, the sync starts one
   * turn later instead: the writes those receivers queue meanwhile commit first and share it, so a message
   * sent to a waiting receiver is answered after one fsync, not two in a row. Hooks that woke no one (a
   * send to a queue nobody waits on) defer nothing: waiting a turn there cost `single` 4-7 % of its rate on
   * the Intel machine (0014 item 13). With a sync already running, nothing is deferred: the next one starts
   * when it ends and covers whatever committed by then.
   */
  #requestSync(woke: boolean, done: (error: Error | undefined) => void): void {
    if (this.#deferredSyncs !== undefined) {
      this.#deferredSyncs.push(done);
      return;
    }
    if (!woke || this.#wal.running) {
      this.#wal.afterSync(done);
      return;
    }
    const deferred = [done];
    this.#deferredSyncs = deferred;
    setImmediate(() => {
      if (this.#pending.length > 0) this.#flush();
      this.#deferredSyncs = undefined;
      this.#wal.afterSync((error) => {
        for (const callback of deferred) callback(error);
      });
    });
  }

  /** Read through a method: the operation may have set it, which the compiler cannot see. */
  #heldBackFailed(): { error: unknown } | undefined {
    return this.#heldBackFailure;
  }

  #afterFlush(afterSync = false): void {
    this.#schedule(afterSync);
    if (this.#isIdle()) for (const resolve of this.#idle.splice(0)) resolve();
  }
}

/**
 * A full disk (SQLite's SQLITE_FULL: the WAL or the database could not grow) as a domain error that says so;
 * any other error as it is. What failed was rolled back, so the request wrote nothing, and the store works
 * again once there is space: unlike a failed fdatasync, nothing is lost (docs/errors.md).
 */
function storeErrorOf(error: unknown): unknown {
  if ((error as { code?: unknown } | null)?.code !== 'SQLITE_FULL') return error;
  return new DomainError('STORE_FULL', {
    detail:
      'the disk holding the data directory is full; this request wrote nothing (free space, then retry)',
    cause: error,
  });
}

function storeUnavailable(cause: Error): DomainError {
  return new DomainError('STORE_UNAVAILABLE', {
    detail: `the write may not be on disk (${cause.message}); restart the server`,
    cause,
  });
}
