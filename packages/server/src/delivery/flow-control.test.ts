import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AdaptiveWindow, TokenBucket, WINDOW_DEFAULTS, windowSignal } from './flow-control.js';
import type { PushOutcome } from './http-push.js';

const T0 = 1_700_000_000_000;

const fast: PushOutcome = { kind: 'delivered', status: 200, elapsedMs: 10 };
const timeout = (elapsedMs: number): PushOutcome => ({ kind: 'failed', reason: 'timeout', elapsedMs });

/** Acquires `count` slots, failing the test if any is refused. */
function acquire(window: AdaptiveWindow, count: number, nowMs: number): void {
  for (let i = 0; i < count; i++) expect(window.tryAcquire(nowMs)).toBe(true);
}

/** Fills the window, then releases every slot with `outcome`. */
function round(window: AdaptiveWindow, outcome: PushOutcome, nowMs: number): void {
  const slots = window.limit;
  acquire(window, slots, nowMs);
  for (let i = 0; i < slots; i++) window.release(outcome, nowMs + outcome.elapsedMs);
}

describe('windowSignal', () => {
  it.each<[PushOutcome, string]>([
    [fast, 'fast-success'],
    [{ kind: 'delivered', status: 204, elapsedMs: 4999 }, 'fast-success'],
    [{ kind: 'delivered', status: 200, elapsedMs: 5000 }, 'neutral'],
    [{ kind: 'throttled', status: 429, elapsedMs: 5 }, 'congestion'],
    [timeout(15_000), 'congestion'],
    [{ kind: 'failed', reason: 'timeout', status: 200, elapsedMs: 15_000 }, 'congestion'],
    [{ kind: 'failed', reason: 'status', status: 500, elapsedMs: 5 }, 'congestion'],
    [{ kind: 'failed', reason: 'status', status: 503, retryAfterMs: 1000, elapsedMs: 5 }, 'congestion'],
    [{ kind: 'failed', reason: 'status', status: 404, elapsedMs: 5 }, 'neutral'],
    [{ kind: 'failed', reason: 'redirect', status: 302, elapsedMs: 5 }, 'neutral'],
    [{ kind: 'failed', reason: 'network', detail: 'ECONNREFUSED', elapsedMs: 1 }, 'neutral'],
    [{ kind: 'failed', reason: 'aborted', elapsedMs: 1 }, 'neutral'],
  ])('classifies %j as %s', (outcome, expected) => {
    expect(windowSignal(outcome)).toBe(expected);
  });
});

describe('AdaptiveWindow', () => {
  it('starts at the initial limit and refuses a push when the window is full', () => {
    const window = new AdaptiveWindow({ initial: 3 });
    expect(window.limit).toBe(3);
    acquire(window, 3, T0);
    expect(window.inFlight).toBe(3);
    expect(window.tryAcquire(T0)).toBe(false);
    window.release(fast, T0 + 10);
    expect(window.tryAcquire(T0 + 10)).toBe(true);
  });

  it('uses the documented defaults when given no options', () => {
    const window = new AdaptiveWindow();
    expect(window.limit).toBe(WINDOW_DEFAULTS.initial);
    expect(WINDOW_DEFAULTS).toMatchObject({ initial: 4, min: 1, max: 64, slowMs: 5000, maxPauseMs: 300_000 });
  });

  it('grows by one after each full window of fast successes', () => {
    const window = new AdaptiveWindow({ initial: 4 });
    round(window, fast, T0);
    expect(window.limit).toBe(5);
    round(window, fast, T0 + 100);
    expect(window.limit).toBe(6);
  });

  it('does not grow when the window was never full', () => {
    const window = new AdaptiveWindow({ initial: 4 });
    for (let i = 0; i < 50; i++) {
      acquire(window, 2, T0 + i);
      window.release(fast, T0 + i);
      window.release(fast, T0 + i);
    }
    expect(window.limit).toBe(4);
  });

  it('does not grow when successes are slow', () => {
    const window = new AdaptiveWindow({ initial: 4 });
    for (let i = 0; i < 5; i++)
      round(window, { kind: 'delivered', status: 200, elapsedMs: 6000 }, T0 + i * 10_000);
    expect(window.limit).toBe(4);
  });

  it('stops growing when the limit reaches max', () => {
    const window = new AdaptiveWindow({ initial: 2, max: 3 });
    for (let i = 0; i < 10; i++) round(window, fast, T0 + i * 100);
    expect(window.limit).toBe(3);
  });

  it('halves the limit when a push times out', () => {
    const window = new AdaptiveWindow({ initial: 8 });
    acquire(window, 1, T0);
    window.release(timeout(15_000), T0 + 15_000);
    expect(window.limit).toBe(4);
  });

  it('halves the limit when the endpoint answers 5xx or 429', () => {
    const window = new AdaptiveWindow({ initial: 16 });
    acquire(window, 1, T0);
    window.release({ kind: 'failed', reason: 'status', status: 502, elapsedMs: 5 }, T0 + 5);
    expect(window.limit).toBe(8);
    acquire(window, 1, T0 + 10);
    window.release({ kind: 'throttled', status: 429, elapsedMs: 5 }, T0 + 15);
    expect(window.limit).toBe(4);
  });

  it('halves only once when a whole window times out together', () => {
    const window = new AdaptiveWindow({ initial: 8 });
    acquire(window, 8, T0);
    for (let i = 0; i < 8; i++) window.release(timeout(15_000), T0 + 15_000);
    expect(window.limit).toBe(4);
    // A push started after that decrease is a new signal.
    acquire(window, 1, T0 + 15_000);
    window.release(timeout(15_000), T0 + 30_000);
    expect(window.limit).toBe(2);
  });

  it('never goes below one when congestion persists', () => {
    const window = new AdaptiveWindow({ initial: 4 });
    for (let i = 0; i < 10; i++) {
      acquire(window, 1, T0 + i * 100);
      window.release(timeout(50), T0 + i * 100 + 50);
    }
    expect(window.limit).toBe(1);
    expect(window.tryAcquire(T0 + 10_000)).toBe(true);
  });

  it('leaves the limit alone when failures say nothing about load', () => {
    const window = new AdaptiveWindow({ initial: 4 });
    acquire(window, 3, T0);
    window.release({ kind: 'failed', reason: 'network', detail: 'ECONNREFUSED', elapsedMs: 1 }, T0 + 1);
    window.release({ kind: 'failed', reason: 'status', status: 400, elapsedMs: 1 }, T0 + 1);
    window.release({ kind: 'failed', reason: 'redirect', status: 301, elapsedMs: 1 }, T0 + 1);
    expect(window.limit).toBe(4);
    expect(window.inFlight).toBe(0);
  });

  it('pauses until Retry-After when the endpoint throttles', () => {
    const window = new AdaptiveWindow({ initial: 4 });
    acquire(window, 1, T0);
    window.release({ kind: 'throttled', status: 429, retryAfterMs: 2000, elapsedMs: 5 }, T0 + 5);
    expect(window.pausedUntilMs).toBe(T0 + 2005);
    expect(window.tryAcquire(T0 + 2004)).toBe(false);
    expect(window.tryAcquire(T0 + 2005)).toBe(true);
  });

  it('pauses until Retry-After when the endpoint answers 503', () => {
    const window = new AdaptiveWindow({ initial: 4 });
    acquire(window, 1, T0);
    window.release({ kind: 'failed', reason: 'status', status: 503, retryAfterMs: 1000, elapsedMs: 0 }, T0);
    expect(window.tryAcquire(T0 + 999)).toBe(false);
    expect(window.tryAcquire(T0 + 1000)).toBe(true);
  });

  it('caps the pause at maxPauseMs when Retry-After is huge', () => {
    const window = new AdaptiveWindow({ initial: 4, maxPauseMs: 60_000 });
    acquire(window, 1, T0);
    window.release({ kind: 'throttled', status: 429, retryAfterMs: 86_400_000, elapsedMs: 0 }, T0);
    expect(window.pausedUntilMs).toBe(T0 + 60_000);
  });

  it('only extends a pause when pauseUntil is called again', () => {
    const window = new AdaptiveWindow();
    window.pauseUntil(T0 + 5000);
    window.pauseUntil(T0 + 1000);
    expect(window.pausedUntilMs).toBe(T0 + 5000);
    expect(window.tryAcquire(T0 + 4999)).toBe(false);
    expect(window.tryAcquire(T0 + 5000)).toBe(true);
  });

  it('throws when a slot is released that was never acquired', () => {
    expect(() => new AdaptiveWindow().release(fast, T0)).toThrow(/nothing in flight/);
  });

  it('throws when constructed with an impossible limit', () => {
    expect(() => new AdaptiveWindow({ initial: 0 })).toThrow(RangeError);
    expect(() => new AdaptiveWindow({ initial: 5, max: 4 })).toThrow(RangeError);
    expect(() => new AdaptiveWindow({ initial: 1.5 })).toThrow(RangeError);
    expect(() => new AdaptiveWindow({ max: 0, initial: 1 })).toThrow(RangeError);
  });

  describe('driven by timers', () => {
    beforeEach(() => {
      vi.useFakeTimers({ now: T0 });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('settles around the endpoint capacity when pushes beyond it time out', async () => {
      // An endpoint that answers in 20 ms while it has at most 10 pushes, and never (15 s timeout) beyond.
      const capacity = 10;
      const window = new AdaptiveWindow({ initial: 1, max: 64 });
      let active = 0;
      const limits: number[] = [];
      const pump = () => {
        while (window.tryAcquire(Date.now())) {
          const startedMs = Date.now();
          const overloaded = ++active > capacity;
          setTimeout(
            () => {
              active--;
              window.release(overloaded ? timeout(Date.now() - startedMs) : fast, Date.now());
              limits.push(window.limit);
              pump();
            },
            overloaded ? 15_000 : 20,
          );
        }
      };
      pump();
      await vi.advanceTimersByTimeAsync(600_000);
      const settled = limits.slice(-500);
      expect(Math.max(...limits)).toBeGreaterThan(capacity);
      expect(Math.min(...settled)).toBeGreaterThanOrEqual(capacity / 2 - 1);
      expect(Math.max(...settled)).toBeLessThanOrEqual(capacity + 2);
      vi.clearAllTimers();
    });
  });
});

describe('TokenBucket', () => {
  it('never refuses when the rate is 0', () => {
    const bucket = new TokenBucket(0, 0);
    for (let i = 0; i < 1000; i++) expect(bucket.take(T0)).toBe(true);
    expect(bucket.msUntilNext(T0)).toBe(0);
  });

  it('allows a burst and then one token per 1/rate seconds', () => {
    const bucket = new TokenBucket(10, 2);
    expect(bucket.take(T0)).toBe(true);
    expect(bucket.take(T0)).toBe(true);
    expect(bucket.take(T0)).toBe(false);
    expect(bucket.msUntilNext(T0)).toBe(100);
    expect(bucket.take(T0 + 99)).toBe(false);
    expect(bucket.msUntilNext(T0 + 99)).toBe(1);
    expect(bucket.take(T0 + 100)).toBe(true);
    expect(bucket.take(T0 + 100)).toBe(false);
  });

  it('keeps no more than the burst when idle for long', () => {
    const bucket = new TokenBucket(10, 3);
    bucket.take(T0);
    const later = T0 + 3_600_000;
    expect([1, 2, 3, 4].map(() => bucket.take(later))).toEqual([true, true, true, false]);
  });

  it.each([3, 7, 0.3, 1000 / 3, 999])(
    'succeeds exactly when msUntilNext says so at %d per second',
    (rate) => {
      const bucket = new TokenBucket(rate, 1);
      let now = T0;
      for (let i = 0; i < 200; i++) {
        while (bucket.take(now));
        const waitMs = bucket.msUntilNext(now);
        expect(waitMs).toBeGreaterThan(0);
        if (waitMs > 1) expect(bucket.take(now + waitMs - 1)).toBe(false);
        now += waitMs;
        expect(bucket.take(now)).toBe(true);
      }
    },
  );

  it('adds nothing when the clock steps back', () => {
    const bucket = new TokenBucket(10, 1);
    expect(bucket.take(T0)).toBe(true);
    expect(bucket.take(T0 - 5000)).toBe(false);
    expect(bucket.take(T0 + 99)).toBe(false);
    expect(bucket.take(T0 + 100)).toBe(true);
  });

  it('throws when rate or burst is invalid', () => {
    expect(() => new TokenBucket(-1, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(Number.NaN, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(Number.POSITIVE_INFINITY, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(5, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(5, 0.5)).toThrow(RangeError);
  });

  describe('driven by timers', () => {
    beforeEach(() => {
      vi.useFakeTimers({ now: T0 });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('paces a sleeping loop at the configured rate', async () => {
      const bucket = new TokenBucket(5, 1);
      const takenAt: number[] = [];
      let stopped = false;
      const loop = () => {
        if (stopped) return;
        if (bucket.take(Date.now())) takenAt.push(Date.now() - T0);
        setTimeout(loop, bucket.msUntilNext(Date.now()));
      };
      loop();
      await vi.advanceTimersByTimeAsync(10_000);
      stopped = true;
      expect(takenAt).toHaveLength(51);
      expect(takenAt.slice(0, 4)).toEqual([0, 200, 400, 600]);
      expect(takenAt.at(-1)).toBe(10_000);
      vi.clearAllTimers();
    });
  });
});
