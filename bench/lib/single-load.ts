import { setTimeout as sleep } from 'node:timers/promises';
import { makeBody, nowMs } from './body.js';
import { CmqBenchClient, type CmqEndpoint } from './cmq-client.js';
import type { InterleavedSystem } from './interleaved-workload.js';
import type { Meter } from './meter.js';
import type { Worker } from './workload.js';

/**
 * The `single` load: CONNECTIONS keep-alive connections, each sending one 256-byte SendMessage per request
 * and the next as soon as it is answered. Used by the `single` scenario and by bench/compare-trees.ts.
 */
export const CONNECTIONS = 64;

/**
 * Signed requests prepared once per second and reused, so the load generator does not spend a third of
 * its CPU on HMAC and form encoding (measured with --cpu-prof on the generator): at this rate the
 * generator and the server share the machine's two cores. The server still verifies every request in
 * full; it accepts a repeat because replay protection is off by default (docs/decisions/0005).
 */
export const PREPARED_PER_SECOND = 64;

class PreparedRequests {
  readonly #client: CmqBenchClient;
  readonly #queue: string;
  #second = -1;
  #forms: string[] = [];
  #next = 0;

  constructor(client: CmqBenchClient, queue: string) {
    this.#client = client;
    this.#queue = queue;
  }

  next(): string {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#forms = Array.from({ length: PREPARED_PER_SECOND }, () =>
        this.#client.encode('SendMessage', { queueName: this.#queue, msgBody: makeBody(nowMs()) }),
      );
    }
    return this.#forms[this.#next++ % this.#forms.length]!;
  }
}

function sender(client: CmqBenchClient, prepared: PreparedRequests, meter: Meter): Worker {
  return async (run) => {
    while (!run.stopped) {
      const startedAt = performance.now();
      try {
        const response = await client.postRaw(prepared.next());
        const reply = JSON.parse(response.body.toString('utf8')) as { code: number; message: string };
        if (response.status === 200 && reply.code === 0) {
          meter.add(1);
          meter.recordLatencyMs(performance.now() - startedAt);
        } else meter.error(`SendMessage HTTP ${response.status} ${reply.code} ${reply.message}`);
      } catch (error) {
        if (run.stopped) break;
        meter.error(error);
        await sleep(10);
      }
    }
  };
}

/**
 * The load on one server: CONNECTIONS new connections, pushed onto `clients` (the caller closes them),
 * each sending to `queue` one SendMessage at a time.
 */
export function sendersOn(
  endpoint: CmqEndpoint,
  serverPid: number,
  clients: CmqBenchClient[],
  queue: string,
): InterleavedSystem {
  for (let i = 0; i < CONNECTIONS; i++) clients.push(new CmqBenchClient(endpoint));
  const prepared = new PreparedRequests(clients[0]!, queue);
  return { serverPid, workers: (meter) => clients.map((client) => sender(client, prepared, meter)) };
}
