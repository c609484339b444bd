/**
 * Two OpenCMQ source trees under the `single` load (64 keep-alive connections, one SendMessage each per
 * request), in alternating slices: both servers run the whole time, the load goes to one at a time, and
 * the order flips every slice. On this virtual machine the speed drifts by 20-40 % between windows a
 * minute apart, which swamps a change of 10 % when two trees are measured one after the other; slices of
 * a second or two see nearly the same machine. Prints each tree's rate and its server's CPU time a request
 * (user + system, all threads, from /proc), and the ratio B/A.
 *
 *   node --import tsx bench/compare-trees.ts <tree A> <tree B> [--slices 10] [--slice-ms 1500]
 *
 * A tree is a checkout whose node_modules resolve `@opencmq/*` into that tree (a `git worktree add` with
 * `npm ci` run in it); each server runs that tree's `packages/server/src/main.ts` with the SQLite engine.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { makeBody, nowMs } from './lib/body.js';
import { callOrThrow, CmqBenchClient } from './lib/cmq-client.js';
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
if (positionals.length !== 2 || !(slices >= 1) || !(sliceMs >= 100)) {
  process.stderr.write(
    'usage: compare-trees.ts <tree A> <tree B> [--slices N >= 1] [--slice-ms MS >= 100]\n',
  );
  process.exit(2);
}

interface Subject {
  readonly tree: string;
  readonly server: OpenCmqServer;
  readonly clients: CmqBenchClient[];
  requests: number;
  elapsedMs: number;
  cpuTicks: number;
}

/** User + system clock ticks of a process, all its threads (/proc/<pid>/stat fields 14 and 15). */
function cpuTicksOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Sends from every connection to one server for `ms`; counts what was answered when `counted`. */
async function slice(subject: Subject, ms: number, counted: boolean): Promise<void> {
  const forms = subject.clients.map((client) =>
    client.encode('SendMessage', { queueName: QUEUE, msgBody: makeBody(nowMs()) }),
  );
  let stopped = false;
  let answered = 0;
  const startedAt = performance.now();
  const ticksBefore = cpuTicksOf(subject.server.pid);
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
  subject.requests += answered;
  subject.elapsedMs += performance.now() - startedAt;
  subject.cpuTicks += cpuTicksOf(subject.server.pid) - ticksBefore;
}

const subjects: Subject[] = [];
try {
  for (const tree of positionals) {
    const server = await startOpenCmq({ repoRoot: tree, engine: 'sqlite' });
    const admin = new CmqBenchClient(server);
    await callOrThrow(admin, 'CreateQueue', { queueName: QUEUE });
    admin.close();
    const clients = Array.from({ length: CONNECTIONS }, () => new CmqBenchClient(server));
    subjects.push({ tree, server, clients, requests: 0, elapsedMs: 0, cpuTicks: 0 });
  }
  for (const subject of subjects) await slice(subject, WARMUP_MS, false);
  for (let i = 0; i < slices; i++) {
    for (const subject of i % 2 === 0 ? subjects : [...subjects].reverse())
      await slice(subject, sliceMs, true);
  }
  const ticksPerSecond = 100; // USER_HZ on Linux
  const rates = subjects.map((subject) => subject.requests / (subject.elapsedMs / 1000));
  for (const [i, subject] of subjects.entries()) {
    const cpuMicros = (subject.cpuTicks / ticksPerSecond / subject.requests) * 1e6;
    process.stdout.write(
      `${'AB'[i]} ${subject.tree}: ${Math.round(rates[i]!)} req/s, server CPU ${cpuMicros.toFixed(1)} µs a request\n`,
    );
  }
  process.stdout.write(
    `B/A ${(rates[1]! / rates[0]!).toFixed(3)} (${slices} slices of ${sliceMs} ms each, order flipped every slice)\n`,
  );
} finally {
  for (const subject of subjects) {
    for (const client of subject.clients) client.close();
    await subject.server.stop();
  }
}
