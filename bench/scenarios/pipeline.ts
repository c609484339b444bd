import type { NatsConnection } from 'nats';
import type { ChannelModel } from 'amqplib';
import { callOrThrow, type CmqBenchClient } from '../lib/cmq-client.js';
import { CONSUMER_CONNECTIONS, cmqBatchSender, cmqConsumer } from '../lib/cmq-workers.js';
import { driveInterleaved, timeSlices } from '../lib/interleaved-workload.js';
import { Meter } from '../lib/meter.js';
import { openCmqVersion } from '../lib/opencmq-server.js';
import { openCmqSession, type OpenCmqSession } from '../lib/opencmq-session.js';
import { Semaphore } from '../lib/semaphore.js';
import { slicedPipeline, type SlicedPipeline } from '../lib/sliced-pipeline.js';
import type { TokenBucket } from '../lib/token-bucket.js';
import { drive, type Measurement, type Worker } from '../lib/workload.js';
import {
  connectNats,
  createWorkQueue,
  deleteStream,
  NATS_FSYNC_NOTE,
  natsConsumer,
  natsPublisher,
  natsPid,
  natsVersion,
} from '../peers/nats.js';
import {
  connectRabbit,
  declareQuorumQueue,
  rabbitConsumer,
  rabbitPid,
  rabbitPublisher,
  rabbitVersion,
} from '../peers/rabbitmq.js';
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
 * pipeline: producers and consumers on one queue at the same time; end-to-end messages per second and
 * send-to-receive latency (the send time travels in the body).
 *
 * The backlog (sent, not yet received) is capped: without a cap, producers that are faster than consumers
 * grow the queue for the whole run and the latency measures the run's length, not the system. With the cap,
 * a rate is one the system sustains with a bounded queue, and latency is at most about cap / rate.
 */
export const PRODUCERS = 16;
export const CONSUMERS = 16;
export const BATCH = 16;
export const BACKLOG_CAP = 1024;
export const POLLING_WAIT_SECONDS = 5;
/** The workload's shape as reported (soak reports it too). */
export const PIPELINE_SETTINGS = {
  producers: PRODUCERS,
  consumers: CONSUMERS,
  batch: BATCH,
  bodyBytes: 256,
  backlogCap: BACKLOG_CAP,
  pollingWaitSeconds: POLLING_WAIT_SECONDS,
};
const RABBIT_PREFETCH = 2 * BATCH;
const NATS_MAX_MESSAGES = 2 * BATCH;
/*
 * Peers multiplex: every publisher has its own channel (RabbitMQ) or its own publish window (NATS) on one
 * connection shared by the publishers, and one connection carries the consumers. Measured here with 16, 4
 * and 1 connections per role, one per role was fastest for both (the idiomatic setup for either client).
 */
const QUEUE = 'bench-pipeline';
const GAUGE = 'backlog (msgs)';

/**
 * The systems run side by side in alternating slices (lib/interleaved-workload.ts, lib/sliced-pipeline.ts):
 * every system up the whole time, its consumers waiting on its queue, the producers' load on one system at
 * a time: 2 s counted per slice after 500 ms not counted, and at each slice's end the producers stop and
 * the consumers receive the rest of the backlog, uncounted, before the next slice starts. Measured one
 * after the other, the RabbitMQ ratio moved from 1.36x to 1.85x between rounds of one run on the AMD
 * machine of 2026-12-06 (docs/decisions/0017): the machine's speed drifts between windows half a minute
 * apart, and slices let every system see the same drift.
 */
const SLICE_MS = 2000;
const SETTLE_MS = 500;
const OTHER_SERVERS_CPU = "the other systems' servers' CPU during this system's counted slices";

interface Side {
  readonly system: string;
  readonly role: SystemRole;
  readonly setup: string;
  readonly version: string;
  readonly pipeline: SlicedPipeline;
  /** Stops the pipeline's consumers, then closes connections and removes the queue or stream. */
  readonly close: () => Promise<void>;
}

interface SideSpec {
  readonly system: string;
  readonly role: SystemRole;
  readonly setup: string;
  readonly open: (context: ScenarioContext, setup: string) => Promise<Side>;
}

export const pipeline: Scenario = {
  name: 'pipeline',
  title: `${PRODUCERS} producers (BatchSendMessage x${BATCH}) and ${CONSUMERS} consumers (long-poll BatchReceiveMessage x${BATCH} + BatchDeleteMessage) on one queue, 256-byte bodies`,
  async run(context) {
    const subject = `opencmq-${context.engine}`;
    const specs: SideSpec[] = [
      {
        system: subject,
        role: 'subject',
        setup: `engine ${context.engine}; every request signed (HmacSHA256); pollingWaitSeconds ${POLLING_WAIT_SECONDS}; one keep-alive connection per producer, ${CONSUMER_CONNECTIONS}`,
        open: openOpenCmq,
      },
      {
        system: 'rabbitmq',
        role: 'peer',
        setup: `durable quorum queue, persistent messages, confirm window ${BATCH} per publisher, prefetch ${RABBIT_PREFETCH}, multi-ack per ${BATCH} or per event-loop turn; a channel per worker on one connection per role`,
        open: openRabbit,
      },
      {
        system: 'nats-jetstream',
        role: 'peer',
        setup: `work-queue stream, file storage, durable pull consumer, explicit ack per message, publish window ${BATCH}, max_messages ${NATS_MAX_MESSAGES}, one connection per role; ${NATS_FSYNC_NOTE}`,
        open: openNats,
      },
    ];
    const slicing = timeSlices({
      warmupMs: context.warmupMs,
      durationMs: context.durationMs,
      sliceMs: SLICE_MS,
      settleMs: SETTLE_MS,
    });
    const results = new Map<string, SystemResult>();
    const sides: Side[] = [];
    try {
      for (const spec of specs) {
        if (!isSelected(context, spec.system)) {
          results.set(spec.system, notSelected(spec.system, spec.role, spec.setup));
          continue;
        }
        context.log(`  ${spec.system}: starting`);
        try {
          sides.push(await spec.open(context, spec.setup));
        } catch (error) {
          results.set(spec.system, failed(context, spec.system, spec.role, spec.setup, error));
        }
      }
      if (sides.length > 0) {
        for (const side of sides) side.pipeline.start();
        context.log(`  ${sides.map((side) => side.system).join(', ')}: running in alternating slices`);
        const measurements = await driveInterleaved(
          sides.map((side) => side.pipeline.system),
          slicing,
        );
        sides.forEach((side, i) => {
          const measurement = measurements[i]!;
          results.set(
            side.system,
            completed(context, side.system, side.role, side.setup, {
              version: side.version,
              measurement,
              gaugeName: GAUGE,
              ...(measurement.otherServersCores === undefined
                ? {}
                : {
                    figures: [
                      { name: OTHER_SERVERS_CPU, value: measurement.otherServersCores, unit: 'cores' },
                    ],
                  }),
            }),
          );
        });
      }
    } finally {
      for (const side of sides) {
        await side.close().catch((error: unknown) => {
          context.log(`  ${side.system}: closing failed: ${String(error)}`);
        });
      }
    }
    const systems = specs.map((spec) => results.get(spec.system)!);
    return {
      scenario: 'pipeline',
      title: this.title,
      unit: 'msgs/s',
      latencyMeaning: 'send to receive',
      settings: {
        ...PIPELINE_SETTINGS,
        interleaved: `${slicing.slices} slices of ${SLICE_MS} ms a system, ${SETTLE_MS} ms settling before each, the backlog drained after each`,
      },
      systems,
      ratios: [
        ratioOf(systems, subject, 'rabbitmq', 'pipeline: OpenCMQ / RabbitMQ end-to-end msgs/s', 1.5),
        ratioOf(
          systems,
          subject,
          'nats-jetstream',
          'pipeline: OpenCMQ / NATS JetStream end-to-end msgs/s',
          undefined,
        ),
      ],
    };
  },
};

async function openOpenCmq(context: ScenarioContext, setup: string): Promise<Side> {
  const session = await openCmqSession(context);
  try {
    await callOrThrow(session.client(), 'CreateQueue', { queueName: QUEUE });
  } catch (error) {
    await session.close();
    throw error;
  }
  const producerClients = Array.from({ length: PRODUCERS }, () => session.client());
  const pipeline = slicedPipeline({
    cap: BACKLOG_CAP,
    serverPid: session.server.pid,
    producers: (meter, gate) =>
      producerClients.map((client) =>
        cmqBatchSender(client, {
          action: 'BatchSendMessage',
          target: { queueName: QUEUE },
          batch: BATCH,
          gate,
          permitsPerBatch: BATCH,
          meter,
        }),
      ),
    consumers: (sink, gate) =>
      Array.from({ length: CONSUMERS }, () =>
        cmqConsumer(session.client(), {
          queue: QUEUE,
          batch: BATCH,
          pollingWaitSeconds: POLLING_WAIT_SECONDS,
          gate,
          meter: sink,
          deleteClient: session.client(),
        }),
      ),
    // A consumer's long poll ends with its connection.
    onStop: () => session.closeClients(),
  });
  return {
    system: `opencmq-${context.engine}`,
    role: 'subject',
    setup,
    version: openCmqVersion(session.server.engine),
    pipeline,
    close: async () => {
      await pipeline.stop();
      await session.close();
    },
  };
}

export interface OpenCmqPipelineRun {
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Producers take their batches from this bucket (soak); unpaced when undefined. */
  readonly pacer: TokenBucket | undefined;
  readonly timelineIntervalMs?: number;
}

/**
 * Pipeline's OpenCMQ producers and consumers (lib/cmq-workers.ts) on `queue`, driven through one window,
 * each on its own client of the session; soak runs the same workload paced.
 */
export async function driveOpenCmqPipeline(
  session: OpenCmqSession,
  queue: string,
  run: OpenCmqPipelineRun,
): Promise<Measurement> {
  const meter = new Meter();
  const gate = new Semaphore(BACKLOG_CAP);
  const clients: CmqBenchClient[] = [];
  const client = () => {
    const c = session.client();
    clients.push(c);
    return c;
  };
  const workers: Worker[] = [];
  for (let i = 0; i < PRODUCERS; i++) {
    workers.push(
      cmqBatchSender(client(), {
        action: 'BatchSendMessage',
        target: { queueName: queue },
        batch: BATCH,
        gate,
        permitsPerBatch: BATCH,
        meter,
        ...(run.pacer === undefined ? {} : { pacer: run.pacer }),
      }),
    );
  }
  for (let i = 0; i < CONSUMERS; i++) {
    workers.push(
      cmqConsumer(client(), {
        queue,
        batch: BATCH,
        pollingWaitSeconds: POLLING_WAIT_SECONDS,
        gate,
        meter,
        deleteClient: client(),
      }),
    );
  }
  try {
    return await drive({
      workers,
      meter,
      warmupMs: run.warmupMs,
      durationMs: run.durationMs,
      serverPid: session.server.pid,
      dataDir: session.server.dataDir,
      gauge: () => BACKLOG_CAP - gate.available,
      ...(run.timelineIntervalMs === undefined ? {} : { timelineIntervalMs: run.timelineIntervalMs }),
      onStop: () => {
        run.pacer?.close();
        gate.close();
        for (const c of clients) c.close();
      },
    });
  } finally {
    for (const c of clients) c.close();
  }
}

async function openRabbit(context: ScenarioContext, setup: string): Promise<Side> {
  const queue = `${QUEUE}-${Date.now()}`;
  // Filled in below, before the pipeline starts: the connections report errors into its meter.
  const roles: { producers?: ChannelModel; consumers?: ChannelModel } = {};
  const pipeline = slicedPipeline({
    cap: BACKLOG_CAP,
    serverPid: rabbitPid(),
    producers: (meter, gate) =>
      Array.from({ length: PRODUCERS }, () =>
        rabbitPublisher(roles.producers!, {
          exchange: '',
          routingKey: queue,
          window: BATCH,
          gate,
          permitsPerMessage: 1,
          meter,
        }),
      ),
    consumers: (sink, gate) =>
      Array.from({ length: CONSUMERS }, () =>
        rabbitConsumer(roles.consumers!, {
          queue,
          prefetch: RABBIT_PREFETCH,
          ackEvery: BATCH,
          gate,
          meter: sink,
        }),
      ),
  });
  const admin = await connectRabbit(context.rabbitmqUrl, pipeline.meter);
  const connections: ChannelModel[] = [];
  const close = async () => {
    await pipeline.stop();
    for (const connection of connections) await connection.close().catch(() => undefined);
    const channel = await admin.createChannel().catch(() => undefined);
    await channel?.deleteQueue(queue).catch(() => undefined);
    await admin.close().catch(() => undefined);
  };
  try {
    await declareQuorumQueue(admin, queue);
    for (const role of ['producers', 'consumers'] as const) {
      const connection = await connectRabbit(context.rabbitmqUrl, pipeline.meter);
      connections.push(connection);
      roles[role] = connection;
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { system: 'rabbitmq', role: 'peer', setup, version: rabbitVersion(admin), pipeline, close };
}

async function openNats(context: ScenarioContext, setup: string): Promise<Side> {
  const stream = `BENCH_PIPELINE_${Date.now()}`;
  const subject = `bench.pipeline.${Date.now()}`;
  const durable = 'bench';
  const roles: { producers?: NatsConnection; consumers?: NatsConnection } = {};
  const pipeline = slicedPipeline({
    cap: BACKLOG_CAP,
    serverPid: natsPid(),
    producers: (meter, gate) =>
      Array.from({ length: PRODUCERS }, () =>
        natsPublisher(roles.producers!, { subject, window: BATCH, gate, meter }),
      ),
    consumers: (sink, gate) =>
      Array.from({ length: CONSUMERS }, () =>
        natsConsumer(roles.consumers!, {
          stream,
          durable,
          maxMessages: NATS_MAX_MESSAGES,
          gate,
          meter: sink,
        }),
      ),
  });
  const admin = await connectNats(context.natsUrl, pipeline.meter);
  const connections: NatsConnection[] = [];
  const close = async () => {
    await pipeline.stop();
    for (const connection of connections) await connection.close().catch(() => undefined);
    await deleteStream(admin, stream).catch(() => undefined);
    await admin.close().catch(() => undefined);
  };
  try {
    await createWorkQueue(admin, stream, subject, durable);
    for (const role of ['producers', 'consumers'] as const) {
      const connection = await connectNats(context.natsUrl, pipeline.meter);
      connections.push(connection);
      roles[role] = connection;
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { system: 'nats-jetstream', role: 'peer', setup, version: natsVersion(admin), pipeline, close };
}
