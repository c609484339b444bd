import type { ChannelModel } from 'amqplib';
import { callOrThrow } from '../lib/cmq-client.js';
import { cmqLongPoller } from '../lib/cmq-long-poller.js';
import { pacedSender } from '../lib/paced-sender.js';
import { slicedPipeline } from '../lib/sliced-pipeline.js';
import {
  connectRabbit,
  declareQuorumQueue,
  rabbitConsumer,
  rabbitPid,
  rabbitVersion,
} from '../peers/rabbitmq.js';
import { openConfirmedSend } from '../peers/rabbitmq-confirmed-send.js';
import { createQueue, openCmqSlicedSide } from './opencmq-side.js';
import type { Ratio, Scenario, ScenarioContext, SystemResult } from './scenario.js';
import {
  producerConsumerSlicing,
  runSlicedSides,
  slicingSetting,
  type SlicedSide,
  type SlicedSideSpec,
} from './sliced-sides.js';
import { p99TargetOf } from './targets.js';

/**
 * longpoll: many idle consumers waiting on one queue, and messages that arrive one at a time: how long
 * from a send until a waiting consumer has the message (the wake-up path), with 1,000 waiters. The pace
 * is far below what the consumers drain, so every message finds them idle; the rate is the pace unless
 * the system cannot keep up with it.
 *
 * OpenCMQ: each consumer is its own keep-alive connection long-polling ReceiveMessage and deleting each
 * message (DeleteMessage) before the next poll. RabbitMQ: each consumer is its own channel with prefetch
 * 1, acking each message, the channels spread over a few connections (one connection per consumer is
 * not how AMQP clients are written: channels are its multiplexing).
 *
 * The systems run side by side in alternating slices (sliced-sides.ts, 250 ms settling instead of
 * 500): both keep their 1,000 consumers waiting the whole run, the sender runs in its system's slices
 * only, and each slice's last messages are received and deleted before the next slice starts.
 */
const CONSUMERS = 1000;
const POLLING_WAIT_SECONDS = 30;
/** One send every 5 ms at most, one at a time: each message wakes one of 1,000 idle consumers. */
const SENDS_PER_SECOND = 200;
/**
 * Messages sent and not yet received, at most: the one sender keeps one message in flight, so only a
 * system that stops delivering reaches it (and its sender then waits, as a pipeline's producers do).
 */
const BACKLOG_CAP = 100;
const RABBIT_CONSUMER_CONNECTIONS = 4;
/**
 * Uncounted at the start of each slice: only what the other system's slice left running (a checkpoint, its
 * drain's last acks) is kept out; there is no backlog to fill, and a message that finds consumers idle after
 * the other system's slice is what this scenario measures.
 */
const SETTLE_MS = 250;
/** The target: p99 send to receive with 1,000 waiting consumers. */
const P99_TARGET_MS = 10;
const QUEUE = 'bench-longpoll';
const GAUGE = 'consumers waiting';

export const longpoll: Scenario = {
  name: 'longpoll',
  title: `${CONSUMERS.toLocaleString('en-US')} idle long-polling consumers on one queue, one 256-byte message sent at a time (at most ${SENDS_PER_SECOND}/s), each received by one consumer and deleted`,
  async run(context) {
    const subject = `opencmq-${context.engine}`;
    const specs: SlicedSideSpec[] = [
      {
        system: subject,
        role: 'subject',
        setup: `engine ${context.engine}; ${CONSUMERS} consumers, each its own keep-alive connection long-polling ReceiveMessage (pollingWaitSeconds ${POLLING_WAIT_SECONDS}) and deleting each message with DeleteMessage; one sender, SendMessage one at a time; every request signed; gauge: receives in flight`,
        open: () => openOpenCmq(context),
      },
      {
        system: 'rabbitmq',
        role: 'peer',
        setup: `durable quorum queue, persistent messages; ${CONSUMERS} consumers, each its own channel with prefetch 1 acking each message, over ${RABBIT_CONSUMER_CONNECTIONS} connections; one sender on its own connection, one message at a time, each awaiting its publisher confirm; gauge: the broker's consumer count`,
        open: () => openRabbit(context),
      },
    ];
    const slicing = producerConsumerSlicing(context, SETTLE_MS);
    const systems = await runSlicedSides(context, specs, slicing, GAUGE);
    return {
      scenario: 'longpoll',
      title: this.title,
      unit: 'msgs/s',
      latencyMeaning: 'send to receive (the send time is taken before the send request)',
      settings: {
        consumers: CONSUMERS,
        pollingWaitSeconds: POLLING_WAIT_SECONDS,
        sendsPerSecond: SENDS_PER_SECOND,
        bodyBytes: 256,
        backlogCap: BACKLOG_CAP,
        rabbitConsumerConnections: RABBIT_CONSUMER_CONNECTIONS,
        interleaved: slicingSetting(slicing),
      },
      systems,
      ratios: [p99Ratio(systems, subject, 'rabbitmq')],
      targets: [
        p99TargetOf(
          systems,
          subject,
          `longpoll: OpenCMQ p99 send to receive, ${CONSUMERS.toLocaleString('en-US')} waiting consumers`,
          P99_TARGET_MS,
        ),
      ],
    };
  },
};

/** Both systems run at the same pace, so their rates say little: the ratio worth reading is of p99s. */
function p99Ratio(systems: readonly SystemResult[], numerator: string, denominator: string): Ratio {
  const p99Of = (system: string) => systems.find((s) => s.system === system)?.measurement?.latency?.p99Ms;
  const top = p99Of(numerator);
  const bottom = p99Of(denominator);
  return {
    name: 'longpoll: OpenCMQ p99 / RabbitMQ p99 send to receive (lower is better)',
    numerator,
    denominator,
    value: top === undefined || bottom === undefined || bottom === 0 ? undefined : top / bottom,
    target: undefined,
  };
}

/** A new OpenCMQ server with the queue, the long-polling consumers' connections and the sender's. */
function openOpenCmq(context: ScenarioContext): Promise<SlicedSide> {
  return openCmqSlicedSide(context, createQueue(QUEUE), (session) => {
    const sender = session.client();
    const waiting = { count: 0 };
    const deletesInFlight = { count: 0 };
    return {
      cap: BACKLOG_CAP,
      producers: (meter, gate) => [
        pacedSender({
          ratePerSecond: SENDS_PER_SECOND,
          meter,
          gate,
          send: async (body) => {
            await callOrThrow(sender, 'SendMessage', { queueName: QUEUE, msgBody: body });
          },
        }),
      ],
      consumers: (sink, gate) =>
        Array.from({ length: CONSUMERS }, () =>
          cmqLongPoller(session.client(), {
            queue: QUEUE,
            pollingWaitSeconds: POLLING_WAIT_SECONDS,
            meter: sink,
            waiting,
            gate,
            deletesInFlight,
          }),
        ),
      pending: () => deletesInFlight.count,
      gauge: () => waiting.count,
    };
  });
}

/** A durable quorum queue with its consumers' connections, the sender's, and the consumer count polled. */
async function openRabbit(context: ScenarioContext): Promise<SlicedSide> {
  const queue = `${QUEUE}-${Date.now()}`;
  // Filled in below, before the pipeline starts: the connections report errors into its meter.
  const roles: { consumers: ChannelModel[]; send?: (body: string) => Promise<void> } = { consumers: [] };
  let consumers = 0;
  const pipeline = slicedPipeline({
    cap: BACKLOG_CAP,
    serverPid: rabbitPid(),
    producers: (meter, gate) => [
      pacedSender({ ratePerSecond: SENDS_PER_SECOND, meter, gate, send: roles.send! }),
    ],
    consumers: (sink, gate) =>
      Array.from({ length: CONSUMERS }, (_, i) =>
        rabbitConsumer(roles.consumers[i % roles.consumers.length]!, {
          queue,
          prefetch: 1,
          ackEvery: 1,
          gate,
          meter: sink,
        }),
      ),
    gauge: () => consumers,
  });
  const admin = await connectRabbit(context.rabbitmqUrl, pipeline.meter);
  const connections: ChannelModel[] = [];
  let countPoll: NodeJS.Timeout | undefined;
  const close = async () => {
    clearInterval(countPoll);
    await pipeline.stop();
    for (const connection of connections) await connection.close().catch(() => undefined);
    const cleanup = await admin.createChannel().catch(() => undefined);
    await cleanup?.deleteQueue(queue).catch(() => undefined);
    await admin.close().catch(() => undefined);
  };
  try {
    await declareQuorumQueue(admin, queue);
    const open = async () => {
      const connection = await connectRabbit(context.rabbitmqUrl, pipeline.meter);
      connections.push(connection);
      return connection;
    };
    for (let i = 0; i < RABBIT_CONSUMER_CONNECTIONS; i++) roles.consumers.push(await open());
    roles.send = await openConfirmedSend(await open(), queue, pipeline.meter);
    // The broker's own count of consumers attached to the queue, polled (the gauge is read synchronously).
    const stats = await admin.createChannel();
    stats.on('error', (error: Error) => pipeline.meter.error(error));
    countPoll = setInterval(() => {
      stats.checkQueue(queue).then(
        (reply) => (consumers = reply.consumerCount),
        () => undefined,
      );
    }, 250);
  } catch (error) {
    await close();
    throw error;
  }
  return { version: rabbitVersion(admin), pipeline, close };
}
