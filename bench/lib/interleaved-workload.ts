import { setTimeout as sleep } from 'node:timers/promises';
import { readProcessCpuSeconds, startCpuMeter, type CpuUse } from './machine.js';
import { Meter, snapshotOf } from './meter.js';
import { defaultTimelineIntervalMs, startTimeline, type Timeline, type TimelinePoint } from './timeline.js';
import { untilCount, type Measurement, type Worker } from './workload.js';

/**
 * Several systems measured in alternating slices instead of one window after another: every system's
 * server runs the whole time, the load goes to one system at a time, and each system's figures are the
 * sum of its slices. On this virtual machine the speed of the CPU and of the disk drifts by 20-40 % between
 * windows a minute apart (bench/README.md), which moves the ratio of two back-to-back windows by as much;
 * slices of a second see nearly the same machine, so drift lands on both sides of a ratio alike.
 *
 * Each slice starts the system's workers afresh on its meter, lets them settle (the first requests after
 * an idle gap, and whatever the previous system's server still does in the background, such as a WAL
 * checkpoint, stay out), counts a time or a number of units, then stops them and waits for their requests
 * in flight (errors while they stop still count), then for the system's `afterSlice`, if it has one (a
 * pipeline drains its backlog there; its consumers live across slices: lib/sliced-pipeline.ts). The
 * order runs A B B A A B …, so neither system is always the one that follows the other.
 */
export interface InterleavedSystem {
  /** The workers of one slice, recording into that slice's meter; they loop until the slice stops. */
  readonly workers: (meter: Meter) => readonly Worker[];
  /** The process of the system under test, for its CPU use and timeline. */
  readonly serverPid: number | undefined;
  /** Sampled every 100 ms of the counted parts (e.g. the server's memory); its mean is reported. */
  readonly gauge?: () => number;
  /**
   * Runs after a slice's workers have stopped and before the next slice starts, uncounted: waits until
   * the work they started has finished (a pipeline's backlog received, lib/sliced-pipeline.ts), so none
   * of it runs in another system's slice. One that throws counts as an error of this system.
   */
  readonly afterSlice?: () => Promise<void>;
}

/**
 * How long a part of a slice lasts: a time, or until the slice's workers have counted `units` (a stock
 * of messages drained), cut at `boundMs` so that a stalled system still ends (counted as an error).
 */
export type SliceSpan = { readonly ms: number } | { readonly units: number; readonly boundMs: number };

export interface InterleaveOptions {
  /** Uncounted load on each system before the first counted slice (in the order given). */
  readonly warmup: SliceSpan;
  /** Counted slices per system. */
  readonly slices: number;
  /** Uncounted at the start of every slice. */
  readonly settle: SliceSpan;
  /** The counted part of a slice. */
  readonly slice: SliceSpan;
  readonly timelineIntervalMs: number;
}

/** Slices of a time each: `durationMs` of counted time per system in whole slices (at least one). */
export function timeSlices(options: {
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly sliceMs: number;
  readonly settleMs: number;
}): InterleaveOptions {
  return {
    warmup: { ms: options.warmupMs },
    slices: Math.max(1, Math.round(options.durationMs / options.sliceMs)),
    settle: { ms: options.settleMs },
    slice: { ms: options.sliceMs },
    timelineIntervalMs: Math.min(defaultTimelineIntervalMs(options.durationMs), options.sliceMs),
  };
}

export interface InterleavedMeasurement extends Measurement {
  /**
   * CPU of the other systems' server processes while this system's slices were counted, in cores: work
   * they carried over from their own slices (a WAL checkpoint, a GC) that took CPU from this system.
   * Undefined without other systems or their process ids.
   */
  readonly otherServersCores: number | undefined;
}

/** Runs the systems in alternating slices; one measurement per system, in the order given. */
export async function driveInterleaved(
  systems: readonly InterleavedSystem[],
  options: InterleaveOptions,
): Promise<InterleavedMeasurement[]> {
  const totals = systems.map(() => ({ meter: new Meter(), parts: [] as CountedPart[], othersCpuSeconds: 0 }));
  for (const [index, system] of systems.entries())
    await runSlice(system, options.warmup, undefined, totals[index]!.meter);
  const otherPids = (index: number) =>
    systems.flatMap((other, i) => (i === index || other.serverPid === undefined ? [] : [other.serverPid]));
  for (const index of sliceOrder(systems.length, options.slices)) {
    const others = otherPids(index);
    let othersBefore = 0;
    const part = await runSlice(
      systems[index]!,
      options.settle,
      {
        span: options.slice,
        intervalMs: options.timelineIntervalMs,
        total: totals[index]!.meter,
        onCountStart: () => (othersBefore = cpuSecondsOf(others)),
      },
      totals[index]!.meter,
    );
    totals[index]!.othersCpuSeconds += cpuSecondsOf(others) - othersBefore;
    totals[index]!.parts.push(part!);
  }
  return totals.map(({ meter, parts, othersCpuSeconds }, index) => {
    const seconds = parts.reduce((sum, part) => sum + part.seconds, 0);
    const gaugeSamples = parts.flatMap((part) => part.gaugeSamples);
    return {
      ...snapshotOf(meter),
      seconds,
      rate: meter.count / seconds,
      cpu: mergeCpuUse(parts),
      gaugeMean:
        gaugeSamples.length === 0
          ? undefined
          : gaugeSamples.reduce((sum, value) => sum + value, 0) / gaugeSamples.length,
      errorSamples: [...meter.errorSamples],
      timeline: concatTimelines(parts),
      otherServersCores: otherPids(index).length === 0 ? undefined : othersCpuSeconds / seconds,
    };
  });
}

/** CPU seconds of these processes so far (user + system, all threads); a process gone counts nothing. */
function cpuSecondsOf(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (readProcessCpuSeconds(pid) ?? 0), 0);
}

interface CountedPart {
  readonly seconds: number;
  readonly cpu: CpuUse;
  readonly timeline: Timeline;
  readonly gaugeSamples: readonly number[];
}

/** Load on one system that counts nowhere (a warm-up before the system's peers are started). */
export async function warmUp(system: InterleavedSystem, span: SliceSpan): Promise<void> {
  await runSlice(system, span, undefined, undefined);
}

/** The counted part of a slice: its span, its timeline's interval, the meter it adds to. */
interface CountedSpan {
  readonly span: SliceSpan;
  readonly intervalMs: number;
  readonly total: Meter;
  readonly onCountStart: () => void;
}

/** Bound on waiting for a slice's workers to finish their requests in flight. */
const STOP_BOUND_MS = 10_000;
const GAUGE_INTERVAL_MS = 100;

/**
 * One slice: `uncounted` of load, then, when `count` is given, `count.span` counted into `count.total`.
 * Units completing after the counted part ends are not counted (as in drive()). A failed `afterSlice`
 * counts in `errors`, and is thrown when there is none.
 */
async function runSlice(
  system: InterleavedSystem,
  uncounted: SliceSpan,
  count: CountedSpan | undefined,
  errors: Meter | undefined,
): Promise<CountedPart | undefined> {
  const part = await loadSlice(system, uncounted, count);
  await finishSlice(system, errors);
  return part;
}

/** A slice's load: its workers started, its parts waited out, its workers stopped. */
async function loadSlice(
  system: InterleavedSystem,
  uncounted: SliceSpan,
  count: CountedSpan | undefined,
): Promise<CountedPart | undefined> {
  let signalStop = () => {};
  const state = { stopped: false, whenStopped: new Promise<void>((resolve) => (signalStop = resolve)) };
  const meter = new Meter();
  const running = system.workers(meter).map((worker) =>
    worker(state).catch((error: unknown) => {
      if (!state.stopped) meter.error(new Error(`worker stopped: ${String(error)}`, { cause: error }));
    }),
  );
  try {
    await spanOf(uncounted, meter);
    if (count === undefined) return undefined;
    // The settling part's units and latencies do not count; its errors (a bound hit, a failed request) do.
    count.total.absorbErrors(meter);
    meter.reset();
    count.onCountStart();
    const cpu = startCpuMeter(system.serverPid);
    const timeline = startTimeline({
      meter,
      intervalMs: count.intervalMs,
      serverPid: system.serverPid,
      gauge: system.gauge,
    });
    const gaugeSamples: number[] = [];
    const gauge = system.gauge;
    const sampler =
      gauge === undefined ? undefined : setInterval(() => gaugeSamples.push(gauge()), GAUGE_INTERVAL_MS);
    const startedAt = performance.now();
    await spanOf(count.span, meter);
    count.total.absorb(meter);
    // From here on units and latencies count nowhere, but errors do (a request failing as the workers stop).
    meter.reset();
    const seconds = (performance.now() - startedAt) / 1000;
    clearInterval(sampler);
    return { seconds, cpu: cpu.stop(), timeline: timeline.stop(), gaugeSamples };
  } finally {
    state.stopped = true;
    signalStop();
    await Promise.race([Promise.allSettled(running), sleep(STOP_BOUND_MS, undefined, { ref: false })]);
    count?.total.absorbErrors(meter);
  }
}

/** A system's afterSlice; its failure counts in `errors`, and is thrown when there is none. */
async function finishSlice(system: InterleavedSystem, errors: Meter | undefined): Promise<void> {
  if (system.afterSlice === undefined) return;
  try {
    await system.afterSlice();
  } catch (error) {
    if (errors === undefined) throw error;
    errors.error(error);
  }
}

/** Waits out a span; one cut at its bound is counted as an error of the slice. */
async function spanOf(span: SliceSpan, meter: Meter): Promise<void> {
  if ('ms' in span) {
    await sleep(span.ms);
    return;
  }
  if (!(await untilCount(meter, span.units, span.boundMs)))
    meter.error(`slice ended at its ${span.boundMs / 1000} s bound before ${span.units} units`);
}

/**
 * Which system runs each counted slice: 0 1 1 0 0 1 1 0 … for two (ABBA, so a trend over the window
 * favours neither), and for more systems the same with the whole order reversed every other pass.
 */
export function sliceOrder(systemCount: number, slicesEach: number): number[] {
  const forward = Array.from({ length: systemCount }, (_, i) => i);
  const order: number[] = [];
  for (let pass = 0; pass < slicesEach; pass++)
    order.push(...(pass % 2 === 0 ? forward : [...forward].reverse()));
  return order;
}

type NumericCpuField = {
  [K in keyof CpuUse]-?: NonNullable<CpuUse[K]> extends number ? K : never;
}[keyof CpuUse];

/**
 * The CPU use of several counted parts as one window's: every rate weighted by the part's seconds, the
 * mean sync time weighted by the syncs. A reading missing from a part leaves that part out of its mean;
 * missing from all, it stays missing.
 */
export function mergeCpuUse(
  parts: ReadonlyArray<{ readonly seconds: number; readonly cpu: CpuUse }>,
): CpuUse {
  const mean = (field: NumericCpuField, weightOf: (part: (typeof parts)[number]) => number) => {
    let sum = 0;
    let weight = 0;
    for (const part of parts) {
      const value = part.cpu[field];
      if (value === undefined || !Number.isFinite(value)) continue;
      const w = weightOf(part);
      sum += value * w;
      weight += w;
    }
    return weight === 0 ? undefined : sum / weight;
  };
  const bySeconds = (part: (typeof parts)[number]) => part.seconds;
  const bySyncs = (part: (typeof parts)[number]) => (part.cpu.serverSyncsPerSecond ?? 0) * part.seconds;
  const merged: Record<string, number> = {};
  const fields: NumericCpuField[] = [
    'loadgenCores',
    'serverCores',
    'machineCores',
    'machineStealCores',
    'serverLoopBusy',
    'serverGcMsPerSecond',
    'serverMajorGcMsPerSecond',
    'serverSyncsPerSecond',
    'loadgenRunDelayMsPerSecond',
    'serverRunDelayMsPerSecond',
  ];
  for (const field of fields) {
    const value = mean(field, bySeconds);
    if (value !== undefined) merged[field] = value;
  }
  const syncMs = mean('serverSyncMs', bySyncs);
  if (syncMs !== undefined) merged.serverSyncMs = syncMs;
  return {
    ...merged,
    loadgenCores: merged.loadgenCores ?? 0,
    serverCores: merged.serverCores,
    machineCores: merged.machineCores,
  };
}

/** Timelines of consecutive counted parts as one: each part's points shifted by the counted time before it. */
export function concatTimelines(
  parts: ReadonlyArray<{ readonly seconds: number; readonly timeline: Timeline }>,
): Timeline {
  const points: TimelinePoint[] = [];
  let offset = 0;
  for (const { seconds, timeline } of parts) {
    for (const point of timeline.points)
      points.push({ ...point, atSeconds: Math.round((offset + point.atSeconds) * 1000) / 1000 });
    offset += seconds;
  }
  return { intervalSeconds: parts[0]?.timeline.intervalSeconds ?? 0, points };
}
