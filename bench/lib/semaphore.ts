/**
 * Counting semaphore with multi-permit acquire, used two ways: as a per-producer confirm window (RabbitMQ
 * and NATS publishers keep at most N messages unconfirmed), and as the pipeline's backlog cap (producers
 * stop while more than N messages are sent but not yet received). `close()` releases every waiter with
 * `false`, so no worker stays parked when a run ends.
 */
export class Semaphore {
  #available: number;
  #waiters: Array<{ permits: number; resolve: (ok: boolean) => void }> = [];
  #closed = false;

  constructor(permits: number) {
    this.#available = permits;
  }

  /** Permits free now (negative never: waiters queue instead). */
  get available(): number {
    return this.#available;
  }

  /** Resolves true once `permits` are taken, false when the semaphore closed first. */
  acquire(permits = 1): Promise<boolean> | boolean {
    if (this.#closed) return false;
    if (this.#waiters.length === 0 && this.#available >= permits) {
      this.#available -= permits;
      return true;
    }
    return new Promise<boolean>((resolve) => this.#waiters.push({ permits, resolve }));
  }

  release(permits = 1): void {
    this.#available += permits;
    while (this.#waiters.length > 0 && this.#available >= this.#waiters[0]!.permits) {
      const waiter = this.#waiters.shift()!;
      this.#available -= waiter.permits;
      waiter.resolve(true);
    }
  }

  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(false);
  }
}
