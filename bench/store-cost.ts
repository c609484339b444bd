/**
 * What the SQLite engine costs per message, without HTTP, straight through the store API on one queue.
 * `--pattern pipeline` (the default): 16 workers each sending 16 messages, receiving 16 and deleting them
 * (the pipeline benchmark's pattern). `--pattern single`: 64 workers each sending one message at a time
 * (the single benchmark's pattern; the queue only grows).
 * Prints the rate and the process's CPU time per message (user + system, every thread: the WAL sync and
 * checkpoint threads too). CPU per message moves far less between runs than the HTTP benchmarks' rates
 * (±2-3 % against ±5-10 %), so it shows store changes of a few percent; run it alternately on two trees.
 *
 *   node --import tsx bench/store-cost.ts [--pattern pipeline|single] [--messages 300000] [--warmup 50000]
 *     [--sql-timing FILE]
 *
 * `--sql-timing FILE` writes the statement timing table (as `--cpu-prof` runs of the HTTP benchmarks do).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_QUEUE_ATTRIBUTES } from '../packages/server/src/domain/queue.js';
import { parseReceiptHandle } from '../packages/server/src/domain/receipt-handle.js';
import { openSqliteStore } from '../packages/server/src/store/sqlite/open-sqlite-store.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '300000' },
    warmup: { type: 'string', default: '50000' },
    'sql-timing': { type: 'string' },
    pattern: { type: 'string', default: 'pipeline' },
  },
});
const pattern = values.pattern;
if (pattern !== 'pipeline' && pattern !== 'single') {
  process.stderr.write(`--pattern must be pipeline or single, not ${pattern}\n`);
  process.exit(2);
}
const WORKERS = pattern === 'single' ? 64 : 16;
const BATCH = 16;
const body = 'x'.repeat(256);
const batch = Array.from({ length: BATCH }, () => ({ body, delaySeconds: 0 }));
const dataDir = mkdtempSync(join(tmpdir(), 'opencmq-store-cost-'));
const store = openSqliteStore({ dataDir, statementTimingFile: values['sql-timing'] });
await store.createQueue({
  name: 'cost',
  attributes: { ...DEFAULT_QUEUE_ATTRIBUTES, maxMsgHeapNum: 1_000_000_000 },
  nowMs: Date.now(),
  maxQueues: 1,
});

/** Runs the workers until `total` messages were received and deleted; returns how many were. */
async function run(total: number): Promise<number> {
  let done = 0;
  const worker = async () => {
    while (done < total) {
      await store.sendMessages('cost', batch, Date.now());
      const got = await store.receiveMessages(
        'cost',
        { max: BATCH, visibilityTimeoutMs: 30_000 },
        Date.now(),
      );
      const outcomes = await store.deleteMessages(
        'cost',
        got.map((m) => parseReceiptHandle(m.receiptHandle)),
        Date.now(),
      );
      if (outcomes.some((o) => o !== 'deleted')) throw new Error(`a delete failed: ${outcomes.join(', ')}`);
      done += got.length;
    }
  };
  const sender = async () => {
    while (done < total) {
      await store.sendMessages('cost', [{ body, delaySeconds: 0 }], Date.now());
      done++;
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, pattern === 'single' ? sender : worker));
  return done;
}

await run(Number(values.warmup));
const cpuBefore = process.cpuUsage();
const startedMs = performance.now();
const messages = await run(Number(values.messages));
const cpu = process.cpuUsage(cpuBefore);
const seconds = (performance.now() - startedMs) / 1000;
await store.close();
rmSync(dataDir, { recursive: true, force: true });
process.stdout.write(
  (pattern === 'single'
    ? `${messages} messages sent one at a time by ${WORKERS} workers: `
    : `${messages} messages sent, received and deleted by ${WORKERS} workers in batches of ${BATCH}: `) +
    `${Math.round(messages / seconds)} msgs/s, CPU ${((cpu.user + cpu.system) / messages).toFixed(2)} µs a message ` +
    `(user ${(cpu.user / messages).toFixed(2)}, system ${(cpu.system / messages).toFixed(2)})\n`,
);
