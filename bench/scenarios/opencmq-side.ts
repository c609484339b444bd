import { callOrThrow, type CmqBenchClient } from '../lib/cmq-client.js';
import { cmqBatchSender, cmqConsumer } from '../lib/cmq-workers.js';
import { openCmqVersion } from '../lib/opencmq-server.js';
import { openCmqSession } from '../lib/opencmq-session.js';
import { slicedPipeline } from '../lib/sliced-pipeline.js';
import type { ScenarioContext } from './scenario.js';
import type { SlicedSide } from './sliced-sides.js';

/** OpenCMQ's side of `pipeline` (BatchSendMessage to a queue) and `fanout` (BatchPublishMessage to a topic). */
export interface OpenCmqSideOptions {
  /** Creates the queues (and topic and subscriptions) on a new server. */
  readonly prepare: (admin: CmqBenchClient) => Promise<void>;
  readonly action: 'BatchSendMessage' | 'BatchPublishMessage';
  /** `{ queueName }` or `{ topicName }`. */
  readonly target: Readonly<Record<string, string>>;
  readonly producers: number;
  /** The queues the consumers receive from, `consumersPerQueue` on each. */
  readonly queues: readonly string[];
  readonly consumersPerQueue: number;
  readonly batch: number;
  readonly pollingWaitSeconds: number;
  /** The backlog cap in deliveries; a batch takes `batch` x the queues it reaches. */
  readonly cap: number;
}

/** A new OpenCMQ server, prepared, with a producer's keep-alive connection each and the consumers' (cmq-workers.ts). */
export async function openOpenCmqSide(
  context: ScenarioContext,
  options: OpenCmqSideOptions,
): Promise<SlicedSide> {
  const session = await openCmqSession(context);
  try {
    await options.prepare(session.client());
  } catch (error) {
    await session.close();
    throw error;
  }
  const producerClients = Array.from({ length: options.producers }, () => session.client());
  const deletesInFlight = { count: 0 };
  const pipeline = slicedPipeline({
    cap: options.cap,
    serverPid: session.server.pid,
    producers: (meter, gate) =>
      producerClients.map((client) =>
        cmqBatchSender(client, {
          action: options.action,
          target: options.target,
          batch: options.batch,
          gate,
          permitsPerBatch: options.batch * options.queues.length,
          meter,
        }),
      ),
    consumers: (sink, gate) =>
      options.queues.flatMap((queue) =>
        Array.from({ length: options.consumersPerQueue }, () =>
          cmqConsumer(session.client(), {
            queue,
            batch: options.batch,
            pollingWaitSeconds: options.pollingWaitSeconds,
            gate,
            meter: sink,
            deleteClient: session.client(),
            deletesInFlight,
          }),
        ),
      ),
    pending: () => deletesInFlight.count,
    // A consumer's long poll ends with its connection.
    onStop: () => session.closeClients(),
  });
  return {
    version: openCmqVersion(session.server.engine),
    pipeline,
    close: async () => {
      await pipeline.stop();
      await session.close();
    },
  };
}

/** Creates a queue: `prepare` for a side with one queue. */
export const createQueue =
  (queueName: string) =>
  async (admin: CmqBenchClient): Promise<void> => {
    await callOrThrow(admin, 'CreateQueue', { queueName });
  };
