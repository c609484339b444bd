import type { Database, Statement } from 'better-sqlite3';
import { BOUND_LIMIT } from './bound-limit.js';

export interface TopicRow {
  id: number;
  name: string;
  name_key: string;
  topic_id: string;
  max_msg_size_bytes: number;
  msg_retention_seconds: number;
  filter_type: number;
  created_at_ms: number;
  modified_at_ms: number;
  pending_messages: number;
}

export interface SubscriptionRow {
  id: number;
  topic_id: number;
  name: string;
  name_key: string;
  subscription_id: string;
  protocol: string;
  endpoint: string;
  notify_strategy: string;
  notify_content_format: string;
  filter_tags: string;
  binding_keys: string;
  max_in_flight: number;
  rate_limit_per_second: number;
  signing_secret: string;
  created_at_ms: number;
  modified_at_ms: number;
  routed_count: number;
  pending_count: number;
  delivered_count: number;
  failed_attempts: number;
  dropped_count: number;
  topic_name: string;
}

export interface DeliveryRow {
  id: number;
  subscription_id: number;
  message_id: number;
  attempts: number;
  next_attempt_at_ms: number;
  expires_at_ms: number;
  body: string;
  tags: string;
  published_at_ms: number;
  topic_id: number;
}

const SUBSCRIPTION =
  'SELECT s.*, t.name AS topic_name FROM subscriptions s JOIN topics t ON t.id = s.topic_id';
const DELIVERY = `SELECT d.*, m.body, m.tags, m.published_at_ms, m.topic_id FROM deliveries d
  JOIN topic_messages m ON m.id = d.message_id`;

/** The SQL of the topic half of the SQLite engine, prepared once. */
export function prepareTopicStatements(db: Database) {
  const prepare = <P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R> =>
    db.prepare<P, R>(sql);
  return {
    topicByKey: prepare<[string], TopicRow>('SELECT * FROM topics WHERE name_key = ?'),
    topicById: prepare<[number], TopicRow>('SELECT * FROM topics WHERE id = ?'),
    countTopics: prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM topics'),
    insertTopic: prepare<[string, string, string, number, number, number, number, number]>(
      `INSERT INTO topics (name, name_key, topic_id, max_msg_size_bytes, msg_retention_seconds, filter_type,
         created_at_ms, modified_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateTopic: prepare<[number, number, number, number]>(
      'UPDATE topics SET max_msg_size_bytes = ?, msg_retention_seconds = ?, modified_at_ms = ? WHERE id = ?',
    ),
    deleteTopic: prepare<[number]>('DELETE FROM topics WHERE id = ?'),
    listTopics: prepare<[string, number, number], TopicRow>(
      `SELECT * FROM topics WHERE name_key LIKE ? ESCAPE '\\' ORDER BY name_key ${BOUND_LIMIT} OFFSET ?`,
    ),
    countMatchingTopics: prepare<[string], { n: number }>(
      `SELECT COUNT(*) AS n FROM topics WHERE name_key LIKE ? ESCAPE '\\'`,
    ),
    addPendingMessages: prepare<[number, number]>(
      'UPDATE topics SET pending_messages = pending_messages + ? WHERE id = ?',
    ),

    subscriptionByKey: prepare<[number, string], SubscriptionRow>(
      `${SUBSCRIPTION} WHERE s.topic_id = ? AND s.name_key = ?`,
    ),
    subscriptionByPublicId: prepare<[string], SubscriptionRow>(`${SUBSCRIPTION} WHERE s.subscription_id = ?`),
    subscriptionsOfTopic: prepare<[number], SubscriptionRow>(
      `${SUBSCRIPTION} WHERE s.topic_id = ? ORDER BY s.id`,
    ),
    countSubscriptions: prepare<[number], { n: number }>(
      'SELECT COUNT(*) AS n FROM subscriptions WHERE topic_id = ?',
    ),
    pushSubscriptions: prepare<[], SubscriptionRow>(`${SUBSCRIPTION} WHERE s.protocol = 'http'`),
    insertSubscription: prepare(
      `INSERT INTO subscriptions (topic_id, name, name_key, subscription_id, protocol, endpoint, notify_strategy,
         notify_content_format, filter_tags, binding_keys, max_in_flight, rate_limit_per_second, signing_secret,
         created_at_ms, modified_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateSubscription: prepare(
      `UPDATE subscriptions SET notify_strategy = ?, notify_content_format = ?, filter_tags = ?, binding_keys = ?,
         max_in_flight = ?, rate_limit_per_second = ?, signing_secret = ?, modified_at_ms = ? WHERE id = ?`,
    ),
    deleteSubscription: prepare<[number]>('DELETE FROM subscriptions WHERE id = ?'),
    listSubscriptions: prepare<[number, string, number, number], SubscriptionRow>(
      `${SUBSCRIPTION} WHERE s.topic_id = ? AND s.name_key LIKE ? ESCAPE '\\' ORDER BY s.name_key ${BOUND_LIMIT} OFFSET ?`,
    ),
    countMatchingSubscriptions: prepare<[number, string], { n: number }>(
      `SELECT COUNT(*) AS n FROM subscriptions WHERE topic_id = ? AND name_key LIKE ? ESCAPE '\\'`,
    ),
    addStats: prepare<[number, number, number, number, number, number]>(
      `UPDATE subscriptions SET routed_count = routed_count + ?, pending_count = pending_count + ?,
         delivered_count = delivered_count + ?, failed_attempts = failed_attempts + ?, dropped_count = dropped_count + ?
       WHERE id = ?`,
    ),

    nextMessageIds: prepare<[number], { n: number }>('UPDATE topic_message_seq SET n = n + ? RETURNING n'),
    insertTopicMessage: prepare<[number, number, string, string, number, number]>(
      'INSERT INTO topic_messages (id, topic_id, body, tags, published_at_ms, pending) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    messagePending: prepare<[number], { pending: number; topic_id: number }>(
      'SELECT pending, topic_id FROM topic_messages WHERE id = ?',
    ),
    decrementMessage: prepare<[number]>('UPDATE topic_messages SET pending = pending - 1 WHERE id = ?'),
    deleteTopicMessage: prepare<[number]>('DELETE FROM topic_messages WHERE id = ?'),

    insertDelivery: prepare<[number, number, number, number]>(
      'INSERT INTO deliveries (subscription_id, message_id, next_attempt_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)',
    ),
    deliveryById: prepare<[number], DeliveryRow>(`${DELIVERY} WHERE d.id = ?`),
    dueDeliveries: prepare<[number, number, number], DeliveryRow>(
      `${DELIVERY} WHERE d.subscription_id = ? AND d.next_attempt_at_ms <= ? ORDER BY d.next_attempt_at_ms, d.id ${BOUND_LIMIT}`,
    ),
    expiredDeliveries: prepare<[number, number, number], { id: number; message_id: number }>(
      `SELECT id, message_id FROM deliveries WHERE subscription_id = ? AND expires_at_ms <= ? ${BOUND_LIMIT}`,
    ),
    leaseDelivery: prepare<[number, number]>('UPDATE deliveries SET next_attempt_at_ms = ? WHERE id = ?'),
    retryDelivery: prepare<[number, number]>(
      'UPDATE deliveries SET next_attempt_at_ms = ?, attempts = attempts + 1 WHERE id = ?',
    ),
    deleteDelivery: prepare<[number]>('DELETE FROM deliveries WHERE id = ?'),
    deliveriesOfSubscription: prepare<[number, number], { id: number; message_id: number }>(
      `SELECT id, message_id FROM deliveries WHERE subscription_id = ? ${BOUND_LIMIT}`,
    ),
    nextDelivery: prepare<[number], { t: number | null }>(
      'SELECT MIN(next_attempt_at_ms) AS t FROM deliveries WHERE subscription_id = ?',
    ),
  };
}

export type TopicStatements = ReturnType<typeof prepareTopicStatements>;
