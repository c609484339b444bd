import {
  driveInterleaved,
  timeSlices,
  type InterleaveOptions,
  type SliceSpan,
} from '../lib/interleaved-workload.js';
import { Meter } from '../lib/meter.js';
import type { SlicedPipeline } from '../lib/sliced-pipeline.js';
import type { Measurement } from '../lib/workload.js';
import {
  completed,
  failed,
  isSelected,
  notSelected,
  type ScenarioContext,
  type SystemResult,
  type SystemRole,
} from './scenario.js';

/**
 * The systems of a producer/consumer scenario (`pipeline`, `fanout`) measured side by side in
 * alternating slices (lib/sliced-pipeline.ts): every selected system opened (server, queues,
 * connections), its consumers started, the slices driven, every system closed whatever happened.
 */
export interface SlicedSide {
  readonly version: string;
  readonly pipeline: SlicedPipeline;
  /** Stops the pipeline's consumers, then closes connections and removes queues, streams or servers. */
  readonly close: () => Promise<void>;
}

export interface SlicedSideSpec {
  readonly system: string;
  readonly role: SystemRole;
  readonly setup: string;
  /** Opens the system; an unreachable peer throws PeerUnavailableError (reported as skipped). */
  readonly open: () => Promise<SlicedSide>;
}

/**
 * 2 s counted per slice after 500 ms not counted. Measured one system after the other, `pipeline`'s
 * RabbitMQ ratio moved from 1.36x to 1.85x between rounds of one run on the AMD machine of 2026-12-06
 * (docs/decisions/0017): the machine's speed drifts between windows half a minute apart; in slices every
 * system sees the same drift. The 500 ms keep out the backlog filling up from empty.
 */
const SLICE_MS = 2000;
const SETTLE_MS = 500;

/**
 * The slices of a run: as many per system as its window holds. `settleMs` shortens the uncounted start of
 * each slice where nothing needs to fill up first (longpoll's paced sender).
 */
export function producerConsumerSlicing(
  context: ScenarioContext,
  settleMs: number = SETTLE_MS,
): InterleaveOptions {
  return timeSlices({
    warmupMs: context.warmupMs,
    durationMs: context.durationMs,
    sliceMs: SLICE_MS,
    settleMs,
  });
}

/** How the run was sliced, for a result's settings. */
export function slicingSetting(slicing: InterleaveOptions): string {
  const ms = (span: SliceSpan) => ('ms' in span ? `${span.ms} ms` : `${span.units} units`);
  return `${slicing.slices} slices of ${ms(slicing.slice)} a system, ${ms(slicing.settle)} settling before each, the backlog drained after each`;
}

const OTHER_SERVERS_CPU = "the other systems' servers' CPU during this system's counted slices";

/** One result per spec, in the specs' order. */
export async function runSlicedSides(
  context: ScenarioContext,
  specs: readonly SlicedSideSpec[],
  slicing: InterleaveOptions,
  gaugeName: string,
): Promise<SystemResult[]> {
  const results = new Map<string, SystemResult>();
  const opened: Array<{ spec: SlicedSideSpec; side: SlicedSide }> = [];
  try {
    for (const spec of specs) {
      if (!isSelected(context, spec.system)) {
        results.set(spec.system, notSelected(spec.system, spec.role, spec.setup));
        continue;
      }
      context.log(`  ${spec.system}: starting`);
      try {
        opened.push({ spec, side: await spec.open() });
      } catch (error) {
        results.set(spec.system, failed(context, spec.system, spec.role, spec.setup, error));
      }
    }
    if (opened.length > 0) {
      for (const { side } of opened) side.pipeline.start();
      context.log(`  ${opened.map(({ spec }) => spec.system).join(', ')}: running in alternating slices`);
      const measurements = await driveInterleaved(
        opened.map(({ side }) => side.pipeline.system),
        slicing,
      );
      // Errors the consumers recorded after the last slice (a delete that failed in the drain) count too.
      const leftovers = await Promise.all(opened.map(({ side }) => side.pipeline.stop()));
      opened.forEach(({ spec, side }, i) => {
        const measurement = withErrorsOf(measurements[i]!, leftovers[i]!);
        results.set(
          spec.system,
          completed(context, spec.system, spec.role, spec.setup, {
            version: side.version,
            measurement,
            gaugeName,
            ...(measurement.otherServersCores === undefined
              ? {}
              : {
                  figures: [{ name: OTHER_SERVERS_CPU, value: measurement.otherServersCores, unit: 'cores' }],
                }),
          }),
        );
      });
    }
  } finally {
    for (const { spec, side } of opened) {
      await side.close().catch((error: unknown) => {
        context.log(`  ${spec.system}: closing failed: ${String(error)}`);
      });
    }
  }
  return specs.map((spec) => results.get(spec.system)!);
}

/** A measurement with `late`'s errors added (count and samples, as Meter.absorbErrors adds them). */
function withErrorsOf<M extends Measurement>(measurement: M, late: Meter): M {
  if (late.errors === 0) return measurement;
  const merged = new Meter();
  merged.errors = measurement.errors;
  merged.errorSamples.push(...measurement.errorSamples);
  merged.absorbErrors(late);
  return { ...measurement, errors: merged.errors, errorSamples: [...merged.errorSamples] };
}
