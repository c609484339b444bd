/**
 * Two OpenCMQ source trees under the `single` load (64 keep-alive connections, one SendMessage each per
 * request), in alternating slices: both servers run the whole time, the load goes to one at a time, and
 * the order flips every slice. On this virtual machine the speed drifts by 20-40 % between windows a
 * minute apart, which swamps a change of 10 % when two trees are measured one after the other; slices of
 * a second or two see nearly the same machine. The comparison runs twice, A's server started first and then
 * B's, each pass with fresh servers and half the slices, so whatever favours one start order cancels out.
 * Prints each tree's rate and its server's CPU time a request (user + system, all threads, from /proc) over
 * both passes, and B/A overall and per pass. The same tree on both sides gave 1.004 and 1.034 per pass
 * (AMD EPYC, 2 cores): read differences under about 5 % as noise.
 *
 *   node --import tsx bench/compare-trees.ts <tree A> <tree B> [--slices 10] [--slice-ms 1500]
 *
 * A tree is a checkout whose node_modules resolve `@opencmq/*` into that tree (a `git worktree add` with
 * `npm ci` run in it); each server runs that tree's `packages/server/src/main.ts` with the SQLite engine.
 */
import { parseArgs } from 'node:util';
import { makeBody, nowMs } from './lib/body.js';
import { callOrThrow, CmqBenchClient } from './lib/cmq-client.js';
import { readProcessCpuSeconds } from './lib/machine.js';
import { startOpenCmq, type OpenCmqServer } from './lib/opencmq-server.js';

const CONNECTIONS = 64;
const QUEUE = 'bench-compare';
const WARMUP_MS = 2000;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    slices: { type: 'string', default: '10' },
    'slice-ms': { type: 'string', default: '1500' },
  },
});
const slices = Number(values.slices);
const sliceMs = Number(values['slice-ms']);
if (positionals.length !== 2 || !(slices >= 2) || !(sliceMs >= 100)) {
  process.stderr.write(
    'usage: compare-trees.ts <tree A> <tree B> [--slices N >= 2] [--slice-ms MS >= 100]\n',
  );
  process.exit(2);
}

interface Totals {
  requests: number;
  elapsedMs: number;
  cpuSeconds: number;
}

interface Subject {
  readonly tree: string;
  readonly server: OpenCmqServer;
  readonly clients: CmqBenchClient[];
  /** This pass's figures; `totals` has both passes'. */
  readonly pass: Totals;
  readonly totals: Totals;
}

/** CPU seconds of the server process so far (user + system, all threads). */
function cpuSecondsOf(subject: Subject): number {
  const seconds = readProcessCpuSeconds(subject.server.pid);
  if (seconds === undefined) throw new Error(`${subject.tree}: server process ${subject.server.pid} is gone`);
  return seconds;
}

/** Sends from every connection to one server for `ms`; counts what was answered when `counted`. */
async function slice(subject: Subject, ms: number, counted: boolean): Promise<void> {
  const forms = subject.clients.map((client) =>
    client.encode('SendMessage', { queueName: QUEUE, msgBody: makeBody(nowMs()) }),
  );
  let stopped = false;
  let answered = 0;
  const startedAt = performance.now();
  const cpuBefore = cpuSecondsOf(subject);
  const senders = subject.clients.map(async (client, i) => {
    while (!stopped) {
      const response = await client.postRaw(forms[i]!);
      if (response.status !== 200) throw new Error(`${subject.tree}: HTTP ${response.status}`);
      answered++;
    }
  });
  await new Promise((resolve) => setTimeout(resolve, ms));
  stopped = true;
  await Promise.all(senders);
  if (!counted) return;
  const elapsedMs = performance.now() - startedAt;
  const cpuSeconds = cpuSecondsOf(subject) - cpuBefore;
  for (const totals of [subject.pass, subject.totals]) {
    totals.requests += answered;
    totals.elapsedMs += elapsedMs;
    totals.cpuSeconds += cpuSeconds;
  }
}

async function start(tree: string, totals: Totals): Promise<Subject> {
  const server = await startOpenCmq({ repoRoot: tree, engine: 'sqlite' });
  const admin = new CmqBenchClient(server);
  await callOrThrow(admin, 'CreateQueue', { queueName: QUEUE });
  admin.close();
  const clients = Array.from({ length: CONNECTIONS }, () => new CmqBenchClient(server));
  return { tree, server, clients, pass: { requests: 0, elapsedMs: 0, cpuSeconds: 0 }, totals };
}

async function stop(subject: Subject): Promise<void> {
  for (const client of subject.clients) client.close();
  await subject.server.stop();
}

const rateOf = (totals: Totals) => totals.requests / (totals.elapsedMs / 1000);

/** One pass: both servers started in `order`, then alternating slices. Returns this pass's B/A. */
async function pass(order: readonly number[], sliceCount: number): Promise<number> {
  const subjects: Subject[] = [];
  try {
    for (const i of order) subjects[i] = await start(positionals[i]!, totals[i]!);
    for (const subject of subjects) await slice(subject, WARMUP_MS, false);
    for (let i = 0; i < sliceCount; i++) {
      for (const subject of i % 2 === 0 ? subjects : [...subjects].reverse()) {
        await slice(subject, sliceMs, true);
      }
    }
    return rateOf(subjects[1]!.pass) / rateOf(subjects[0]!.pass);
  } finally {
    for (const subject of subjects) if (subject !== undefined) await stop(subject);
  }
}

const totals: Totals[] = [0, 1].map(() => ({ requests: 0, elapsedMs: 0, cpuSeconds: 0 }));
const firstHalf = Math.ceil(slices / 2);
const aFirst = await pass([0, 1], firstHalf);
const bFirst = await pass([1, 0], slices - firstHalf);
for (const [i, tree] of positionals.entries()) {
  const cpuMicros = (totals[i]!.cpuSeconds / totals[i]!.requests) * 1e6;
  process.stdout.write(
    `${'AB'[i]} ${tree}: ${Math.round(rateOf(totals[i]!))} req/s, server CPU ${cpuMicros.toFixed(1)} µs a request\n`,
  );
}
process.stdout.write(
  `B/A ${(rateOf(totals[1]!) / rateOf(totals[0]!)).toFixed(3)} over ${slices} slices of ${sliceMs} ms each ` +
    `(A's server started first: ${aFirst.toFixed(3)}, B's: ${bFirst.toFixed(3)})\n`,
);
