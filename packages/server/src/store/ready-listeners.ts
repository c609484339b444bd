import type { ReadyListener } from './store.js';

/** The in-process "messages may be ready" signal every engine offers to shorten long polls. */
export class ReadyListeners {
  readonly #listeners = new Set<ReadyListener>();

  add(listener: ReadyListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Whether any listener woke a receiver. */
  emit(queueKey: string, count: number): boolean {
    let woke = false;
    for (const listener of this.#listeners) if (listener(queueKey, count)) woke = true;
    return woke;
  }

  clear(): void {
    this.#listeners.clear();
  }
}
