import type { ChannelModel } from 'amqplib';
import { callOrThrow } from '../lib/cmq-client.js';
import { CONSUMER_CONNECTIONS, cmqBatchSender, cmqConsumer } from '../lib/cmq-workers.js';
import { Meter } from '../lib/meter.js';
import { openCmqVersion } from '../lib/opencmq-server.js';
import { withOpenCmq } from '../lib/opencmq-session.js';
import { Semaphore } from '../lib/semaphore.js';
import { drive, type Worker } from '../lib/workload.js';
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
 * fanout: one topic delivering every message to 10 queues, consumers draining all of them; deliveries
 * (messages received and deleted from a subscribed queue) per second. OpenCMQ: CreateTopic, 10 queues,
 * Subscribe protocol=queue endpoint=<queue>, BatchPublishMessage x16. RabbitMQ: a durable topic exchange
 * bound to 10 durable quorum queues. The backlog cap counts deliveries: a published message takes 10.
 */
const FANOUT = 10;
const PUBLISHERS = 4;
const CONSUMERS_PER_QUEUE = 2;
const BATCH = 16;
const BACKLOG_CAP = FANOUT * 512;
const POLLING_WAIT_SECONDS = 5;
const RABBIT_PREFETCH = 2 * BATCH;
const TOPIC = 'bench-fanout';
const GAUGE = 'backlog (deliveries)';

export const fanout: Scenario = {
  name: 'fanout',
  title: `one topic, ${FANOUT} queue subscriptions; ${PUBLISHERS} publishers (BatchPublishMessage x${BATCH}), ${CONSUMERS_PER_QUEUE} consumers per queue (long-poll BatchReceiveMessage x${BATCH} + BatchDeleteMessage), 256-byte bodies`,
  async run(context) {
    const subject = `opencmq-${context.engine}`;
    const systems = [
      await runSystem(
        context,
        subject,
        'subject',
        `engine ${context.engine}; ${FANOUT} subscriptions protocol=queue; every request signed; one keep-alive connection per publisher, ${CONSUMER_CONNECTIONS}`,
        () => runOpenCmq(context),
      ),
      await runSystem(
        context,
        'rabbitmq',
        'peer',
        `durable topic exchange, ${FANOUT} durable quorum queues bound with '#', persistent messages, confirm window ${BATCH} per publisher, prefetch ${RABBIT_PREFETCH}, multi-ack; a channel per worker on one connection per role`,
        () => runRabbit(context),
      ),
    ];
    return {
      scenario: 'fanout',
      title: this.title,
      unit: 'deliveries/s',
      latencyMeaning: 'publish to receive',
      settings: {
        fanout: FANOUT,
        publishers: PUBLISHERS,
        consumersPerQueue: CONSUMERS_PER_QUEUE,
        batch: BATCH,
        bodyBytes: 256,
        backlogCapDeliveries: BACKLOG_CAP,
        pollingWaitSeconds: POLLING_WAIT_SECONDS,
      },
      systems,
      ratios: [ratioOf(systems, subject, 'rabbitmq', 'fanout: OpenCMQ / RabbitMQ deliveries/s', 1.0)],
    };
  },
};

const queueNames = (prefix: string) => Array.from({ length: FANOUT }, (_, i) => `${prefix}-${i}`);

async function runOpenCmq(context: ScenarioContext): Promise<SystemRun> {
  return withOpenCmq(context, async (session) => {
    const admin = session.client();
    await callOrThrow(admin, 'CreateTopic', { topicName: TOPIC });
    const queues = queueNames(TOPIC);
    for (const [i, queue] of queues.entries()) {
      await callOrThrow(admin, 'CreateQueue', { queueName: queue });
      await callOrThrow(admin, 'Subscribe', {
        topicName: TOPIC,
        subscriptionName: `sub-${i}`,
        protocol: 'queue',
        endpoint: queue,
      });
    }
    const meter = new Meter();
    const gate = new Semaphore(BACKLOG_CAP);
    const workers: Worker[] = [];
    for (let i = 0; i < PUBLISHERS; i++) {
      workers.push(
        cmqBatchSender(session.client(), {
          action: 'BatchPublishMessage',
          target: { topicName: TOPIC },
          batch: BATCH,
          gate,
          permitsPerBatch: BATCH * FANOUT,
          meter,
        }),
      );
    }
    for (const queue of queues) {
      for (let i = 0; i < CONSUMERS_PER_QUEUE; i++) {
        workers.push(
          cmqConsumer(session.client(), {
            queue,
            batch: BATCH,
            pollingWaitSeconds: POLLING_WAIT_SECONDS,
            gate,
            meter,
            deleteClient: session.client(),
          }),
        );
      }
    }
    const measurement = await drive({
      workers,
      meter,
      warmupMs: context.warmupMs,
      durationMs: context.durationMs,
      serverPid: session.server.pid,
      gauge: () => BACKLOG_CAP - gate.available,
      onStop: () => {
        gate.close();
        session.closeClients();
      },
    });
    return { version: openCmqVersion(session.server.engine), measurement, gaugeName: GAUGE };
  });
}

async function runRabbit(context: ScenarioContext): Promise<SystemRun> {
  const meter = new Meter();
  const gate = new Semaphore(BACKLOG_CAP);
  const suffix = Date.now();
  const exchange = `bench.fanout.${suffix}`;
  const queues = queueNames(`bench-fanout-${suffix}`);
  const admin = await connectRabbit(context.rabbitmqUrl, meter);
  const connections: ChannelModel[] = [];
  const connection = async () => {
    const c = await connectRabbit(context.rabbitmqUrl, meter);
    connections.push(c);
    return c;
  };
  try {
    const setup = await admin.createChannel();
    await setup.assertExchange(exchange, 'topic', { durable: true });
    for (const queue of queues) {
      await declareQuorumQueue(admin, queue);
      await setup.bindQueue(queue, exchange, '#');
    }
    // As in pipeline: a channel per worker, one connection shared by the publishers and one by the consumers.
    const publishers = await connection();
    const consumers = await connection();
    const workers: Worker[] = [];
    for (let i = 0; i < PUBLISHERS; i++) {
      workers.push(
        rabbitPublisher(publishers, {
          exchange,
          routingKey: 'bench.fanout',
          window: BATCH,
          gate,
          permitsPerMessage: FANOUT,
          meter,
        }),
      );
    }
    for (const queue of queues) {
      for (let i = 0; i < CONSUMERS_PER_QUEUE; i++) {
        workers.push(
          rabbitConsumer(consumers, { queue, prefetch: RABBIT_PREFETCH, ackEvery: BATCH, gate, meter }),
        );
      }
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
    for (const c of connections) await c.close().catch(() => undefined);
    const cleanup = await admin.createChannel().catch(() => undefined);
    for (const queue of queues) await cleanup?.deleteQueue(queue).catch(() => undefined);
    await cleanup?.deleteExchange(exchange).catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
}
