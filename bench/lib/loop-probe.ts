/**
 * Loaded into the OpenCMQ server by the benchmarks (`node --import …/loop-probe.ts`), never by the
 * product: every 50 ms it writes the main thread's event-loop time so far (busy and idle, in ms) to
 * `loopFileOf(process.pid)`. The CPU meter reads it at both ends of a window, so a report can tell a
 * server whose event loop was busy all the time (CPU-bound) from one whose process used more than a
 * core with its other threads (WAL sync, checkpoints) while its loop waited.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loopFileOf } from './loop-file.js';

const file = loopFileOf(process.pid);
const write = () => {
  const { active, idle } = performance.eventLoopUtilization();
  writeFileSync(file, `${active} ${idle}`);
};
write();
setInterval(write, 50).unref();
