import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../domain/clock.js';
import { LongPollWaiters, type Waiter } from './long-poll.js';

const clock: Clock = { nowMs: () => Date.now() };
const T0 = 1_700_000_000_000;

/** Starts a wait and reports whether it has resolved yet. */
function track(waiter: Waiter, untilMs: number) {
  const state = { done: false, promise: Promise.resolve() };
  state.promise = waiter.wait(untilMs).then(() => {
    state.done = true;
  });
  return state;
}

/** Lets resolved promises run without moving the fake clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('LongPollWaiters', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves exactly at untilMs when nothing signals', async () => {
    const waiters = new LongPollWaiters(clock, 60_000);
    const wait = track(waiters.arm('q'), T0 + 5000);
    await vi.advanceTimersByTimeAsync(4999);
    expect(wait.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(wait.done).toBe(true);
    expect(Date.now()).toBe(T0 + 5000);
  });

  it('resolves at the backstop when untilMs is further away', async () => {
    const waiters = new LongPollWaiters(clock, 1000);
    const wait = track(waiters.arm('q'), T0 + 30_000);
    await vi.advanceTimersByTimeAsync(999);
    expect(wait.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(wait.done).toBe(true);
  });

  it('wakes only the oldest sleeping waiter of each queue at the backstop when many wait', async () => {
    const waiters = new LongPollWaiters(clock, 1000);
    const q = Array.from({ length: 5 }, () => track(waiters.arm('q'), T0 + 30_000));
    const other = [track(waiters.arm('other'), T0 + 30_000), track(waiters.arm('other'), T0 + 30_000)];
    await vi.advanceTimersByTimeAsync(1000);
    expect(q.map((w) => w.done)).toEqual([true, false, false, false, false]);
    expect(other.map((w) => w.done)).toEqual([true, false]);
    expect(waiters.waiting('q')).toBe(4);
    await vi.advanceTimersByTimeAsync(1000);
    expect(q.map((w) => w.done)).toEqual([true, true, false, false, false]);
    expect(other.map((w) => w.done)).toEqual([true, true]);
  });

  it('skips the backstop look of a queue when a waiter of it is looking already', async () => {
    const waiters = new LongPollWaiters(clock, 1000);
    const asleep = track(waiters.arm('q'), T0 + 30_000);
    // Armed and not asleep yet: this receiver is asking the store right now.
    const looking = waiters.arm('q');
    await vi.advanceTimersByTimeAsync(1000);
    expect(asleep.done).toBe(false);
    looking.cancel();
    await vi.advanceTimersByTimeAsync(1000);
    expect(asleep.done).toBe(true);
  });

  it('keeps no timer once no one waits', async () => {
    const waiters = new LongPollWaiters(clock, 1000);
    const wait = track(waiters.arm('q'), T0 + 30_000);
    expect(vi.getTimerCount()).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(wait.done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves on the next tick when untilMs has already passed', async () => {
    const waiters = new LongPollWaiters(clock, 1000);
    const wait = track(waiters.arm('q'), T0 - 5000);
    await settle();
    expect(wait.done).toBe(true);
    expect(Date.now()).toBe(T0);
  });

  it('resolves at once when signalled during the wait', async () => {
    const waiters = new LongPollWaiters(clock, 60_000);
    const wait = track(waiters.arm('q'), T0 + 10_000);
    await vi.advanceTimersByTimeAsync(2000);
    waiters.signal('q', 1);
    await settle();
    expect(wait.done).toBe(true);
    expect(Date.now()).toBe(T0 + 2000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves at once when the signal came between arm and wait', async () => {
    const waiters = new LongPollWaiters(clock, 60_000);
    const waiter = waiters.arm('q');
    waiters.signal('q', 1);
    const wait = track(waiter, T0 + 10_000);
    await settle();
    expect(wait.done).toBe(true);
    expect(waiters.waiting('q')).toBe(0);
  });

  it('wakes only as many waiters as the signal count, oldest first, when many wait', async () => {
    const waiters = new LongPollWaiters(clock, 60_000);
    const waits = Array.from({ length: 5 }, () => track(waiters.arm('q'), T0 + 10_000));
    expect(waiters.waiting('q')).toBe(5);
    waiters.signal('q', 3);
    await settle();
    expect(waits.map((w) => w.done)).toEqual([true, true, true, false, false]);
    expect(waiters.waiting('q')).toBe(2);
    waiters.signal('q', 1);
    await settle();
    expect(waits.map((w) => w.done)).toEqual([true, true, true, true, false]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(waits[4]!.done).toBe(true);
  });

  it('wakes batch receivers until their batches cover the signal count when they take several each', async () => {
    const waiters = new LongPollWaiters(clock, 60_000);
    const waits = Array.from({ length: 4 }, () => track(waiters.arm('q', 16), T0 + 10_000));
    waiters.signal('q', 16);
    await settle();
    expect(waits.map((w) => w.done)).toEqual([true, false, false, false]);
    waiters.signal('q', 20);
    await settle();
    expect(waits.map((w) => w.done)).toEqual([true, true, true, false]);
  });

  it('does not spend a signal on a waiter when it was already signalled', async () => {
    const waiters = new LongPollWaiters(clock, 60_000);
    const first = waiters.arm('q');
    const second = track(waiters.arm('q'), T0 + 10_000);
    // Each signal reports that it reached a waiter: the first one armed and looking, the second asleep.
    expect(waiters.signal('q', 1)).toBe(true); // first: armed, not yet waiting
    expect(waiters.signal('q', 1)).toBe(true); // must reach second
    expect(waiters.signal('q', 1)).toBe(false); // both already signalled: it wakes no one
    await settle();
    expect(second.done).toBe(true);
    await track(first, T0 + 10_000).promise;
    expect(waiters.waiting('q')).toBe(0);
  });

  it('wakes only the waiters of the signalled queue when several queues have waiters', async () => {
    const waiters = new LongPollWaiters(clock, 60_000);
    const a = track(waiters.arm('a'), T0 + 10_000);
    const b = track(waiters.arm('b'), T0 + 10_000);
    expect(waiters.signal('a', 5)).toBe(true);
    expect(waiters.signal('unknown', 5)).toBe(false);
    await settle();
    expect(a.done).toBe(true);
    expect(b.done).toBe(false);
    expect(waiters.waiting('a')).toBe(0);
    expect(waiters.waiting('b')).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(b.done).toBe(true);
  });

  it('stops counting a waiter when it is cancelled', () => {
    const waiters = new LongPollWaiters(clock, 60_000);
    const waiter = waiters.arm('q');
    waiters.arm('q').cancel();
    expect(waiters.waiting('q')).toBe(1);
    waiter.cancel();
    expect(waiters.waiting('q')).toBe(0);
  });

  it('answers every waiter at once when closed', async () => {
    const waiters = new LongPollWaiters(clock, 60_000);
    const waits = [
      track(waiters.arm('a'), T0 + 10_000),
      track(waiters.arm('a'), T0 + 20_000),
      track(waiters.arm('b'), T0 + 30_000),
    ];
    waiters.close();
    await settle();
    expect(waits.every((w) => w.done)).toBe(true);
    expect(waiters.closed).toBe(true);
    expect(Date.now()).toBe(T0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves a wait at once when armed after close', async () => {
    const waiters = new LongPollWaiters(clock, 60_000);
    waiters.close();
    const wait = track(waiters.arm('q'), T0 + 10_000);
    await settle();
    expect(wait.done).toBe(true);
  });
});
