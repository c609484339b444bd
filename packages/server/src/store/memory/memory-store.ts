import { randomInt } from 'node:crypto';
import { DEAD_LETTER_LIMITS, type DeadLetterPolicy } from '../../domain/dead-letter-policy.js';
import { DomainError } from '../../domain/errors.js';
import type { NewMessage, QueueStats, ReceivedMessage } from '../../domain/message.js';
import { mergeAttributes, queueKey, type Queue, type QueueAttributes } from '../../domain/queue.js';
import { formatReceiptHandle, RECEIPT_TOKEN_LIMIT, type ReceiptHandle } from '../../domain/receipt-handle.js';
import type { MessageInfo, TraceEvent, TraceEventKind } from '../../domain/trace.js';
import type { TopicStore } from '../topic-store.js';
import { createQueueId } from '../queue-id.js';
import { ReadyListeners } from '../ready-listeners.js';
import type {
  CreateQueueInput,
  DeleteOutcome,
  ListQuery,
  ReadyListener,
  ReceiveRequest,
  Store,
  TracePruning,
} from '../store.js';
import {
  createQueueState,
  createTtlPending,
  entryOf,
  isCurrent,
  type QueueState,
  type StoredMessage,
} from './queue-state.js';
import { MemoryTopics, type EnqueueOutcome } from './memory-topics.js';
import { TraceLog } from './trace-log.js';

/**
 * In-memory engine for tests and `--ephemeral`: nothing survives a restart. Per queue it keeps (queue-state.ts)
 * - `messages`: the live messages by id;
 * - `ready`: a heap of ready messages by visibility: receive pops from it;
 * - `timers`: a heap of delayed/in-flight messages by visibility: promoted (or dead-lettered) when due;
 * - `byAge`: a heap by enqueue time: expiry, the oldest message, redrive order;
 * - `ttlPending`: a heap by enqueue time while the queue has a maxTimeToLive dead-letter policy;
 * - `retained`: deleted messages kept for rewind; `dedup`: deduplication records.
 * Heap entries whose message left or changed are skipped (lazy removal). Every operation costs O(log n) in
 * the queue's size, or O(k log n) for k messages it changes. Topics live in memory-topics.ts; a publish to a
 * queue subscription enters the queue through #enqueueFromTopic, in the same step as the rest of the publish.
 */
export function createMemoryStore(): MemoryEngine {
  return new MemoryStore();
}

/** The memory engine serves both ports, like every engine. */
export type MemoryEngine = Store & TopicStore;

type TopicArgs<K extends keyof TopicStore> = Parameters<TopicStore[K]>;

/** How many rows one expireMessages call may still remove, per kind. */
interface Budget {
  messages: number;
  retained: number;
}

const unlimited = (): Budget => ({ messages: Infinity, retained: Infinity });

class MemoryStore implements Store, TopicStore {
  readonly #queues = new Map<string, QueueState>();
  readonly #topics = new MemoryTopics((queueName, body, nowMs) =>
    this.#enqueueFromTopic(queueName, body, nowMs),
  );
  /** Dead-letter queue key -> keys of the queues whose policy names it. */
  readonly #deadLetterSources = new Map<string, Set<string>>();
  readonly #trace = new TraceLog();
  readonly #listeners = new ReadyListeners();
  #nextMessageId = 1;
  #closed = false;

  createQueue(input: CreateQueueInput): Promise<Queue> {
    return this.#run(() => {
      const key = queueKey(input.name);
      if (this.#queues.has(key)) throw new DomainError('QUEUE_ALREADY_EXISTS', { detail: input.name });
      if (this.#queues.size >= input.maxQueues) throw new DomainError('QUEUE_LIMIT_REACHED');
      // Attribute invariants are checked at the edge (QueueService); the store adds the cross-queue rules.
      const policy = input.attributes.deadLetterPolicy;
      const meta: Queue = {
        queueId: createQueueId(),
        name: input.name,
        attributes: {
          ...input.attributes,
          deadLetterPolicy: policy === null ? null : this.#checkDeadLetterTarget(key, policy),
        },
        createdAtMs: input.nowMs,
        modifiedAtMs: input.nowMs,
      };
      const queue = createQueueState(meta, key);
      this.#queues.set(key, queue);
      this.#linkDeadLetterQueue(queue);
      return meta;
    });
  }

  getQueue(name: string): Promise<Queue | undefined> {
    return this.#run(() => this.#queues.get(queueKey(name))?.meta);
  }

  listQueues(query: ListQuery): Promise<{ total: number; queues: Queue[] }> {
    return this.#run(() => {
      const word = query.searchWord?.toLowerCase();
      const matching = [...this.#queues.values()]
        .filter((q) => word === undefined || q.key.includes(word))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return {
        total: matching.length,
        queues: matching.slice(query.offset, query.offset + query.limit).map((q) => q.meta),
      };
    });
  }

  updateQueue(name: string, patch: Partial<QueueAttributes>, nowMs: number): Promise<Queue> {
    return this.#run(() => {
      const queue = this.#queue(name);
      let attributes = mergeAttributes(queue.meta.name, queue.meta.attributes, patch);
      if (patch.deadLetterPolicy !== undefined && attributes.deadLetterPolicy !== null) {
        attributes = {
          ...attributes,
          deadLetterPolicy: this.#checkDeadLetterTarget(queue.key, attributes.deadLetterPolicy),
        };
      }
      this.#unlinkDeadLetterQueue(queue);
      queue.meta = { ...queue.meta, attributes, modifiedAtMs: nowMs };
      this.#linkDeadLetterQueue(queue);
      // Rebuilt by the next settle if the new policy is a maxTimeToLive one.
      if (patch.deadLetterPolicy !== undefined) queue.ttlPending = undefined;
      if (attributes.rewindSeconds === 0 && queue.retained.size > 0) queue.retained.clear();
      return queue.meta;
    });
  }

  deleteQueue(name: string): Promise<void> {
    return this.#run(() => {
      const queue = this.#queue(name);
      const sources = this.#deadLetterSources.get(queue.key);
      if (sources !== undefined && sources.size > 0) {
        throw new DomainError('DEAD_LETTER_QUEUE_IN_USE', {
          detail: `${queue.meta.name} is the dead-letter queue of ${[...sources].sort().join(', ')}`,
        });
      }
      this.#unlinkDeadLetterQueue(queue);
      this.#queues.delete(queue.key);
    });
  }

  listDeadLetterSources(deadLetterQueueName: string): Promise<Queue[]> {
    return this.#run(() => {
      this.#queue(deadLetterQueueName);
      const sources = this.#deadLetterSources.get(queueKey(deadLetterQueueName)) ?? new Set<string>();
      return [...sources].sort().flatMap((key) => {
        const source = this.#queues.get(key);
        return source === undefined ? [] : [source.meta];
      });
    });
  }

  sendMessages(queueName: string, messages: readonly NewMessage[], nowMs: number): Promise<string[]> {
    return this.#run(() => {
      const queue = this.#queue(queueName);
      const attributes = queue.meta.attributes;
      const windowMs = attributes.deduplicationWindowSeconds * 1000;
      // Plan first, so that a refused batch changes nothing: per input, undefined stores a new message,
      // a string reuses a recorded id, a number reuses the id of that earlier input of the batch.
      const firstInBatch = new Map<string, number>();
      const reuse = messages.map((input, index): string | number | undefined => {
        const deduplicationId = windowMs > 0 ? input.deduplicationId : undefined;
        if (deduplicationId === undefined) return undefined;
        const earlier = firstInBatch.get(deduplicationId);
        if (earlier !== undefined) return earlier;
        const record = queue.dedup.get(deduplicationId);
        if (record !== undefined && record.firstSentAtMs + windowMs > nowMs) return record.msgId;
        firstInBatch.set(deduplicationId, index);
        return undefined;
      });
      const storing = reuse.filter((r) => r === undefined).length;
      // Counters may still include messages past retention: settle before refusing.
      if (heldOf(queue) + storing > attributes.maxMsgHeapNum) this.#settle(queue, nowMs);
      if (heldOf(queue) + storing > attributes.maxMsgHeapNum) throw new DomainError('QUEUE_FULL');
      const enqueuedAtMs = Math.max(nowMs, queue.lastEnqueuedAtMs);
      queue.lastEnqueuedAtMs = enqueuedAtMs;
      let readyNow = 0;
      const ids: string[] = [];
      messages.forEach((input, index) => {
        const reused = reuse[index];
        if (reused !== undefined) {
          ids.push(typeof reused === 'string' ? reused : (ids[reused] ?? ''));
          return;
        }
        const delayed = input.delaySeconds > 0;
        const message: StoredMessage = {
          id: this.#nextMessageId++,
          body: input.body,
          enqueuedAtMs,
          source: undefined,
          state: delayed ? 'delayed' : 'ready',
          visibleAtMs: enqueuedAtMs + input.delaySeconds * 1000,
          firstDequeuedAtMs: 0,
          dequeueCount: 0,
          token: 0,
          version: 0,
        };
        this.#admit(queue, message);
        if (!delayed) readyNow++;
        const msgId = String(message.id);
        if (windowMs > 0 && input.deduplicationId !== undefined) {
          // Delete first so the Map stays in (re)set order for pruning.
          queue.dedup.delete(input.deduplicationId);
          queue.dedup.set(input.deduplicationId, { msgId, firstSentAtMs: nowMs });
        }
        this.#record(queue, message.id, nowMs, 'sent', '');
        ids.push(msgId);
      });
      if (readyNow > 0) this.#listeners.emit(queue.key, readyNow);
      return ids;
    });
  }

  receiveMessages(queueName: string, request: ReceiveRequest, nowMs: number): Promise<ReceivedMessage[]> {
    return this.#run(() => {
      const queue = this.#queue(queueName);
      this.#settle(queue, nowMs);
      const received: ReceivedMessage[] = [];
      while (received.length < request.max) {
        const entry = queue.ready.pop();
        if (entry === undefined) break;
        const message = entry.message;
        if (!isCurrent(queue, entry) || message.state !== 'ready') continue;
        message.state = 'inflight';
        message.visibleAtMs = nowMs + request.visibilityTimeoutMs;
        message.dequeueCount++;
        if (message.firstDequeuedAtMs === 0) message.firstDequeuedAtMs = nowMs;
        message.token = randomInt(1, RECEIPT_TOKEN_LIMIT);
        message.version++;
        queue.counts.ready--;
        queue.counts.inflight++;
        queue.timers.push(entryOf(message));
        const receiptHandle = formatReceiptHandle({ msgId: String(message.id), token: message.token });
        this.#record(queue, message.id, nowMs, 'received', receiptHandle);
        received.push({
          msgId: String(message.id),
          body: message.body,
          receiptHandle,
          enqueuedAtMs: message.enqueuedAtMs,
          firstDequeuedAtMs: message.firstDequeuedAtMs,
          nextVisibleAtMs: message.visibleAtMs,
          dequeueCount: message.dequeueCount,
        });
      }
      return received;
    });
  }

  deleteMessages(
    queueName: string,
    handles: readonly ReceiptHandle[],
    nowMs: number,
  ): Promise<DeleteOutcome[]> {
    return this.#run(() => {
      const queue = this.#queue(queueName);
      const attributes = queue.meta.attributes;
      return handles.map((handle) => {
        const message = queue.messages.get(Number(handle.msgId));
        if (
          message === undefined ||
          message.state !== 'inflight' ||
          message.token !== handle.token ||
          message.visibleAtMs <= nowMs ||
          message.enqueuedAtMs + attributes.msgRetentionSeconds * 1000 <= nowMs
        ) {
          return 'invalid';
        }
        this.#remove(queue, message);
        if (attributes.rewindSeconds > 0 && message.enqueuedAtMs + attributes.rewindSeconds * 1000 > nowMs) {
          queue.retained.add({
            id: message.id,
            body: message.body,
            enqueuedAtMs: message.enqueuedAtMs,
            source: message.source,
            firstDequeuedAtMs: message.firstDequeuedAtMs,
            dequeueCount: message.dequeueCount,
          });
        }
        this.#record(queue, message.id, nowMs, 'deleted', formatReceiptHandle(handle));
        return 'deleted';
      });
    });
  }

  rewindQueue(queueName: string, startMs: number, nowMs: number): Promise<number> {
    return this.#run(() => {
      const queue = this.#queue(queueName);
      if (queue.meta.attributes.rewindSeconds === 0) {
        throw new DomainError('REWIND_DISABLED');
      }
      this.#settle(queue, nowMs);
      const rewound = queue.retained.takeFrom(startMs);
      for (const retained of rewound) {
        this.#admit(queue, {
          ...retained,
          state: 'ready',
          visibleAtMs: nowMs,
          token: 0,
          version: 0,
        });
        this.#record(queue, retained.id, nowMs, 'rewound', '');
      }
      if (rewound.length > 0) this.#listeners.emit(queue.key, rewound.length);
      return rewound.length;
    });
  }

  redriveMessages(
    deadLetterQueueName: string,
    options: { destinationQueueName?: string | undefined; max: number },
    nowMs: number,
  ): Promise<number> {
    return this.#run(() => {
      const dlq = this.#queue(deadLetterQueueName);
      const destination =
        options.destinationQueueName === undefined ? undefined : this.#queue(options.destinationQueueName);
      this.#settle(dlq, nowMs);
      // Pick first, oldest enqueue first, then move: a redrive to the queue itself must not pick twice.
      const picked: Array<{ message: StoredMessage; target: QueueState }> = [];
      const skipped: StoredMessage[] = [];
      // The age heap may hold a live message twice (a rebuild while entries were pushed back).
      const seen = new Set<number>();
      while (picked.length < options.max) {
        const message = dlq.byAge.pop();
        if (message === undefined) break;
        if (seen.has(message.id)) continue;
        seen.add(message.id);
        const target = destination ?? this.#sourceOf(message);
        if (message.state === 'inflight' || target === undefined) skipped.push(message);
        else picked.push({ message, target });
      }
      for (const message of skipped) dlq.byAge.push(message);
      const signals = new Map<string, number>();
      for (const { message, target } of picked) {
        this.#remove(dlq, message);
        this.#admit(target, {
          id: message.id,
          body: message.body,
          enqueuedAtMs: message.enqueuedAtMs,
          source: undefined,
          state: 'ready',
          visibleAtMs: nowMs,
          firstDequeuedAtMs: 0,
          dequeueCount: 0,
          token: 0,
          version: 0,
        });
        this.#record(dlq, message.id, nowMs, 'redriven', target.meta.name);
        signals.set(target.key, (signals.get(target.key) ?? 0) + 1);
      }
      for (const [key, count] of signals) this.#listeners.emit(key, count);
      return picked.length;
    });
  }

  getMessage(queueName: string, msgId: string, nowMs: number): Promise<MessageInfo | undefined> {
    return this.#run(() => {
      const queue = this.#queue(queueName);
      this.#settle(queue, nowMs);
      if (!/^[1-9]\d{0,15}$/.test(msgId)) return undefined;
      const id = Number(msgId);
      const live = queue.messages.get(id);
      const base = { msgId, queueName: queue.meta.name };
      if (live !== undefined) {
        return {
          ...base,
          state: live.state,
          enqueuedAtMs: live.enqueuedAtMs,
          firstDequeuedAtMs: live.firstDequeuedAtMs,
          nextVisibleAtMs: live.visibleAtMs,
          dequeueCount: live.dequeueCount,
          bodyBytes: Buffer.byteLength(live.body, 'utf8'),
        };
      }
      const retained = queue.retained.get(id);
      if (retained === undefined) return undefined;
      return {
        ...base,
        state: 'retained',
        enqueuedAtMs: retained.enqueuedAtMs,
        firstDequeuedAtMs: retained.firstDequeuedAtMs,
        nextVisibleAtMs: 0,
        dequeueCount: retained.dequeueCount,
        bodyBytes: Buffer.byteLength(retained.body, 'utf8'),
      };
    });
  }

  getTrace(queueName: string, msgId: string): Promise<TraceEvent[]> {
    return this.#run(() => {
      this.#queue(queueName);
      return this.#trace.eventsOf(msgId);
    });
  }

  getQueueStats(queueName: string, nowMs: number): Promise<QueueStats> {
    return this.#run(() => {
      const queue = this.#queue(queueName);
      this.#settle(queue, nowMs);
      return {
        activeMsgNum: queue.counts.ready,
        inactiveMsgNum: queue.counts.inflight,
        delayMsgNum: queue.counts.delayed,
        oldestEnqueuedAtMs: queue.byAge.peek()?.enqueuedAtMs,
        retainedMsgNum: queue.retained.size,
      };
    });
  }

  nextVisibleAtMs(queueName: string, nowMs: number): Promise<number | undefined> {
    return this.#run(() => {
      const queue = this.#queue(queueName);
      this.#settle(queue, nowMs);
      for (let entry = queue.timers.peek(); entry !== undefined; entry = queue.timers.peek()) {
        if (isCurrent(queue, entry)) return entry.visibleAtMs;
        queue.timers.pop();
      }
      return undefined;
    });
  }

  expireMessages(nowMs: number, limit: number, trace?: TracePruning): Promise<number> {
    return this.#run(() => {
      const budget: Budget = { messages: limit, retained: limit };
      let dedupBudget = limit;
      let expired = 0;
      for (const queue of this.#queues.values()) {
        expired += this.#settle(queue, nowMs, budget);
        dedupBudget -= this.#pruneDedup(queue, nowMs, dedupBudget);
      }
      if (trace !== undefined) this.#trace.prune(trace.traceBeforeMs, trace.traceMaxEvents, limit);
      return expired;
    });
  }

  onMessagesReady(listener: ReadyListener): () => void {
    return this.#listeners.add(listener);
  }

  createTopic(...args: TopicArgs<'createTopic'>) {
    return this.#run(() => this.#topics.createTopic(...args));
  }

  getTopic(...args: TopicArgs<'getTopic'>) {
    return this.#run(() => this.#topics.getTopic(...args));
  }

  listTopics(...args: TopicArgs<'listTopics'>) {
    return this.#run(() => this.#topics.listTopics(...args));
  }

  updateTopic(...args: TopicArgs<'updateTopic'>) {
    return this.#run(() => this.#topics.updateTopic(...args));
  }

  deleteTopic(...args: TopicArgs<'deleteTopic'>) {
    return this.#run(() => this.#topics.deleteTopic(...args));
  }

  subscribe(...args: TopicArgs<'subscribe'>) {
    return this.#run(() => this.#topics.subscribe(...args));
  }

  unsubscribe(...args: TopicArgs<'unsubscribe'>) {
    return this.#run(() => this.#topics.unsubscribe(...args));
  }

  getSubscription(...args: TopicArgs<'getSubscription'>) {
    return this.#run(() => this.#topics.getSubscription(...args));
  }

  listSubscriptions(...args: TopicArgs<'listSubscriptions'>) {
    return this.#run(() => this.#topics.listSubscriptions(...args));
  }

  updateSubscription(...args: TopicArgs<'updateSubscription'>) {
    return this.#run(() => this.#topics.updateSubscription(...args));
  }

  listPushSubscriptions() {
    return this.#run(() => this.#topics.listPushSubscriptions());
  }

  publishMessages(...args: TopicArgs<'publishMessages'>) {
    return this.#run(() => this.#topics.publishMessages(...args));
  }

  leaseDeliveries(...args: TopicArgs<'leaseDeliveries'>) {
    return this.#run(() => this.#topics.leaseDeliveries(...args));
  }

  completeDelivery(...args: TopicArgs<'completeDelivery'>) {
    return this.#run(() => this.#topics.completeDelivery(...args));
  }

  failDelivery(...args: TopicArgs<'failDelivery'>) {
    return this.#run(() => this.#topics.failDelivery(...args));
  }

  nextDeliveryAtMs(...args: TopicArgs<'nextDeliveryAtMs'>) {
    return this.#run(() => this.#topics.nextDeliveryAtMs(...args));
  }

  onDeliveriesReady(listener: (subscriptionId: string) => void): () => void {
    return this.#topics.onDeliveriesReady(listener);
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    this.#topics.clearListeners();
    return Promise.resolve();
  }

  #run<T>(operation: () => T): Promise<T> {
    if (this.#closed)
      return Promise.reject(new DomainError('STORE_UNAVAILABLE', { detail: 'store is closed' }));
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #queue(name: string): QueueState {
    const queue = this.#queues.get(queueKey(name));
    if (queue === undefined) throw new DomainError('QUEUE_NOT_FOUND', { detail: name });
    return queue;
  }

  /** Cross-queue rules of a policy set on the queue `key`; returns it naming the DLQ as the DLQ is named. */
  #checkDeadLetterTarget(key: string, policy: DeadLetterPolicy): DeadLetterPolicy {
    const dlq = this.#queues.get(queueKey(policy.deadLetterQueue));
    if (dlq === undefined) {
      throw new DomainError('DEAD_LETTER_QUEUE_NOT_FOUND', { detail: policy.deadLetterQueue });
    }
    if (dlq.meta.attributes.deadLetterPolicy !== null) {
      throw new DomainError('DEAD_LETTER_CHAIN', {
        detail: `${dlq.meta.name} has a dead-letter policy itself`,
      });
    }
    if ((this.#deadLetterSources.get(key)?.size ?? 0) > 0) {
      throw new DomainError('DEAD_LETTER_CHAIN', {
        detail: 'a dead-letter queue of another queue cannot have a dead-letter policy',
      });
    }
    const sources = this.#deadLetterSources.get(dlq.key);
    const others = sources === undefined ? 0 : sources.size - (sources.has(key) ? 1 : 0);
    if (others >= DEAD_LETTER_LIMITS.maxSourcesPerDeadLetterQueue) {
      throw new DomainError('DEAD_LETTER_SOURCES_LIMIT', {
        detail: `${dlq.meta.name} already serves ${others} source queues`,
      });
    }
    return { ...policy, deadLetterQueue: dlq.meta.name };
  }

  #linkDeadLetterQueue(queue: QueueState): void {
    const policy = queue.meta.attributes.deadLetterPolicy;
    if (policy === null) return;
    const dlqKey = queueKey(policy.deadLetterQueue);
    let sources = this.#deadLetterSources.get(dlqKey);
    if (sources === undefined) this.#deadLetterSources.set(dlqKey, (sources = new Set()));
    sources.add(queue.key);
  }

  #unlinkDeadLetterQueue(queue: QueueState): void {
    const policy = queue.meta.attributes.deadLetterPolicy;
    if (policy === null) return;
    const dlqKey = queueKey(policy.deadLetterQueue);
    const sources = this.#deadLetterSources.get(dlqKey);
    sources?.delete(queue.key);
    if (sources?.size === 0) this.#deadLetterSources.delete(dlqKey);
  }

  /** The queue a dead-lettered message came from, if it still exists (not deleted, not recreated). */
  #sourceOf(message: StoredMessage): QueueState | undefined {
    if (message.source === undefined) return undefined;
    const queue = this.#queues.get(message.source.key);
    return queue?.meta.queueId === message.source.queueId ? queue : undefined;
  }

  /**
   * A topic message for a queue subscription: the raw body becomes a ready message of the queue (its own
   * msgId). Part of a publish that has already been accepted, so a missing or full queue is reported for the
   * subscription's droppedCount instead of thrown. Like sendMessages, it does not settle the queue first.
   */
  #enqueueFromTopic(queueName: string, body: string, nowMs: number): EnqueueOutcome {
    const queue = this.#queues.get(queueKey(queueName));
    if (queue === undefined) return 'missing';
    const held = queue.counts.ready + queue.counts.delayed + queue.counts.inflight;
    if (held >= queue.meta.attributes.maxMsgHeapNum) return 'full';
    // The queue's own size limit holds for topic deliveries too (counted as dropped by the caller).
    if (Buffer.byteLength(body, 'utf8') > queue.meta.attributes.maxMsgSizeBytes) return 'full';
    const enqueuedAtMs = Math.max(nowMs, queue.lastEnqueuedAtMs);
    queue.lastEnqueuedAtMs = enqueuedAtMs;
    const message: StoredMessage = {
      id: this.#nextMessageId++,
      body,
      enqueuedAtMs,
      source: undefined,
      state: 'ready',
      visibleAtMs: enqueuedAtMs,
      firstDequeuedAtMs: 0,
      dequeueCount: 0,
      token: 0,
      version: 0,
    };
    this.#admit(queue, message);
    this.#record(queue, message.id, nowMs, 'sent', '');
    this.#listeners.emit(queue.key, 1);
    return 'stored';
  }

  /** Puts a message (new object) into a queue's live set and its indexes. */
  #admit(queue: QueueState, message: StoredMessage): void {
    queue.messages.set(message.id, message);
    queue.counts[message.state]++;
    queue.byAge.push(message);
    queue.ttlPending?.push(message);
    (message.state === 'ready' ? queue.ready : queue.timers).push(entryOf(message));
  }

  /** Takes a message out of a queue's live set; its index entries become stale. */
  #remove(queue: QueueState, message: StoredMessage): void {
    queue.messages.delete(message.id);
    queue.counts[message.state]--;
    message.version++;
  }

  #moveToDeadLetter(source: QueueState, message: StoredMessage, dlq: QueueState, nowMs: number): void {
    this.#remove(source, message);
    this.#admit(dlq, {
      id: message.id,
      body: message.body,
      enqueuedAtMs: message.enqueuedAtMs,
      source: { key: source.key, queueId: source.meta.queueId },
      state: 'ready',
      visibleAtMs: nowMs,
      firstDequeuedAtMs: message.firstDequeuedAtMs,
      dequeueCount: message.dequeueCount,
      token: 0,
      version: 0,
    });
    this.#record(source, message.id, nowMs, 'dead-lettered', dlq.meta.name);
  }

  #record(queue: QueueState, id: number, atMs: number, event: TraceEventKind, detail: string): void {
    if (queue.meta.attributes.trace) this.#trace.record(String(id), atMs, event, detail);
  }

  /**
   * Applies every transition due by nowMs, in order: (a) expiry of messages past retention and of
   * retained messages past rewindSeconds; (b) delay and visibility ends, an in-flight message at its
   * maxReceiveCount going to the dead-letter queue instead; (c) messages not in flight past maxTimeToLive
   * going to the dead-letter queue. When the budget stops (a) early, (b) and (c) wait,
   * so an expired message is never moved. Returns how many messages expired.
   */
  #settle(queue: QueueState, nowMs: number, budget: Budget = unlimited()): number {
    const attributes = queue.meta.attributes;
    const retentionCutoff = nowMs - attributes.msgRetentionSeconds * 1000;
    let expired = 0;
    let expiryDone = true;
    for (let oldest = queue.byAge.peek(); oldest !== undefined; oldest = queue.byAge.peek()) {
      if (oldest.enqueuedAtMs > retentionCutoff) break;
      if (budget.messages <= 0) {
        expiryDone = false;
        break;
      }
      queue.byAge.pop();
      this.#remove(queue, oldest);
      this.#record(queue, oldest.id, nowMs, 'expired', '');
      budget.messages--;
      expired++;
    }
    if (attributes.rewindSeconds > 0 && queue.retained.size > 0) {
      budget.retained -= queue.retained.dropThrough(nowMs - attributes.rewindSeconds * 1000, budget.retained);
    }
    if (!expiryDone) return expired;

    const policy = attributes.deadLetterPolicy;
    const dlq = policy === null ? undefined : this.#queues.get(queueKey(policy.deadLetterQueue));
    let promoted = 0;
    let moved = 0;
    for (
      let entry = queue.timers.peek();
      entry !== undefined && entry.visibleAtMs <= nowMs;
      entry = queue.timers.peek()
    ) {
      queue.timers.pop();
      const message = entry.message;
      if (!isCurrent(queue, entry) || message.state === 'ready') continue;
      const wasInflight = message.state === 'inflight';
      if (
        wasInflight &&
        dlq !== undefined &&
        policy?.policy === 0 &&
        message.dequeueCount >= policy.maxReceiveCount
      ) {
        this.#moveToDeadLetter(queue, message, dlq, nowMs);
        moved++;
        continue;
      }
      queue.counts[message.state]--;
      queue.counts.ready++;
      message.state = 'ready';
      message.version++;
      queue.ready.push(entryOf(message));
      // Its TTL entry may have been popped while it was in flight: (c) checks it again.
      if (wasInflight) queue.ttlPending?.push(message);
      promoted++;
    }

    if (policy?.policy === 1 && dlq !== undefined) {
      queue.ttlPending ??= createTtlPending(queue);
      const deadline = nowMs - policy.maxTimeToLiveSeconds * 1000;
      for (let oldest = queue.ttlPending.peek(); oldest !== undefined; oldest = queue.ttlPending.peek()) {
        if (oldest.enqueuedAtMs > deadline) break;
        queue.ttlPending.pop();
        if (oldest.state === 'inflight') continue;
        this.#moveToDeadLetter(queue, oldest, dlq, nowMs);
        moved++;
      }
    }
    if (promoted > 0) this.#listeners.emit(queue.key, promoted);
    if (moved > 0 && dlq !== undefined) this.#listeners.emit(dlq.key, moved);
    return expired;
  }

  /** Drops up to `limit` deduplication records past the queue's window; returns how many. */
  #pruneDedup(queue: QueueState, nowMs: number, limit: number): number {
    const windowMs = queue.meta.attributes.deduplicationWindowSeconds * 1000;
    let dropped = 0;
    for (const [deduplicationId, record] of queue.dedup) {
      if (dropped >= limit || record.firstSentAtMs + windowMs > nowMs) break;
      queue.dedup.delete(deduplicationId);
      dropped++;
    }
    return dropped;
  }
}

/** Messages a queue holds by its counters (toward maxMsgHeapNum). */
function heldOf(queue: QueueState): number {
  return queue.counts.ready + queue.counts.delayed + queue.counts.inflight;
}
