import { callOrThrow, type CmqBenchClient } from '../lib/cmq-client.js';
import { CONSUMER_CONNECTIONS, cmqBatchSender, cmqConsumer } from '../lib/cmq-workers.js';
import { Meter } from '../lib/meter.js';
import { openCmqVersion } from '../lib/opencmq-server.js';
import { withOpenCmq, type OpenCmqSession } from '../lib/opencmq-session.js';
import { Semaphore } from '../lib/semaphore.js';
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
import { ratioOf, runSystem, type Scenario, type ScenarioContext, type SystemRun } from './scenario.js';

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
/**
 * Peers multiplex: every publisher has its own channel (RabbitMQ) or its own publish window (NATS) on one
 * connection shared by the publishers, and the same for consumers. Measured here with 16, 4 and 1
 * connections per role, one per role was fastest for both (the idiomatic setup for either client).
 */
const RABBIT_CONNECTIONS_PER_ROLE = 1;
const NATS_CONNECTIONS_PER_ROLE = 1;
const QUEUE = 'bench-pipeline';
const GAUGE = 'backlog (msgs)';

export const pipeline: Scenario = {
  name: 'pipeline',
  title: `${PRODUCERS} producers (BatchSendMessage x${BATCH}) and ${CONSUMERS} consumers (long-poll BatchReceiveMessage x${BATCH} + BatchDeleteMessage) on one queue, 256-byte bodies`,
  async run(context) {
    const subject = `opencmq-${context.engine}`;
    const systems = [
      await runSystem(
        context,
        subject,
        'subject',
        `engine ${context.engine}; every request signed (HmacSHA256); pollingWaitSeconds ${POLLING_WAIT_SECONDS}; one keep-alive connection per producer, ${CONSUMER_CONNECTIONS}`,
        () => runOpenCmq(context),
      ),
      await runSystem(
        context,
        'rabbitmq',
        'peer',
        `durable quorum queue, persistent messages, confirm window ${BATCH} per publisher, prefetch ${RABBIT_PREFETCH}, multi-ack per ${BATCH} or per event-loop turn; a channel per worker on one connection per role`,
        () => runRabbit(context),
      ),
      await runSystem(
        context,
        'nats-jetstream',
        'peer',
        `work-queue stream, file storage, durable pull consumer, explicit ack per message, publish window ${BATCH}, max_messages ${NATS_MAX_MESSAGES}, one connection per role; ${NATS_FSYNC_NOTE}`,
        () => runNats(context),
      ),
    ];
    return {
      scenario: 'pipeline',
      title: this.title,
      unit: 'msgs/s',
      latencyMeaning: 'send to receive',
      settings: PIPELINE_SETTINGS,
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

async function runOpenCmq(context: ScenarioContext): Promise<SystemRun> {
  return withOpenCmq(context, async (session) => {
    await callOrThrow(session.client(), 'CreateQueue', { queueName: QUEUE });
    const measurement = await driveOpenCmqPipeline(session, QUEUE, {
      warmupMs: context.warmupMs,
      durationMs: context.durationMs,
      pacer: undefined,
    });
    return { version: openCmqVersion(session.server.engine), measurement, gaugeName: GAUGE };
  });
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

async function runRabbit(context: ScenarioContext): Promise<SystemRun> {
  const meter = new Meter();
  const gate = new Semaphore(BACKLOG_CAP);
  const queue = `${QUEUE}-${Date.now()}`;
  const admin = await connectRabbit(context.rabbitmqUrl, meter);
  const connections = [admin];
  try {
    await declareQuorumQueue(admin, queue);
    const open = async () => {
      const connection = await connectRabbit(context.rabbitmqUrl, meter);
      connections.push(connection);
      return connection;
    };
    const producerConnections = await openPool(RABBIT_CONNECTIONS_PER_ROLE, open);
    const consumerConnections = await openPool(RABBIT_CONNECTIONS_PER_ROLE, open);
    const workers: Worker[] = [];
    for (let i = 0; i < PRODUCERS; i++) {
      workers.push(
        rabbitPublisher(producerConnections[i % producerConnections.length]!, {
          exchange: '',
          routingKey: queue,
          window: BATCH,
          gate,
          permitsPerMessage: 1,
          meter,
        }),
      );
    }
    for (let i = 0; i < CONSUMERS; i++) {
      workers.push(
        rabbitConsumer(consumerConnections[i % consumerConnections.length]!, {
          queue,
          prefetch: RABBIT_PREFETCH,
          ackEvery: BATCH,
          gate,
          meter,
        }),
      );
    }
    const measurement = await drive({
      workers,
      meter,
      warmupMs: context.warmupMs,
      durationMs: context.durationMs,
      serverPid: rabbitPid(),
      gauge: () => BACKLOG_CAP - gate.available,
      onStop: () => gate.close(),
    });
    return { version: rabbitVersion(admin), measurement, gaugeName: GAUGE };
  } finally {
    for (const connection of connections.slice(1)) await connection.close().catch(() => undefined);
    const channel = await admin.createChannel().catch(() => undefined);
    await channel?.deleteQueue(queue).catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
}

async function runNats(context: ScenarioContext): Promise<SystemRun> {
  const meter = new Meter();
  const gate = new Semaphore(BACKLOG_CAP);
  const stream = `BENCH_PIPELINE_${Date.now()}`;
  const subject = `bench.pipeline.${Date.now()}`;
  const durable = 'bench';
  const admin = await connectNats(context.natsUrl, meter);
  const connections = [admin];
  try {
    await createWorkQueue(admin, stream, subject, durable);
    const open = async () => {
      const connection = await connectNats(context.natsUrl, meter);
      connections.push(connection);
      return connection;
    };
    const producerConnections = await openPool(NATS_CONNECTIONS_PER_ROLE, open);
    const consumerConnections = await openPool(NATS_CONNECTIONS_PER_ROLE, open);
    const workers: Worker[] = [];
    for (let i = 0; i < PRODUCERS; i++) {
      const connection = producerConnections[i % producerConnections.length]!;
      workers.push(natsPublisher(connection, { subject, window: BATCH, gate, meter }));
    }
    for (let i = 0; i < CONSUMERS; i++) {
      const connection = consumerConnections[i % consumerConnections.length]!;
      workers.push(
        natsConsumer(connection, { stream, durable, maxMessages: NATS_MAX_MESSAGES, gate, meter }),
      );
    }
    const measurement = await drive({
      workers,
      meter,
      warmupMs: context.warmupMs,
      durationMs: context.durationMs,
      serverPid: natsPid(),
      gauge: () => BACKLOG_CAP - gate.available,
      onStop: () => gate.close(),
    });
    return { version: natsVersion(admin), measurement, gaugeName: GAUGE };
  } finally {
    for (const connection of connections.slice(1)) await connection.close().catch(() => undefined);
    await deleteStream(admin, stream).catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
}

async function openPool<T>(size: number, open: () => Promise<T>): Promise<T[]> {
  const pool: T[] = [];
  for (let i = 0; i < size; i++) pool.push(await open());
  return pool;
}
