import type { Clock } from '../domain/clock.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';

/**
 * Background upkeep: removes expired messages, retained messages past rewind, deduplication ids past
 * their window and old trace events, in bounded chunks, so storage does not grow with history; it also
 * settles every queue, so dead-letter moves happen even on queues nobody reads.
 * Correctness does not depend on it (operations settle their queue first); it keeps space and the next
 * operation's work small.
 */
export class Maintenance {
  readonly #timer: NodeJS.Timeout;
  #running: Promise<void> | undefined;
  readonly #failures: FailureLog;

  constructor(
    store: Store,
    clock: Clock,
    log: Logger,
    options: { intervalMs: number; chunk: number; traceRetentionMs: number; traceMaxEvents: number },
  ) {
    this.#failures = new FailureLog(log, clock);
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = store
        .expireMessages(clock.nowMs(), options.chunk, {
          traceBeforeMs: clock.nowMs() - options.traceRetentionMs,
          traceMaxEvents: options.traceMaxEvents,
        })
        .then(
          () => this.#failures.succeeded(),
          (error: unknown) => this.#failures.failed(error),
        )
        .finally(() => (this.#running = undefined));
    }, options.intervalMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}

/** While the runs keep failing (a full disk), an error a minute, not one a run. */
export const REPEAT_LOG_MS = 60_000;

/**
 * Logs the first failure of a run of failures, then at most one every REPEAT_LOG_MS with how many runs
 * failed since, and when a run succeeds again, how many had failed.
 */
class FailureLog {
  readonly #log: Logger;
  readonly #clock: Clock;
  #failing = 0;
  #unlogged = 0;
  #loggedAtMs = 0;

  constructor(log: Logger, clock: Clock) {
    this.#log = log;
    this.#clock = clock;
  }

  failed(error: unknown): void {
    this.#failing++;
    const nowMs = this.#clock.nowMs();
    if (this.#failing > 1 && nowMs - this.#loggedAtMs < REPEAT_LOG_MS) {
      this.#unlogged++;
      return;
    }
    const repeated = this.#unlogged > 0 ? { failedRunsNotLogged: this.#unlogged } : {};
    this.#log.error('maintenance failed', { error, ...repeated });
    this.#loggedAtMs = nowMs;
    this.#unlogged = 0;
  }

  succeeded(): void {
    if (this.#failing === 0) return;
    this.#log.info('maintenance recovered', { failedRuns: this.#failing });
    this.#failing = 0;
    this.#unlogged = 0;
  }
}
