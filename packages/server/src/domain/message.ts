import { DomainError } from './errors.js';
import type { QueueAttributes } from './queue.js';

export const MESSAGE_STATES = { ready: 0, delayed: 1, inflight: 2 } as const;
export type MessageState = keyof typeof MESSAGE_STATES;

export interface NewMessage {
  readonly body: string;
  readonly delaySeconds: number;
  /** Broker-side idempotency: a resend with the same id within the queue's window stores nothing. */
  readonly deduplicationId?: string | undefined;
}

export interface ReceivedMessage {
  readonly msgId: string;
  readonly body: string;
  readonly receiptHandle: string;
  readonly enqueuedAtMs: number;
  readonly firstDequeuedAtMs: number;
  readonly nextVisibleAtMs: number;
  readonly dequeueCount: number;
}

export interface QueueStats {
  /** Ready (visible) messages. */
  readonly activeMsgNum: number;
  /** Received and not yet deleted, still invisible. */
  readonly inactiveMsgNum: number;
  /** Sent with a delay that has not passed yet. */
  readonly delayMsgNum: number;
  /** Enqueue time of the oldest message not yet deleted or expired; undefined when the queue is empty. */
  readonly oldestEnqueuedAtMs: number | undefined;
  /** Deleted messages kept for rewind. */
  readonly retainedMsgNum: number;
}

/** Checks one batch of new messages against the queue's limits before anything is stored. */
export function checkNewMessages(
  messages: readonly NewMessage[],
  attributes: QueueAttributes,
  batchTotalBytes: number,
): void {
  let total = 0;
  for (const message of messages) {
    const bytes = Buffer.byteLength(message.body, 'utf8');
    if (bytes > attributes.maxMsgSizeBytes) {
      throw new DomainError('MESSAGE_TOO_LARGE', {
        detail: `message body is ${bytes} bytes, the queue's maxMsgSize is ${attributes.maxMsgSizeBytes}`,
      });
    }
    if (message.delaySeconds > attributes.msgRetentionSeconds) {
      throw new DomainError('DELAY_OUT_OF_RANGE', {
        detail: `delaySeconds ${message.delaySeconds} exceeds the queue's msgRetentionSeconds ${attributes.msgRetentionSeconds}`,
      });
    }
    total += bytes;
  }
  if (messages.length > 1 && total > batchTotalBytes) {
    throw new DomainError('BATCH_TOO_LARGE', { detail: `${batchTotalBytes} bytes (this batch is ${total})` });
  }
}
