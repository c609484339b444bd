import type { SystemResult } from './scenario.js';

/**
 * Figures and targets that are not a ratio of two rates: a latency bound ("OpenCMQ p99 <= 10 ms"), the
 * server's memory, the time a restart takes. A scenario attaches figures to a system and declares
 * targets on them; the report shows each target as met or not met, next to the ratios.
 */

/** Something a run measured besides its rate and latency: preload time, server memory, restart time. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  /** e.g. "s", "MiB", "msgs/s". */
  readonly unit: string;
}

export interface Target {
  readonly name: string;
  /** Undefined when the system did not run or did not measure the figure. */
  readonly value: number | undefined;
  readonly unit: string;
  /** Met when value <= target ('<=', a bound on a cost) or value >= target ('>='). */
  readonly comparison: '<=' | '>=';
  readonly target: number;
}

/** `3.52 s`, `12.4 ms`, `289,022 msgs/s`: three significant digits, whole numbers from 100 up. */
export function formatValue(value: number, unit: string): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return `${text} ${unit}`;
}

export function formatFigure(figure: Figure): string {
  return formatValue(figure.value, figure.unit);
}

/** Met, not met, or undefined when there is no value to judge. */
export function isTargetMet(target: Target): boolean | undefined {
  if (target.value === undefined || !Number.isFinite(target.value)) return undefined;
  return target.comparison === '<=' ? target.value <= target.target : target.value >= target.target;
}

/** A bound on a system's p99 latency in milliseconds. */
export function p99TargetOf(
  systems: readonly SystemResult[],
  system: string,
  name: string,
  maxMs: number,
): Target {
  const p99Ms = systems.find((s) => s.system === system)?.measurement?.latency?.p99Ms;
  return { name, value: p99Ms, unit: 'ms', comparison: '<=', target: maxMs };
}

/** A target on one of a system's figures, found by name (`unit` is the figure's unit). */
export function figureTargetOf(
  systems: readonly SystemResult[],
  system: string,
  figureName: string,
  name: string,
  comparison: Target['comparison'],
  target: number,
  unit: string,
): Target {
  const figure = systems.find((s) => s.system === system)?.figures?.find((f) => f.name === figureName);
  return { name, value: figure?.value, unit, comparison, target };
}
