import { LatencyHistogram, type LatencySummary } from './histogram.js';

const MAX_ERROR_SAMPLES = 5;

/**
 * What the workers of one run report: completed units (messages, requests, deliveries), errors, and
 * latencies. `reset()` at the end of the warm-up starts the measured window.
 */
export class Meter {
  readonly latency = new LatencyHistogram();
  /** The same latencies again, reset by the timeline every interval (lib/timeline.ts). */
  readonly intervalLatency = new LatencyHistogram();
  count = 0;
  errors = 0;
  readonly errorSamples: string[] = [];

  add(units: number): void {
    this.count += units;
  }

  recordLatencyMs(ms: number): void {
    if (!Number.isFinite(ms)) return;
    this.latency.recordMs(ms);
    this.intervalLatency.recordMs(ms);
  }

  error(reason: unknown): void {
    this.errors++;
    if (this.errorSamples.length >= MAX_ERROR_SAMPLES) return;
    const text = reason instanceof Error ? reason.message : String(reason);
    if (!this.errorSamples.includes(text)) this.errorSamples.push(text.slice(0, 300));
  }

  /** Adds what `other` counted (units, errors, latencies): a window measured in parts, as one. */
  absorb(other: Meter): void {
    this.count += other.count;
    this.latency.addAll(other.latency);
    this.absorbErrors(other);
  }

  /** Adds `other`'s errors and their samples only. */
  absorbErrors(other: Meter): void {
    this.errors += other.errors;
    for (const sample of other.errorSamples) {
      if (this.errorSamples.length >= MAX_ERROR_SAMPLES) break;
      if (!this.errorSamples.includes(sample)) this.errorSamples.push(sample);
    }
  }

  /** Starts over: units, errors, latencies. Error samples stay (a warm-up's show what went wrong). */
  reset(): void {
    this.count = 0;
    this.errors = 0;
    this.latency.reset();
    this.intervalLatency.reset();
  }
}

/** What a worker records into: a Meter, or something that hands each call on to one (lib/sliced-pipeline.ts). */
export type MeterSink = Pick<Meter, 'add' | 'recordLatencyMs' | 'error'>;

export interface MeterSnapshot {
  readonly count: number;
  readonly errors: number;
  readonly latency: LatencySummary | undefined;
}

export function snapshotOf(meter: Meter): MeterSnapshot {
  return {
    count: meter.count,
    errors: meter.errors,
    latency: meter.latency.count === 0 ? undefined : meter.latency.summary(),
  };
}
