import type { SubscriptionAttributes, TopicAttributes } from './topic.js';

/** Topic limits and defaults (cmq-api.md §3.1, §3.8, §7). */
export const TOPIC_LIMITS = {
  /** CreateTopic docs say 1024–65536; the Java SDK and TDMQ accept up to 1 MiB. */
  maxMsgSizeBytes: { min: 1024, max: 1_048_576 },
  msgRetentionSeconds: { min: 60, max: 86_400 },
  /** Push flow control (OpenCMQ). */
  maxInFlight: { min: 1, max: 1024 },
  rateLimitPerSecond: { min: 0, max: 1_000_000 },
  signingSecretMaxLength: 256,
} as const;

export const DEFAULT_TOPIC_ATTRIBUTES: TopicAttributes = Object.freeze({
  maxMsgSizeBytes: 65_536,
  msgRetentionSeconds: 86_400,
  filterType: 1,
});

export const DEFAULT_SUBSCRIPTION_ATTRIBUTES: SubscriptionAttributes = Object.freeze({
  notifyStrategy: 'EXPONENTIAL_DECAY_RETRY',
  notifyContentFormat: 'JSON',
  filterTags: [],
  bindingKeys: [],
  maxInFlight: 64,
  rateLimitPerSecond: 0,
  signingSecret: '',
});

/**
 * The account that owns every topic of this single-tenant server, where CMQ answers an APPID or UIN: the
 * TopicOwner of JSON pushes, GetTopicAttributes `createUin` (a number: typed clients declare it `int`, as
 * Go's CreateUin) and GetSubscriptionAttributes `topicOwner` (a string, as documented). Below 2^31, so a
 * client reading a 32-bit int never overflows.
 */
export const OWNER_UIN = 100_000_000;
