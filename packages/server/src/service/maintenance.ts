import type { Clock } from '../domain/clock.js';
import { RepeatedFailureLog, type Logger } from '../log.js';
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
  readonly #failures: RepeatedFailureLog;

  constructor(
    store: Store,
    clock: Clock,
    log: Logger,
    options: { intervalMs: number; chunk: number; traceRetentionMs: number; traceMaxEvents: number },
  ) {
    this.#failures = new RepeatedFailureLog(log, clock, 'maintenance');
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
