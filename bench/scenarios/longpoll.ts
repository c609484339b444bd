import type { ChannelModel } from 'amqplib';
import { callOrThrow } from '../lib/cmq-client.js';
import { cmqLongPoller } from '../lib/cmq-long-poller.js';
import { Meter } from '../lib/meter.js';
import { openCmqVersion } from '../lib/opencmq-server.js';
import { withOpenCmq } from '../lib/opencmq-session.js';
import { pacedSender } from '../lib/paced-sender.js';
import { drive, type Worker } from '../lib/workload.js';
import {
  connectRabbit,
  declareQuorumQueue,
  rabbitConsumer,
  rabbitPid,
  rabbitVersion,
} from '../peers/rabbitmq.js';
import { openConfirmedSend } from '../peers/rabbitmq-confirmed-send.js';
import {
  runSystem,
  type Ratio,
  type Scenario,
  type ScenarioContext,
  type SystemResult,
  type SystemRun,
} from './scenario.js';
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
 */
const CONSUMERS = 1000;
const POLLING_WAIT_SECONDS = 30;
/** One send every 5 ms at most, one at a time: each message wakes one of 1,000 idle consumers. */
const SENDS_PER_SECOND = 200;
const RABBIT_CONSUMER_CONNECTIONS = 4;
/** The target: p99 send to receive with 1,000 waiting consumers. */
const P99_TARGET_MS = 10;
const QUEUE = 'bench-longpoll';
const GAUGE = 'consumers waiting';

export const longpoll: Scenario = {
  name: 'longpoll',
  title: `${CONSUMERS.toLocaleString('en-US')} idle long-polling consumers on one queue, one 256-byte message sent at a time (at most ${SENDS_PER_SECOND}/s), each received by one consumer and deleted`,
  async run(context) {
    const subject = `opencmq-${context.engine}`;
    const systems: SystemResult[] = [
      await runSystem(
        context,
        subject,
        'subject',
        `engine ${context.engine}; ${CONSUMERS} consumers, each its own keep-alive connection long-polling ReceiveMessage (pollingWaitSeconds ${POLLING_WAIT_SECONDS}) and deleting each message with DeleteMessage; one sender, SendMessage one at a time; every request signed; gauge: receives in flight`,
        () => runOpenCmq(context),
      ),
      await runSystem(
        context,
        'rabbitmq',
        'peer',
        `durable quorum queue, persistent messages; ${CONSUMERS} consumers, each its own channel with prefetch 1 acking each message, over ${RABBIT_CONSUMER_CONNECTIONS} connections; one sender on its own connection, one message at a time, each awaiting its publisher confirm; gauge: the broker's consumer count`,
        () => runRabbit(context),
      ),
    ];
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
        rabbitConsumerConnections: RABBIT_CONSUMER_CONNECTIONS,
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

async function runOpenCmq(context: ScenarioContext): Promise<SystemRun> {
  return withOpenCmq(context, async (session) => {
    await callOrThrow(session.client(), 'CreateQueue', { queueName: QUEUE });
    const meter = new Meter();
    const waiting = { count: 0 };
    const workers: Worker[] = [];
    for (let i = 0; i < CONSUMERS; i++) {
      workers.push(
        cmqLongPoller(session.client(), {
          queue: QUEUE,
          pollingWaitSeconds: POLLING_WAIT_SECONDS,
          meter,
          waiting,
        }),
      );
    }
    const sender = session.client();
    workers.push(
      pacedSender({
        ratePerSecond: SENDS_PER_SECOND,
        meter,
        send: async (body) => {
          await callOrThrow(sender, 'SendMessage', { queueName: QUEUE, msgBody: body });
        },
      }),
    );
    const measurement = await drive({
      workers,
      meter,
      warmupMs: context.warmupMs,
      durationMs: context.durationMs,
      serverPid: session.server.pid,
      gauge: () => waiting.count,
      onStop: () => {
        session.closeClients();
      },
    });
    return { version: openCmqVersion(session.server.engine), measurement, gaugeName: GAUGE };
  });
}

async function runRabbit(context: ScenarioContext): Promise<SystemRun> {
  const meter = new Meter();
  const queue = `${QUEUE}-${Date.now()}`;
  const admin = await connectRabbit(context.rabbitmqUrl, meter);
  const connections: ChannelModel[] = [];
  let consumers = 0;
  let countPoll: NodeJS.Timeout | undefined;
  try {
    await declareQuorumQueue(admin, queue);
    const open = async () => {
      const connection = await connectRabbit(context.rabbitmqUrl, meter);
      connections.push(connection);
      return connection;
    };
    const consumerConnections: ChannelModel[] = [];
    for (let i = 0; i < RABBIT_CONSUMER_CONNECTIONS; i++) consumerConnections.push(await open());
    const workers: Worker[] = [];
    for (let i = 0; i < CONSUMERS; i++) {
      workers.push(
        rabbitConsumer(consumerConnections[i % consumerConnections.length]!, {
          queue,
          prefetch: 1,
          ackEvery: 1,
          gate: undefined,
          meter,
        }),
      );
    }
    const send = await openConfirmedSend(await open(), queue, meter);
    workers.push(pacedSender({ ratePerSecond: SENDS_PER_SECOND, meter, send }));
    // The broker's own count of consumers attached to the queue, polled (the gauge is read synchronously).
    const stats = await admin.createChannel();
    stats.on('error', (error: Error) => meter.error(error));
    countPoll = setInterval(() => {
      stats.checkQueue(queue).then(
        (reply) => (consumers = reply.consumerCount),
        () => undefined,
      );
    }, 250);
    const measurement = await drive({
      workers,
      meter,
      warmupMs: context.warmupMs,
      durationMs: context.durationMs,
      serverPid: rabbitPid(),
      gauge: () => consumers,
      onStop: () => clearInterval(countPoll),
    });
    return { version: rabbitVersion(admin), measurement, gaugeName: GAUGE };
  } finally {
    clearInterval(countPoll);
    for (const connection of connections) await connection.close().catch(() => undefined);
    const channel = await admin.createChannel().catch(() => undefined);
    await channel?.deleteQueue(queue).catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
}
