import type { ScenarioResult } from '../scenarios/scenario.js';
import { formatValue } from '../scenarios/targets.js';

/**
 * `--rounds N`: a scenario run N times, each round running every system again, so a ratio is judged by
 * the middle of several side-by-side measurements rather than by one pair of windows. The machine's speed
 * drifts by 10-25 % between windows a minute apart (docs in bench/README.md), which moves a single
 * ratio by as much; the median round does not depend on one lucky or unlucky window.
 */

/** One round's deciding figures, kept in the report next to the round shown in full. */
export interface RoundSummary {
  readonly round: number;
  readonly values: ReadonlyArray<{
    readonly name: string;
    readonly value: number | undefined;
    /** 'x' for a ratio, else the target's unit. */
    readonly unit: string;
  }>;
}

export interface Rounds {
  /** What picked the round shown: the first ratio with a target, else the first target, else the first ratio. */
  readonly decidedBy: string;
  /** The round (1-based) whose decider is the median; shown in full. */
  readonly shown: number;
  readonly summaries: readonly RoundSummary[];
}

/** The round to report in full: the one whose deciding figure is the median (the lower middle one of an even count). */
export function pickMedianRound(results: readonly ScenarioResult[]): ScenarioResult {
  if (results.length === 0) throw new Error('no rounds to pick from');
  if (results.length === 1) return results[0]!;
  const decider = deciderOf(results[0]!);
  const summaries = results.map((result, i) => ({ round: i + 1, values: figuresOf(result) }));
  const ranked = results
    .map((result, i) => ({ i, value: decider === undefined ? undefined : valueOf(result, decider) }))
    .sort((a, b) => order(a.value) - order(b.value));
  const middle = ranked[Math.floor((ranked.length - 1) / 2)]!.i;
  return {
    ...results[middle]!,
    rounds: { decidedBy: decider ?? '(nothing measured)', shown: middle + 1, summaries },
  };
}

/** Undefined values (a system that failed) sort first, so they are never taken for the middle by luck. */
function order(value: number | undefined): number {
  return value === undefined || !Number.isFinite(value) ? Number.NEGATIVE_INFINITY : value;
}

function deciderOf(result: ScenarioResult): string | undefined {
  return (
    result.ratios.find((r) => r.target !== undefined)?.name ??
    result.targets?.[0]?.name ??
    result.ratios[0]?.name
  );
}

function valueOf(result: ScenarioResult, name: string): number | undefined {
  return (
    result.ratios.find((r) => r.name === name)?.value ?? result.targets?.find((t) => t.name === name)?.value
  );
}

function figuresOf(result: ScenarioResult): RoundSummary['values'] {
  return [
    ...result.ratios.map((r) => ({ name: r.name, value: r.value, unit: 'x' })),
    ...(result.targets ?? []).map((t) => ({ name: t.name, value: t.value, unit: t.unit })),
  ];
}

/** The report's lines for a scenario run in rounds: which round is shown, and every round's figures. */
export function roundLines(scenario: ScenarioResult): string[] {
  const rounds = scenario.rounds;
  if (rounds === undefined) return [];
  const names = rounds.summaries[0]?.values.map((v) => v.name) ?? [];
  const lines = [
    `Rounds: ${rounds.summaries.length}, every system again in each; shown above and in the tables: round ` +
      `${rounds.shown}, the median by "${rounds.decidedBy}".`,
    '',
    `| round | ${names.join(' | ')} |`,
    `|--:|${names.map(() => '--:').join('|')}|`,
  ];
  for (const summary of rounds.summaries) {
    const cells = summary.values.map(({ value, unit }) =>
      value === undefined ? '–' : unit === 'x' ? `${value.toFixed(2)}x` : formatValue(value, unit),
    );
    lines.push(
      `| ${summary.round}${summary.round === rounds.shown ? ' (shown)' : ''} | ${cells.join(' | ')} |`,
    );
  }
  lines.push('');
  return lines;
}
