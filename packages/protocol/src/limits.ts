/**
 * Protocol limits as data (shared/reference/cmq-api.md §2 and §7). Ranges are inclusive.
 * Where legacy CMQ and TDMQ disagree the choice is recorded in docs/decisions/0003-protocol-limits.md.
 */
export interface Range {
  readonly min: number;
  readonly max: number;
}

export const LIMITS = {
  nameMaxLength: 64,
  /** Legacy CMQ allows letters, digits and '-'; TDMQ adds '_'. Start with a letter. */
  namePattern: /^[A-Za-z][A-Za-z0-9_-]{0,63}$/,
  batchSize: { min: 1, max: 16 },
  pollingWaitSeconds: { min: 0, max: 30 },
  visibilityTimeoutSeconds: { min: 1, max: 43_200 },
  maxMsgSizeBytes: { min: 1024, max: 1_048_576 },
  maxMsgHeapNum: { min: 1_000_000, max: 1_000_000_000 },
  msgRetentionSeconds: { min: 60, max: 1_296_000 },
  rewindSeconds: { min: 0, max: 1_296_000 },
  /** Delay is further bounded by the queue's msgRetentionSeconds (a message cannot outlive its delay). */
  delaySeconds: { min: 0, max: 1_296_000 },
  /** Sum of message bodies in one batch send (TDMQ 4470/10300). */
  batchTotalBytes: 1_048_576,
  listLimit: { min: 1, max: 50 },
  listOffset: { min: 0, max: 1_000_000_000 },
  receiptHandleMaxLength: 256,
  receiptHandlePattern: /^[A-Za-z0-9%#:_-]{1,256}$/,
  searchWordMaxLength: 64,
  deduplicationWindowSeconds: { min: 0, max: 1_296_000 },
  deduplicationIdMaxLength: 128,
  deduplicationIdPattern: /^[\x21-\x7e]{1,128}$/,
  redriveMax: { min: 1, max: 10_000 },
  /** Largest Unix-seconds timestamp accepted (year 9999). */
  unixSecondsMax: 253_402_300_799,
} as const;

export const QUEUE_DEFAULTS = {
  maxMsgHeapNum: 100_000_000,
  pollingWaitSeconds: 0,
  visibilityTimeoutSeconds: 30,
  maxMsgSizeBytes: 65_536,
  msgRetentionSeconds: 345_600,
  rewindSeconds: 0,
  /** OpenCMQ extension: window of broker-side deduplication (SQS FIFO uses 5 minutes too). */
  deduplicationWindowSeconds: 300,
} as const;

export const LIST_DEFAULT_LIMIT = 20;
