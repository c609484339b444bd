import { setTimeout as sleep } from 'node:timers/promises';
import type { CpuUse } from './machine.js';
import { startCpuMeter } from './machine.js';
import type { Meter, MeterSnapshot } from './meter.js';
import { snapshotOf } from './meter.js';
import { defaultTimelineIntervalMs, startTimeline, type Timeline } from './timeline.js';

/** Shared by the workers of one run: they loop until `stopped`. */
export interface RunState {
  readonly stopped: boolean;
  /** Resolves when the window has ended, for workers that wait on callbacks rather than loop. */
  readonly whenStopped: Promise<void>;
}

export type Worker = (run: RunState) => Promise<void>;

export interface DriveOptions {
  readonly workers: readonly Worker[];
  readonly meter: Meter;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** The process of the system under test, for its CPU use. */
  readonly serverPid: number | undefined;
  /** The server's data directory: its size goes into the timeline (soak checks it for growth). */
  readonly dataDir?: string | undefined;
  /** Unblocks every worker once the window has ended: close gates, cancel consumers, close sockets. */
  readonly onStop: () => void | Promise<void>;
  /** Sampled every 100 ms during the window (e.g. the backlog); its mean is reported. */
  readonly gauge?: () => number;
  /** Timeline sampling interval; default from the window's length (`defaultTimelineIntervalMs`). */
  readonly timelineIntervalMs?: number;
}

export interface Measurement extends MeterSnapshot {
  readonly seconds: number;
  readonly rate: number;
  readonly cpu: CpuUse;
  readonly gaugeMean: number | undefined;
  readonly errorSamples: readonly string[];
  /** Rate, latency, gauge and server memory per interval of the window. */
  readonly timeline: Timeline;
}

/**
 * Runs the workers through a warm-up, then a measured window, then stops them. Only the window counts:
 * connection set-up, JIT warm-up and the first empty long polls stay out of the numbers.
 */
export async function drive(options: DriveOptions): Promise<Measurement> {
  let signalStop = () => {};
  const state = { stopped: false, whenStopped: new Promise<void>((resolve) => (signalStop = resolve)) };
  const { meter } = options;
  const running = options.workers.map((worker) =>
    worker(state).catch((error: unknown) => {
      if (!state.stopped) meter.error(new Error(`worker stopped: ${String(error)}`, { cause: error }));
    }),
  );
  try {
    await sleep(options.warmupMs);
    meter.reset();
    const cpu = startCpuMeter(options.serverPid);
    const startedAt = performance.now();
    const timeline = startTimeline({
      meter,
      intervalMs: options.timelineIntervalMs ?? defaultTimelineIntervalMs(options.durationMs),
      serverPid: options.serverPid,
      dataDir: options.dataDir,
      gauge: options.gauge,
    });
    let gaugeSum = 0;
    let gaugeSamples = 0;
    const sampler =
      options.gauge === undefined
        ? undefined
        : setInterval(() => {
            gaugeSum += options.gauge!();
            gaugeSamples++;
          }, 100);
    await sleep(options.durationMs);
    const snapshot = snapshotOf(meter);
    const seconds = (performance.now() - startedAt) / 1000;
    const cpuUse = cpu.stop();
    const timelineOfWindow = timeline.stop();
    clearInterval(sampler);
    return {
      ...snapshot,
      seconds,
      rate: snapshot.count / seconds,
      cpu: cpuUse,
      gaugeMean: gaugeSamples === 0 ? undefined : gaugeSum / gaugeSamples,
      errorSamples: [...meter.errorSamples],
      timeline: timelineOfWindow,
    };
  } finally {
    state.stopped = true;
    signalStop();
    await options.onStop();
    // A worker that ignores the stop must not hang the whole benchmark. Unref'd: once the workers have
    // settled, this timer must not keep the process alive for 10 s after the last scenario.
    await Promise.race([Promise.allSettled(running), sleep(10_000, undefined, { ref: false })]);
  }
}

/** Resolves true once the meter has counted `units`, false when `boundMs` passed first. */
export async function untilCount(meter: Meter, units: number, boundMs: number): Promise<boolean> {
  const deadline = performance.now() + boundMs;
  while (meter.count < units) {
    if (performance.now() >= deadline) return false;
    await sleep(2);
  }
  return true;
}
