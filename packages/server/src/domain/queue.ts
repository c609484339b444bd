import { QUEUE_DEFAULTS } from '@opencmq/protocol';
import { checkDeadLetterPolicy, type DeadLetterPolicy } from './dead-letter-policy.js';
import { DomainError } from './errors.js';

/** A queue's settings. Times are in seconds as CMQ users think of them; sizes in bytes. */
export interface QueueAttributes {
  readonly maxMsgHeapNum: number;
  readonly pollingWaitSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxMsgSizeBytes: number;
  readonly msgRetentionSeconds: number;
  /** Deleted messages stay rewindable this long after their enqueue; 0 turns rewind off. */
  readonly rewindSeconds: number;
  readonly deadLetterPolicy: DeadLetterPolicy | null;
  /** Sends with the same deduplication id within this window store one message (OpenCMQ extension). */
  readonly deduplicationWindowSeconds: number;
  /** Record lifecycle events of this queue's messages (message trace). */
  readonly trace: boolean;
}

export const DEFAULT_QUEUE_ATTRIBUTES: QueueAttributes = Object.freeze({
  maxMsgHeapNum: QUEUE_DEFAULTS.maxMsgHeapNum,
  pollingWaitSeconds: QUEUE_DEFAULTS.pollingWaitSeconds,
  visibilityTimeoutSeconds: QUEUE_DEFAULTS.visibilityTimeoutSeconds,
  maxMsgSizeBytes: QUEUE_DEFAULTS.maxMsgSizeBytes,
  msgRetentionSeconds: QUEUE_DEFAULTS.msgRetentionSeconds,
  rewindSeconds: QUEUE_DEFAULTS.rewindSeconds,
  deadLetterPolicy: null,
  deduplicationWindowSeconds: QUEUE_DEFAULTS.deduplicationWindowSeconds,
  trace: false,
});

export interface Queue {
  /** Opaque public id, e.g. `queue-4k2j9x0a1b`. */
  readonly queueId: string;
  /** The name as created (lookups are case-insensitive, see queueKey). */
  readonly name: string;
  readonly attributes: QueueAttributes;
  readonly createdAtMs: number;
  readonly modifiedAtMs: number;
}

/** Names are unique case-insensitively (CMQ 4460 "queue is already existed,case insensitive"). */
export function queueKey(name: string): string {
  return name.toLowerCase();
}

/** Rules between attributes that single-range checks cannot express. */
export function checkAttributeInvariants(queueName: string, attributes: QueueAttributes): void {
  if (attributes.deduplicationWindowSeconds > attributes.msgRetentionSeconds) {
    throw new DomainError('ATTRIBUTE_OUT_OF_RANGE', {
      field: 'deduplicationWindowSeconds',
      detail: `deduplicationWindowSeconds (${attributes.deduplicationWindowSeconds}) cannot exceed msgRetentionSeconds (${attributes.msgRetentionSeconds})`,
    });
  }
  if (attributes.deadLetterPolicy !== null) {
    checkDeadLetterPolicy(queueName, attributes.deadLetterPolicy, attributes.msgRetentionSeconds);
  }
  if (attributes.rewindSeconds > attributes.msgRetentionSeconds) {
    throw new DomainError('ATTRIBUTE_OUT_OF_RANGE', {
      field: 'rewindSeconds',
      detail: `rewindSeconds (${attributes.rewindSeconds}) cannot exceed msgRetentionSeconds (${attributes.msgRetentionSeconds})`,
    });
  }
}

export function mergeAttributes(
  queueName: string,
  current: QueueAttributes,
  patch: Partial<QueueAttributes>,
): QueueAttributes {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) merged[key] = value;
  }
  // The deduplication window never outlives retention: when retention shrinks below it (or a short
  // retention meets the default window) the window follows; only an explicit larger window is an error.
  if (patch.deduplicationWindowSeconds === undefined) {
    merged['deduplicationWindowSeconds'] = Math.min(
      current.deduplicationWindowSeconds,
      merged['msgRetentionSeconds'] as number,
    );
  }
  const attributes = merged as unknown as QueueAttributes;
  checkAttributeInvariants(queueName, attributes);
  return attributes;
}
