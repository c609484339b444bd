import { callOrThrow } from '../lib/cmq-client.js';
import { CONSUMER_CONNECTIONS } from '../lib/cmq-workers.js';
import { openOpenCmqSide } from './opencmq-side.js';
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
 * fanout: one topic delivering every message to 10 queues, consumers draining all of them; deliveries
 * (messages received and deleted from a subscribed queue) per second. OpenCMQ: CreateTopic, 10 queues,
 * Subscribe protocol=queue endpoint=<queue>, BatchPublishMessage x16. RabbitMQ: a durable topic exchange
 * bound to 10 durable quorum queues. The backlog cap counts deliveries: a published message takes 10.
 * The two systems run side by side in alternating slices, each slice's deliveries all received before the
 * next (sliced-sides.ts, lib/sliced-pipeline.ts).
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
    const specs: SlicedSideSpec[] = [
      {
        system: subject,
        role: 'subject',
        setup: `engine ${context.engine}; ${FANOUT} subscriptions protocol=queue; every request signed; one keep-alive connection per publisher, ${CONSUMER_CONNECTIONS}`,
        open: () => openOpenCmq(context),
      },
      {
        system: 'rabbitmq',
        role: 'peer',
        setup: `durable topic exchange, ${FANOUT} durable quorum queues bound with '#', persistent messages, confirm window ${BATCH} per publisher, prefetch ${RABBIT_PREFETCH}, multi-ack; a channel per worker on one connection per role`,
        open: () => openRabbit(context),
      },
    ];
    const slicing = producerConsumerSlicing(context);
    const systems = await runSlicedSides(context, specs, slicing, GAUGE);
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
        interleaved: slicingSetting(slicing),
      },
      systems,
      ratios: [ratioOf(systems, subject, 'rabbitmq', 'fanout: OpenCMQ / RabbitMQ deliveries/s', 1.0)],
    };
  },
};

const queueNames = (prefix: string) => Array.from({ length: FANOUT }, (_, i) => `${prefix}-${i}`);

function openOpenCmq(context: ScenarioContext): Promise<SlicedSide> {
  const queues = queueNames(TOPIC);
  return openOpenCmqSide(context, {
    prepare: async (admin) => {
      await callOrThrow(admin, 'CreateTopic', { topicName: TOPIC });
      for (const [i, queue] of queues.entries()) {
        await callOrThrow(admin, 'CreateQueue', { queueName: queue });
        await callOrThrow(admin, 'Subscribe', {
          topicName: TOPIC,
          subscriptionName: `sub-${i}`,
          protocol: 'queue',
          endpoint: queue,
        });
      }
    },
    action: 'BatchPublishMessage',
    target: { topicName: TOPIC },
    producers: PUBLISHERS,
    queues,
    consumersPerQueue: CONSUMERS_PER_QUEUE,
    batch: BATCH,
    pollingWaitSeconds: POLLING_WAIT_SECONDS,
    cap: BACKLOG_CAP,
  });
}

function openRabbit(context: ScenarioContext): Promise<SlicedSide> {
  const suffix = Date.now();
  return openRabbitSide({
    url: context.rabbitmqUrl,
    queues: queueNames(`bench-fanout-${suffix}`),
    exchange: `bench.fanout.${suffix}`,
    publishers: PUBLISHERS,
    consumersPerQueue: CONSUMERS_PER_QUEUE,
    window: BATCH,
    prefetch: RABBIT_PREFETCH,
    cap: BACKLOG_CAP,
  });
}
