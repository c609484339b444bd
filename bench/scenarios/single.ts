import { setTimeout as sleep } from 'node:timers/promises';
import { makeBody, nowMs } from '../lib/body.js';
import { callOrThrow, CmqBenchClient, type CmqEndpoint } from '../lib/cmq-client.js';
import { Meter } from '../lib/meter.js';
import { BENCH_SECRET_ID, BENCH_SECRET_KEY, openCmqVersion, startOpenCmq } from '../lib/opencmq-server.js';
import { drive, type Worker } from '../lib/workload.js';
import { startBareHttp } from '../peers/bare-http.js';
import { ratioOf, runSystem, type Scenario, type ScenarioContext, type SystemRun } from './scenario.js';

/**
 * single: many connections, one message per request (SendMessage), requests per second against the
 * ceiling of any HTTP API on this machine: a bare node:http server that reads the same signed request and
 * answers a JSON of the same size, without parsing or storing anything.
 */
const CONNECTIONS = 64;
const QUEUE = 'bench-single';
/** Used for the bare server only if OpenCMQ did not run and so could not tell its answer's size. */
const FALLBACK_RESPONSE_BYTES = 120;

export const single: Scenario = {
  name: 'single',
  title: `${CONNECTIONS} keep-alive connections, each sending one 256-byte message per request (SendMessage)`,
  async run(context) {
    const subject = `opencmq-${context.engine}`;
    let responseBytes = FALLBACK_RESPONSE_BYTES;
    const systems = [
      await runSystem(
        context,
        subject,
        'subject',
        `engine ${context.engine}; every request verified (HmacSHA256; ${PREPARED_PER_SECOND} signed requests prepared per second and reused); each send durable before its answer with sqlite`,
        () =>
          runOpenCmq(context, (bytes) => {
            responseBytes = bytes;
          }),
      ),
    ];
    systems.push(
      await runSystem(
        context,
        'bare-http',
        'ceiling',
        `node:http in its own process, reads the same signed request bodies, answers a fixed ${responseBytes}-byte JSON (the size of OpenCMQ's SendMessage answer at the end of its run); no parsing, no storage${context.bareWorkMicros > 0 ? `; busy-waits ${context.bareWorkMicros} µs of CPU before each answer (--bare-work-us: not the ceiling, the ratio is not the target's)` : ''}`,
        () => runBare(context, responseBytes),
      ),
    );
    return {
      scenario: 'single',
      title: this.title,
      unit: 'req/s',
      latencyMeaning: 'request round trip',
      settings: { connections: CONNECTIONS, bodyBytes: 256, responseBytes },
      systems,
      ratios: [ratioOf(systems, subject, 'bare-http', 'single: OpenCMQ / bare node:http req/s', 0.6)],
    };
  },
};

/**
 * Signed requests prepared once per second and reused, so the load generator does not spend a third of
 * its CPU on HMAC and form encoding (measured with --cpu-prof on the generator): at this rate the
 * generator and the server share the machine's two cores. The server still verifies every request in
 * full; it accepts a repeat because replay protection is off by default (docs/decisions/0005).
 */
const PREPARED_PER_SECOND = 64;

class PreparedRequests {
  readonly #client: CmqBenchClient;
  #second = -1;
  #forms: string[] = [];
  #next = 0;

  constructor(client: CmqBenchClient) {
    this.#client = client;
  }

  next(): string {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#forms = Array.from({ length: PREPARED_PER_SECOND }, () =>
        this.#client.encode('SendMessage', { queueName: QUEUE, msgBody: makeBody(nowMs()) }),
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

async function runSenders(
  context: ScenarioContext,
  endpoint: CmqEndpoint,
  serverPid: number,
): Promise<SystemRun['measurement']> {
  const meter = new Meter();
  const clients = Array.from({ length: CONNECTIONS }, () => new CmqBenchClient(endpoint));
  const prepared = new PreparedRequests(clients[0]!);
  try {
    return await drive({
      workers: clients.map((client) => sender(client, prepared, meter)),
      meter,
      warmupMs: context.warmupMs,
      durationMs: context.durationMs,
      serverPid,
      onStop: () => {},
    });
  } finally {
    for (const client of clients) client.close();
  }
}

async function runOpenCmq(
  context: ScenarioContext,
  onResponseBytes: (bytes: number) => void,
): Promise<SystemRun> {
  const server = await startOpenCmq({
    repoRoot: context.repoRoot,
    engine: context.engine,
    cpuProfileDir: context.cpuProfileDir,
    nodeOptions: context.nodeOptions,
  });
  try {
    const admin = new CmqBenchClient(server);
    await callOrThrow(admin, 'CreateQueue', { queueName: QUEUE });
    const measurement = await runSenders(context, server, server.pid);
    // The size of a real answer at the end of the run (ids grow as it goes), for the bare server.
    const probe = await admin.postRaw(
      admin.encode('SendMessage', { queueName: QUEUE, msgBody: makeBody(nowMs()) }),
    );
    onResponseBytes(probe.body.length);
    admin.close();
    return { version: openCmqVersion(server.engine), measurement };
  } finally {
    await server.stop();
  }
}

async function runBare(context: ScenarioContext, responseBytes: number): Promise<SystemRun> {
  const server = await startBareHttp(context.repoRoot, responseBytes, context.bareWorkMicros);
  try {
    // The bare server checks nothing; the same credential keeps the request bytes identical.
    const endpoint = {
      host: server.host,
      port: server.port,
      secretId: BENCH_SECRET_ID,
      secretKey: BENCH_SECRET_KEY,
    };
    return {
      version: `node:http ${process.version}`,
      measurement: await runSenders(context, endpoint, server.pid),
    };
  } finally {
    await server.stop();
  }
}
