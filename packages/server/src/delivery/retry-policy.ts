import type { NotifyStrategyName as NotifyStrategy } from '../domain/topic.js';

/**
 * Retry schedules of HTTP push subscriptions (shared/reference/cmq-api.md §5, Subscribe `notifyStrategy`).
 * A push attempt that fails is retried after `nextRetryDelayMs(strategy, failedAttempts, random)`; once that
 * returns undefined the message is given up for that subscription. Retries of one message never block other
 * messages of the subscription: the dispatcher schedules each message on its own.
 */

/**
 * BACKOFF_RETRY: 3 retries, each after a random 10-20 s, then the message is dropped for the subscriber.
 * The current glossaries (D-406/4552, TDMQ D-1111/43027) say 10-20 s; the legacy Subscribe page (D-406/7414)
 * says 19-29 s (open question q6). We follow the glossaries: they are the newer text, and Aliyun MNS, from
 * which CMQ's push model derives, documents the same 10-20 s.
 */
export const BACKOFF_RETRY = { maxRetries: 3, minDelayMs: 10_000, maxDelayMs: 20_000 } as const;

/**
 * EXPONENTIAL_DECAY_RETRY: 176 retries; retry k waits 2^(k-1) s capped at 512 s, so 9 growing delays
 * (1 + 2 + ... + 256 = 511 s) and then 167 x 512 s = 85,504 s: 86,015 s (about 23.9 h) in all, which fits the
 * one-day life of a topic message. No jitter: the schedule is CMQ's, and the dispatcher spreads load with its
 * per-subscription window instead.
 */
export const EXPONENTIAL_DECAY_RETRY = { maxRetries: 176, firstDelayMs: 1000, maxDelayMs: 512_000 } as const;

/** How many retries a strategy allows after the first attempt. */
export function maxRetries(strategy: NotifyStrategy): number {
  switch (strategy) {
    case 'BACKOFF_RETRY':
      return BACKOFF_RETRY.maxRetries;
    case 'EXPONENTIAL_DECAY_RETRY':
      return EXPONENTIAL_DECAY_RETRY.maxRetries;
  }
}

/**
 * The delay before the next attempt after `failedAttempts` attempts (the first push included) have failed,
 * or undefined when the strategy's retries are used up. `random` returns a number in [0, 1) like
 * Math.random; it is injected so schedules can be tested exactly.
 */
export function nextRetryDelayMs(
  strategy: NotifyStrategy,
  failedAttempts: number,
  random: () => number,
): number | undefined {
  if (!Number.isSafeInteger(failedAttempts) || failedAttempts < 1) {
    throw new RangeError(`failedAttempts must be an integer >= 1, got ${failedAttempts}`);
  }
  if (failedAttempts > maxRetries(strategy)) return undefined;
  switch (strategy) {
    case 'BACKOFF_RETRY': {
      const { minDelayMs, maxDelayMs } = BACKOFF_RETRY;
      // Whole milliseconds in [min, max]; clamped in case an injected random returns exactly 1.
      const offsetMs = Math.floor(random() * (maxDelayMs - minDelayMs + 1));
      return Math.min(maxDelayMs, Math.max(minDelayMs, minDelayMs + offsetMs));
    }
    case 'EXPONENTIAL_DECAY_RETRY': {
      const { firstDelayMs, maxDelayMs } = EXPONENTIAL_DECAY_RETRY;
      // Bounding the exponent keeps the product exact; 2^9 s already reaches the cap.
      return Math.min(maxDelayMs, firstDelayMs * 2 ** Math.min(failedAttempts - 1, 30));
    }
  }
}
