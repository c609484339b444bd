import { describe, expect, it } from 'vitest';
import { checkDrift, verdictOf, type DriftRule } from './drift.js';
import { loadgenMicrosPerUnit, serverMicrosPerUnit, type TimelinePoint } from './timeline.js';

const pointsOf = (rss: ReadonlyArray<number | null>): TimelinePoint[] =>
  rss.map((serverRssMiB, i) => ({
    atSeconds: i + 1,
    rate: 100,
    p50Ms: 1,
    p99Ms: 2,
    gauge: 0,
    serverRssMiB,
    serverCores: 0.5,
    serverLoopBusy: 0.4,
    loadgenCores: 0.5,
    loadgenLoopDelayP99Ms: 11,
    loadgenGcMsPerSecond: 5,
    loadgenHeapMiB: 20,
    loadgenRunDelayMsPerSecond: 1,
    serverRunDelayMsPerSecond: 1,
    restCores: 0.1,
    serverGcMsPerSecond: 10,
    serverMajorGcMsPerSecond: 0,
    serverSyncsPerSecond: 50,
    serverSyncMs: 0.4,
    machineStealCores: 0,
    dataMiB: 1,
  }));

const RSS: DriftRule = {
  name: 'server RSS',
  unit: 'MiB',
  worseWhen: 'higher',
  maxWorsening: 0.1,
  slack: 8,
  pick: (p) => p.serverRssMiB,
};

describe('checkDrift', () => {
  it('compares the medians of the first and last fifth', () => {
    // Fifths of 2 points: first [100, 300] -> 200, last [290, 310] -> 300.
    const check = checkDrift(pointsOf([100, 300, 1, 1, 1, 1, 1, 1, 290, 310]), RSS);
    expect(check).toMatchObject({ firstFifth: 200, lastFifth: 300, ratio: 1.5, flat: false });
    expect(check.tolerance).toBe('<= 1.10x or +8 MiB');
  });

  it('counts a rise within the slack as flat even when the ratio is large', () => {
    expect(checkDrift(pointsOf([10, 10, 10, 10, 17]), RSS).flat).toBe(true);
  });

  it('treats a fall as worse when lower is worse', () => {
    const rate: DriftRule = { ...RSS, worseWhen: 'lower', slack: 0, pick: (p) => p.serverRssMiB };
    expect(checkDrift(pointsOf([100, 100, 100, 100, 85]), rate).flat).toBe(false);
    expect(checkDrift(pointsOf([100, 100, 100, 100, 95]), rate).flat).toBe(true);
  });

  it('cannot judge a metric that was never measured', () => {
    const check = checkDrift(pointsOf([null, null, null, null, null]), RSS);
    expect(check.flat).toBeNull();
    expect(verdictOf([check])).toBe('unknown');
  });

  it('shows a context rule but leaves it out of the verdict', () => {
    const rising = pointsOf([100, 100, 100, 100, 300]);
    const steady = checkDrift(pointsOf([100, 100, 100, 100, 100]), RSS);
    const context = checkDrift(rising, { ...RSS, context: true });
    expect(context).toMatchObject({ flat: false, counted: false });
    expect(verdictOf([steady, context])).toBe('flat');
    // The same rule counted makes the run drift.
    expect(verdictOf([steady, checkDrift(rising, RSS)])).toBe('drifting');
  });
});

describe('CPU time per unit', () => {
  const point = pointsOf([100])[0]!;

  it('divides the cores used by the rate, in microseconds', () => {
    // 0.5 cores for 100 units/s: 5 ms of CPU a unit.
    expect(serverMicrosPerUnit(point)).toBe(5000);
    expect(loadgenMicrosPerUnit({ ...point, loadgenCores: 0.25 })).toBe(2500);
  });

  it('is unknown without a server reading or without units', () => {
    expect(serverMicrosPerUnit({ ...point, serverCores: null })).toBeNull();
    expect(serverMicrosPerUnit({ ...point, rate: 0 })).toBeNull();
    expect(loadgenMicrosPerUnit({ ...point, rate: 0 })).toBeNull();
  });

  it('turns a server cost that grows into a drift', () => {
    const growing = pointsOf(new Array<number>(10).fill(100)).map((p, i) => ({
      ...p,
      serverCores: i < 5 ? 0.5 : 0.7,
    }));
    const rule: DriftRule = { ...RSS, maxWorsening: 0.25, slack: 3, pick: serverMicrosPerUnit };
    const check = checkDrift(growing, rule);
    expect(check.firstFifth).toBe(5000);
    expect(check.lastFifth).toBeCloseTo(7000, 6);
    expect(check.flat).toBe(false);
  });
});
