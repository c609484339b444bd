import type { TimelinePoint } from './timeline.js';

/**
 * Does a long run stay flat? Compares the last fifth of the measured window with the first fifth (the
 * warm-up is already outside the window). Each fifth is summarised by the median of its points, so one
 * slow second (a GC pause, a neighbour's burst on a shared machine) does not decide the verdict.
 *
 * A metric is flat when it worsened by at most `maxWorsening` (0.1 = 10 %) or by at most `slack` in its
 * own unit: the slack keeps a 2 ms -> 4 ms p99 from counting as a 2x drift.
 */
export interface DriftRule {
  readonly name: string;
  readonly unit: string;
  /** Which direction is worse: memory and latency going up, throughput going down. */
  readonly worseWhen: 'higher' | 'lower';
  readonly maxWorsening: number;
  readonly slack: number;
  readonly pick: (point: TimelinePoint) => number | null;
  /**
   * Shown beside the others but left out of the verdict: a reading of the machine rather than of the
   * system under test (the host's steal), which explains a drift without being one of the system's.
   */
  readonly context?: boolean;
}

export interface DriftCheck {
  readonly name: string;
  readonly unit: string;
  readonly firstFifth: number | null;
  readonly lastFifth: number | null;
  /** lastFifth / firstFifth. */
  readonly ratio: number | null;
  /** The rule in words, e.g. "<= 1.10x or +8 MiB". */
  readonly tolerance: string;
  /** null when either fifth had no value. */
  readonly flat: boolean | null;
  /** Whether the verdict counts this check (false for a rule given as context). */
  readonly counted: boolean;
}

export function checkDrift(points: readonly TimelinePoint[], rule: DriftRule): DriftCheck {
  const fifth = Math.max(1, Math.floor(points.length / 5));
  const first = medianOf(points.slice(0, fifth).map(rule.pick));
  const last = medianOf(points.slice(-fifth).map(rule.pick));
  const higher = rule.worseWhen === 'higher';
  const slack = rule.slack > 0 ? ` or ${higher ? '+' : '-'}${rule.slack} ${rule.unit}` : '';
  const tolerance = `${higher ? '<=' : '>='} ${(higher ? 1 + rule.maxWorsening : 1 - rule.maxWorsening).toFixed(2)}x${slack}`;
  const described = { name: rule.name, unit: rule.unit, tolerance, counted: rule.context !== true };
  if (first === undefined || last === undefined)
    return { ...described, firstFifth: null, lastFifth: null, ratio: null, flat: null };
  const worseBy = higher ? last - first : first - last;
  return {
    ...described,
    firstFifth: first,
    lastFifth: last,
    ratio: first === 0 ? null : last / first,
    flat: worseBy <= rule.slack || worseBy <= rule.maxWorsening * first,
  };
}

function medianOf(values: ReadonlyArray<number | null>): number | undefined {
  const sorted = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * `drifting` when any counted check failed, `unknown` when one could not be judged, `flat` otherwise;
 * context checks do not count.
 */
export function verdictOf(checks: readonly DriftCheck[]): 'flat' | 'drifting' | 'unknown' {
  const counted = checks.filter((c) => c.counted);
  if (counted.some((c) => c.flat === false)) return 'drifting';
  return counted.some((c) => c.flat === null) ? 'unknown' : 'flat';
}
