import { setTimeout as sleep } from 'node:timers/promises';
import { makeBody, nowMs } from './body.js';
import type { Meter } from './meter.js';
import { TokenBucket } from './token-bucket.js';
import type { Worker } from './workload.js';

export interface PacedSenderOptions {
  /** Sends started per second at most. */
  readonly ratePerSecond: number;
  /** Sends one message and resolves once the system acknowledged it (durably); throws on failure. */
  readonly send: (body: string) => Promise<void>;
  readonly meter: Meter;
}

/**
 * One message at a time, at a fixed pace (longpoll): a send starts every 1/rate seconds, or as soon as
 * the previous one was acknowledged when that took longer, never two at once. At a pace well below what
 * the consumers drain, every message finds them idle, so its latency is a wake-up, not a queue. Each
 * body carries its send time (lib/body.ts); the consumers count and time the messages.
 */
export function pacedSender(options: PacedSenderOptions): Worker {
  return async (run) => {
    // Capacity 2: a send that ran late (timer jitter, a slow fsync) is followed at once by the next, so
    // the pace holds (capacity 1 gave 186/s of 200/s here); sends still go one at a time, never a burst.
    const pacer = new TokenBucket({ ratePerSecond: options.ratePerSecond, capacity: 2 });
    void run.whenStopped.then(() => pacer.close());
    while (!run.stopped) {
      if (!(await pacer.take(1))) break;
      try {
        await options.send(makeBody(nowMs()));
      } catch (error) {
        if (run.stopped) break;
        options.meter.error(error);
        await sleep(10);
      }
    }
  };
}
