import { closeSync, fdatasync, openSync } from 'node:fs';

/**
 * Makes committed WAL frames durable without blocking the event loop. SQLite runs with synchronous=NORMAL,
 * so COMMIT writes the transaction's frames to the WAL file (the OS page cache) and returns; this class
 * then fdatasyncs the WAL file on libuv's thread pool, and only then does the group commit acknowledge
 * the batch. Checkpoints stay SQLite's: with NORMAL it syncs the WAL before a checkpoint and the database
 * file after it, and the WAL header when the file is reused, so frames are never dropped unsynced.
 *
 * One fdatasync covers every frame written before it starts, so calls that arrive while one is running
 * share the next one. A failed fdatasync is final: the kernel may have dropped the dirty pages, so every
 * later call fails too and the server must be restarted (it recovers from what is on disk).
 */
export class WalSync {
  readonly #path: string;
  readonly #fd: number;
  #running = false;
  #waiting: Array<(error: Error | undefined) => void> = [];
  #failure: Error | undefined;
  #closed = false;
  /** fdatasyncs run, for metrics and tests. */
  syncs = 0;

  /** Opens the WAL file of the open connection; it exists once the connection has read the database. */
  constructor(walPath: string) {
    this.#path = walPath;
    this.#fd = openSync(walPath, 'r');
  }

  /** Whether an fdatasync is running. */
  get running(): boolean {
    return this.#running;
  }

  /** Whether callers wait for a sync that has not started (one is running). */
  get hasQueuedSync(): boolean {
    return this.#running && this.#waiting.length > 0;
  }

  /** The error that made the WAL unusable, once an fdatasync has failed. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Calls `done` once every frame written so far is on disk, or with the error that prevented it. */
  afterSync(done: (error: Error | undefined) => void): void {
    if (this.#failure !== undefined || this.#closed) {
      const error = this.#failure ?? new Error(`${this.#path} is closed`);
      queueMicrotask(() => done(error));
      return;
    }
    this.#waiting.push(done);
    if (!this.#running) this.#start();
  }

  /** Closes the file; the caller has waited for every afterSync. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }

  #start(): void {
    const batch = this.#waiting;
    this.#waiting = [];
    this.#running = true;
    fdatasync(this.#fd, (error) => {
      this.#running = false;
      this.syncs++;
      if (error !== null && this.#failure === undefined) {
        this.#failure = new Error(`fdatasync of ${this.#path} failed: ${error.message}`, { cause: error });
      }
      // The next sync starts before the callbacks run, so they see hasQueuedSync false and may commit more.
      if (this.#waiting.length > 0) {
        if (this.#failure === undefined) this.#start();
        else for (const done of this.#waiting.splice(0)) done(this.#failure);
      }
      for (const done of batch) done(this.#failure);
    });
  }
}
