import type { Clock } from '../domain/clock.js';

/**
 * Long-poll waiters per queue. A receiver arms a waiter *before* it looks for messages, so a signal that
 * arrives while it looks is not lost. A signal "n messages ready" wakes at most n waiters, oldest first,
 * so one send does not wake a thousand consumers. Every wait is bounded by the caller's deadline and by a
 * polling backstop: signals only shorten waits, correctness never depends on them.
 */
export interface Waiter {
  /** Resolves when signalled, at `untilMs`, or when the waiters close. */
  wait(untilMs: number): Promise<void>;
  cancel(): void;
}

interface Entry {
  signalled: boolean;
  wake: (() => void) | undefined;
}

export class LongPollWaiters {
  readonly #byQueue = new Map<string, Set<Entry>>();
  readonly #clock: Clock;
  readonly #backstopMs: number;
  #closed = false;

  constructor(clock: Clock, backstopMs: number) {
    this.#clock = clock;
    this.#backstopMs = backstopMs;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** How many receivers wait on a queue (for metrics and tests). */
  waiting(queueKey: string): number {
    return this.#byQueue.get(queueKey)?.size ?? 0;
  }

  arm(queueKey: string): Waiter {
    const entry: Entry = { signalled: this.#closed, wake: undefined };
    let set = this.#byQueue.get(queueKey);
    if (set === undefined) {
      set = new Set();
      this.#byQueue.set(queueKey, set);
    }
    set.add(entry);
    const remove = () => {
      set.delete(entry);
      if (set.size === 0 && this.#byQueue.get(queueKey) === set) this.#byQueue.delete(queueKey);
    };
    return {
      wait: (untilMs) =>
        new Promise<void>((resolve) => {
          if (entry.signalled) {
            remove();
            resolve();
            return;
          }
          const delayMs = Math.max(0, Math.min(untilMs - this.#clock.nowMs(), this.#backstopMs));
          const timer = setTimeout(() => entry.wake?.(), delayMs);
          entry.wake = () => {
            clearTimeout(timer);
            entry.wake = undefined;
            remove();
            resolve();
          };
        }),
      cancel: remove,
    };
  }

  /** Wakes up to `count` waiters of the queue that have not been signalled yet. */
  signal(queueKey: string, count: number): void {
    const set = this.#byQueue.get(queueKey);
    if (set === undefined) return;
    let woken = 0;
    for (const entry of set) {
      if (woken >= count) break;
      if (entry.signalled) continue;
      entry.signalled = true;
      woken++;
      entry.wake?.();
    }
  }

  /** Answers every waiting receiver now (graceful shutdown). */
  close(): void {
    this.#closed = true;
    for (const set of [...this.#byQueue.values()]) {
      for (const entry of [...set]) {
        entry.signalled = true;
        entry.wake?.();
      }
    }
  }
}
