import type { CpuUse } from './machine.js';

/** What one system's run shows about what bounded it; read off the measured figures only. */
export interface LimitInput {
  readonly system: string;
  readonly cpu: CpuUse;
  /** Cores of the machine. */
  readonly cores: number;
  readonly rate: number;
  /** The rate a paced scenario asks for (longpoll, soak); undefined when unpaced. */
  readonly pace: number | undefined;
  /** Mean backlog over the window and the cap producers stop at (pipeline, fanout, soak). */
  readonly backlogMean: number | undefined;
  readonly backlogCap: number | undefined;
}

/** CPU use counted as saturated: a share of the cores a process can use. */
const SATURATED = 0.9;

/** Systems that run one event loop: one core is all their request handling can use. */
const ONE_CORE_SYSTEMS = ['opencmq', 'bare-http'];

/**
 * A one-line answer to "what limited this run", by rules over the figures (bench/README.md, "What
 * limited a run"): the pace when a paced run kept it; otherwise any process at its CPU ceiling (the
 * server, the load generator, the machine); otherwise waits (disk, round trips), since no CPU was full.
 * The backlog at the cap adds that consumers, not producers, set the rate.
 */
export function limitingFactor(input: LimitInput): string {
  const { cpu } = input;
  if (input.pace !== undefined && input.rate >= 0.95 * input.pace) {
    return `the scenario's pace (${Math.round(input.pace)}/s, kept): the system had room to spare`;
  }
  const reasons: string[] = [];
  const oneCore = ONE_CORE_SYSTEMS.some((prefix) => input.system.startsWith(prefix));
  const loopBusy = cpu.serverLoopBusy;
  if (oneCore && loopBusy !== undefined) {
    // Measured directly: the process's other threads (WAL sync, checkpoints) do not make its loop busy.
    if (loopBusy >= SATURATED) {
      reasons.push(`the server's event loop: busy ${percent(loopBusy)} of the window (one event loop)`);
    }
  } else if (cpu.serverCores !== undefined) {
    const ceiling = oneCore ? 1 : input.cores;
    if (cpu.serverCores >= SATURATED * ceiling) {
      reasons.push(
        oneCore
          ? `the server's event loop: CPU-bound at ${cpu.serverCores.toFixed(2)} cores (one event loop)`
          : `the server's CPU: ${cpu.serverCores.toFixed(2)} of ${input.cores} cores`,
      );
    }
  }
  if (cpu.loadgenCores >= SATURATED) {
    reasons.push(`the load generator: CPU-bound at ${cpu.loadgenCores.toFixed(2)} cores`);
  }
  if (reasons.length === 0 && cpu.machineCores !== undefined && cpu.machineCores >= SATURATED * input.cores) {
    reasons.push(`the machine's CPU: ${cpu.machineCores.toFixed(2)} of ${input.cores} cores busy`);
  }
  if (reasons.length === 0) {
    reasons.push(
      'waits, not CPU (no process and not the machine at its CPU ceiling): fsync, replication or round trips' +
        (oneCore && loopBusy !== undefined ? `; the server's event loop was busy ${percent(loopBusy)}` : ''),
    );
  }
  const atCap =
    input.backlogMean !== undefined &&
    input.backlogCap !== undefined &&
    input.backlogMean >= SATURATED * input.backlogCap;
  if (atCap) reasons.push('consumers set the rate (the backlog sat at its cap)');
  return reasons.join('; ');
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}
