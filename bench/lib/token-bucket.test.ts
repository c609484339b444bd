import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const bucketOf = (ratePerSecond: number, capacity: number) =>
    new TokenBucket({ ratePerSecond, capacity, nowMs: () => Date.now() });

  it('grants tokens at the configured rate when takers always wait', async () => {
    const bucket = bucketOf(1000, 64);
    let granted = 0;
    const taker = async () => {
      while (await bucket.take(16)) granted += 16;
    };
    const takers = [taker(), taker(), taker()];
    await vi.advanceTimersByTimeAsync(10_000);
    bucket.close();
    await Promise.all(takers);
    // 1000 tokens/s for 10 s, give or take the batch in flight.
    expect(granted).toBeGreaterThanOrEqual(10_000 - 16);
    expect(granted).toBeLessThanOrEqual(10_000 + 16);
  });

  it('bursts at most its capacity after an idle period', async () => {
    const bucket = bucketOf(100, 32);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(bucket.take(16)).toBe(true);
    expect(bucket.take(16)).toBe(true);
    expect(bucket.take(16)).toBeInstanceOf(Promise);
    bucket.close();
  });

  it('serves waiters in arrival order and releases them with false on close', async () => {
    const bucket = bucketOf(10, 10);
    const order: string[] = [];
    const first = Promise.resolve(bucket.take(10)).then((ok) => order.push(`first ${ok}`));
    const second = Promise.resolve(bucket.take(1)).then((ok) => order.push(`second ${ok}`));
    await vi.advanceTimersByTimeAsync(1_000);
    bucket.close();
    await Promise.all([first, second]);
    expect(order).toEqual(['first true', 'second false']);
    expect(bucket.take(1)).toBe(false);
  });
});
