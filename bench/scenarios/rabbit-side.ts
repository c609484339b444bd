import type { ChannelModel } from 'amqplib';
import { slicedPipeline } from '../lib/sliced-pipeline.js';
import {
  connectRabbit,
  declareQuorumQueue,
  rabbitConsumer,
  rabbitPid,
  rabbitPublisher,
  rabbitVersion,
} from '../peers/rabbitmq.js';
import type { SlicedSide } from './sliced-sides.js';

/** RabbitMQ's side of `pipeline` (one queue) and `fanout` (a topic exchange bound to several). */
export interface RabbitSideOptions {
  readonly url: string;
  /** Durable quorum queues, removed when the side closes. */
  readonly queues: readonly string[];
  /**
   * A durable topic exchange bound to every queue with '#', every message delivered to each (a message
   * takes a permit per queue); undefined: the default exchange, every message to the only queue.
   */
  readonly exchange: string | undefined;
  readonly publishers: number;
  readonly consumersPerQueue: number;
  /** Unconfirmed messages per publisher, and messages acked at once. */
  readonly window: number;
  readonly prefetch: number;
  /** The backlog cap, in deliveries. */
  readonly cap: number;
}

/**
 * Opens the queues (and exchange) and one connection per role: a channel per worker on one connection
 * shared by the publishers and one shared by the consumers (measured with 16, 4 and 1 connections per
 * role in `pipeline`, one per role was fastest: the idiomatic setup for the client).
 */
export async function openRabbitSide(options: RabbitSideOptions): Promise<SlicedSide> {
  const { queues, exchange } = options;
  // Filled in below, before the pipeline starts: the connections report errors into its meter.
  const roles: { publishers?: ChannelModel; consumers?: ChannelModel } = {};
  const pipeline = slicedPipeline({
    cap: options.cap,
    serverPid: rabbitPid(),
    producers: (meter, gate) =>
      Array.from({ length: options.publishers }, () =>
        rabbitPublisher(roles.publishers!, {
          exchange: exchange ?? '',
          routingKey: exchange === undefined ? queues[0]! : 'bench',
          window: options.window,
          gate,
          permitsPerMessage: exchange === undefined ? 1 : queues.length,
          meter,
        }),
      ),
    consumers: (sink, gate) =>
      queues.flatMap((queue) =>
        Array.from({ length: options.consumersPerQueue }, () =>
          rabbitConsumer(roles.consumers!, {
            queue,
            prefetch: options.prefetch,
            ackEvery: options.window,
            gate,
            meter: sink,
          }),
        ),
      ),
  });
  const admin = await connectRabbit(options.url, pipeline.meter);
  const connections: ChannelModel[] = [];
  const close = async () => {
    await pipeline.stop();
    for (const connection of connections) await connection.close().catch(() => undefined);
    const cleanup = await admin.createChannel().catch(() => undefined);
    for (const queue of queues) await cleanup?.deleteQueue(queue).catch(() => undefined);
    if (exchange !== undefined) await cleanup?.deleteExchange(exchange).catch(() => undefined);
    await admin.close().catch(() => undefined);
  };
  try {
    const setup = await admin.createChannel();
    if (exchange !== undefined) await setup.assertExchange(exchange, 'topic', { durable: true });
    for (const queue of queues) {
      await declareQuorumQueue(admin, queue);
      if (exchange !== undefined) await setup.bindQueue(queue, exchange, '#');
    }
    await setup.close();
    for (const role of ['publishers', 'consumers'] as const) {
      const connection = await connectRabbit(options.url, pipeline.meter);
      connections.push(connection);
      roles[role] = connection;
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { version: rabbitVersion(admin), pipeline, close };
}
