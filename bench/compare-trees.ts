/**
 * Two OpenCMQ source trees under the `single` load (64 keep-alive connections, one SendMessage each per
 * request), in alternating slices: both servers run the whole time, the load goes to one at a time, and
 * the order flips every slice. On this virtual machine the speed drifts by 20-40 % between windows a
 * minute apart, which swamps a change of 10 % when two trees are measured one after the other; slices of
 * a second or two see nearly the same machine. The comparison runs twice, A's server started first and then
 * B's, each pass with fresh servers and half the slices, so whatever favours one start order cancels out.
 * Prints each tree's rate and its server's CPU time a request (user + system, all threads, from /proc) over
 * both passes, and B/A overall and per pass. The slicing is the `single` scenario's
 * (lib/interleaved-workload.ts, 250 ms not counted at the start of each slice), and so is the load
 * (lib/single-load.ts). The same tree on both sides gave 0.986 (0.962 and 1.011 per pass,
 * AMD EPYC, 2 cores, 2026-12-06, with this slicing; 1.004 and 1.034 before it): read differences under
 * about 5 % as noise. A tree whose requests failed is reported with its error count.
 *
 *   node --import tsx bench/compare-trees.ts <tree A> <tree B> [--slices 10] [--slice-ms 1500]
 *     [--a-node-option=--OPTION …] [--b-node-option=--OPTION …]
 *
 * A tree is a checkout whose node_modules resolve `@opencmq/*` into that tree (a `git worktree add` with
 * `npm ci` run in it); each server runs that tree's `packages/server/src/main.ts` with the SQLite engine.
 * `--a-node-option` and `--b-node-option` (repeatable, as `--server-node-option` of run.ts) give one
 * side's server a Node or V8 option: the same tree twice with a flag on one side compares the flag.
 */
import { parseArgs } from 'node:util';
import { callOrThrow, CmqBenchClient } from './lib/cmq-client.js';
import { driveInterleaved, timeSlices, type InterleavedSystem } from './lib/interleaved-workload.js';
import type { Measurement } from './lib/workload.js';
import { startOpenCmq } from './lib/opencmq-server.js';
import { isServerNodeOption } from './lib/server-node-option.js';
import { sendersOn } from './lib/single-load.js';

const QUEUE = 'bench-compare';
const WARMUP_MS = 2000;
const SETTLE_MS = 250;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    slices: { type: 'string', default: '10' },
    'slice-ms': { type: 'string', default: '1500' },
    'a-node-option': { type: 'string', multiple: true, default: [] },
    'b-node-option': { type: 'string', multiple: true, default: [] },
  },
});
const slices = Number(values.slices);
const sliceMs = Number(values['slice-ms']);
const nodeOptions = [values['a-node-option'], values['b-node-option']];
if (
  positionals.length !== 2 ||
  !(slices >= 2) ||
  !(sliceMs >= 100) ||
  !nodeOptions.every((options) => options.every(isServerNodeOption))
) {
  process.stderr.write(
    'usage: compare-trees.ts <tree A> <tree B> [--slices N >= 2] [--slice-ms MS >= 100] ' +
      '[--a-node-option=--OPTION] [--b-node-option=--OPTION] (options repeatable, no spaces, not --cpu-prof*)\n',
  );
  process.exit(2);
}

interface Totals {
  requests: number;
  errors: number;
  seconds: number;
  cpuSeconds: number;
}

/** Starts a tree's server with the queue and its load; `stop` closes both. */
async function start(
  tree: string,
  options: readonly string[],
): Promise<{ load: InterleavedSystem; stop: () => Promise<void> }> {
  const server = await startOpenCmq({ repoRoot: tree, engine: 'sqlite', nodeOptions: options });
  const clients: CmqBenchClient[] = [];
  const stop = async () => {
    for (const client of clients) client.close();
    await server.stop();
  };
  try {
    const admin = new CmqBenchClient(server);
    await callOrThrow(admin, 'CreateQueue', { queueName: QUEUE });
    admin.close();
  } catch (error) {
    await stop();
    throw error;
  }
  return { load: sendersOn(server, server.pid, clients, QUEUE), stop };
}

const rateOf = (totals: Totals) => totals.requests / totals.seconds;

function add(totals: Totals, m: Measurement): void {
  totals.requests += m.count;
  totals.errors += m.errors;
  for (const sample of m.errorSamples) process.stderr.write(`error: ${sample}\n`);
  totals.seconds += m.seconds;
  totals.cpuSeconds += (m.cpu.serverCores ?? Number.NaN) * m.seconds;
}

/** One pass: both servers started in `order`, then alternating slices. Returns this pass's B/A. */
async function pass(order: readonly number[], slicesEach: number): Promise<number> {
  const started: Array<Awaited<ReturnType<typeof start>>> = [];
  try {
    for (const i of order) started[i] = await start(positionals[i]!, nodeOptions[i]!);
    const [a, b] = await driveInterleaved(
      started.map((s) => s.load),
      timeSlices({ warmupMs: WARMUP_MS, durationMs: slicesEach * sliceMs, sliceMs, settleMs: SETTLE_MS }),
    );
    add(totals[0]!, a!);
    add(totals[1]!, b!);
    return b!.rate / a!.rate;
  } finally {
    for (const s of started) if (s !== undefined) await s.stop();
  }
}

const totals: Totals[] = [0, 1].map(() => ({ requests: 0, errors: 0, seconds: 0, cpuSeconds: 0 }));
const firstHalf = Math.ceil(slices / 2);
const aFirst = await pass([0, 1], firstHalf);
const bFirst = await pass([1, 0], slices - firstHalf);
for (const [i, tree] of positionals.entries()) {
  const cpuMicros = (totals[i]!.cpuSeconds / totals[i]!.requests) * 1e6;
  process.stdout.write(
    `${'AB'[i]} ${tree}${nodeOptions[i]!.length > 0 ? ` (${nodeOptions[i]!.join(' ')})` : ''}: ${Math.round(rateOf(totals[i]!))} req/s, server CPU ${cpuMicros.toFixed(1)} µs a request` +
      (totals[i]!.errors > 0 ? `, ${totals[i]!.errors} errors (the comparison is not valid)` : '') +
      '\n',
  );
}
process.stdout.write(
  `B/A ${(rateOf(totals[1]!) / rateOf(totals[0]!)).toFixed(3)} over ${slices} slices of ${sliceMs} ms each ` +
    `(A's server started first: ${aFirst.toFixed(3)}, B's: ${bFirst.toFixed(3)})\n`,
);
