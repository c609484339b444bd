import { DomainError } from './errors.js';

/** A queue's settings. Times are in seconds as CMQ users think of them; sizes in bytes. */
export interface QueueAttributes {
  readonly maxMsgHeapNum: number;
  readonly pollingWaitSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxMsgSizeBytes: number;
  readonly msgRetentionSeconds: number;
  readonly rewindSeconds: number;
}

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
export function checkAttributeInvariants(attributes: QueueAttributes): void {
  if (attributes.rewindSeconds > attributes.msgRetentionSeconds) {
    throw new DomainError('ATTRIBUTE_OUT_OF_RANGE', {
      field: 'rewindSeconds',
      detail: `rewindSeconds (${attributes.rewindSeconds}) cannot exceed msgRetentionSeconds (${attributes.msgRetentionSeconds})`,
    });
  }
}

export function mergeAttributes(current: QueueAttributes, patch: Partial<QueueAttributes>): QueueAttributes {
  const merged = { ...current };
  for (const [key, value] of Object.entries(patch) as Array<[keyof QueueAttributes, number | undefined]>) {
    if (value !== undefined) merged[key] = value;
  }
  checkAttributeInvariants(merged);
  return merged;
}
