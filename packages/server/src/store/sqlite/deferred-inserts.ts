/** A message row to insert: state, visible time, enqueue time, body. */
export type MessageRow = readonly [state: number, visibleAtMs: number, enqueuedAtMs: number, body: string];

interface Entry {
  readonly queueId: number;
  readonly rows: readonly MessageRow[];
  readonly assign: (ids: readonly number[]) => void;
}

/**
 * Message rows whose INSERT waits: SendMessage operations of a batch hand their rows here, and the rows
 * are written together just before the next operation that needs the database as it stands (and before
 * COMMIT), each queue's rows in as few multi-row INSERTs as they fill. Each sender learns its ids then, in
 * `assign`, before its answer goes out after the batch's sync. A one-row INSERT per SendMessage (with its
 * savepoint) cost the single benchmark ~5 µs more a message than its share of a multi-row one.
 *
 * Two layers, as QueueCountLedger's: rows of operations that were kept, and the running operation's. Only
 * kept rows are written (a flush runs outside any savepoint, so what it writes survives the running
 * operation's rollback); an operation rolled back drops its rows, a batch rolled back drops all.
 */
export class DeferredInserts {
  readonly #insert: (queueId: number, rows: readonly MessageRow[]) => number[];
  #entries: Entry[] = [];
  #kept = 0;

  /** `insert` writes one queue's rows in order and returns their ids in the same order. */
  constructor(insert: (queueId: number, rows: readonly MessageRow[]) => number[]) {
    this.#insert = insert;
  }

  /** The running operation's rows for a queue; `assign` gets their ids once they are written. */
  add(queueId: number, rows: readonly MessageRow[], assign: (ids: readonly number[]) => void): void {
    this.#entries.push({ queueId, rows, assign });
  }

  /** The running operation was kept: its rows will be written. */
  kept(): void {
    this.#kept = this.#entries.length;
  }

  /** An operation was rolled back (`'operation'`: its rows are dropped), or the whole batch (`'batch'`). */
  rolledBack(scope: 'operation' | 'batch'): void {
    this.#entries.length = scope === 'batch' ? 0 : this.#kept;
    if (scope === 'batch') this.#kept = 0;
  }

  /** Writes the kept rows, each queue's in the order they came, and tells each sender its ids. */
  flush(): void {
    if (this.#kept === 0) return;
    const entries = this.#entries.splice(0, this.#kept);
    this.#kept = 0;
    const first = entries[0]!;
    if (entries.length === 1) {
      first.assign(this.#insert(first.queueId, first.rows));
      return;
    }
    const byQueue = new Map<number, Entry[]>();
    for (const entry of entries) {
      const same = byQueue.get(entry.queueId);
      if (same === undefined) byQueue.set(entry.queueId, [entry]);
      else same.push(entry);
    }
    for (const [queueId, same] of byQueue) {
      const ids = this.#insert(
        queueId,
        same.flatMap((entry) => entry.rows),
      );
      let at = 0;
      for (const entry of same) {
        entry.assign(ids.slice(at, at + entry.rows.length));
        at += entry.rows.length;
      }
    }
  }
}
