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
 * - Rewind: deleted messages are kept ("retained") until rewindSeconds after their enqueue, and RewindQueue
 *   makes those enqueued since a given time receivable again.
 * - Dead-letter queue: where a source queue's messages go when received maxReceiveCount times without a
 *   delete (policy 0) or left undeleted for maxTimeToLive (policy 1); one transaction per move.
 * - Topic: a named channel; each published message goes to every subscription whose filter matches it.
 * - Subscription: a topic's delivery rule: a push target, a retry strategy, a body format and a filter.
 * - Filter tag: a label on a message (msgTag) and on a subscription (filterTag); on a tag topic a
 *   subscription with tags receives a message when they share one (case-sensitive), one without tags
 *   receives everything.
 * - Binding key / routing key: on a routing topic a message carries one literal dot-separated routing key
 *   and a subscription binding keys where '*' matches one word and '#' zero or more; an empty key matches
 *   only '#'.
 * - Push target: a queue (the raw body is enqueued in the publish's transaction) or an HTTP endpoint (POSTed;
 *   any 2xx is success, anything else is retried).
 * - Delivery: one message still to be pushed to one HTTP subscription; it ends delivered or dropped (retries
 *   used up, or the topic's retention over).
 * - Lease: a push worker's claim on a delivery, made by moving its next attempt to the lease's end, so a
 *   crashed worker's deliveries come due again by themselves.
 * Full definitions: docs/glossary.md.
 */
export {};
