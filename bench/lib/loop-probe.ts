/**
 * Loaded into the OpenCMQ server by the benchmarks (`node --import …/loop-probe.ts`), never by the
 * product: every 100 ms it writes the main thread's event-loop time so far (busy and idle, in ms) to
 * `loopFileOf(process.pid)`. The CPU meter reads it at both ends of a window, so a report can tell a
 * server whose event loop was busy all the time (CPU-bound) from one whose process used more than a
 * core with its other threads (WAL sync, checkpoints) while its loop waited. One positioned write of a
 * fixed-width line on a file kept open: writeFileSync (open, truncate, write, close) cost 0.8 % of the
 * loop's time in a pipeline profile. The same line carries the garbage collector's pauses so far (all,
 * and major ones), so a timeline can tell a latency that grows with GC pauses from one that does not, and
 * the fdatasyncs so far with their time from call to callback (thread-pool wait included): what every
 * acknowledged write waits for (the WAL's sync, store/sqlite/wal-sync.ts), so a latency that grows with
 * the disk's can be told apart too.
 */
import fs, { openSync, writeSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { constants, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { loopFileOf } from './loop-file.js';

// Garbage collection so far: all pauses, and the major (mark-compact) ones, which grow with the old heap.
let gcMs = 0;
let majorGcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMs += entry.duration;
    const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
    if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcMs += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

// fdatasync so far: calls and milliseconds. The wrapper replaces fs.fdatasync before the server's modules
// load, and syncBuiltinESMExports hands it to their `import { fdatasync } from 'node:fs'` as well.
let syncs = 0;
let syncMs = 0;
const fdatasync = fs.fdatasync;
fs.fdatasync = ((fd: number, callback: fs.NoParamCallback) => {
  const startedAt = performance.now();
  fdatasync(fd, (error) => {
    syncs++;
    syncMs += performance.now() - startedAt;
    callback(error);
  });
}) as typeof fs.fdatasync;
syncBuiltinESMExports();

const fd = openSync(loopFileOf(process.pid), 'w');
const field = (ms: number) => ms.toFixed(3).padStart(20);
const write = () => {
  const { active, idle } = performance.eventLoopUtilization();
  writeSync(
    fd,
    `${field(active)} ${field(idle)} ${field(gcMs)} ${field(majorGcMs)} ${field(syncs)} ${field(syncMs)}`,
    0,
  );
};
write();
setInterval(write, 100).unref();
