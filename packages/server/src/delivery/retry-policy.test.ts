import { describe, expect, it } from 'vitest';
import { DEFAULT_SUBSCRIPTION_ATTRIBUTES } from '../domain/topic-defaults.js';
import type { NotifyStrategyName as NotifyStrategy } from '../domain/topic.js';
import { maxRetries, nextRetryDelayMs } from './retry-policy.js';

/** Every delay a strategy hands out, from the first failure until it gives up. */
function schedule(strategy: NotifyStrategy, random: () => number): number[] {
  const delays: number[] = [];
  for (let failed = 1; ; failed++) {
    const delayMs = nextRetryDelayMs(strategy, failed, random);
    if (delayMs === undefined) return delays;
    delays.push(delayMs);
  }
}

const half = () => 0.5;

describe('nextRetryDelayMs', () => {
  it('waits 2^0 .. 2^9 seconds and then 512 s when the strategy is EXPONENTIAL_DECAY_RETRY', () => {
    const delays = schedule('EXPONENTIAL_DECAY_RETRY', half);
    expect(delays.slice(0, 11)).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 512_000,
    ]);
    expect(delays.slice(9).every((d) => d === 512_000)).toBe(true);
    expect(delays.slice(9)).toHaveLength(167);
  });

  it('gives up after 176 retries totalling 86,015 s when the strategy is EXPONENTIAL_DECAY_RETRY', () => {
    expect(nextRetryDelayMs('EXPONENTIAL_DECAY_RETRY', 176, half)).toBe(512_000);
    expect(nextRetryDelayMs('EXPONENTIAL_DECAY_RETRY', 177, half)).toBeUndefined();
    const delays = schedule('EXPONENTIAL_DECAY_RETRY', half);
    expect(delays).toHaveLength(176);
    expect(delays.reduce((sum, d) => sum + d, 0)).toBe(86_015_000);
  });

  it('ignores random when the strategy is EXPONENTIAL_DECAY_RETRY', () => {
    expect(schedule('EXPONENTIAL_DECAY_RETRY', () => 0)).toEqual(
      schedule('EXPONENTIAL_DECAY_RETRY', () => 0.99),
    );
  });

  it('gives up after 3 retries when the strategy is BACKOFF_RETRY', () => {
    expect(schedule('BACKOFF_RETRY', half)).toHaveLength(3);
    expect(nextRetryDelayMs('BACKOFF_RETRY', 3, half)).toBeDefined();
    expect(nextRetryDelayMs('BACKOFF_RETRY', 4, half)).toBeUndefined();
  });

  it('draws each BACKOFF_RETRY delay from random within 10-20 s', () => {
    expect(nextRetryDelayMs('BACKOFF_RETRY', 1, () => 0)).toBe(10_000);
    expect(nextRetryDelayMs('BACKOFF_RETRY', 1, half)).toBe(15_000);
    expect(nextRetryDelayMs('BACKOFF_RETRY', 2, () => 0.999_999_9)).toBe(20_000);
    const draws = [0.1, 0.9, 0.25];
    expect(schedule('BACKOFF_RETRY', () => draws.shift() ?? 0)).toEqual([11_000, 19_000, 12_500]);
  });

  it('stays within 10-20 s when an injected random misbehaves', () => {
    expect(nextRetryDelayMs('BACKOFF_RETRY', 1, () => 1)).toBe(20_000);
    expect(nextRetryDelayMs('BACKOFF_RETRY', 1, () => -0.5)).toBe(10_000);
  });

  it('keeps every BACKOFF_RETRY delay within bounds when random is Math.random', () => {
    for (let i = 0; i < 1000; i++) {
      const delayMs = nextRetryDelayMs('BACKOFF_RETRY', 1, Math.random) ?? 0;
      expect(delayMs).toBeGreaterThanOrEqual(10_000);
      expect(delayMs).toBeLessThanOrEqual(20_000);
      expect(Number.isInteger(delayMs)).toBe(true);
    }
  });

  it('throws when failedAttempts is not a positive integer', () => {
    expect(() => nextRetryDelayMs('BACKOFF_RETRY', 0, half)).toThrow(RangeError);
    expect(() => nextRetryDelayMs('EXPONENTIAL_DECAY_RETRY', 1.5, half)).toThrow(RangeError);
    expect(() => nextRetryDelayMs('EXPONENTIAL_DECAY_RETRY', Number.NaN, half)).toThrow(RangeError);
  });
});

describe('notify strategies', () => {
  it('reports the retry budget of each strategy when asked maxRetries', () => {
    expect(maxRetries('BACKOFF_RETRY')).toBe(3);
    expect(maxRetries('EXPONENTIAL_DECAY_RETRY')).toBe(176);
    // CMQ's documented default for `notifyStrategy` (the Java SDK sends BACKOFF_RETRY explicitly).
    expect(DEFAULT_SUBSCRIPTION_ATTRIBUTES.notifyStrategy).toBe('EXPONENTIAL_DECAY_RETRY');
  });
});
