import type { CmqBenchClient } from '../lib/cmq-client.js';
import { CONSUMER_CONNECTIONS, cmqBatchSender, cmqConsumer } from '../lib/cmq-workers.js';
import { Meter } from '../lib/meter.js';
import type { OpenCmqSession } from '../lib/opencmq-session.js';
import { Semaphore } from '../lib/semaphore.js';
import type { TokenBucket } from '../lib/token-bucket.js';
import { drive, type Measurement, type Worker } from '../lib/workload.js';
import { NATS_FSYNC_NOTE } from '../peers/nats.js';
import { createQueue, openOpenCmqSide } from './opencmq-side.js';
import { openNatsSide } from './nats-side.js';
import { openRabbitSide } from './rabbit-side.js';
import { ratioOf, type Scenario, type ScenarioContext } from './scenario.js';
import {
  producerConsumerSlicing,
  runSlicedSides,
  slicingSetting,
  type SlicedSide,
  type SlicedSideSpec,
} from './sliced-sides.js';

/**
 * pipeline: producers and consumers on one queue at the same time; end-to-end messages per second and
 * send-to-receive latency (the send time travels in the body).
 *
 * The backlog (sent, not yet received) is capped: without a cap, producers that are faster than consumers
 * grow the queue for the whole run and the latency measures the run's length, not the system. With the cap,
 * a rate is one the system sustains with a bounded queue, and latency is at most about cap / rate.
 * The systems run side by side in alternating slices, each slice's backlog drained before the next
 * (sliced-sides.ts, lib/sliced-pipeline.ts); soak drives the same OpenCMQ workload through one window.
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
const QUEUE = 'bench-pipeline';
const GAUGE = 'backlog (msgs)';

export const pipeline: Scenario = {
  name: 'pipeline',
  title: `${PRODUCERS} producers (BatchSendMessage x${BATCH}) and ${CONSUMERS} consumers (long-poll BatchReceiveMessage x${BATCH} + BatchDeleteMessage) on one queue, 256-byte bodies`,
  async run(context) {
    const subject = `opencmq-${context.engine}`;
    const specs: SlicedSideSpec[] = [
      {
        system: subject,
        role: 'subject',
        setup: `engine ${context.engine}; every request signed (HmacSHA256); pollingWaitSeconds ${POLLING_WAIT_SECONDS}; one keep-alive connection per producer, ${CONSUMER_CONNECTIONS}`,
        open: () => openOpenCmq(context),
      },
      {
        system: 'rabbitmq',
        role: 'peer',
        setup: `durable quorum queue, persistent messages, confirm window ${BATCH} per publisher, prefetch ${RABBIT_PREFETCH}, multi-ack per ${BATCH} or per event-loop turn; a channel per worker on one connection per role`,
        open: () => openRabbit(context),
      },
      {
        system: 'nats-jetstream',
        role: 'peer',
        setup: `work-queue stream, file storage, durable pull consumer, explicit ack per message, asynchronous publishes (core publish with a reply inbox per producer) in a window of ${BATCH}, max_messages ${NATS_MAX_MESSAGES}, one connection per role; ${NATS_FSYNC_NOTE}`,
        open: () => openNats(context),
      },
    ];
    const slicing = producerConsumerSlicing(context);
    const systems = await runSlicedSides(context, specs, slicing, GAUGE);
    return {
      scenario: 'pipeline',
      title: this.title,
      unit: 'msgs/s',
      latencyMeaning: 'send to receive',
      settings: {
        ...PIPELINE_SETTINGS,
        interleaved: slicingSetting(slicing),
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

function openOpenCmq(context: ScenarioContext): Promise<SlicedSide> {
  return openOpenCmqSide(context, {
    prepare: createQueue(QUEUE),
    action: 'BatchSendMessage',
    target: { queueName: QUEUE },
    producers: PRODUCERS,
    queues: [QUEUE],
    consumersPerQueue: CONSUMERS,
    batch: BATCH,
    pollingWaitSeconds: POLLING_WAIT_SECONDS,
    cap: BACKLOG_CAP,
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

function openRabbit(context: ScenarioContext): Promise<SlicedSide> {
  return openRabbitSide({
    url: context.rabbitmqUrl,
    queues: [`${QUEUE}-${Date.now()}`],
    exchange: undefined,
    publishers: PRODUCERS,
    consumersPerQueue: CONSUMERS,
    window: BATCH,
    prefetch: RABBIT_PREFETCH,
    cap: BACKLOG_CAP,
  });
}

function openNats(context: ScenarioContext): Promise<SlicedSide> {
  return openNatsSide({
    url: context.natsUrl,
    name: `pipeline.${Date.now()}`,
    producers: PRODUCERS,
    consumers: CONSUMERS,
    window: BATCH,
    maxMessages: NATS_MAX_MESSAGES,
    cap: BACKLOG_CAP,
  });
}
