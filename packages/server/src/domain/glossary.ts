/**
 * Glossary of the domain (kept in step with docs/glossary.md).
 *
 * - Queue: a named, durable, unordered collection of messages that consumers pull from.
 * - Message: an opaque UTF-8 body with an id, the time it was enqueued and its delivery state.
 * - Message state: `delayed` (sent with a delay that has not passed), `ready` (visible: "active"),
 *   `inflight` (received and invisible until its visibility timeout ends: "inactive").
 * - Visibility timeout: how long a received message stays invisible before it becomes ready again.
 * - Receipt handle: the proof of one particular receive. Only the newest receive's handle can delete
 *   the message, and only before the message becomes visible again (fencing).
 * - Retention: how long a message lives after it was enqueued, whatever its state.
 * - Long poll: a receive that waits up to N seconds for a message to become ready.
 * - Topic, subscription, filter tag, binding key, push target, rewind: see docs/glossary.md (later issues).
 */
export {};
