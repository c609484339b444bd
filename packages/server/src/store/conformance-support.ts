import { expect } from 'vitest';
import { isDomainError, type ErrorCode } from '../domain/errors.js';
import { DEFAULT_QUEUE_ATTRIBUTES, type QueueAttributes } from '../domain/queue.js';
import type { Store } from './store.js';

/** What the conformance suites share: a fixed start time, test queue attributes, error assertions. */
export const T0 = 1_700_000_000_000;

/** Queue attributes for store tests: the defaults with a 1-hour retention, so expiry is easy to reach. */
export function testQueueAttributes(patch: Partial<QueueAttributes> = {}): QueueAttributes {
  return { ...DEFAULT_QUEUE_ATTRIBUTES, msgRetentionSeconds: 3600, ...patch };
}

/** Fails unless the promise rejects with a DomainError of that code. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isDomainError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
}

/** Records the store's "messages ready" signals as [queue key, count]; the listener wakes no one. */
export function recordReadySignals(store: Store): { signals: Array<[string, number]>; stop: () => void } {
  const signals: Array<[string, number]> = [];
  const stop = store.onMessagesReady((key, count) => {
    signals.push([key, count]);
    return false;
  });
  return { signals, stop };
}
