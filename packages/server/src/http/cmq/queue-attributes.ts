import { LIMITS, type Params, type Range } from '@opencmq/protocol';
import { DEAD_LETTER_LIMITS, type DeadLetterPolicy } from '../../domain/dead-letter-policy.js';
import type { Queue, QueueAttributes } from '../../domain/queue.js';
import { CmqError } from './cmq-error.js';
import { optionalInteger } from './params.js';

type NumericAttribute = {
  [K in keyof QueueAttributes]: QueueAttributes[K] extends number ? K : never;
}[keyof QueueAttributes];

/** Wire name ↔ domain attribute, with the accepted range (cmq-api.md §2.1, §2.4; extensions last). */
export const QUEUE_ATTRIBUTE_FIELDS = [
  { wire: 'maxMsgHeapNum', domain: 'maxMsgHeapNum', range: LIMITS.maxMsgHeapNum },
  { wire: 'pollingWaitSeconds', domain: 'pollingWaitSeconds', range: LIMITS.pollingWaitSeconds },
  { wire: 'visibilityTimeout', domain: 'visibilityTimeoutSeconds', range: LIMITS.visibilityTimeoutSeconds },
  { wire: 'maxMsgSize', domain: 'maxMsgSizeBytes', range: LIMITS.maxMsgSizeBytes },
  { wire: 'msgRetentionSeconds', domain: 'msgRetentionSeconds', range: LIMITS.msgRetentionSeconds },
  { wire: 'rewindSeconds', domain: 'rewindSeconds', range: LIMITS.rewindSeconds },
  {
    wire: 'deduplicationWindowSeconds',
    domain: 'deduplicationWindowSeconds',
    range: LIMITS.deduplicationWindowSeconds,
  },
] as const satisfies ReadonlyArray<{ wire: string; domain: NumericAttribute; range: Range }>;

const OTHER_FIELDS = { deadLetterPolicy: 'deadLetterPolicy', trace: 'trace' } as const;

export function wireNameOf(domainField: string | undefined): string | undefined {
  if (domainField === 'deadLetterPolicy' || domainField === 'trace') return OTHER_FIELDS[domainField];
  return QUEUE_ATTRIBUTE_FIELDS.find((f) => f.domain === domainField)?.wire;
}

export function decodeAttributePatch(params: Params): Partial<QueueAttributes> {
  const patch: { -readonly [K in keyof QueueAttributes]?: QueueAttributes[K] } = {};
  for (const field of QUEUE_ATTRIBUTE_FIELDS) {
    const value = optionalInteger(params, field.wire, field.range);
    if (value !== undefined) patch[field.domain] = value;
  }
  const policy = params.get('deadLetterPolicy');
  if (policy !== undefined && policy !== '') patch.deadLetterPolicy = decodeDeadLetterPolicy(policy);
  const trace = params.get('trace');
  if (trace !== undefined && trace !== '') {
    if (!/^(true|false|1|0)$/i.test(trace))
      throw new CmqError('WRONG_TYPE', 'trace', 'expected true or false');
    patch.trace = /^(true|1)$/i.test(trace);
  }
  return patch;
}

export function encodeAttributes(queue: Queue): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of QUEUE_ATTRIBUTE_FIELDS) out[field.wire] = queue.attributes[field.domain];
  out['trace'] = queue.attributes.trace;
  const policy = queue.attributes.deadLetterPolicy;
  if (policy !== null) out['deadLetterPolicy'] = encodeDeadLetterPolicy(policy);
  return out;
}

/**
 * `deadLetterPolicy` is a JSON string (cmq-api.md §2.12): {"deadLetterQueue": name, "policy": 0|1,
 * "maxReceiveCount": 1..1000 (policy 0) | "maxTimeToLive": 300..43200 (policy 1)}. `{}` removes it.
 * Numbers may come as JSON numbers or numeric strings.
 */
export function decodeDeadLetterPolicy(text: string): DeadLetterPolicy | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CmqError('DEAD_LETTER_POLICY_INVALID', 'deadLetterPolicy must be a JSON object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CmqError('DEAD_LETTER_POLICY_INVALID', 'deadLetterPolicy must be a JSON object');
  }
  const fields = value as Record<string, unknown>;
  if (Object.keys(fields).length === 0) return null;
  const deadLetterQueue = fields['deadLetterQueue'];
  if (typeof deadLetterQueue !== 'string' || !LIMITS.namePattern.test(deadLetterQueue)) {
    throw new CmqError('DEAD_LETTER_POLICY_INVALID', 'deadLetterQueue must be a queue name');
  }
  const integer = (name: string, range: Range): number => {
    const raw = fields[name];
    const n =
      typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < range.min || n > range.max) {
      throw new CmqError(
        'DEAD_LETTER_POLICY_INVALID',
        `${name} must be an integer from ${range.min} to ${range.max}`,
      );
    }
    return n;
  };
  const policy = integer('policy', { min: 0, max: 1 });
  return policy === 0
    ? {
        deadLetterQueue,
        policy: 0,
        maxReceiveCount: integer('maxReceiveCount', DEAD_LETTER_LIMITS.maxReceiveCount),
      }
    : {
        deadLetterQueue,
        policy: 1,
        maxTimeToLiveSeconds: integer('maxTimeToLive', DEAD_LETTER_LIMITS.maxTimeToLiveSeconds),
      };
}

export function encodeDeadLetterPolicy(policy: DeadLetterPolicy): string {
  return JSON.stringify(
    policy.policy === 0
      ? { deadLetterQueue: policy.deadLetterQueue, policy: 0, maxReceiveCount: policy.maxReceiveCount }
      : { deadLetterQueue: policy.deadLetterQueue, policy: 1, maxTimeToLive: policy.maxTimeToLiveSeconds },
  );
}

export const toUnixSeconds = (ms: number): number => Math.floor(ms / 1000);
