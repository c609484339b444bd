import { setTimeout as sleep } from 'node:timers/promises';
import { makeBody, nowMs } from './body.js';
import type { Meter } from './meter.js';
import type { Semaphore } from './semaphore.js';
import { TokenBucket } from './token-bucket.js';
import type { Worker } from './workload.js';

export interface PacedSenderOptions {
  /** Sends started per second at most. */
  readonly ratePerSecond: number;
  /** Sends one message and resolves once the system acknowledged it (durably); throws on failure. */
  readonly send: (body: string) => Promise<void>;
  readonly meter: Meter;
  /**
   * The backlog gate shared with the consumers: a send takes a permit first, which the consumer that
   * receives the message gives back, so a drained queue reads as the gate at its cap.
   */
  readonly gate: Semaphore;
}

/**
 * One message at a time, at a fixed pace (longpoll): a send starts every 1/rate seconds, or as soon as
 * the previous one was acknowledged when that took longer, never two at once. At a pace well below what
 * the consumers drain, every message finds them idle, so its latency is a wake-up, not a queue. Each
 * body carries its send time (lib/body.ts); the consumers count and time the messages.
 */
export function pacedSender(options: PacedSenderOptions): Worker {
  const { gate } = options;
  return async (run) => {
    // Capacity 2: a send that ran late (timer jitter, a slow fsync) is followed at once by the next, so
    // the pace holds (capacity 1 gave 186/s of 200/s here); sends still go one at a time, never a burst.
    const pacer = new TokenBucket({ ratePerSecond: options.ratePerSecond, capacity: 2 });
    void run.whenStopped.then(() => pacer.close());
    while (!run.stopped) {
      if (!(await pacer.take(1))) break;
      if (!(await gate.acquire(1))) break;
      if (run.stopped) {
        // Stopped while waiting for room: the permit goes back, or a drained backlog never reads as empty.
        gate.release(1);
        break;
      }
      try {
        await options.send(makeBody(nowMs()));
      } catch (error) {
        gate.release(1);
        if (run.stopped) break;
        options.meter.error(error);
        await sleep(10);
      }
    }
  };
}
