import { callOrThrow, type CmqBenchClient } from '../lib/cmq-client.js';
import { cmqBatchSender, cmqConsumer } from '../lib/cmq-workers.js';
import { openCmqVersion } from '../lib/opencmq-server.js';
import { openCmqSession, type OpenCmqSession } from '../lib/opencmq-session.js';
import { slicedPipeline, type SlicedPipelineParts } from '../lib/sliced-pipeline.js';
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
export function openOpenCmqSide(context: ScenarioContext, options: OpenCmqSideOptions): Promise<SlicedSide> {
  return openCmqSlicedSide(context, options.prepare, (session) => {
    const producerClients = Array.from({ length: options.producers }, () => session.client());
    const deletesInFlight = { count: 0 };
    return {
      cap: options.cap,
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
    };
  });
}

/** What a scenario gives for its OpenCMQ side's pipeline: all of it but the server and the stop. */
export type OpenCmqPipelineParts = Omit<SlicedPipelineParts, 'serverPid' | 'onStop'>;

/**
 * A new OpenCMQ server, `prepare`d (its queues, topics, subscriptions), and the sliced pipeline `parts`
 * builds on its session; the pipeline's stop closes the session's clients (a long poll ends with its
 * connection), the side's close stops the server. The server is stopped if `prepare` fails.
 */
export async function openCmqSlicedSide(
  context: ScenarioContext,
  prepare: (admin: CmqBenchClient) => Promise<void>,
  parts: (session: OpenCmqSession) => OpenCmqPipelineParts,
): Promise<SlicedSide> {
  const session = await openCmqSession(context);
  try {
    await prepare(session.client());
  } catch (error) {
    await session.close();
    throw error;
  }
  const pipeline = slicedPipeline({
    ...parts(session),
    serverPid: session.server.pid,
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
