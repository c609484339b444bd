import { makeBody, nowMs } from '../lib/body.js';
import { callOrThrow, CmqBenchClient } from '../lib/cmq-client.js';
import { driveInterleaved, timeSlices, warmUp, type InterleavedSystem } from '../lib/interleaved-workload.js';
import { CONNECTIONS, PREPARED_PER_SECOND, sendersOn } from '../lib/single-load.js';
import { BENCH_SECRET_ID, BENCH_SECRET_KEY, openCmqVersion, startOpenCmq } from '../lib/opencmq-server.js';
import { startBareHttp } from '../peers/bare-http.js';
import {
  completed,
  failed,
  isSelected,
  notSelected,
  ratioOf,
  type Scenario,
  type ScenarioContext,
  type SystemResult,
  type SystemRole,
} from './scenario.js';

/**
 * single: many connections, one message per request (SendMessage), requests per second against the
 * ceiling of any HTTP API on this machine: a bare node:http server that reads the same signed request and
 * answers a JSON of the same size, without parsing or storing anything.
 */
const QUEUE = 'bench-single';
/** Used for the bare server only if OpenCMQ did not run and so could not tell its answer's size. */
const FALLBACK_RESPONSE_BYTES = 120;

/**
 * The two systems run side by side in alternating slices (lib/interleaved-workload.ts): both servers up
 * the whole time, the 64 connections' load on one of them at a time, 1 s counted per slice after 250 ms
 * not counted. Measured one after the other, this ratio moved between 0.47x and 0.79x from round to round
 * on the AMD machine (2026-12-06: the bare server alone ranged 24k-40k req/s), the machine's drift between
 * two windows 30 s apart; in slices both systems see the same drift.
 */
const SLICE_MS = 1000;
const SETTLE_MS = 250;

interface Side {
  readonly system: string;
  readonly role: SystemRole;
  readonly setup: string;
  readonly version: string;
  readonly load: InterleavedSystem;
  readonly stop: () => Promise<void>;
}

export const single: Scenario = {
  name: 'single',
  title: `${CONNECTIONS} keep-alive connections, each sending one 256-byte message per request (SendMessage)`,
  async run(context) {
    const subject = `opencmq-${context.engine}`;
    const subjectSetup = `engine ${context.engine}; every request verified (HmacSHA256; ${PREPARED_PER_SECOND} signed requests prepared per second and reused); each send durable before its answer with sqlite`;
    const slicing = timeSlices({
      warmupMs: context.warmupMs,
      durationMs: context.durationMs,
      sliceMs: SLICE_MS,
      settleMs: SETTLE_MS,
    });
    const sides: Side[] = [];
    const results = new Map<string, SystemResult>();
    let responseBytes = FALLBACK_RESPONSE_BYTES;
    let responseBytesAtEnd: number | undefined;
    let probe: (() => Promise<number>) | undefined;
    const bareSetup = () =>
      `node:http in its own process, reads the same signed request bodies, answers a fixed ${responseBytes}-byte JSON (the size of OpenCMQ's SendMessage answer after its warm-up); no parsing, no storage${context.bareWorkMicros > 0 ? `; busy-waits ${context.bareWorkMicros} µs of CPU before each answer (--bare-work-us: not the ceiling, the ratio is not the target's)` : ''}`;
    try {
      if (!isSelected(context, subject)) results.set(subject, notSelected(subject, 'subject', subjectSetup));
      else {
        context.log(`  ${subject}: running`);
        let started: (Side & { probe: () => Promise<number> }) | undefined;
        try {
          started = await startOpenCmqSide(context, subject, subjectSetup);
          // The bare server answers as many bytes as OpenCMQ does once warm (ids grow as a run goes).
          await warmUp(started.load, slicing.warmup);
          responseBytes = await started.probe();
          sides.push(started);
          probe = started.probe;
        } catch (error) {
          await started?.stop();
          results.set(subject, failed(context, subject, 'subject', subjectSetup, error));
        }
      }
      if (!isSelected(context, 'bare-http'))
        results.set('bare-http', notSelected('bare-http', 'ceiling', bareSetup()));
      else {
        context.log('  bare-http: running');
        try {
          sides.push(await startBareSide(context, responseBytes, bareSetup()));
        } catch (error) {
          results.set('bare-http', failed(context, 'bare-http', 'ceiling', bareSetup(), error));
        }
      }
      if (sides.length > 0) {
        const measurements = await driveInterleaved(
          sides.map((side) => side.load),
          slicing,
        );
        responseBytesAtEnd = await probe?.().catch(() => undefined);
        sides.forEach((side, i) => {
          const measurement = measurements[i]!;
          results.set(
            side.system,
            completed(context, side.system, side.role, side.setup, {
              version: side.version,
              measurement,
              ...(measurement.otherServersCores === undefined
                ? {}
                : {
                    figures: [
                      {
                        name: "the other server's CPU during this system's counted slices",
                        value: measurement.otherServersCores,
                        unit: 'cores',
                      },
                    ],
                  }),
            }),
          );
        });
      }
    } finally {
      for (const side of sides) {
        await side.stop().catch((error: unknown) => {
          context.log(`  ${side.system}: stopping its server failed: ${String(error)}`);
        });
      }
    }
    const systems = [subject, 'bare-http'].map((system) => results.get(system)!);
    return {
      scenario: 'single',
      title: this.title,
      unit: 'req/s',
      latencyMeaning: 'request round trip',
      settings: {
        connections: CONNECTIONS,
        bodyBytes: 256,
        responseBytes,
        ...(responseBytesAtEnd === undefined ? {} : { opencmqResponseBytesAtEnd: responseBytesAtEnd }),
        interleaved: `${slicing.slices} slices of ${SLICE_MS} ms a system, ${SETTLE_MS} ms settling before each`,
      },
      systems,
      ratios: [ratioOf(systems, subject, 'bare-http', 'single: OpenCMQ / bare node:http req/s', 0.6)],
    };
  },
};

async function startOpenCmqSide(
  context: ScenarioContext,
  system: string,
  setup: string,
): Promise<Side & { probe: () => Promise<number> }> {
  const server = await startOpenCmq({
    repoRoot: context.repoRoot,
    engine: context.engine,
    cpuProfileDir: context.cpuProfileDir,
    nodeOptions: context.nodeOptions,
  });
  const clients: CmqBenchClient[] = [];
  const admin = new CmqBenchClient(server);
  const stop = async () => {
    admin.close();
    for (const client of clients) client.close();
    await server.stop();
  };
  try {
    await callOrThrow(admin, 'CreateQueue', { queueName: QUEUE });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    system,
    role: 'subject',
    setup,
    version: openCmqVersion(server.engine),
    load: sendersOn(server, server.pid, clients, QUEUE),
    stop,
    probe: async () => {
      const response = await admin.postRaw(
        admin.encode('SendMessage', { queueName: QUEUE, msgBody: makeBody(nowMs()) }),
      );
      return response.body.length;
    },
  };
}

async function startBareSide(context: ScenarioContext, responseBytes: number, setup: string): Promise<Side> {
  const server = await startBareHttp(context.repoRoot, responseBytes, context.bareWorkMicros);
  const clients: CmqBenchClient[] = [];
  // The bare server checks nothing; the same credential keeps the request bytes identical.
  const endpoint = {
    host: server.host,
    port: server.port,
    secretId: BENCH_SECRET_ID,
    secretKey: BENCH_SECRET_KEY,
  };
  return {
    system: 'bare-http',
    role: 'ceiling',
    setup,
    version: `node:http ${process.version}`,
    load: sendersOn(endpoint, server.pid, clients, QUEUE),
    stop: async () => {
      for (const client of clients) client.close();
      await server.stop();
    },
  };
}
