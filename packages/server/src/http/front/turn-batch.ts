/**
 * Collects items during one turn of the event loop and hands them over together once the turn's I/O has
 * been read (setImmediate): a message between threads costs 15 µs of the receiving thread, a batch of 16
 * about 2 µs an item (`node --import tsx bench/thread-messaging-cost.ts`).
 */
export class TurnBatch<T> {
  readonly #send: (items: T[]) => void;
  #items: T[] = [];
  #scheduled = false;

  constructor(send: (items: T[]) => void) {
    this.#send = send;
  }

  push(item: T): void {
    this.#items.push(item);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const items = this.#items;
      this.#items = [];
      this.#send(items);
    });
  }
}
