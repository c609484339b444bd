import type { PushOutcome } from './http-push.js';

/**
 * Pacing of pushes to one subscription's endpoint. AdaptiveWindow bounds how many pushes are in flight and
 * adapts that bound to what the endpoint sustains (AIMD, as TCP does); TokenBucket caps the rate when the
 * operator sets one. Both take the time as a parameter and own no timers: the dispatcher asks, and when
 * refused it sleeps until the time they report.
 */

export const WINDOW_DEFAULTS = {
  /** Four concurrent pushes: enough to hide one round trip of latency, gentle on a small endpoint. */
  initial: 4,
  /** Never below one push in flight, or the subscription would stall for good. */
  min: 1,
  /**
   * 64 concurrent pushes per subscription: at CMQ's 15 s timeout a stuck endpoint then holds at most 64
   * sockets, and a fast one (10 ms) still gets ~6,400 pushes/s. Give the keep-alive agent maxSockets >= max.
   */
  max: 64,
  /** A success slower than a third of the 15 s push timeout shows a loaded endpoint: it does not grow the window. */
  slowMs: 5000,
  /** Retry-After is honoured for at most 5 min, so a bogus header cannot stall a subscription for a day. */
  maxPauseMs: 300_000,
} as const;

export interface AdaptiveWindowOptions {
  readonly initial?: number;
  readonly max?: number;
  readonly slowMs?: number;
  readonly maxPauseMs?: number;
}

/** What one finished push says about the endpoint's capacity. */
export type WindowSignal = 'fast-success' | 'neutral' | 'congestion';

/**
 * Classifies an outcome for the window: timeouts, 5xx and 429 mean the endpoint is overloaded; other
 * failures (refused connections, 4xx, redirects, aborts) say nothing about load and leave the window alone.
 */
export function windowSignal(outcome: PushOutcome, slowMs: number = WINDOW_DEFAULTS.slowMs): WindowSignal {
  switch (outcome.kind) {
    case 'delivered':
      return outcome.elapsedMs < slowMs ? 'fast-success' : 'neutral';
    case 'throttled':
      return 'congestion';
    case 'failed':
      if (outcome.reason === 'timeout') return 'congestion';
      return outcome.reason === 'status' && outcome.status !== undefined && outcome.status >= 500
        ? 'congestion'
        : 'neutral';
  }
}

/**
 * Concurrency limit of one subscription, additive increase / multiplicative decrease:
 * - `limit` fast successes in a row raise the limit by one (about +1 per round trip), but only once the
 *   window has actually been full since the last change: a subscription that never uses its window does
 *   not earn a larger one (congestion window validation, RFC 7661);
 * - congestion halves the limit (never below 1), once per round: outcomes of pushes that started before the
 *   last decrease are the same event seen again and do not halve it further;
 * - a Retry-After (429 or 503) pauses acquisition until then, bounded by maxPauseMs.
 */
export class AdaptiveWindow {
  readonly #max: number;
  readonly #slowMs: number;
  readonly #maxPauseMs: number;
  #limit: number;
  #inFlight = 0;
  #fastSuccesses = 0;
  #filledSinceChange = false;
  #lastDecreaseAtMs = Number.NEGATIVE_INFINITY;
  #pausedUntilMs = Number.NEGATIVE_INFINITY;

  constructor(options: AdaptiveWindowOptions = {}) {
    const initial = options.initial ?? WINDOW_DEFAULTS.initial;
    this.#max = options.max ?? WINDOW_DEFAULTS.max;
    this.#slowMs = options.slowMs ?? WINDOW_DEFAULTS.slowMs;
    this.#maxPauseMs = options.maxPauseMs ?? WINDOW_DEFAULTS.maxPauseMs;
    if (!Number.isSafeInteger(this.#max) || this.#max < WINDOW_DEFAULTS.min) {
      throw new RangeError(`max must be an integer >= ${WINDOW_DEFAULTS.min}, got ${this.#max}`);
    }
    if (!Number.isSafeInteger(initial) || initial < WINDOW_DEFAULTS.min || initial > this.#max) {
      throw new RangeError(
        `initial must be an integer in [${WINDOW_DEFAULTS.min}, ${this.#max}], got ${initial}`,
      );
    }
    this.#limit = initial;
  }

  get limit(): number {
    return this.#limit;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Until when acquisition is paused by a Retry-After (in the past when not paused). */
  get pausedUntilMs(): number {
    return this.#pausedUntilMs;
  }

  /** Takes a slot for one push, unless the window is full or paused. */
  tryAcquire(nowMs: number): boolean {
    if (nowMs < this.#pausedUntilMs || this.#inFlight >= this.#limit) return false;
    this.#inFlight++;
    if (this.#inFlight >= this.#limit) this.#filledSinceChange = true;
    return true;
  }

  /** Returns the slot of a finished push and adapts the limit to its outcome. */
  release(outcome: PushOutcome, nowMs: number): void {
    if (this.#inFlight === 0) throw new Error('AdaptiveWindow.release called with nothing in flight');
    this.#inFlight--;
    switch (windowSignal(outcome, this.#slowMs)) {
      case 'fast-success':
        this.#fastSuccesses++;
        if (this.#fastSuccesses >= this.#limit && this.#filledSinceChange && this.#limit < this.#max) {
          this.#setLimit(this.#limit + 1);
        }
        break;
      case 'congestion':
        if (nowMs - outcome.elapsedMs >= this.#lastDecreaseAtMs) {
          this.#setLimit(Math.max(WINDOW_DEFAULTS.min, Math.floor(this.#limit / 2)));
          this.#lastDecreaseAtMs = nowMs;
        }
        break;
      case 'neutral':
        break;
    }
    if ('retryAfterMs' in outcome && outcome.retryAfterMs !== undefined) {
      this.pauseUntil(nowMs + Math.min(outcome.retryAfterMs, this.#maxPauseMs));
    }
  }

  /** Refuses acquisition before `untilMs`; a pause is only ever extended, never shortened. */
  pauseUntil(untilMs: number): void {
    this.#pausedUntilMs = Math.max(this.#pausedUntilMs, untilMs);
  }

  #setLimit(limit: number): void {
    this.#limit = limit;
    this.#fastSuccesses = 0;
    this.#filledSinceChange = this.#inFlight >= limit;
  }
}

/** Float slack so a wait computed by msUntilNext is always enough for the next take. */
const TOKEN_EPSILON = 1e-9;

/**
 * Rate limit of one subscription: `ratePerSecond` pushes per second on average, up to `burst` at once after
 * an idle spell. Starts full. A rate of 0 means unlimited.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  #tokens: number;
  #lastRefillMs: number | undefined;

  constructor(ratePerSecond: number, burst: number) {
    if (!Number.isFinite(ratePerSecond) || ratePerSecond < 0) {
      throw new RangeError(`ratePerSecond must be a finite number >= 0, got ${ratePerSecond}`);
    }
    if (ratePerSecond > 0 && (!Number.isFinite(burst) || burst < 1)) {
      throw new RangeError(`burst must be a finite number >= 1, got ${burst}`);
    }
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.#tokens = burst;
  }

  /** Takes one token if there is one. */
  take(nowMs: number): boolean {
    if (this.ratePerSecond === 0) return true;
    this.#refill(nowMs);
    if (this.#tokens < 1 - TOKEN_EPSILON) return false;
    this.#tokens = Math.max(0, this.#tokens - 1);
    return true;
  }

  /** Whole tokens available now without taking any (Infinity when unlimited). */
  available(nowMs: number): number {
    if (this.ratePerSecond === 0) return Number.POSITIVE_INFINITY;
    this.#refill(nowMs);
    return Math.floor(this.#tokens + TOKEN_EPSILON);
  }

  /** Milliseconds until take() can succeed (0 when it can now). */
  msUntilNext(nowMs: number): number {
    if (this.ratePerSecond === 0) return 0;
    this.#refill(nowMs);
    if (this.#tokens >= 1 - TOKEN_EPSILON) return 0;
    // The epsilon keeps float noise (0.99 tokens is 0.98999...) from adding a millisecond; at least 1 ms so a
    // caller sleeping on the answer always makes progress.
    return Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.ratePerSecond - TOKEN_EPSILON));
  }

  #refill(nowMs: number): void {
    // A clock that steps back adds nothing and does not move the reference point back.
    if (this.#lastRefillMs !== undefined && nowMs > this.#lastRefillMs) {
      this.#tokens = Math.min(
        this.burst,
        this.#tokens + ((nowMs - this.#lastRefillMs) * this.ratePerSecond) / 1000,
      );
    }
    if (this.#lastRefillMs === undefined || nowMs > this.#lastRefillMs) this.#lastRefillMs = nowMs;
  }
}
