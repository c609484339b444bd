import type { Clock } from '../domain/clock.js';

/**
 * Long-poll waiters per queue. A receiver arms a waiter *before* it looks for messages, so a signal that
 * arrives while it looks is not lost. Each waiter says how many messages it takes at most (its batch); a
 * signal "n messages ready" wakes waiters, oldest first, until their batches cover n, so one send does
 * not wake a thousand consumers, and a batch of 16 does not wake 16 batch receivers of which 15 would
 * find nothing. Every wait is bounded by the caller's deadline and by a
 * polling backstop: signals only shorten waits, correctness never depends on them.
 */
export interface Waiter {
  /** Resolves when signalled, at `untilMs`, or when the waiters close. */
  wait(untilMs: number): Promise<void>;
  cancel(): void;
}

interface Entry {
  readonly wants: number;
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

  /** `wants`: the most messages this receiver takes when woken (its batch size). */
  arm(queueKey: string, wants = 1): Waiter {
    const entry: Entry = { wants: Math.max(1, wants), signalled: this.#closed, wake: undefined };
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

  /** Wakes waiters of the queue not signalled yet, oldest first, until their batches cover `count`. */
  signal(queueKey: string, count: number): void {
    const set = this.#byQueue.get(queueKey);
    if (set === undefined) return;
    let covered = 0;
    for (const entry of set) {
      if (covered >= count) break;
      if (entry.signalled) continue;
      entry.signalled = true;
      covered += entry.wants;
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
