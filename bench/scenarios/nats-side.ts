import type { NatsConnection } from 'nats';
import { slicedPipeline } from '../lib/sliced-pipeline.js';
import {
  connectNats,
  createWorkQueue,
  deleteStream,
  natsConsumer,
  natsPid,
  natsVersion,
} from '../peers/nats.js';
import { natsPublisher } from '../peers/nats-publisher.js';
import type { SlicedSide } from './sliced-sides.js';

/** NATS JetStream's side of `pipeline`: a work-queue stream with one durable pull consumer. */
export interface NatsSideOptions {
  readonly url: string;
  /** Names the stream (upper-cased, dots as underscores) and its subject; both removed at close. */
  readonly name: string;
  readonly producers: number;
  readonly consumers: number;
  /** Publishes awaiting their PubAck per producer. */
  readonly window: number;
  /** Messages each consumer keeps requested ahead. */
  readonly maxMessages: number;
  /** The backlog cap, in messages. */
  readonly cap: number;
}

/**
 * Opens the stream and one connection per role: every publisher has its own publish window on one
 * connection shared by the publishers, and one connection carries the consumers (measured with 16, 4 and 1
 * connections per role in `pipeline`, one per role was fastest: the idiomatic setup for the client).
 */
export async function openNatsSide(options: NatsSideOptions): Promise<SlicedSide> {
  const stream = `BENCH_${options.name.toUpperCase().replaceAll('.', '_')}`;
  const subject = `bench.${options.name}`;
  const durable = 'bench';
  // Filled in below, before the pipeline starts: the connections report errors into its meter.
  const roles: { producers?: NatsConnection; consumers?: NatsConnection } = {};
  const pipeline = slicedPipeline({
    cap: options.cap,
    serverPid: natsPid(),
    producers: (meter, gate) =>
      Array.from({ length: options.producers }, () =>
        natsPublisher(roles.producers!, { subject, window: options.window, gate, meter }),
      ),
    consumers: (sink, gate) =>
      Array.from({ length: options.consumers }, () =>
        natsConsumer(roles.consumers!, {
          stream,
          durable,
          maxMessages: options.maxMessages,
          gate,
          meter: sink,
        }),
      ),
  });
  const admin = await connectNats(options.url, pipeline.meter);
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
      const connection = await connectNats(options.url, pipeline.meter);
      connections.push(connection);
      roles[role] = connection;
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { version: natsVersion(admin), pipeline, close };
}
