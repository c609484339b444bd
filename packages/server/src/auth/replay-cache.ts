/**
 * Remembers request signatures per Timestamp second for the timestamp window, so a captured request
 * cannot be sent again. A signature covers every parameter (Nonce and Timestamp included), so two
 * different requests never share one. Memory is bounded: past `maxEntries` the oldest seconds go first,
 * which narrows the protected window rather than refusing valid traffic.
 */
export class ReplayCache {
  readonly #buckets = new Map<number, Set<string>>();
  readonly #maxEntries: number;
  #size = 0;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  /** Records the signature; false when it was already recorded (a replay). */
  remember(timestampSeconds: number, signature: string, nowSeconds: number, windowSeconds: number): boolean {
    this.#forgetBefore(nowSeconds - windowSeconds);
    let bucket = this.#buckets.get(timestampSeconds);
    if (bucket?.has(signature)) return false;
    if (bucket === undefined) {
      bucket = new Set();
      this.#buckets.set(timestampSeconds, bucket);
    }
    bucket.add(signature);
    this.#size++;
    while (this.#size > this.#maxEntries) this.#dropOldest();
    return true;
  }

  get size(): number {
    return this.#size;
  }

  #forgetBefore(oldestSeconds: number): void {
    for (const [second, bucket] of this.#buckets) {
      if (second >= oldestSeconds) continue;
      this.#size -= bucket.size;
      this.#buckets.delete(second);
    }
  }

  #dropOldest(): void {
    let oldest: number | undefined;
    for (const second of this.#buckets.keys()) if (oldest === undefined || second < oldest) oldest = second;
    if (oldest === undefined) return;
    this.#size -= this.#buckets.get(oldest)!.size;
    this.#buckets.delete(oldest);
  }
}
