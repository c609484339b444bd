import type { Queue } from '../../domain/queue.js';
import { MinHeap } from './min-heap.js';

/** Which queue a dead-lettered message came from; a queue recreated under the same name is another queue. */
export interface SourceRef {
  readonly key: string;
  readonly queueId: string;
}

/**
 * A message in one queue's live set. A message that changes container (dead-letter move, redrive, delete
 * into the retained set, rewind) becomes a new object, so an index entry is live only while
 * `messages.get(id)` is that very object; `version` additionally fences the ready/timer heap entries
 * against state changes within the queue.
 */
export interface StoredMessage {
  readonly id: number;
  readonly body: string;
  readonly enqueuedAtMs: number;
  readonly source: SourceRef | undefined;
  state: 'ready' | 'delayed' | 'inflight';
  visibleAtMs: number;
  firstDequeuedAtMs: number;
  dequeueCount: number;
  token: number;
  version: number;
}

/** A deleted message kept for rewind until enqueuedAtMs + rewindSeconds. */
export interface RetainedMessage {
  readonly id: number;
  readonly body: string;
  readonly enqueuedAtMs: number;
  readonly source: SourceRef | undefined;
  readonly firstDequeuedAtMs: number;
  readonly dequeueCount: number;
}

export interface HeapEntry {
  readonly message: StoredMessage;
  readonly visibleAtMs: number;
  readonly version: number;
}

export interface DedupRecord {
  readonly msgId: string;
  readonly firstSentAtMs: number;
}

export interface QueueState {
  meta: Queue;
  readonly key: string;
  readonly messages: Map<number, StoredMessage>;
  /** Ready messages by (visibleAtMs, enqueuedAtMs, id): receive pops from it. */
  readonly ready: MinHeap<HeapEntry>;
  /** Delayed and in-flight messages by (visibleAtMs, enqueuedAtMs, id): promoted when due. */
  readonly timers: MinHeap<HeapEntry>;
  /** Live messages, oldest enqueue first: expiry and oldestEnqueuedAtMs. */
  readonly byAge: AgeHeap<StoredMessage>;
  /**
   * Only while the queue has a maxTimeToLive policy (built lazily): messages whose TTL was not checked
   * yet, oldest first. In-flight ones popped here are checked again when their visibility ends.
   */
  ttlPending: AgeHeap<StoredMessage> | undefined;
  readonly retained: RetainedMessages;
  /** Deduplication records in (re)set order, so the oldest are dropped first. */
  readonly dedup: Map<string, DedupRecord>;
  counts: { ready: number; delayed: number; inflight: number };
  lastEnqueuedAtMs: number;
}

export function createQueueState(meta: Queue, key: string): QueueState {
  const messages = new Map<number, StoredMessage>();
  return {
    meta,
    key,
    messages,
    ready: new MinHeap(byVisibility),
    timers: new MinHeap(byVisibility),
    byAge: new AgeHeap(
      'oldest',
      (m) => messages.get(m.id) === m,
      () => messages.values(),
      () => messages.size,
    ),
    ttlPending: undefined,
    retained: new RetainedMessages(),
    dedup: new Map(),
    counts: { ready: 0, delayed: 0, inflight: 0 },
    lastEnqueuedAtMs: 0,
  };
}

/** A heap of the queue's live messages for the TTL check, built from the live set. */
export function createTtlPending(queue: QueueState): AgeHeap<StoredMessage> {
  const heap = new AgeHeap<StoredMessage>(
    'oldest',
    (m) => queue.messages.get(m.id) === m,
    () => queue.messages.values(),
    () => queue.messages.size,
  );
  for (const message of queue.messages.values()) heap.push(message);
  return heap;
}

export function entryOf(message: StoredMessage): HeapEntry {
  return { message, visibleAtMs: message.visibleAtMs, version: message.version };
}

export function isCurrent(queue: QueueState, entry: HeapEntry): boolean {
  return entry.version === entry.message.version && queue.messages.get(entry.message.id) === entry.message;
}

// Ties on visibleAtMs go to the oldest enqueue: rewound and dead-lettered messages all become visible at the
// same instant, and a dead-letter queue's message ids are not in enqueue order.
const byVisibility = (a: HeapEntry, b: HeapEntry): boolean =>
  a.visibleAtMs < b.visibleAtMs ||
  (a.visibleAtMs === b.visibleAtMs &&
    (a.message.enqueuedAtMs < b.message.enqueuedAtMs ||
      (a.message.enqueuedAtMs === b.message.enqueuedAtMs && a.message.id < b.message.id)));

interface Aged {
  readonly id: number;
  readonly enqueuedAtMs: number;
}

const oldestFirst = (a: Aged, b: Aged): boolean =>
  a.enqueuedAtMs < b.enqueuedAtMs || (a.enqueuedAtMs === b.enqueuedAtMs && a.id < b.id);
const newestFirst = (a: Aged, b: Aged): boolean => oldestFirst(b, a);

/**
 * A heap by enqueue time over a set that changes elsewhere: entries of items that left the set are skipped
 * (lazy removal). When stale entries outnumber live ones the heap is rebuilt from the set, so memory stays
 * within 2x the set (+1024) and the rebuild costs O(log n) amortized per push.
 */
export class AgeHeap<T extends Aged> {
  #heap: MinHeap<T>;
  readonly #less: (a: T, b: T) => boolean;
  readonly #isLive: (item: T) => boolean;
  readonly #liveItems: () => Iterable<T>;
  readonly #liveCount: () => number;

  constructor(
    order: 'oldest' | 'newest',
    isLive: (item: T) => boolean,
    liveItems: () => Iterable<T>,
    liveCount: () => number,
  ) {
    this.#less = order === 'oldest' ? oldestFirst : newestFirst;
    this.#heap = new MinHeap(this.#less);
    this.#isLive = isLive;
    this.#liveItems = liveItems;
    this.#liveCount = liveCount;
  }

  push(item: T): void {
    this.#heap.push(item);
    if (this.#heap.size > 2 * this.#liveCount() + 1024) this.rebuild();
  }

  /** The first live item, dropping stale entries above it. */
  peek(): T | undefined {
    for (let top = this.#heap.peek(); top !== undefined; top = this.#heap.peek()) {
      if (this.#isLive(top)) return top;
      this.#heap.pop();
    }
    return undefined;
  }

  pop(): T | undefined {
    const top = this.peek();
    if (top !== undefined) this.#heap.pop();
    return top;
  }

  rebuild(): void {
    this.#heap = new MinHeap(this.#less);
    for (const item of this.#liveItems()) this.#heap.push(item);
  }
}

/**
 * Deleted messages kept for rewind: a Map by id, a heap oldest first (dropped at enqueue + rewindSeconds)
 * and a heap newest first (rewind takes every message enqueued at or after a time).
 */
export class RetainedMessages {
  readonly #byId = new Map<number, RetainedMessage>();
  readonly #oldest = this.#heap('oldest');
  readonly #newest = this.#heap('newest');

  get size(): number {
    return this.#byId.size;
  }

  get(id: number): RetainedMessage | undefined {
    return this.#byId.get(id);
  }

  add(message: RetainedMessage): void {
    this.#byId.set(message.id, message);
    this.#oldest.push(message);
    this.#newest.push(message);
  }

  /** Removes up to `limit` messages enqueued at or before `cutoffMs`; returns how many. */
  dropThrough(cutoffMs: number, limit: number): number {
    let dropped = 0;
    for (let top = this.#oldest.peek(); top !== undefined && dropped < limit; top = this.#oldest.peek()) {
      if (top.enqueuedAtMs > cutoffMs) break;
      this.#oldest.pop();
      this.#byId.delete(top.id);
      dropped++;
    }
    return dropped;
  }

  /** Removes and returns every message enqueued at or after `startMs`, oldest first. */
  takeFrom(startMs: number): RetainedMessage[] {
    const taken: RetainedMessage[] = [];
    for (let top = this.#newest.peek(); top !== undefined; top = this.#newest.peek()) {
      if (top.enqueuedAtMs < startMs) break;
      this.#newest.pop();
      this.#byId.delete(top.id);
      taken.push(top);
    }
    return taken.reverse();
  }

  clear(): void {
    this.#byId.clear();
    this.#oldest.rebuild();
    this.#newest.rebuild();
  }

  #heap(order: 'oldest' | 'newest'): AgeHeap<RetainedMessage> {
    return new AgeHeap<RetainedMessage>(
      order,
      (m) => this.#byId.get(m.id) === m,
      () => this.#byId.values(),
      () => this.#byId.size,
    );
  }
}
