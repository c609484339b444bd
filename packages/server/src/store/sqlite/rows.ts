import type { DeadLetterPolicy } from '../../domain/dead-letter-policy.js';
import type { Queue } from '../../domain/queue.js';

export interface QueueRow {
  id: number;
  name: string;
  name_key: string;
  queue_id: string;
  max_msg_heap_num: number;
  polling_wait_seconds: number;
  visibility_timeout_seconds: number;
  max_msg_size_bytes: number;
  msg_retention_seconds: number;
  rewind_seconds: number;
  created_at_ms: number;
  modified_at_ms: number;
  ready_count: number;
  delayed_count: number;
  inflight_count: number;
  retained_count: number;
  dead_letter_policy: string | null;
  dead_letter_queue_key: string | null;
  dedup_window_seconds: number;
  trace: number;
}

export interface MessageRow {
  id: number;
  state: number;
  visible_at_ms: number;
  body: string;
  enqueued_at_ms: number;
  first_dequeued_at_ms: number;
  dequeue_count: number;
  source_queue_id: number | null;
}

export function toQueue(row: QueueRow): Queue {
  return {
    queueId: row.queue_id,
    name: row.name,
    attributes: {
      maxMsgHeapNum: row.max_msg_heap_num,
      pollingWaitSeconds: row.polling_wait_seconds,
      visibilityTimeoutSeconds: row.visibility_timeout_seconds,
      maxMsgSizeBytes: row.max_msg_size_bytes,
      msgRetentionSeconds: row.msg_retention_seconds,
      rewindSeconds: row.rewind_seconds,
      deadLetterPolicy: deadLetterPolicyOf(row),
      deduplicationWindowSeconds: row.dedup_window_seconds,
      trace: row.trace === 1,
    },
    createdAtMs: row.created_at_ms,
    modifiedAtMs: row.modified_at_ms,
  };
}

export function deadLetterPolicyOf(row: QueueRow): DeadLetterPolicy | null {
  return row.dead_letter_policy === null ? null : (JSON.parse(row.dead_letter_policy) as DeadLetterPolicy);
}
