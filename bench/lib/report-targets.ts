import type { ScenarioResult, SystemResult } from '../scenarios/scenario.js';
import { formatFigure, formatValue, isTargetMet } from '../scenarios/targets.js';

/**
 * The report's lines for figures and targets (scenarios/targets.ts): a table of the targets on single
 * figures after the ratios, and each system's figures under its setup. Both are empty for scenarios
 * that declare none, so their output stays as it was.
 */
export function targetTableLines(scenarios: readonly ScenarioResult[]): string[] {
  const targets = scenarios.flatMap((s) => s.targets ?? []);
  if (targets.length === 0) return [];
  const lines = ['', '| target | value | target | met |', '|---|--:|--:|---|'];
  for (const target of targets) {
    const met = isTargetMet(target);
    const value = target.value === undefined ? '–' : formatValue(target.value, target.unit);
    lines.push(
      `| ${target.name} | ${value} | ${target.comparison} ${target.target} ${target.unit} | ${met === undefined ? '–' : met ? 'yes' : 'no'} |`,
    );
  }
  return lines;
}

/** `  Figures: preload 4.1 s; server RSS at end 212 MiB.`, or nothing. */
export function figureLines(system: SystemResult): string[] {
  const figures = system.figures ?? [];
  if (figures.length === 0) return [];
  return [`  Figures: ${figures.map((f) => `${f.name} ${formatFigure(f)}`).join('; ')}.`];
}
