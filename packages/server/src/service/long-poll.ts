import type { Clock } from '../domain/clock.js';

/**
 * Long-poll waiters per queue. A receiver arms a waiter *before* it looks for messages, so a signal that
 * arrives while it looks is not lost. Each waiter says how many messages it takes at most (its batch); a
 * signal "n messages ready" wakes waiters, oldest first, until their batches cover n, so one send does
 * not wake a thousand consumers, and a batch of 16 does not wake 16 batch receivers of which 15 would
 * find nothing. Every wait is bounded by the caller's deadline, and signals only shorten waits: every
 * `backstopMs` the oldest waiter of each queue is woken to look (its full batch passes the turn on), so
 * a message no signal announced is still found. One look per queue, not one per waiter: with 1,000
 * waiters, a look each per second cost 1,000 receive transactions a second, run in bursts as the waiters'
 * timers lined up, and those bursts set the long-poll benchmark's p99.
 */
export interface Waiter {
  /** Resolves when signalled, at `untilMs`, or when the waiters close. */
  wait(untilMs: number): Promise<void>;
  cancel(): void;
}

interface Entry {
  readonly queueKey: string;
  /** The queue's set this entry is in. */
  readonly set: Set<Entry>;
  readonly wants: number;
  signalled: boolean;
  wake: (() => void) | undefined;
}

/** setTimeout's longest delay; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class LongPollWaiters {
  readonly #byQueue = new Map<string, Set<Entry>>();
  readonly #clock: Clock;
  readonly #backstopMs: number;
  #backstop: NodeJS.Timeout | undefined;
  #closed = false;

  /** Forgets a waiter that was woken or cancelled. One function for all, made once (see ArmedWaiter). */
  readonly #release = (entry: Entry): void => {
    const { set, queueKey } = entry;
    set.delete(entry);
    if (set.size === 0 && this.#byQueue.get(queueKey) === set) this.#byQueue.delete(queueKey);
    if (this.#byQueue.size === 0) this.#stopBackstop();
  };

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
    let set = this.#byQueue.get(queueKey);
    if (set === undefined) {
      set = new Set();
      this.#byQueue.set(queueKey, set);
    }
    const entry: Entry = {
      queueKey,
      set,
      wants: Math.max(1, wants),
      signalled: this.#closed,
      wake: undefined,
    };
    set.add(entry);
    if (this.#backstop === undefined && !this.#closed) {
      this.#backstop = setInterval(() => this.#lookAgain(), this.#backstopMs);
      this.#backstop.unref();
    }
    return new ArmedWaiter(entry, this.#clock, this.#release);
  }

  /**
   * Wakes waiters of the queue not signalled yet, oldest first, until their batches cover `count`. Returns
   * whether it woke any (or asked one looking now to look again).
   */
  signal(queueKey: string, count: number): boolean {
    const set = this.#byQueue.get(queueKey);
    if (set === undefined) return false;
    let covered = 0;
    for (const entry of set) {
      if (covered >= count) break;
      if (entry.signalled) continue;
      entry.signalled = true;
      covered += entry.wants;
      entry.wake?.();
    }
    return covered > 0;
  }

  /** The backstop: wakes the oldest sleeping waiter of each queue. Runs only while someone waits. */
  #lookAgain(): void {
    for (const set of this.#byQueue.values()) {
      let oldestAsleep: Entry | undefined;
      let looking = false;
      for (const entry of set) {
        if (entry.signalled) continue;
        // Armed but not asleep: this receiver is asking the store right now, the queue needs no other look.
        if (entry.wake === undefined) looking = true;
        else oldestAsleep ??= entry;
      }
      if (looking || oldestAsleep === undefined) continue;
      oldestAsleep.signalled = true;
      oldestAsleep.wake?.();
    }
  }

  #stopBackstop(): void {
    clearInterval(this.#backstop);
    this.#backstop = undefined;
  }

  /** Answers every waiting receiver now (graceful shutdown). */
  close(): void {
    this.#closed = true;
    this.#stopBackstop();
    for (const set of [...this.#byQueue.values()]) {
      for (const entry of [...set]) {
        entry.signalled = true;
        entry.wake?.();
      }
    }
  }
}

/**
 * A class rather than an object of closures: tsx compiles with esbuild's keepNames, which wraps every
 * named closure in a defineProperty call each time one is made (about 1 µs; see sqlite-store.ts).
 */
class ArmedWaiter implements Waiter {
  readonly #entry: Entry;
  readonly #clock: Clock;
  readonly #release: (entry: Entry) => void;

  constructor(entry: Entry, clock: Clock, release: (entry: Entry) => void) {
    this.#entry = entry;
    this.#clock = clock;
    this.#release = release;
  }

  wait(untilMs: number): Promise<void> {
    const entry = this.#entry;
    return new Promise<void>((resolve) => {
      if (entry.signalled) {
        this.#release(entry);
        resolve();
        return;
      }
      const delayMs = Math.max(0, Math.min(untilMs - this.#clock.nowMs(), MAX_TIMER_MS));
      const timer = setTimeout(() => entry.wake?.(), delayMs);
      entry.wake = () => {
        clearTimeout(timer);
        entry.wake = undefined;
        this.#release(entry);
        resolve();
      };
    });
  }

  cancel(): void {
    this.#release(this.#entry);
  }
}
