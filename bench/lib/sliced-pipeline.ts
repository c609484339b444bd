import { setTimeout as sleep } from 'node:timers/promises';
import type { InterleavedSystem } from './interleaved-workload.js';
import { Meter, type MeterSink } from './meter.js';
import { Semaphore } from './semaphore.js';
import type { RunState, Worker } from './workload.js';

/**
 * A pipeline (producers and consumers on one queue, the backlog capped by a gate) measured in alternating
 * slices with other systems (lib/interleaved-workload.ts):
 *
 * - the consumers run from `start` to `stop`, across every slice of every system, and record into the
 *   meter of this system's slice in progress (from a drain's start to the next slice, into one whose
 *   units count nowhere and whose errors join that slice, or stop()'s result after the last): a
 *   consumer waiting on an empty queue costs its system nothing, and a long poll needs no cancelling;
 * - the producers run per slice, as interleaved workers do;
 * - at a slice's end the producers stop, and `afterSlice` waits until the consumers have received
 *   everything sent (the gate back at its cap) and finished what they started on it (`pending`: a CMQ
 *   consumer's deletes), uncounted, before the next slice of any system starts. No backlog carries over
 *   from one slice into the next, the other system's or this one's.
 *
 * A producer stopped while it waits for room gives its permits back (cmqBatchSender, rabbitPublisher,
 * natsPublisher), so the gate reads full once the queue is empty.
 */
export interface SlicedPipelineParts {
  /** The backlog cap: messages sent and not yet received. */
  readonly cap: number;
  readonly serverPid: number | undefined;
  /** The consumers; they record into `sink` and stop when `run` stops. */
  readonly consumers: (sink: MeterSink, gate: Semaphore) => readonly Worker[];
  /** One slice's producers, recording (errors, for instance) into that slice's meter. */
  readonly producers: (meter: Meter, gate: Semaphore) => readonly Worker[];
  /** Unblocks the consumers at the end (closes their clients or cancels their subscriptions). */
  readonly onStop?: () => void | Promise<void>;
  /** Bound on a slice's drain; longer counts as an error. */
  readonly drainBoundMs?: number;
  /**
   * Requests the consumers sent about messages already received and not yet answered (a CMQ consumer's
   * deletes); a drain also waits for these. Fire-and-forget acks (RabbitMQ, NATS) have none.
   */
  readonly pending?: () => number;
  /** What the system's gauge reads; the backlog (messages sent and not yet received) when undefined. */
  readonly gauge?: () => number;
}

export interface SlicedPipeline {
  readonly system: InterleavedSystem;
  /** Records into this system's slice in progress: for what its workers share (a connection's errors). */
  readonly meter: MeterSink;
  /** Starts the consumers; before the first slice. */
  start(): void;
  /**
   * Stops the consumers and waits for them (bounded); after the last slice. Resolves to what they recorded
   * since that slice (its errors belong to the system's result); calling it again gives the same.
   */
  stop(): Promise<Meter>;
}

const DEFAULT_DRAIN_BOUND_MS = 10_000;
const STOP_BOUND_MS = 10_000;
const POLL_MS = 2;

/** Hands every call to the meter of the slice in progress, or between slices to one of its own. */
class SliceSink implements MeterSink {
  current = new Meter();
  add(units: number): void {
    this.current.add(units);
  }
  recordLatencyMs(ms: number): void {
    this.current.recordLatencyMs(ms);
  }
  error(reason: unknown): void {
    this.current.error(reason);
  }
}

export function slicedPipeline(parts: SlicedPipelineParts): SlicedPipeline {
  const gate = new Semaphore(parts.cap);
  const sink = new SliceSink();
  let signalStop = () => {};
  const consumerRun: { stopped: boolean } & RunState = {
    stopped: false,
    whenStopped: new Promise<void>((resolve) => (signalStop = resolve)),
  };
  let running: Array<Promise<void>> = [];
  let stopping: Promise<Meter> | undefined;
  const drainBoundMs = parts.drainBoundMs ?? DEFAULT_DRAIN_BOUND_MS;
  return {
    meter: sink,
    system: {
      serverPid: parts.serverPid,
      gauge: parts.gauge ?? (() => parts.cap - gate.available),
      workers: (meter) => {
        // Errors between slices (a consumer that failed meanwhile) count in this slice's settling part.
        meter.absorbErrors(sink.current);
        sink.current = meter;
        return parts.producers(meter, gate);
      },
      afterSlice: async () => {
        // Until this system's next slice, what the consumers record counts nowhere, but their errors
        // join that slice's (or, after the last slice, stop()'s).
        sink.current = new Meter();
        const deadline = performance.now() + drainBoundMs;
        const pending = parts.pending ?? (() => 0);
        while (gate.available < parts.cap || pending() > 0) {
          if (performance.now() >= deadline)
            throw new Error(
              `backlog not drained ${drainBoundMs / 1000} s after a slice: ${parts.cap - gate.available} messages left, ${pending()} consumer requests unanswered`,
            );
          await sleep(POLL_MS);
        }
        // Permits given back twice (a message released at a failed publish and again when received):
        // the gate no longer tells when the queue is empty, nor caps the backlog.
        if (gate.available > parts.cap)
          throw new Error(`backlog gate over its cap after a slice: ${gate.available} of ${parts.cap} free`);
      },
    },
    start() {
      running = parts.consumers(sink, gate).map((consumer) =>
        consumer(consumerRun).catch((error: unknown) => {
          if (!consumerRun.stopped)
            sink.error(new Error(`consumer stopped: ${String(error)}`, { cause: error }));
        }),
      );
    },
    stop() {
      stopping ??= (async () => {
        consumerRun.stopped = true;
        signalStop();
        gate.close();
        await parts.onStop?.();
        await Promise.race([Promise.allSettled(running), sleep(STOP_BOUND_MS, undefined, { ref: false })]);
        return sink.current;
      })();
      return stopping;
    },
  };
}
