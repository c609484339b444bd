import type { TraceEvent, TraceEventKind } from '../../domain/trace.js';
import { MinHeap } from './min-heap.js';

interface RecordedEvent extends TraceEvent {
  /** Recording order, the tie-break between events at the same time. */
  readonly seq: number;
}

const olderFirst = (a: RecordedEvent, b: RecordedEvent): boolean =>
  a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);

/**
 * Message trace of the memory engine: events by message id (ids are unique across queues, so a message's
 * events stay together when it moves) and one heap of all events, oldest first, for pruning. Recording and
 * pruning one event cost O(log n); a lookup costs O(k log k) in the message's events.
 */
export class TraceLog {
  readonly #byMessage = new Map<string, RecordedEvent[]>();
  readonly #byAge = new MinHeap<RecordedEvent>(olderFirst);
  #seq = 0;

  record(msgId: string, atMs: number, event: TraceEventKind, detail: string): void {
    const recorded: RecordedEvent = { msgId, atMs, event, detail, seq: this.#seq++ };
    const events = this.#byMessage.get(msgId);
    if (events === undefined) this.#byMessage.set(msgId, [recorded]);
    else events.push(recorded);
    this.#byAge.push(recorded);
  }

  /** The message's events ordered by time, then by recording order. */
  eventsOf(msgId: string): TraceEvent[] {
    const events = this.#byMessage.get(msgId) ?? [];
    return [...events]
      .sort((a, b) => a.atMs - b.atMs || a.seq - b.seq)
      .map(({ msgId: id, atMs, event, detail }) => ({ msgId: id, atMs, event, detail }));
  }

  /**
   * Drops up to `limit` events, oldest first, while they are older than `beforeMs` or more than
   * `maxEvents` remain; returns how many.
   */
  prune(beforeMs: number, maxEvents: number, limit: number): number {
    let dropped = 0;
    for (let top = this.#byAge.peek(); top !== undefined && dropped < limit; top = this.#byAge.peek()) {
      if (top.atMs >= beforeMs && this.#byAge.size <= maxEvents) break;
      this.#byAge.pop();
      const events = this.#byMessage.get(top.msgId);
      if (events !== undefined) {
        events.splice(events.indexOf(top), 1);
        if (events.length === 0) this.#byMessage.delete(top.msgId);
      }
      dropped++;
    }
    return dropped;
  }
}
