import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where loop-probe.ts in process `pid` writes its event-loop time. */
export function loopFileOf(pid: number): string {
  return join(tmpdir(), `opencmq-bench-loop-${pid}`);
}

/** Busy and idle event-loop milliseconds of process `pid` so far, when it runs the probe. */
export function readLoopTime(pid: number): { activeMs: number; idleMs: number } | undefined {
  try {
    const [active, idle] = readFileSync(loopFileOf(pid), 'utf8').trim().split(/\s+/).map(Number);
    return Number.isFinite(active) && Number.isFinite(idle)
      ? { activeMs: active!, idleMs: idle! }
      : undefined;
  } catch {
    return undefined;
  }
}
