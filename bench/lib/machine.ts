import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statfsSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { readLoopTime } from './loop-file.js';

/** Where a result came from: every result file records the commit and the machine it was measured on. */
export interface MachineInfo {
  readonly commit: string;
  readonly dirty: boolean;
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  /** 1-minute load average when the run started: anything well above 0 means other work shared the CPUs. */
  readonly loadAverageAtStart: number;
  /** File system of the OpenCMQ data directories (the OS temp dir): tmpfs would make fsync free. */
  readonly tmpFilesystem: string;
}

const FILESYSTEMS: Readonly<Record<number, string>> = {
  0xef53: 'ext4',
  0x01021994: 'tmpfs',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x794c7630: 'overlayfs',
};

function filesystemOf(path: string): string {
  try {
    const type = statfsSync(path).type;
    return FILESYSTEMS[type] ?? `type 0x${type.toString(16)}`;
  } catch {
    return 'unknown';
  }
}

export function readMachineInfo(repoRoot: string): MachineInfo {
  const git = (...args: string[]): string | undefined => {
    try {
      return execFileSync('git', args, {
        cwd: repoRoot,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      return undefined;
    }
  };
  const list = cpus();
  return {
    commit: git('rev-parse', 'HEAD')?.trim() ?? 'unknown',
    dirty: (git('status', '--porcelain', '--untracked-files=no') ?? '').trim().length > 0,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    loadAverageAtStart: Math.round(loadavg()[0]! * 100) / 100,
    tmpFilesystem: `${filesystemOf(tmpdir())} (${tmpdir()})`,
  };
}

/** CPU seconds used by one process, from /proc/<pid>/stat (Linux; USER_HZ is 100 on every Linux ABI). */
export function readProcessCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may hold spaces; the fields after its closing parenthesis are space-separated.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Milliseconds a process's main thread has waited on a run queue, ready but not running
 * (`/proc/<pid>/schedstat`, second field, in ns); undefined where the kernel does not keep schedstats.
 */
export function readRunDelayMs(pid: number | 'self'): number | undefined {
  try {
    const delayNs = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(delayNs) ? delayNs / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of a running process by its command name (`/proc/<pid>/comm`), e.g. beam.smp or nats-server. */
export function findPidByName(name: string): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) return Number(entry);
      } catch {
        // The process ended while we looked.
      }
    }
  } catch {
    // No /proc: not Linux.
  }
  return undefined;
}

/**
 * Busy, stolen and total jiffies of the whole machine, from the first line of /proc/stat (user, nice,
 * system, idle, iowait, irq, softirq, steal). Steal is time a virtual CPU was ready to run while the host
 * ran something else: it counts as busy here, as it does in the total.
 */
function readMachineJiffies(): { busy: number; steal: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = values.reduce((a, b) => a + b, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, steal: values[7] ?? 0, total };
  } catch {
    return undefined;
  }
}

export interface CpuUse {
  /** CPU time of the load generator (this process) per wall second: 1.0 = one core fully busy. */
  readonly loadgenCores: number;
  /** The same for the system under test, when its process is known. */
  readonly serverCores: number | undefined;
  /** Busy cores of the whole machine (all processes, including other tests running at the same time). */
  readonly machineCores: number | undefined;
  /** Cores' worth of time the host gave to others while this machine's CPUs wanted to run (steal). */
  readonly machineStealCores?: number | undefined;
  /**
   * The share of the window the server's main event loop was busy (0-1), when the server runs
   * loop-probe.ts (OpenCMQ in the benchmarks); its other threads do not count.
   */
  readonly serverLoopBusy?: number | undefined;
  /** Milliseconds per second the server's garbage collector paused it: all pauses, and major ones. */
  readonly serverGcMsPerSecond?: number | undefined;
  readonly serverMajorGcMsPerSecond?: number | undefined;
  /** The server's fdatasyncs per second, and their mean time from call to callback (ms; none: undefined). */
  readonly serverSyncsPerSecond?: number | undefined;
  readonly serverSyncMs?: number | undefined;
  /**
   * Milliseconds per second the main thread of the load generator, and of the server, waited to run while
   * ready (another thread had its core): time that shows up as latency without showing up as CPU.
   */
  readonly loadgenRunDelayMsPerSecond?: number | undefined;
  readonly serverRunDelayMsPerSecond?: number | undefined;
}

/** Starts measuring CPU use; `stop()` returns the use over the interval. */
export function startCpuMeter(serverPid: number | undefined): { stop(): CpuUse } {
  const startedAt = performance.now();
  const ownStart = process.cpuUsage();
  const serverStart = serverPid === undefined ? undefined : readProcessCpuSeconds(serverPid);
  const loopStart = serverPid === undefined ? undefined : readLoopTime(serverPid);
  const machineStart = readMachineJiffies();
  const loadgenDelayStart = readRunDelayMs('self');
  const serverDelayStart = serverPid === undefined ? undefined : readRunDelayMs(serverPid);
  return {
    stop(): CpuUse {
      const seconds = (performance.now() - startedAt) / 1000;
      const own = process.cpuUsage(ownStart);
      const serverEnd = serverPid === undefined ? undefined : readProcessCpuSeconds(serverPid);
      const loopEnd = serverPid === undefined ? undefined : readLoopTime(serverPid);
      const machineEnd = readMachineJiffies();
      const loadgenDelayEnd = readRunDelayMs('self');
      const serverDelayEnd = serverPid === undefined ? undefined : readRunDelayMs(serverPid);
      const perSecond = (start: number | undefined, end: number | undefined) =>
        start === undefined || end === undefined ? undefined : (end - start) / seconds;
      const runDelays = {
        loadgenRunDelayMsPerSecond: perSecond(loadgenDelayStart, loadgenDelayEnd),
        serverRunDelayMsPerSecond: perSecond(serverDelayStart, serverDelayEnd),
      };
      const cores = cpus().length;
      const machine =
        machineStart === undefined || machineEnd === undefined || machineEnd.total === machineStart.total
          ? undefined
          : { start: machineStart, end: machineEnd, total: machineEnd.total - machineStart.total };
      const loopBusy =
        loopStart === undefined || loopEnd === undefined
          ? undefined
          : (loopEnd.activeMs - loopStart.activeMs) /
            (loopEnd.activeMs - loopStart.activeMs + loopEnd.idleMs - loopStart.idleMs);
      // What the loop probe adds beside the loop: GC pauses and fdatasyncs.
      const probe =
        loopStart === undefined || loopEnd === undefined
          ? {}
          : {
              serverGcMsPerSecond: (loopEnd.gcMs - loopStart.gcMs) / seconds,
              serverMajorGcMsPerSecond: (loopEnd.majorGcMs - loopStart.majorGcMs) / seconds,
              serverSyncsPerSecond: (loopEnd.syncs - loopStart.syncs) / seconds,
              ...(loopEnd.syncs > loopStart.syncs
                ? { serverSyncMs: (loopEnd.syncMs - loopStart.syncMs) / (loopEnd.syncs - loopStart.syncs) }
                : {}),
            };
      return {
        ...(loopBusy === undefined || !Number.isFinite(loopBusy) ? {} : { serverLoopBusy: loopBusy }),
        ...probe,
        ...runDelays,
        loadgenCores: (own.user + own.system) / 1e6 / seconds,
        serverCores:
          serverStart === undefined || serverEnd === undefined
            ? undefined
            : (serverEnd - serverStart) / seconds,
        machineCores:
          machine === undefined
            ? undefined
            : ((machine.end.busy - machine.start.busy) / machine.total) * cores,
        ...(machine === undefined
          ? {}
          : { machineStealCores: ((machine.end.steal - machine.start.steal) / machine.total) * cores }),
      };
    },
  };
}
