/**
 * What a waiting long poll costs the server's heap: the OpenCMQ app runs in this process (SQLite in a
 * temp dir), a child process opens `--receivers` keep-alive connections, and the V8 heap in use after
 * full GCs is read three times: before the connections, with every connection open and idle (each did
 * one ReceiveMessage that returned at once), and with every connection waiting in a 30-second
 * ReceiveMessage. Prints bytes per idle connection and bytes per waiting receiver beyond its connection.
 * Young-generation GCs copy and promote the state of recent waiters, so it is also what 1,000 waiting
 * receivers (the longpoll benchmark) cost each of those GCs.
 *
 *   node --import tsx bench/waiting-receiver-memory.ts [--receivers 1000]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createApp } from '../packages/server/src/app.js';
import { loadConfig } from '../packages/server/src/config/load.js';
import { createLogger } from '../packages/server/src/log.js';
import { CmqBenchClient, type CmqEndpoint } from './lib/cmq-client.js';

const SECRET = { secretId: 'AKIDwaitingreceivermemory', secretKey: 'waiting-receiver-memory-key' };
const QUEUE = 'waiting';

const { values } = parseArgs({
  options: {
    receivers: { type: 'string', default: '1000' },
    // Internal: this script run again as the child that holds the connections.
    port: { type: 'string' },
  },
});
const receivers = Number(values.receivers);
if (!(Number.isSafeInteger(receivers) && receivers > 0 && receivers <= 20_000)) {
  process.stderr.write(`--receivers must be a whole number from 1 to 20000, got ${values.receivers}\n`);
  process.exit(2);
}

if (values.port !== undefined) await holdConnections(Number(values.port));
else await measure();

/** The child: idle connections first, then a 30-second poll on each; says when each phase is in place. */
async function holdConnections(port: number): Promise<void> {
  const endpoint: CmqEndpoint = { host: '127.0.0.1', port, ...SECRET };
  const clients = Array.from({ length: receivers }, () => new CmqBenchClient(endpoint));
  await Promise.all(
    clients.map((c) => c.call('ReceiveMessage', { queueName: QUEUE, pollingWaitSeconds: 0 })),
  );
  process.stdout.write('idle\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  for (const c of clients) void c.call('ReceiveMessage', { queueName: QUEUE, pollingWaitSeconds: 30 });
  process.stdout.write('waiting\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.exit(0);
}

async function measure(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const heapAfterGc = async (): Promise<number> => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return process.memoryUsage().heapUsed;
  };

  const dataDir = mkdtempSync(join(tmpdir(), 'opencmq-waiting-'));
  const loaded = loadConfig({
    argv: ['--port', '0', '--data-dir', dataDir],
    env: { OPENCMQ_SECRET_ID: SECRET.secretId, OPENCMQ_SECRET_KEY: SECRET.secretKey },
  });
  if (loaded.kind !== 'config') throw new Error('unexpected --help');
  const app = createApp(loaded.config, { log: createLogger('warn') });
  const { port } = await app.start();
  const admin = new CmqBenchClient({ host: '127.0.0.1', port, ...SECRET });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, '--receivers', String(receivers), '--port', String(port)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = child.stdout.setEncoding('utf8');
  const phase = (name: string) =>
    new Promise<void>((resolve) => {
      const onData = (text: string) => {
        if (!text.includes(name)) return;
        lines.off('data', onData);
        resolve();
      };
      lines.on('data', onData);
    });
  try {
    await admin.call('CreateQueue', { queueName: QUEUE });
    const base = await heapAfterGc();
    const idle = phase('idle');
    await idle;
    const open = await heapAfterGc();
    const waiting = phase('waiting');
    child.stdin.write('go\n');
    await waiting;
    while (app.queues.waitingReceivers(QUEUE) < receivers) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const polling = await heapAfterGc();
    const perConnection = (open - base) / receivers;
    const perWaiter = (polling - open) / receivers;
    process.stdout.write(
      `${receivers} connections: ${perConnection.toFixed(0)} bytes of heap each when idle; ` +
        `${perWaiter.toFixed(0)} bytes more each while waiting in ReceiveMessage ` +
        `(heap in use after GC: ${(base / 2 ** 20).toFixed(1)} → ${(open / 2 ** 20).toFixed(1)} → ${(polling / 2 ** 20).toFixed(1)} MiB)\n`,
    );
  } finally {
    child.stdin.write('done\n');
    admin.close();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
