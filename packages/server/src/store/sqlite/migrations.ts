/**
 * Schema versions, applied in order; PRAGMA user_version records the last one applied.
 * Never edit a released migration: add a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE queues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    queue_id TEXT NOT NULL UNIQUE,
    max_msg_heap_num INTEGER NOT NULL,
    polling_wait_seconds INTEGER NOT NULL,
    visibility_timeout_seconds INTEGER NOT NULL,
    max_msg_size_bytes INTEGER NOT NULL,
    msg_retention_seconds INTEGER NOT NULL,
    rewind_seconds INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    modified_at_ms INTEGER NOT NULL,
    ready_count INTEGER NOT NULL DEFAULT 0,
    delayed_count INTEGER NOT NULL DEFAULT 0,
    inflight_count INTEGER NOT NULL DEFAULT 0
  );
  -- state: 0 ready, 1 delayed, 2 in flight (domain/message.ts MESSAGE_STATES)
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id INTEGER NOT NULL,
    state INTEGER NOT NULL,
    visible_at_ms INTEGER NOT NULL,
    enqueued_at_ms INTEGER NOT NULL,
    first_dequeued_at_ms INTEGER NOT NULL DEFAULT 0,
    dequeue_count INTEGER NOT NULL DEFAULT 0,
    receipt_token INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL
  );
  -- receive (state 0 by visible time), promotion (states 1 and 2 that are due), next wake-up
  CREATE INDEX messages_by_state ON messages (queue_id, state, visible_at_ms);
  -- expiry and minMsgTime (oldest first), reclaiming a dropped queue
  CREATE INDEX messages_by_age ON messages (queue_id, enqueued_at_ms);
  -- queues deleted whose messages are still being reclaimed in the background
  CREATE TABLE dropped_queues (queue_id INTEGER PRIMARY KEY);
  `,
  `
  -- Dead-letter policy (JSON of domain DeadLetterPolicy), deduplication, trace, rewind counters.
  ALTER TABLE queues ADD COLUMN dead_letter_policy TEXT;
  ALTER TABLE queues ADD COLUMN dead_letter_queue_key TEXT;
  ALTER TABLE queues ADD COLUMN dedup_window_seconds INTEGER NOT NULL DEFAULT 300;
  ALTER TABLE queues ADD COLUMN trace INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE queues ADD COLUMN retained_count INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX queues_by_dead_letter_queue ON queues (dead_letter_queue_key);
  -- the queue a dead-lettered message came from, for redrive
  ALTER TABLE messages ADD COLUMN source_queue_id INTEGER;
  -- deleted messages kept for rewind until enqueued_at_ms + rewindSeconds
  CREATE TABLE retained_messages (
    id INTEGER PRIMARY KEY,
    queue_id INTEGER NOT NULL,
    enqueued_at_ms INTEGER NOT NULL,
    first_dequeued_at_ms INTEGER NOT NULL,
    dequeue_count INTEGER NOT NULL,
    body TEXT NOT NULL
  );
  CREATE INDEX retained_by_age ON retained_messages (queue_id, enqueued_at_ms);
  CREATE TABLE dedup_ids (
    queue_id INTEGER NOT NULL,
    dedup_id TEXT NOT NULL,
    msg_id INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (queue_id, dedup_id)
  ) WITHOUT ROWID;
  CREATE INDEX dedup_by_expiry ON dedup_ids (expires_at_ms);
  CREATE TABLE trace_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    msg_id INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL
  );
  CREATE INDEX trace_by_message ON trace_events (msg_id);
  CREATE INDEX trace_by_time ON trace_events (at_ms);
  `,
  `
  -- Topics and subscriptions (store/topic-store.ts).
  CREATE TABLE topics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    topic_id TEXT NOT NULL UNIQUE,
    max_msg_size_bytes INTEGER NOT NULL,
    msg_retention_seconds INTEGER NOT NULL,
    filter_type INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    modified_at_ms INTEGER NOT NULL,
    -- published messages with at least one pending push delivery
    pending_messages INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    subscription_id TEXT NOT NULL UNIQUE,
    protocol TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    notify_strategy TEXT NOT NULL,
    notify_content_format TEXT NOT NULL,
    filter_tags TEXT NOT NULL,
    binding_keys TEXT NOT NULL,
    max_in_flight INTEGER NOT NULL,
    rate_limit_per_second INTEGER NOT NULL,
    signing_secret TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    modified_at_ms INTEGER NOT NULL,
    routed_count INTEGER NOT NULL DEFAULT 0,
    pending_count INTEGER NOT NULL DEFAULT 0,
    delivered_count INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    dropped_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (topic_id, name_key)
  );
  -- bodies of published messages waiting for push deliveries; pending = deliveries left
  CREATE TABLE topic_messages (
    id INTEGER PRIMARY KEY,
    topic_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    tags TEXT NOT NULL,
    published_at_ms INTEGER NOT NULL,
    pending INTEGER NOT NULL
  );
  -- one row per (message, http subscription); a lease moves next_attempt_at_ms to the lease's end
  CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
  );
  CREATE INDEX deliveries_due ON deliveries (subscription_id, next_attempt_at_ms);
  CREATE INDEX deliveries_expiry ON deliveries (subscription_id, expires_at_ms);
  -- message ids of publishes (also those that only reached queues)
  CREATE TABLE topic_message_seq (n INTEGER NOT NULL);
  INSERT INTO topic_message_seq (n) VALUES (0);
  `,
];
