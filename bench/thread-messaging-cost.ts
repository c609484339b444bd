/**
 * What a request would cost the main thread if HTTP ran on a worker thread and the store stayed on the
 * main thread: a worker keeps 64 requests in flight, each a postMessage carrying a BatchSendMessage's
 * parameters (16 bodies of 256 bytes); the main thread answers each with a 16-entry response. Prints
 * round trips per second, the main thread's busy time per request (event-loop utilization) and both
 * threads' CPU per request (ADR 0009, "the reverse split").
 *
 *   node --import tsx bench/thread-messaging-cost.ts [--requests 20000]
 */
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

interface Request {
  readonly id: number;
  readonly method: string;
  readonly path: string;
  readonly params: ReadonlyArray<readonly [string, string]>;
}

const IN_FLIGHT = 64;

/** The worker: plain JavaScript (eval), so it needs no TypeScript loader of its own. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const params = [
  ['Action', 'BatchSendMessage'], ['queueName', 'bench'], ['SecretId', 'AKIDexample'], ['Nonce', '12345'],
  ['Timestamp', '1700000000'], ['Signature', 'c2lnbmF0dXJl'],
  ...Array.from({ length: 16 }, (_, i) => ['msgBody.' + i, 'x'.repeat(256)]),
];
let next = 0;
const send = () => parentPort.postMessage({ id: next++, method: 'POST', path: '/v2/index.php', params });
for (let i = 0; i < ${IN_FLIGHT}; i++) send();
parentPort.on('message', send);
`;

const { values } = parseArgs({ options: { requests: { type: 'string', default: '20000' } } });
const total = Number(values.requests);
const worker = new Worker(WORKER_SOURCE, { eval: true });
const response = {
  code: 0,
  message: '',
  requestId: 'r',
  msgList: Array.from({ length: 16 }, (_, i) => ({ msgId: String(i), receiptHandle: `${i}:abc123` })),
};
let answered = 0;
const cpu = process.cpuUsage();
const loop = performance.eventLoopUtilization();
const started = performance.now();
worker.on('message', (request: Request) => {
  answered++;
  if (answered === total) {
    const used = process.cpuUsage(cpu);
    const busy = performance.eventLoopUtilization(loop);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `${total} round trips, ${IN_FLIGHT} in flight: ${Math.round(total / seconds)}/s; main thread busy ` +
        `${((busy.active * 1000) / total).toFixed(1)} µs per request (event-loop utilization ` +
        `${busy.utilization.toFixed(2)}); both threads' CPU ${((used.user + used.system) / total).toFixed(1)} µs per request\n`,
    );
    void worker.terminate();
    return;
  }
  worker.postMessage({ id: request.id, response });
});
