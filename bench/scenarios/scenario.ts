import type { DriftCheck } from '../lib/drift.js';
import type { Engine } from '../lib/opencmq-server.js';
import type { Rounds } from '../lib/rounds.js';
import type { TimelineChart } from '../lib/timeline-charts.js';
import type { Measurement } from '../lib/workload.js';
import { formatFigure, type Figure, type Target } from './targets.js';

/**
 * The contract between bench/run.ts and a scenario. A scenario runs the same workload against OpenCMQ
 * and its peers (one after the other, or side by side in alternating slices: lib/interleaved-workload.ts),
 * and returns one SystemResult per system plus the ratios it is judged by. Adding a scenario (backlog, longpoll, soak) is one file exporting a Scenario and one line in
 * scenarios/index.ts; nothing else changes.
 */
export interface ScenarioContext {
  readonly repoRoot: string;
  readonly engine: Engine;
  readonly quick: boolean;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** The window given with --duration, when it was (soak runs for 10 minutes otherwise). */
  readonly durationFlagMs: number | undefined;
  /** --rate: soak's paced rate in messages per second; soak calibrates it when undefined. */
  readonly pacedRatePerSecond: number | undefined;
  /** --backlog: messages the backlog scenario preloads; its default (1M quick, 10M full) when undefined. */
  readonly backlogMessages: number | undefined;
  /** --bare-work-us: µs of CPU the bare server busy-waits per request in `single` (0: the ceiling). */
  readonly bareWorkMicros: number;
  /** Write the OpenCMQ server's V8 CPU profile here (--cpu-prof). */
  readonly cpuProfileDir: string | undefined;
  /** --server-node-option: Node and V8 options every OpenCMQ server of the run is started with. */
  readonly nodeOptions: readonly string[];
  readonly rabbitmqUrl: string;
  readonly natsUrl: string;
  /** Only these systems run (prefix match: `opencmq` selects `opencmq-sqlite`); all when undefined. */
  readonly systems: readonly string[] | undefined;
  readonly log: (line: string) => void;
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}

export type SystemRole = 'subject' | 'peer' | 'ceiling';

export interface SystemResult {
  /** e.g. `opencmq-sqlite`, `rabbitmq`, `nats-jetstream`, `bare-http`. */
  readonly system: string;
  readonly role: SystemRole;
  readonly version: string | undefined;
  readonly status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped or failed. */
  readonly reason?: string;
  readonly measurement?: Measurement;
  /** Name of the gauge sampled during the window (e.g. "backlog (msgs)"), when there is one. */
  readonly gaugeName?: string;
  /** How this system was set up for the run: durability, windows, prefetch, … */
  readonly setup: string;
  /** Other figures of the run (preload time, server memory, restart time), listed under its setup. */
  readonly figures?: readonly Figure[];
}

export interface Ratio {
  readonly name: string;
  readonly numerator: string;
  readonly denominator: string;
  readonly value: number | undefined;
  /** The target; met when value >= target. */
  readonly target: number | undefined;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly title: string;
  /** Unit of `measurement.rate`, e.g. "msgs/s". */
  readonly unit: string;
  /** What latency means in this scenario, e.g. "send to receive". */
  readonly latencyMeaning: string;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  readonly systems: readonly SystemResult[];
  readonly ratios: readonly Ratio[];
  /** Targets on single figures (a p99 bound, memory, restart time), shown next to the ratios. */
  readonly targets?: readonly Target[];
  /** Timeline charts drawn in the report; throughput and latency when not set. */
  readonly charts?: readonly TimelineChart[];
  /** Drawn as a dashed line on the throughput chart (soak's paced rate). */
  readonly targetRate?: number;
  /** First versus last fifth of the window (soak): whether memory, latency and rate stayed flat. */
  readonly drift?: readonly DriftCheck[];
  /** With --rounds N > 1: every round's deciding figures; this result is the median round. */
  readonly rounds?: Rounds;
}

/** Thrown by a peer that is not reachable: the system is reported as skipped, the rest still runs. */
export class PeerUnavailableError extends Error {
  override readonly name = 'PeerUnavailableError';
}

export interface SystemRun {
  readonly version: string | undefined;
  readonly measurement: Measurement;
  readonly gaugeName?: string;
  readonly figures?: readonly Figure[];
}

/** The skip reason of a system left out with --systems (the report leaves its row out). */
export const NOT_SELECTED = 'not selected (--systems)';

/** Whether --systems left this system in (prefix match; every system when the flag was not given). */
export function isSelected(context: ScenarioContext, system: string): boolean {
  return context.systems === undefined || context.systems.some((wanted) => system.startsWith(wanted));
}

/** The result of a system left out with --systems. */
export function notSelected(system: string, role: SystemRole, setup: string): SystemResult {
  return { system, role, version: undefined, status: 'skipped', reason: NOT_SELECTED, setup };
}

/** Runs one system, turning an unreachable peer into `skipped` and any other failure into `failed`. */
export async function runSystem(
  context: ScenarioContext,
  system: string,
  role: SystemRole,
  setup: string,
  run: () => Promise<SystemRun>,
): Promise<SystemResult> {
  if (!isSelected(context, system)) return notSelected(system, role, setup);
  context.log(`  ${system}: running`);
  try {
    return completed(context, system, role, setup, await run());
  } catch (error) {
    return failed(context, system, role, setup, error);
  }
}

/** A system that ran: its figures logged and wrapped as its result. */
export function completed(
  context: ScenarioContext,
  system: string,
  role: SystemRole,
  setup: string,
  result: SystemRun,
): SystemResult {
  const m = result.measurement;
  context.log(
    `  ${system}: ${Math.round(m.rate)}/s` +
      (m.latency === undefined
        ? ''
        : ` p50 ${m.latency.p50Ms.toFixed(1)} ms p99 ${m.latency.p99Ms.toFixed(1)} ms`) +
      ` errors ${m.errors} loadgen ${m.cpu.loadgenCores.toFixed(2)} cores` +
      (m.cpu.serverCores === undefined ? '' : ` server ${m.cpu.serverCores.toFixed(2)} cores`),
  );
  for (const figure of result.figures ?? [])
    context.log(`  ${system}: ${figure.name} ${formatFigure(figure)}`);
  return {
    system,
    role,
    version: result.version,
    status: 'ok',
    measurement: m,
    setup,
    ...(result.gaugeName === undefined ? {} : { gaugeName: result.gaugeName }),
    ...(result.figures === undefined ? {} : { figures: result.figures }),
  };
}

/** A system that could not run: `skipped` for an unreachable peer, else `failed`, with the reason. */
export function failed(
  context: ScenarioContext,
  system: string,
  role: SystemRole,
  setup: string,
  error: unknown,
): SystemResult {
  const reason = error instanceof Error ? error.message : String(error);
  const status = error instanceof PeerUnavailableError ? 'skipped' : 'failed';
  context.log(`  ${system}: ${status}: ${reason}`);
  return { system, role, version: undefined, status, reason, setup };
}

/** A ratio of two systems' rates; undefined when either did not run. */
export function ratioOf(
  systems: readonly SystemResult[],
  numerator: string,
  denominator: string,
  name: string,
  target: number | undefined,
): Ratio {
  const top = systems.find((s) => s.system === numerator)?.measurement?.rate;
  const bottom = systems.find((s) => s.system === denominator)?.measurement?.rate;
  return {
    name,
    numerator,
    denominator,
    value: top === undefined || bottom === undefined || bottom === 0 ? undefined : top / bottom,
    target,
  };
}
