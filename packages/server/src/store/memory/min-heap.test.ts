import { describe, expect, it } from 'vitest';
import { MinHeap } from './min-heap.js';

/** mulberry32: a small seeded generator, so a failure reproduces from its seed. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const ascending = (a: number, b: number) => a < b;

describe('MinHeap', () => {
  it('returns undefined when popping or peeking an empty heap', () => {
    const heap = new MinHeap(ascending);
    expect(heap.pop()).toBeUndefined();
    expect(heap.peek()).toBeUndefined();
    expect(heap.size).toBe(0);
  });

  it('pops items in ascending order when they were pushed in descending order', () => {
    const heap = new MinHeap(ascending);
    for (let i = 10; i >= 1; i--) heap.push(i);
    const popped: number[] = [];
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) popped.push(item);
    expect(popped).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('keeps duplicates when equal items are pushed', () => {
    const heap = new MinHeap(ascending);
    for (const n of [3, 1, 3, 1, 2]) heap.push(n);
    expect([heap.pop(), heap.pop(), heap.pop(), heap.pop(), heap.pop(), heap.pop()]).toEqual([
      1,
      1,
      2,
      3,
      3,
      undefined,
    ]);
  });

  it('follows the given order when the comparator is not numeric ascending', () => {
    const heap = new MinHeap<{ at: number; id: number }>(
      (a, b) => a.at > b.at || (a.at === b.at && a.id < b.id),
    );
    heap.push({ at: 1, id: 1 });
    heap.push({ at: 5, id: 3 });
    heap.push({ at: 5, id: 2 });
    heap.push({ at: 3, id: 4 });
    expect([heap.pop(), heap.pop(), heap.pop(), heap.pop()].map((e) => e?.id)).toEqual([2, 3, 4, 1]);
  });

  it.each([1, 2, 3, 42, 2024])(
    'matches a sorted reference when pushes and pops are interleaved at random (seed %i)',
    (seed) => {
      const random = randomSource(seed);
      const heap = new MinHeap(ascending);
      const reference: number[] = [];
      // Collected and compared once: an expect per step would dominate the run time.
      const seen: Array<[number | undefined, number]> = [];
      const expected: Array<[number | undefined, number]> = [];
      for (let step = 0; step < 5000; step++) {
        // 55% pushes: the heap drifts up to a few hundred items, deep enough for every sift path.
        if (reference.length === 0 || random() < 0.55) {
          const value = Math.floor(random() * 200); // small range: many ties
          heap.push(value);
          const at = reference.findIndex((r) => r > value);
          reference.splice(at === -1 ? reference.length : at, 0, value);
        } else {
          seen.push([heap.pop(), -1]);
          expected.push([reference.shift(), -1]);
        }
        seen.push([heap.peek(), heap.size]);
        expected.push([reference[0], reference.length]);
      }
      expect(seen).toEqual(expected);
      const rest: number[] = [];
      for (let item = heap.pop(); item !== undefined; item = heap.pop()) rest.push(item);
      expect(rest).toEqual(reference);
    },
  );
});
