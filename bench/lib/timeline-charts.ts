import type { ScenarioResult } from '../scenarios/scenario.js';
import { renderLineChart, type LineSeries } from './svg-line-chart.js';
import { loadgenMicrosPerUnit, serverMicrosPerUnit, type TimelinePoint } from './timeline.js';

/**
 * The charts of a report: for each scenario, its systems' timelines drawn together (one colour per
 * system, the same in every chart of the scenario). Throughput and latency for every scenario; server
 * memory and CPU per unit where the scenario asks for them (soak).
 */
export const TIMELINE_CHARTS = ['throughput', 'latency', 'rss', 'cpu'] as const;
export type TimelineChart = (typeof TIMELINE_CHARTS)[number];

const DEFAULT_CHARTS: readonly TimelineChart[] = ['throughput', 'latency'];
/** Colour-blind-safe (Okabe-Ito), in system order: subject first. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00'] as const;
const TARGET_COLOR = '#777777';
const X_LABEL = 'seconds into the measured window';

export interface ChartFile {
  readonly scenario: string;
  readonly kind: TimelineChart;
  readonly title: string;
  /** `<stem>-<scenario>-<kind>.svg`, beside the report files. */
  readonly fileName: string;
  readonly svg: string;
}

export function chartsOf(scenarios: readonly ScenarioResult[], fileStem: string): ChartFile[] {
  const files: ChartFile[] = [];
  for (const scenario of scenarios) {
    const runs = scenario.systems.flatMap((system, i) => {
      const timeline = system.measurement?.timeline;
      return timeline === undefined || timeline.points.length === 0
        ? []
        : [{ name: system.system, color: PALETTE[i % PALETTE.length]!, timeline }];
    });
    if (runs.length === 0) continue;
    const interval = `${runs[0]!.timeline.intervalSeconds} s`;
    for (const kind of scenario.charts ?? DEFAULT_CHARTS) {
      const chart = chartOf(kind, scenario, runs, interval);
      if (chart === undefined) continue;
      files.push({
        scenario: scenario.scenario,
        kind,
        title: chart.title,
        fileName: `${fileStem}-${scenario.scenario}-${kind}.svg`,
        svg: renderLineChart({ ...chart, xLabel: X_LABEL, xMin: 0 }),
      });
    }
  }
  return files;
}

interface Run {
  readonly name: string;
  readonly color: string;
  readonly timeline: { readonly points: readonly TimelinePoint[] };
}

function chartOf(
  kind: TimelineChart,
  scenario: ScenarioResult,
  runs: readonly Run[],
  interval: string,
): { title: string; yLabel: string; series: LineSeries[] } | undefined {
  const line = (run: Run, name: string, pick: (p: TimelinePoint) => number | null, dashed = false) => ({
    name,
    color: run.color,
    dashed,
    points: run.timeline.points.map((p) => [p.atSeconds, pick(p)] as const),
  });
  switch (kind) {
    case 'throughput': {
      const series: LineSeries[] = runs.map((run) => line(run, run.name, (p) => p.rate));
      if (scenario.targetRate !== undefined) {
        const end = Math.max(...runs.flatMap((r) => r.timeline.points.map((p) => p.atSeconds)));
        series.push({
          name: `target ${Math.round(scenario.targetRate)} ${scenario.unit}`,
          color: TARGET_COLOR,
          dashed: true,
          points: [
            [0, scenario.targetRate],
            [end, scenario.targetRate],
          ],
        });
      }
      return {
        title: `${scenario.scenario}: ${scenario.unit} per ${interval} interval`,
        yLabel: scenario.unit,
        series,
      };
    }
    case 'latency': {
      const series = runs.flatMap((run) => [
        line(run, `${run.name} p99`, (p) => p.p99Ms),
        line(run, `${run.name} p50`, (p) => p.p50Ms, true),
      ]);
      if (series.every((s) => s.points.every(([, y]) => y === null))) return undefined;
      return {
        title: `${scenario.scenario}: ${scenario.latencyMeaning} latency, p50 and p99 per ${interval} interval`,
        yLabel: 'milliseconds',
        series,
      };
    }
    case 'rss': {
      const series = runs.flatMap((run) => [
        line(run, `${run.name} RSS`, (p) => p.serverRssMiB),
        line(run, `${run.name} data on disk`, (p) => p.dataMiB, true),
      ]);
      if (series.every((s) => s.points.every(([, y]) => y === null))) return undefined;
      return {
        title: `${scenario.scenario}: server resident memory (VmRSS, solid) and data directory size (dashed)`,
        yLabel: 'MiB',
        series,
      };
    }
    case 'cpu': {
      const series = runs.flatMap((run) => [
        line(run, `${run.name} server`, (p) => serverMicrosPerUnit(p)),
        line(run, `${run.name} load generator`, (p) => loadgenMicrosPerUnit(p), true),
      ]);
      if (series.every((s) => s.points.every(([, y]) => y === null))) return undefined;
      return {
        title: `${scenario.scenario}: CPU time per ${unitOf(scenario.unit)}, server and load generator, per ${interval} interval`,
        yLabel: 'microseconds',
        series,
      };
    }
  }
}

/** 'msgs/s' -> 'message', 'req/s' -> 'request': what one unit of a rate is. */
function unitOf(rateUnit: string): string {
  const unit = rateUnit.replace(/\/s$/, '');
  return UNIT_NAMES[unit] ?? unit;
}

const UNIT_NAMES: Readonly<Record<string, string>> = {
  msgs: 'message',
  req: 'request',
  deliveries: 'delivery',
};
