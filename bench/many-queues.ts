/**
 * What the number of queues costs the SQLite engine (no HTTP): creating `--queues` queues one after the
 * other, one send to each, closing and reopening the store, then one receive from each. Prints the time
 * of each step and the process's RSS at the end. `maxQueues` defaults to 10,000, so a layout or a cache
 * that grows with the queue count shows here (docs/decisions/0014, "third session": one table per queue
 * made creating 10,000 queues 8-10x slower and the process about 180 MB larger).
 *
 *   node --import tsx bench/many-queues.ts [--queues 10000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_QUEUE_ATTRIBUTES } from '../packages/server/src/domain/queue.js';
import { openSqliteStore } from '../packages/server/src/store/sqlite/open-sqlite-store.js';
import { countOption } from './lib/count-option.js';

const { values } = parseArgs({ options: { queues: { type: 'string', default: '10000' } } });
const queues = countOption('queues', values.queues);
const names = Array.from({ length: queues }, (_, i) => `q${i}`);
const dataDir = mkdtempSync(join(tmpdir(), 'opencmq-many-queues-'));

/** Runs `step` and prints how long it took. */
async function timed(label: string, step: () => Promise<void>): Promise<void> {
  const startedMs = performance.now();
  await step();
  process.stdout.write(`${label}: ${Math.round(performance.now() - startedMs)} ms\n`);
}

const first = openSqliteStore({ dataDir });
await timed(`create ${queues} queues`, async () => {
  for (const name of names) {
    await first.createQueue({
      name,
      attributes: DEFAULT_QUEUE_ATTRIBUTES,
      nowMs: Date.now(),
      maxQueues: queues,
    });
  }
});
await timed('one send to each', async () => {
  for (const name of names) await first.sendMessages(name, [{ body: 'x', delaySeconds: 0 }], Date.now());
});
await first.close();
const reopenedAtMs = performance.now();
const second = openSqliteStore({ dataDir });
await second.sendMessages(names[0]!, [{ body: 'x', delaySeconds: 0 }], Date.now());
process.stdout.write(`reopen and one send: ${Math.round(performance.now() - reopenedAtMs)} ms\n`);
await timed('one receive from each', async () => {
  for (const name of names) {
    const got = await second.receiveMessages(name, { max: 1, visibilityTimeoutMs: 30_000 }, Date.now());
    if (got.length !== 1) throw new Error(`${name}: received ${got.length} messages, not 1`);
  }
});
await second.close();
rmSync(dataDir, { recursive: true, force: true });
process.stdout.write(`RSS at the end: ${Math.round(process.memoryUsage().rss / 1e6)} MB\n`);
