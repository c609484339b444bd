/**
 * Does receive + delete cost the same with a small and a large backlog? (issue "Queue model end to end",
 * storage: "Receive, delete and the counts cost the same with 10 messages or 10 million").
 *
 *   node --import tsx bench/store-scaling.ts [--backlog 1000000] [--ops 20000]
 *
 * Drives the SQLite engine directly (no HTTP) with 16 concurrent consumers doing receive(16) + delete(16)
 * + getQueueStats, first on a queue holding only the working set, then on a queue that also holds
 * `backlog` delayed messages preloaded before the run, and prints both rates and their ratio.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_QUEUE_ATTRIBUTES } from '../packages/server/src/domain/queue.js';
import { parseReceiptHandle } from '../packages/server/src/domain/receipt-handle.js';
import { openSqliteStore } from '../packages/server/src/store/sqlite/open-sqlite-store.js';
import type { Store } from '../packages/server/src/store/store.js';

const { values } = parseArgs({
  options: { backlog: { type: 'string', default: '1000000' }, ops: { type: 'string', default: '20000' } },
});
const backlog = Number(values.backlog);
const ops = Number(values.ops);
const attributes = {
  ...DEFAULT_QUEUE_ATTRIBUTES,
  visibilityTimeoutSeconds: 30,
  maxMsgHeapNum: 1_000_000_000,
};
const body = 'x'.repeat(256);

async function preload(store: Store, queue: string, count: number, delaySeconds: number): Promise<void> {
  const batch = Array.from({ length: 16 }, () => ({ body, delaySeconds }));
  let sent = 0;
  while (sent < count) {
    const inFlight: Array<Promise<string[]>> = [];
    for (let i = 0; i < 256 && sent < count; i++, sent += 16)
      inFlight.push(store.sendMessages(queue, batch, Date.now()));
    await Promise.all(inFlight);
  }
}

async function consume(store: Store, queue: string, total: number): Promise<number> {
  let done = 0;
  const started = performance.now();
  const consumer = async () => {
    while (done < total) {
      const received = await store.receiveMessages(
        queue,
        { max: 16, visibilityTimeoutMs: 30_000 },
        Date.now(),
      );
      if (received.length === 0) break;
      await store.deleteMessages(
        queue,
        received.map((m) => parseReceiptHandle(m.receiptHandle)),
        Date.now(),
      );
      await store.getQueueStats(queue, Date.now());
      done += received.length;
    }
  };
  await Promise.all(Array.from({ length: 16 }, consumer));
  return done / ((performance.now() - started) / 1000);
}

async function run(label: string, extra: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'opencmq-bench-'));
  const store = openSqliteStore({ dataDir: dir });
  try {
    await store.createQueue({ name: 'bench', attributes, nowMs: Date.now(), maxQueues: 10 });
    const preloadStarted = performance.now();
    // The backlog is delayed for an hour: it sits in the queue's indexes but is never received.
    if (extra > 0) await preload(store, 'bench', extra, 3600);
    const preloadSeconds = (performance.now() - preloadStarted) / 1000;
    await preload(store, 'bench', ops, 0);
    const rate = await consume(store, 'bench', ops);
    const s = await store.getQueueStats('bench', Date.now());
    console.log(
      `${label}: ${Math.round(rate)} msg/s receive+delete (backlog ${extra}${extra > 0 ? `, preloaded in ${preloadSeconds.toFixed(1)} s` : ''}; left active=${s.activeMsgNum} delayed=${s.delayMsgNum})`,
    );
    return rate;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const empty = await run('empty queue', 0);
const loaded = await run('large backlog', backlog);
console.log(`ratio large/empty: ${(loaded / empty).toFixed(2)}`);
