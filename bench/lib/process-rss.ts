import { readFileSync } from 'node:fs';

/**
 * Resident memory of a process in MiB, from `VmRSS` in /proc/<pid>/status (Linux); undefined when the
 * process is gone or there is no /proc. One small file read: cheap enough to sample every second.
 */
export function readRssMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match === null ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}
