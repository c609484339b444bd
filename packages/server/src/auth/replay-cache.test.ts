import { describe, expect, it } from 'vitest';
import { ReplayCache } from './replay-cache.js';

const T = 1_700_000_000;
const WINDOW = 300;

describe('ReplayCache', () => {
  it('records a signature when it is seen for the first time', () => {
    const cache = new ReplayCache(100);
    expect(cache.remember(T, 'sig-a', T, WINDOW)).toBe(true);
    expect(cache.size).toBe(1);
  });

  it('reports a replay when the same signature comes again within the window', () => {
    const cache = new ReplayCache(100);
    cache.remember(T, 'sig-a', T, WINDOW);
    expect(cache.remember(T, 'sig-a', T + 1, WINDOW)).toBe(false);
    expect(cache.remember(T, 'sig-a', T + WINDOW, WINDOW)).toBe(false);
    expect(cache.size).toBe(1);
  });

  it('tells signatures apart when they share a timestamp', () => {
    const cache = new ReplayCache(100);
    expect(cache.remember(T, 'sig-a', T, WINDOW)).toBe(true);
    expect(cache.remember(T, 'sig-b', T, WINDOW)).toBe(true);
    expect(cache.remember(T, 'sig-b', T, WINDOW)).toBe(false);
    expect(cache.size).toBe(2);
  });

  it('tells timestamps apart when they share a signature', () => {
    const cache = new ReplayCache(100);
    expect(cache.remember(T, 'sig-a', T, WINDOW)).toBe(true);
    expect(cache.remember(T + 1, 'sig-a', T + 1, WINDOW)).toBe(true);
  });

  it('forgets a signature when its timestamp has left the window', () => {
    const cache = new ReplayCache(100);
    cache.remember(T, 'sig-a', T, WINDOW);
    cache.remember(T + 10, 'sig-b', T + 10, WINDOW);
    // One second past the window of sig-a, still within that of sig-b.
    expect(cache.remember(T, 'sig-a', T + WINDOW + 1, WINDOW)).toBe(true);
    expect(cache.remember(T + 10, 'sig-b', T + WINDOW + 1, WINDOW)).toBe(false);
  });

  it('frees the memory of old seconds when time moves on', () => {
    const cache = new ReplayCache(100);
    for (let i = 0; i < 10; i++) cache.remember(T, `sig-${i}`, T, WINDOW);
    expect(cache.size).toBe(10);
    cache.remember(T + 2 * WINDOW, 'later', T + 2 * WINDOW, WINDOW);
    expect(cache.size).toBe(1);
  });

  it('stays within maxEntries by dropping the oldest second when it is full', () => {
    const cache = new ReplayCache(3);
    cache.remember(T + 3, 'd', T + 3, WINDOW);
    cache.remember(T + 1, 'b', T + 3, WINDOW);
    cache.remember(T + 2, 'c', T + 3, WINDOW);
    cache.remember(T + 0, 'a', T + 3, WINDOW);
    expect(cache.size).toBe(3);
    // T + 0 was the oldest second, so 'a' is gone; the others are still remembered.
    expect(cache.remember(T + 1, 'b', T + 3, WINDOW)).toBe(false);
    expect(cache.remember(T + 2, 'c', T + 3, WINDOW)).toBe(false);
    expect(cache.remember(T + 3, 'd', T + 3, WINDOW)).toBe(false);
    expect(cache.size).toBe(3);
    expect(cache.remember(T + 0, 'a', T + 3, WINDOW)).toBe(true);
  });

  it('drops a whole second at once when the oldest second holds several entries', () => {
    const cache = new ReplayCache(3);
    cache.remember(T, 'a1', T, WINDOW);
    cache.remember(T, 'a2', T, WINDOW);
    cache.remember(T + 1, 'b', T + 1, WINDOW);
    cache.remember(T + 2, 'c', T + 2, WINDOW);
    expect(cache.size).toBe(2);
    expect(cache.remember(T + 1, 'b', T + 2, WINDOW)).toBe(false);
    expect(cache.remember(T + 2, 'c', T + 2, WINDOW)).toBe(false);
    expect(cache.remember(T, 'a2', T + 2, WINDOW)).toBe(true);
  });
});
