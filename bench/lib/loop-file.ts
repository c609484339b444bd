import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where loop-probe.ts in process `pid` writes its event-loop time. */
export function loopFileOf(pid: number): string {
  return join(tmpdir(), `opencmq-bench-loop-${pid}`);
}

export interface LoopTime {
  readonly activeMs: number;
  readonly idleMs: number;
  /** Garbage-collection pauses so far, all of them and the major (mark-compact) ones. */
  readonly gcMs: number;
  readonly majorGcMs: number;
  /** fdatasync calls completed so far, and their time from call to callback. */
  readonly syncs: number;
  readonly syncMs: number;
}

/** Event-loop and GC milliseconds of process `pid` so far, when it runs the probe. */
export function readLoopTime(pid: number): LoopTime | undefined {
  try {
    const fields = readFileSync(loopFileOf(pid), 'utf8').trim().split(/\s+/).map(Number);
    if (fields.length !== 6 || !fields.every(Number.isFinite)) return undefined;
    const [activeMs = 0, idleMs = 0, gcMs = 0, majorGcMs = 0, syncs = 0, syncMs = 0] = fields;
    return { activeMs, idleMs, gcMs, majorGcMs, syncs, syncMs };
  } catch {
    return undefined;
  }
}
