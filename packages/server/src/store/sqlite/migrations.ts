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
];
