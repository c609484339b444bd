import { randomInt } from 'node:crypto';
import { DomainError } from '../../domain/errors.js';
import type { NewMessage, QueueStats, ReceivedMessage } from '../../domain/message.js';
import { mergeAttributes, queueKey, type Queue, type QueueAttributes } from '../../domain/queue.js';
import { formatReceiptHandle, RECEIPT_TOKEN_LIMIT, type ReceiptHandle } from '../../domain/receipt-handle.js';
import { createQueueId } from '../queue-id.js';
import { ReadyListeners } from '../ready-listeners.js';
import type { CreateQueueInput, DeleteOutcome, ListQuery, ReceiveRequest, Store } from '../store.js';
import { MinHeap } from './min-heap.js';

/**
 * In-memory engine for tests and `--ephemeral`: nothing survives a restart. Per queue it keeps
 * - `ready`: a heap of ready messages by (visibleAtMs, id): receive pops from it;
 * - `timers`: a heap of delayed/in-flight messages by (visibleAtMs, id): promoted when due;
 * - `messages`: a Map in enqueue order, so expiry walks from the oldest.
 * Heap entries carry the message's version; an entry whose version is stale is skipped (lazy removal).
 * Every operation costs O(log n) in the queue's size, or O(k log n) for k messages it changes.
 */
interface StoredMessage {
  readonly id: number;
  readonly body: string;
  readonly enqueuedAtMs: number;
  state: 'ready' | 'delayed' | 'inflight';
  visibleAtMs: number;
  firstDequeuedAtMs: number;
  dequeueCount: number;
  token: number;
  version: number;
}

interface HeapEntry {
  readonly message: StoredMessage;
  readonly visibleAtMs: number;
  readonly version: number;
}

interface QueueState {
  meta: Queue;
  readonly key: string;
  readonly messages: Map<number, StoredMessage>;
  readonly ready: MinHeap<HeapEntry>;
  readonly timers: MinHeap<HeapEntry>;
  counts: { ready: number; delayed: number; inflight: number };
  lastEnqueuedAtMs: number;
}

const byVisibility = (a: HeapEntry, b: HeapEntry): boolean =>
  a.visibleAtMs < b.visibleAtMs || (a.visibleAtMs === b.visibleAtMs && a.message.id < b.message.id);

export function createMemoryStore(): Store {
  return new MemoryStore();
}

class MemoryStore implements Store {
  readonly #queues = new Map<string, QueueState>();
  readonly #listeners = new ReadyListeners();
  #nextMessageId = 1;
  #closed = false;

  createQueue(input: CreateQueueInput): Promise<Queue> {
    return this.#run(() => {
      const key = queueKey(input.name);
      if (this.#queues.has(key)) throw new DomainError('QUEUE_ALREADY_EXISTS', { detail: input.name });
      if (this.#queues.size >= input.maxQueues) throw new DomainError('QUEUE_LIMIT_REACHED');
      const meta: Queue = {
        queueId: createQueueId(),
        name: input.name,
        attributes: { ...input.attributes },
        createdAtMs: input.nowMs,
        modifiedAtMs: input.nowMs,
      };
      this.#queues.set(key, {
        meta,
        key,
        messages: new Map(),
        ready: new MinHeap(byVisibility),
        timers: new MinHeap(byVisibility),
        counts: { ready: 0, delayed: 0, inflight: 0 },
        lastEnqueuedAtMs: 0,
      });
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
      queue.meta = {
        ...queue.meta,
        attributes: mergeAttributes(queue.meta.attributes, patch),
        modifiedAtMs: nowMs,
      };
      return queue.meta;
    });
  }

  deleteQueue(name: string): Promise<void> {
    return this.#run(() => {
      this.#queue(name);
      this.#queues.delete(queueKey(name));
    });
  }

  sendMessages(queueName: string, messages: readonly NewMessage[], nowMs: number): Promise<string[]> {
    return this.#run(() => {
      const queue = this.#queue(queueName);
      const held = queue.counts.ready + queue.counts.delayed + queue.counts.inflight;
      if (held + messages.length > queue.meta.attributes.maxMsgHeapNum) throw new DomainError('QUEUE_FULL');
      const enqueuedAtMs = Math.max(nowMs, queue.lastEnqueuedAtMs);
      queue.lastEnqueuedAtMs = enqueuedAtMs;
      let readyNow = 0;
      const ids = messages.map((input) => {
        const delayed = input.delaySeconds > 0;
        const message: StoredMessage = {
          id: this.#nextMessageId++,
          body: input.body,
          enqueuedAtMs,
          state: delayed ? 'delayed' : 'ready',
          visibleAtMs: enqueuedAtMs + input.delaySeconds * 1000,
          firstDequeuedAtMs: 0,
          dequeueCount: 0,
          token: 0,
          version: 0,
        };
        queue.messages.set(message.id, message);
        queue.counts[message.state]++;
        (delayed ? queue.timers : queue.ready).push(entryOf(message));
        if (!delayed) readyNow++;
        return String(message.id);
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
        received.push({
          msgId: String(message.id),
          body: message.body,
          receiptHandle: formatReceiptHandle({ msgId: String(message.id), token: message.token }),
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
      return handles.map((handle) => {
        const message = queue.messages.get(Number(handle.msgId));
        if (
          message === undefined ||
          message.state !== 'inflight' ||
          message.token !== handle.token ||
          message.visibleAtMs <= nowMs ||
          message.enqueuedAtMs + queue.meta.attributes.msgRetentionSeconds * 1000 <= nowMs
        ) {
          return 'invalid';
        }
        queue.messages.delete(message.id);
        queue.counts.inflight--;
        message.version++;
        return 'deleted';
      });
    });
  }

  getQueueStats(queueName: string, nowMs: number): Promise<QueueStats> {
    return this.#run(() => {
      const queue = this.#queue(queueName);
      this.#settle(queue, nowMs);
      const oldest = queue.messages.values().next();
      return {
        activeMsgNum: queue.counts.ready,
        inactiveMsgNum: queue.counts.inflight,
        delayMsgNum: queue.counts.delayed,
        oldestEnqueuedAtMs: oldest.done ? undefined : oldest.value.enqueuedAtMs,
      };
    });
  }

  nextVisibleAtMs(queueName: string, nowMs: number): Promise<number | undefined> {
    return this.#run(() => {
      const queue = this.#queue(queueName);
      this.#settle(queue, nowMs);
      return queue.timers.peek()?.visibleAtMs;
    });
  }

  expireMessages(nowMs: number, limit: number): Promise<number> {
    return this.#run(() => {
      let removed = 0;
      for (const queue of this.#queues.values()) {
        if (removed >= limit) break;
        removed += this.#expire(queue, nowMs, limit - removed);
      }
      return removed;
    });
  }

  onMessagesReady(listener: (queueKey: string, count: number) => void): () => void {
    return this.#listeners.add(listener);
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
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

  /** Applies every transition due by nowMs: expiry, then delay ends and visibility timeouts. */
  #settle(queue: QueueState, nowMs: number): void {
    this.#expire(queue, nowMs, Number.POSITIVE_INFINITY);
    let promoted = 0;
    for (
      let entry = queue.timers.peek();
      entry !== undefined && entry.visibleAtMs <= nowMs;
      entry = queue.timers.peek()
    ) {
      queue.timers.pop();
      const message = entry.message;
      if (!isCurrent(queue, entry) || message.state === 'ready') continue;
      queue.counts[message.state]--;
      queue.counts.ready++;
      message.state = 'ready';
      message.version++;
      queue.ready.push(entryOf(message));
      promoted++;
    }
    if (promoted > 0) this.#listeners.emit(queue.key, promoted);
  }

  #expire(queue: QueueState, nowMs: number, limit: number): number {
    const cutoff = nowMs - queue.meta.attributes.msgRetentionSeconds * 1000;
    let removed = 0;
    for (const message of queue.messages.values()) {
      if (removed >= limit || message.enqueuedAtMs > cutoff) break;
      queue.messages.delete(message.id);
      queue.counts[message.state]--;
      message.version++;
      removed++;
    }
    return removed;
  }
}

function entryOf(message: StoredMessage): HeapEntry {
  return { message, visibleAtMs: message.visibleAtMs, version: message.version };
}

function isCurrent(queue: QueueState, entry: HeapEntry): boolean {
  return entry.version === entry.message.version && queue.messages.get(entry.message.id) === entry.message;
}
