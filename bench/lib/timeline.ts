import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { directoryBytes } from './directory-size.js';
import { startCpuMeter } from './machine.js';
import type { Meter } from './meter.js';
import { readRssMiB } from './process-rss.js';

/**
 * What a run looked like over its measured window, one point per interval: the basis of the charts and
 * of soak's drift checks. Latencies are of the interval alone (the meter keeps a second histogram that is
 * reset every interval), so a point's p99 is not smoothed by the whole window. `null` where an interval
 * had nothing to measure (JSON has no NaN).
 */
export interface TimelinePoint {
  /** End of the interval, seconds since the window started. */
  readonly atSeconds: number;
  /** Units completed in the interval (messages, requests, deliveries) per second. */
  readonly rate: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** Mean of the run's gauge over the interval (e.g. the backlog). */
  readonly gauge: number | null;
  /** Resident memory of the server process at the end of the interval. */
  readonly serverRssMiB: number | null;
  /**
   * CPU of the server process over the interval, in cores (1 = one core busy), and the share of the
   * interval its main event loop was busy (0-1, when it runs the loop probe): with the rate, they tell a
   * drift in the server's cost per message from one in the load generator (`loadgenCores`).
   */
  readonly serverCores: number | null;
  readonly serverLoopBusy: number | null;
  readonly loadgenCores: number;
  /**
   * The p99 of the load generator's own event-loop delay in the interval (ms): how late a 10-ms timer of
   * its loop fired (`monitorEventLoopDelay` records the whole tick; the 10 ms are taken off), which adds to
   * every latency it measures.
   */
  readonly loadgenLoopDelayP99Ms: number | null;
  /**
   * Milliseconds per second the load generator paused for garbage collection in the interval, and its heap
   * in use at the interval's end (MiB): a generator whose heap grows pauses longer, and late.
   */
  readonly loadgenGcMsPerSecond: number;
  readonly loadgenHeapMiB: number;
  /**
   * Milliseconds per second the load generator's main thread, and the server's, waited on a run queue
   * while ready: when they grow, something else took the cores.
   */
  readonly loadgenRunDelayMsPerSecond: number | null;
  readonly serverRunDelayMsPerSecond: number | null;
  /** Busy cores of the machine besides the load generator and the server (the kernel, other processes). */
  readonly restCores: number | null;
  /** Milliseconds per second the server paused for garbage collection in the interval: all, and major. */
  readonly serverGcMsPerSecond: number | null;
  readonly serverMajorGcMsPerSecond: number | null;
  /**
   * The server's fdatasyncs per second in the interval and their mean time (ms, call to callback): the
   * WAL sync every acknowledged write waits for.
   */
  readonly serverSyncsPerSecond: number | null;
  readonly serverSyncMs: number | null;
  /** Cores' worth of CPU time the host took from this virtual machine in the interval (steal). */
  readonly machineStealCores: number | null;
  /** Bytes of the server's data directory (database, WAL, …) at the end of the interval, in MiB. */
  readonly dataMiB: number | null;
}

export interface Timeline {
  readonly intervalSeconds: number;
  readonly points: readonly TimelinePoint[];
}

/** Candidate sampling intervals; the default is the shortest giving at most MAX_DEFAULT_POINTS points. */
const INTERVALS_MS = [250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000] as const;
const MAX_DEFAULT_POINTS = 60;
/** A last interval shorter than this share of the interval is dropped: its rate would be noise. */
const MIN_LAST_INTERVAL_SHARE = 0.5;
/** The load generator's loop-delay timer (ms): each recorded tick is this plus the delay. */
const LOOP_DELAY_RESOLUTION_MS = 10;

/** 250 ms for an 8-s window (32 points), 500 ms for 30 s (60), 10 s for 10 minutes (60). */
export function defaultTimelineIntervalMs(windowMs: number): number {
  return INTERVALS_MS.find((ms) => windowMs / ms <= MAX_DEFAULT_POINTS) ?? INTERVALS_MS.at(-1)!;
}

export interface TimelineOptions {
  readonly meter: Meter;
  readonly intervalMs: number;
  readonly serverPid: number | undefined;
  readonly dataDir?: string | undefined;
  readonly gauge?: (() => number) | undefined;
}

/** Starts sampling now (the start of the window); `stop()` closes the last interval and returns all. */
export function startTimeline(options: TimelineOptions): { stop(): Timeline } {
  const { meter } = options;
  const startedAt = performance.now();
  const points: TimelinePoint[] = [];
  let intervalStartedAt = startedAt;
  let countAtStart = meter.count;
  let gaugeSum = 0;
  let gaugeSamples = 0;
  let cpu = startCpuMeter(options.serverPid);
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loopDelay.enable();
  let gcMs = 0;
  const gc = new PerformanceObserver((entries) => {
    for (const entry of entries.getEntries()) gcMs += entry.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  meter.intervalLatency.reset();
  const gaugeTimer =
    options.gauge === undefined
      ? undefined
      : setInterval(
          () => {
            gaugeSum += options.gauge!();
            gaugeSamples++;
          },
          Math.min(100, options.intervalMs / 4),
        );
  const sample = () => {
    const now = performance.now();
    const seconds = (now - intervalStartedAt) / 1000;
    const latency = meter.intervalLatency;
    const rss = options.serverPid === undefined ? undefined : readRssMiB(options.serverPid);
    const used = cpu.stop();
    cpu = startCpuMeter(options.serverPid);
    points.push({
      atSeconds: round((now - startedAt) / 1000, 3),
      rate: round((meter.count - countAtStart) / seconds, 1),
      p50Ms: latency.count === 0 ? null : round(latency.quantileMs(0.5), 2),
      p99Ms: latency.count === 0 ? null : round(latency.quantileMs(0.99), 2),
      gauge: gaugeSamples === 0 ? null : round(gaugeSum / gaugeSamples, 1),
      serverRssMiB: roundOrNull(rss, 1),
      serverCores: roundOrNull(used.serverCores, 3),
      serverLoopBusy: roundOrNull(used.serverLoopBusy, 3),
      loadgenCores: round(used.loadgenCores, 3),
      loadgenLoopDelayP99Ms:
        loopDelay.count === 0
          ? null
          : round(Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_DELAY_RESOLUTION_MS), 2),
      loadgenGcMsPerSecond: round(gcMs / seconds, 2),
      loadgenHeapMiB: round(process.memoryUsage().heapUsed / 2 ** 20, 1),
      loadgenRunDelayMsPerSecond: roundOrNull(used.loadgenRunDelayMsPerSecond, 2),
      serverRunDelayMsPerSecond: roundOrNull(used.serverRunDelayMsPerSecond, 2),
      restCores: roundOrNull(
        used.machineCores === undefined || used.serverCores === undefined
          ? undefined
          : Math.max(0, used.machineCores - used.loadgenCores - used.serverCores),
        3,
      ),
      serverGcMsPerSecond: roundOrNull(used.serverGcMsPerSecond, 2),
      serverMajorGcMsPerSecond: roundOrNull(used.serverMajorGcMsPerSecond, 2),
      serverSyncsPerSecond: roundOrNull(used.serverSyncsPerSecond, 1),
      serverSyncMs: roundOrNull(used.serverSyncMs, 3),
      machineStealCores: roundOrNull(used.machineStealCores, 3),
      dataMiB: options.dataDir === undefined ? null : dataMiBOf(options.dataDir),
    });
    latency.reset();
    loopDelay.reset();
    gcMs = 0;
    intervalStartedAt = now;
    countAtStart = meter.count;
    gaugeSum = 0;
    gaugeSamples = 0;
  };
  const timer = setInterval(sample, options.intervalMs);
  return {
    stop(): Timeline {
      clearInterval(timer);
      clearInterval(gaugeTimer);
      if (performance.now() - intervalStartedAt >= options.intervalMs * MIN_LAST_INTERVAL_SHARE) sample();
      loopDelay.disable();
      gc.disconnect();
      return { intervalSeconds: options.intervalMs / 1000, points };
    },
  };
}

const round = (value: number, digits: number): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

/** A reading that may be missing (no server process, no loop probe): null in JSON, which has no NaN. */
const roundOrNull = (value: number | undefined, digits: number): number | null =>
  value === undefined ? null : round(value, digits);

/** Server CPU time per unit (message, request) in the interval, in µs; null without a server or units. */
export function serverMicrosPerUnit(point: TimelinePoint): number | null {
  return point.serverCores === null || point.rate === 0 ? null : (point.serverCores / point.rate) * 1e6;
}

/** The load generator's CPU time per unit in the interval, in µs; null when nothing completed. */
export function loadgenMicrosPerUnit(point: TimelinePoint): number | null {
  return point.rate === 0 ? null : (point.loadgenCores / point.rate) * 1e6;
}

/** The data directory's size in MiB; null if it cannot be read (a server that removed it on stop). */
function dataMiBOf(dir: string): number | null {
  try {
    return round(directoryBytes(dir) / 2 ** 20, 1);
  } catch {
    return null;
  }
}
