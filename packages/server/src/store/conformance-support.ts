import { expect } from 'vitest';
import { isDomainError, type ErrorCode } from '../domain/errors.js';
import { DEFAULT_QUEUE_ATTRIBUTES, type QueueAttributes } from '../domain/queue.js';

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
