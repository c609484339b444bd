import { LIMITS, QUEUE_DEFAULTS, type Params, type Range } from '@opencmq/protocol';
import type { Queue, QueueAttributes } from '../../domain/queue.js';
import { optionalInteger } from './params.js';

/** Wire name ↔ domain attribute, with the accepted range (cmq-api.md §2.1, §2.4). */
export const QUEUE_ATTRIBUTE_FIELDS = [
  { wire: 'maxMsgHeapNum', domain: 'maxMsgHeapNum', range: LIMITS.maxMsgHeapNum },
  { wire: 'pollingWaitSeconds', domain: 'pollingWaitSeconds', range: LIMITS.pollingWaitSeconds },
  { wire: 'visibilityTimeout', domain: 'visibilityTimeoutSeconds', range: LIMITS.visibilityTimeoutSeconds },
  { wire: 'maxMsgSize', domain: 'maxMsgSizeBytes', range: LIMITS.maxMsgSizeBytes },
  { wire: 'msgRetentionSeconds', domain: 'msgRetentionSeconds', range: LIMITS.msgRetentionSeconds },
  { wire: 'rewindSeconds', domain: 'rewindSeconds', range: LIMITS.rewindSeconds },
] as const satisfies ReadonlyArray<{ wire: string; domain: keyof QueueAttributes; range: Range }>;

export function wireNameOf(domainField: string | undefined): string | undefined {
  return QUEUE_ATTRIBUTE_FIELDS.find((f) => f.domain === domainField)?.wire;
}

export function decodeAttributePatch(params: Params): Partial<QueueAttributes> {
  const patch: { -readonly [K in keyof QueueAttributes]?: number } = {};
  for (const field of QUEUE_ATTRIBUTE_FIELDS) {
    const value = optionalInteger(params, field.wire, field.range);
    if (value !== undefined) patch[field.domain] = value;
  }
  return patch;
}

export function withDefaults(patch: Partial<QueueAttributes>): QueueAttributes {
  return {
    maxMsgHeapNum: patch.maxMsgHeapNum ?? QUEUE_DEFAULTS.maxMsgHeapNum,
    pollingWaitSeconds: patch.pollingWaitSeconds ?? QUEUE_DEFAULTS.pollingWaitSeconds,
    visibilityTimeoutSeconds: patch.visibilityTimeoutSeconds ?? QUEUE_DEFAULTS.visibilityTimeoutSeconds,
    maxMsgSizeBytes: patch.maxMsgSizeBytes ?? QUEUE_DEFAULTS.maxMsgSizeBytes,
    msgRetentionSeconds: patch.msgRetentionSeconds ?? QUEUE_DEFAULTS.msgRetentionSeconds,
    rewindSeconds: patch.rewindSeconds ?? QUEUE_DEFAULTS.rewindSeconds,
  };
}

export function encodeAttributes(queue: Queue): Record<string, number> {
  const out: Record<string, number> = {};
  for (const field of QUEUE_ATTRIBUTE_FIELDS) out[field.wire] = queue.attributes[field.domain];
  return out;
}

export const toUnixSeconds = (ms: number): number => Math.floor(ms / 1000);
