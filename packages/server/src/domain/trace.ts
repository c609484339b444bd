/**
 * Message trace: the lifecycle events of messages of queues whose `trace` attribute is on. Bounded in
 * age and count by the server (config traceRetentionSeconds, traceMaxEvents).
 */
export const TRACE_EVENTS = [
  'sent',
  'received',
  'deleted',
  'expired',
  'dead-lettered',
  'rewound',
  'redriven',
] as const;
export type TraceEventKind = (typeof TRACE_EVENTS)[number];

export interface TraceEvent {
  readonly msgId: string;
  readonly atMs: number;
  readonly event: TraceEventKind;
  /** Event detail: the receipt handle of a receive, the queue a message moved to or came from. */
  readonly detail: string;
}

/** Where a message is now, as a lookup by id sees it. */
export type MessageLocation = 'ready' | 'delayed' | 'inflight' | 'retained';

export interface MessageInfo {
  readonly msgId: string;
  readonly queueName: string;
  readonly state: MessageLocation;
  readonly enqueuedAtMs: number;
  readonly firstDequeuedAtMs: number;
  readonly nextVisibleAtMs: number;
  readonly dequeueCount: number;
  readonly bodyBytes: number;
}
