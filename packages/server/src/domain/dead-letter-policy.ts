import { DomainError } from './errors.js';

/**
 * Where a queue's undeliverable messages go (cmq-api.md §2.12):
 * - policy 0 (`maxReceiveCount`): a message received that many times whose visibility timeout ends
 *   without a delete moves to the dead-letter queue instead of becoming visible again;
 * - policy 1 (`maxTimeToLive`): a message not consumed (deleted) within that many seconds of its enqueue
 *   moves, as soon as it is not in flight.
 * A move keeps the message id, body and enqueue time, and is atomic: never in both queues, never in neither.
 */
export type DeadLetterPolicy =
  | { readonly deadLetterQueue: string; readonly policy: 0; readonly maxReceiveCount: number }
  | { readonly deadLetterQueue: string; readonly policy: 1; readonly maxTimeToLiveSeconds: number };

export const DEAD_LETTER_LIMITS = {
  maxReceiveCount: { min: 1, max: 1000 },
  maxTimeToLiveSeconds: { min: 300, max: 43_200 },
  /** One dead-letter queue serves at most this many source queues. */
  maxSourcesPerDeadLetterQueue: 6,
} as const;

/** Rules of a policy against its own queue's settings (cross-queue rules are checked by the store). */
export function checkDeadLetterPolicy(
  queueName: string,
  policy: DeadLetterPolicy,
  msgRetentionSeconds: number,
): void {
  if (policy.deadLetterQueue.toLowerCase() === queueName.toLowerCase()) {
    throw new DomainError('DEAD_LETTER_INVALID', { detail: 'a queue cannot be its own dead-letter queue' });
  }
  if (policy.policy === 1 && policy.maxTimeToLiveSeconds >= msgRetentionSeconds) {
    throw new DomainError('DEAD_LETTER_INVALID', {
      detail: `maxTimeToLive (${policy.maxTimeToLiveSeconds}) must be less than msgRetentionSeconds (${msgRetentionSeconds})`,
    });
  }
}
