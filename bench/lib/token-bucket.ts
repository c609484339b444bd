/**
 * Paces producers at a fixed aggregate rate: tokens refill continuously at `ratePerSecond` up to
 * `capacity`, and `take(n)` waits until n are there. Waiters are served in arrival order, so one
 * producer cannot starve the others. The capacity is the largest burst after a stall (a producer that
 * waited on the backlog cap catches up by at most that many messages); the long-run rate is exact
 * whatever the timer jitter, because refills follow the clock, not the timer ticks.
 *
 * `close()` releases every waiter with `false`, like `Semaphore.close()`, so no producer stays parked
 * when a run ends.
 */
export interface TokenBucketOptions {
  readonly ratePerSecond: number;
  readonly capacity: number;
  /** Milliseconds from any fixed origin; injectable for tests. */
  readonly nowMs?: () => number;
}

export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #capacity: number;
  readonly #nowMs: () => number;
  #tokens: number;
  #refilledAtMs: number;
  #waiters: Array<{ tokens: number; resolve: (ok: boolean) => void }> = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0)) throw new Error(`rate must be positive, got ${options.ratePerSecond}`);
    this.#ratePerMs = options.ratePerSecond / 1000;
    this.#capacity = options.capacity;
    this.#nowMs = options.nowMs ?? (() => performance.now());
    this.#tokens = 0;
    this.#refilledAtMs = this.#nowMs();
  }

  /** Resolves true once `tokens` are taken, false when the bucket closed first. */
  take(tokens: number): Promise<boolean> | boolean {
    if (this.#closed) return false;
    if (tokens > this.#capacity)
      throw new Error(`cannot take ${tokens} tokens, capacity is ${this.#capacity}`);
    this.#refill();
    if (this.#waiters.length === 0 && this.#tokens >= tokens) {
      this.#tokens -= tokens;
      return true;
    }
    const granted = new Promise<boolean>((resolve) => this.#waiters.push({ tokens, resolve }));
    this.#schedule();
    return granted;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(false);
  }

  #refill(): void {
    const now = this.#nowMs();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#refilledAtMs) * this.#ratePerMs);
    this.#refilledAtMs = now;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#waiters.length === 0) return;
    const missing = this.#waiters[0]!.tokens - this.#tokens;
    // At least 1 ms: Node runs shorter timeouts after 1 ms anyway; an early wake-up just reschedules.
    const waitMs = Math.max(1, Math.ceil(missing / this.#ratePerMs));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#serve();
    }, waitMs);
  }

  #serve(): void {
    this.#refill();
    while (this.#waiters.length > 0 && this.#tokens >= this.#waiters[0]!.tokens) {
      const waiter = this.#waiters.shift()!;
      this.#tokens -= waiter.tokens;
      waiter.resolve(true);
    }
    this.#schedule();
  }
}
