import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NOT_SELECTED, type ScenarioResult, type SystemResult } from '../scenarios/scenario.js';
import { verdictOf, type DriftCheck } from './drift.js';
import { limitingFactor, type LimitInput } from './limiting-factor.js';
import type { CpuUse, MachineInfo } from './machine.js';
import { figureLines, targetTableLines } from './report-targets.js';
import { roundLines } from './rounds.js';
import { chartsOf, type ChartFile } from './timeline-charts.js';

/** One `npm run bench` invocation: where and how it ran, and every scenario's results. */
export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly options: {
    readonly engine: string;
    readonly quick: boolean;
    readonly warmupSeconds: number;
    readonly durationSeconds: number;
    /** --rounds: each scenario run this many times, the median round shown (1 when absent). */
    readonly rounds?: number;
    /** --server-node-option: Node and V8 options the OpenCMQ servers ran with (absent: none). */
    readonly serverNodeOptions?: readonly string[];
  };
  /** Versions of every system that ran, e.g. { rabbitmq: "RabbitMQ 3.10.8" }. */
  readonly versions: Readonly<Record<string, string>>;
  readonly scenarios: readonly ScenarioResult[];
}

/** Writes `<stamp>-<label>.json`, `.md` and the timeline charts (`.svg`) into `dir`; returns the paths. */
export function writeReport(
  dir: string,
  label: string,
  report: BenchReport,
): { json: string; markdown: string; charts: string[] } {
  mkdirSync(dir, { recursive: true });
  const stem = `${report.startedAt.replace(/[:.]/g, '-')}-${label}`;
  const json = join(dir, `${stem}.json`);
  const markdown = join(dir, `${stem}.md`);
  const charts = chartsOf(report.scenarios, stem);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  for (const chart of charts) writeFileSync(join(dir, chart.fileName), chart.svg);
  writeFileSync(markdown, renderMarkdown(report, charts));
  return { json, markdown, charts: charts.map((chart) => join(dir, chart.fileName)) };
}

const fixed = (value: number | undefined, digits: number): string =>
  value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);

const rate = (value: number): string => Math.round(value).toLocaleString('en-US');

/** The report as markdown; `charts` (files beside the markdown) are shown in their scenario's section. */
export function renderMarkdown(report: BenchReport, charts: readonly ChartFile[] = []): string {
  const m = report.machine;
  const lines: string[] = [
    `# OpenCMQ benchmark, ${report.startedAt}`,
    '',
    `Command: \`${report.command}\``,
    '',
    `Commit ${m.commit.slice(0, 12)}${m.dirty ? ' (with uncommitted changes)' : ''}; ${m.cpuModel}, ${m.cores} cores, ` +
      `${m.memoryGiB} GiB; Linux ${m.kernel}; Node ${m.node}; temp dir on ${m.tmpFilesystem}; ` +
      `load average ${m.loadAverageAtStart} at start.`,
    '',
    `Engine ${report.options.engine}; ${report.options.quick ? 'quick: ' : ''}${report.options.warmupSeconds} s warm-up, ` +
      `${report.options.durationSeconds} s measured per system (soak and backlog set their own windows, given in their settings), in alternating slices in pipeline, fanout, single, backlog and longpoll (their settings give the slices)` +
      ((report.options.rounds ?? 1) > 1
        ? `; every scenario in ${report.options.rounds} rounds, the median round shown (each scenario's "Rounds" table lists all).`
        : '.') +
      (report.options.serverNodeOptions !== undefined
        ? ` OpenCMQ servers ran with the Node options ${report.options.serverNodeOptions.map((o) => `\`${o}\``).join(' ')} (--server-node-option), not the defaults.`
        : ''),
    '',
    `Versions: ${Object.entries(report.versions)
      .map(([k, v]) => `${k} = ${v}`)
      .join('; ')}.`,
    '',
    '| scenario | system | rate | p50 ms | p99 ms | errors | load generator CPU | server CPU | rest of machine CPU | gauge |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const scenario of report.scenarios) {
    for (const system of scenario.systems)
      if (system.reason !== NOT_SELECTED) lines.push(row(scenario, system));
  }
  lines.push('', '| ratio | value | target | met |', '|---|--:|--:|---|');
  for (const scenario of report.scenarios) {
    for (const ratio of scenario.ratios) {
      const met =
        ratio.target === undefined || ratio.value === undefined
          ? '–'
          : ratio.value >= ratio.target
            ? 'yes'
            : 'no';
      lines.push(
        `| ${ratio.name} | ${ratio.value === undefined ? '–' : `${fixed(ratio.value, 2)}x`} | ${ratio.target === undefined ? '–' : `${ratio.target}x`} | ${met} |`,
      );
    }
  }
  lines.push(...targetTableLines(report.scenarios));
  lines.push(
    '',
    `CPU columns are cores busy on average over the measured window (1.00 = one core; the machine has ${m.cores}); ` +
      '"loop" is the share of the window OpenCMQ\'s main event loop was busy (its other threads, WAL sync and checkpoints, not counted). ' +
      '"Rest of machine" is every other process and the kernel (loopback networking, file-system journal): ' +
      'other tests running at the same time show up there.',
    '',
  );
  for (const scenario of report.scenarios) {
    lines.push(`## ${scenario.scenario}`, '', scenario.title, '');
    lines.push(`Latency: ${scenario.latencyMeaning}. Settings: ${JSON.stringify(scenario.settings)}.`, '');
    for (const system of scenario.systems) {
      lines.push(
        `- **${system.system}**${system.version === undefined ? '' : ` (${system.version})`}: ${system.setup}.`,
      );
      lines.push(...figureLines(system));
      if (system.measurement !== undefined)
        lines.push(
          `  Limited by: ${limitingFactor(limitInput(scenario, system.system, system.measurement, m.cores))}.`,
        );
      const samples = system.measurement?.errorSamples ?? [];
      if (samples.length > 0) lines.push(`  Errors seen: ${samples.map((s) => `\`${s}\``).join(', ')}.`);
    }
    lines.push('');
    lines.push(...roundLines(scenario));
    lines.push(...driftLines(scenario));
    for (const chart of charts.filter((c) => c.scenario === scenario.scenario))
      lines.push(`![${chart.title}](${chart.fileName})`, '');
  }
  return `${lines.join('\n')}\n`;
}

function row(scenario: ScenarioResult, system: SystemResult): string {
  const label = `${scenario.scenario} | ${system.system}`;
  const m = system.measurement;
  if (m === undefined) return `| ${label} | ${system.status}: ${system.reason ?? ''} | | | | | | | |`;
  const gauge =
    system.gaugeName === undefined || m.gaugeMean === undefined
      ? ''
      : `${system.gaugeName} ${Math.round(m.gaugeMean)}`;
  return [
    '',
    scenario.scenario,
    system.system,
    `${rate(m.rate)} ${scenario.unit}`,
    fixed(m.latency?.p50Ms, 1),
    fixed(m.latency?.p99Ms, 1),
    String(m.errors),
    fixed(m.cpu.loadgenCores, 2),
    fixed(m.cpu.serverCores, 2) +
      (m.cpu.serverLoopBusy === undefined ? '' : ` (loop ${Math.round(m.cpu.serverLoopBusy * 100)} %)`),
    fixed(restOfMachine(m.cpu), 2),
    gauge,
    '',
  ]
    .join(' | ')
    .trim();
}

/** Machine busy cores minus the load generator and the server: other processes and the kernel. */
function restOfMachine(cpu: CpuUse): number | undefined {
  if (cpu.machineCores === undefined) return undefined;
  return Math.max(0, cpu.machineCores - cpu.loadgenCores - (cpu.serverCores ?? 0));
}

/** Soak's flatness table: first versus last fifth of the window, and the verdict. */
function driftLines(scenario: ScenarioResult): string[] {
  const checks = scenario.drift ?? [];
  if (checks.length === 0) return [];
  const value = (v: number | null, unit: string) =>
    v === null ? '–' : `${fixed(v, v >= 100 ? 0 : 1)} ${unit}`;
  const lines = [
    '| drift | first fifth | last fifth | last / first | flat when | flat |',
    '|---|--:|--:|--:|---|---|',
    ...checks.map(
      (c) =>
        `| ${c.name} | ${value(c.firstFifth, c.unit)} | ${value(c.lastFifth, c.unit)} | ${c.ratio === null ? '–' : `${fixed(c.ratio, 2)}x`} | ${c.tolerance} | ${flatCell(c)} |`,
    ),
  ];
  return [
    ...lines,
    '',
    `Verdict: **${verdictOf(checks)}** (each fifth is the median of its per-interval points).`,
    '',
  ];
}

function flatCell(check: DriftCheck): string {
  const flat = check.flat === null ? '–' : check.flat ? 'yes' : 'no';
  return check.counted ? flat : `${flat} (context, not in the verdict)`;
}

/** The figures limitingFactor reads, from a system's measurement and its scenario's settings. */
function limitInput(
  scenario: ScenarioResult,
  system: string,
  measurement: NonNullable<SystemResult['measurement']>,
  cores: number,
): LimitInput {
  const setting = (name: string) => {
    const value = scenario.settings[name];
    return typeof value === 'number' ? value : undefined;
  };
  return {
    system,
    cpu: measurement.cpu,
    cores,
    rate: measurement.rate,
    pace: setting('pacedRate') ?? setting('sendsPerSecond'),
    backlogMean: measurement.gaugeMean,
    backlogCap: setting('backlogCap') ?? setting('backlogCapDeliveries'),
  };
}
