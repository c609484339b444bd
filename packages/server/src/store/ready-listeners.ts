/** The in-process "messages may be ready" signal every engine offers to shorten long polls. */
export class ReadyListeners {
  readonly #listeners = new Set<(queueKey: string, count: number) => void>();

  add(listener: (queueKey: string, count: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(queueKey: string, count: number): void {
    for (const listener of this.#listeners) listener(queueKey, count);
  }

  clear(): void {
    this.#listeners.clear();
  }
}
