import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../scenarios/scenario.js';
import { pickMedianRound, roundLines } from './rounds.js';

const resultWith = (ratio: number | undefined, p99Ms?: number): ScenarioResult => ({
  scenario: 'pipeline',
  title: 'a pipeline',
  unit: 'msgs/s',
  latencyMeaning: 'send to receive',
  settings: {},
  systems: [],
  ratios: [
    { name: 'peer ratio', numerator: 'a', denominator: 'c', value: 2, target: undefined },
    { name: 'target ratio', numerator: 'a', denominator: 'b', value: ratio, target: 1.5 },
  ],
  ...(p99Ms === undefined
    ? {}
    : { targets: [{ name: 'p99', value: p99Ms, unit: 'ms', comparison: '<=' as const, target: 10 }] }),
});

describe('pickMedianRound', () => {
  it('returns a single round as it is', () => {
    const only = resultWith(1.2);
    expect(pickMedianRound([only])).toBe(only);
  });

  it('shows the round whose first targeted ratio is the median, and keeps every round', () => {
    const picked = pickMedianRound([resultWith(1.4, 9), resultWith(1.2, 12), resultWith(1.6, 8)]);
    expect(picked.ratios[1]?.value).toBe(1.4);
    expect(picked.rounds).toMatchObject({ decidedBy: 'target ratio', shown: 1 });
    expect(picked.rounds?.summaries.map((s) => s.values[1]?.value)).toEqual([1.4, 1.2, 1.6]);
  });

  it('takes the lower middle of an even count, and never a round that measured nothing', () => {
    const picked = pickMedianRound([
      resultWith(undefined),
      resultWith(1.3),
      resultWith(1.1),
      resultWith(1.5),
    ]);
    expect(picked.rounds?.shown).toBe(3);
  });

  it('decides by the first target when no ratio has one', () => {
    const latencyOnly = (p99Ms: number): ScenarioResult => ({
      ...resultWith(1),
      ratios: [],
      targets: [{ name: 'p99', value: p99Ms, unit: 'ms', comparison: '<=', target: 10 }],
    });
    const picked = pickMedianRound([latencyOnly(12), latencyOnly(6), latencyOnly(9)]);
    expect(picked.rounds).toMatchObject({ decidedBy: 'p99', shown: 3 });
  });
});

describe('roundLines', () => {
  it('lists every round with ratios and target figures, marking the one shown', () => {
    const lines = roundLines(
      pickMedianRound([resultWith(1.4, 9.5), resultWith(1.2, 12), resultWith(1.6, 8)]),
    );
    expect(lines).toEqual([
      'Rounds: 3, every system again in each; shown above and in the tables: round 1, the median by "target ratio".',
      '',
      '| round | peer ratio | target ratio | p99 |',
      '|--:|--:|--:|--:|',
      '| 1 (shown) | 2.00x | 1.40x | 9.50 ms |',
      '| 2 | 2.00x | 1.20x | 12.0 ms |',
      '| 3 | 2.00x | 1.60x | 8.00 ms |',
      '',
    ]);
  });

  it('adds nothing for a scenario run once', () => {
    expect(roundLines(resultWith(1.4))).toEqual([]);
  });
});
