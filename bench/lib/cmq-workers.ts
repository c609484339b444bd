import { setTimeout as sleep } from 'node:timers/promises';
import { makeBody, nowMs, readSentAt } from './body.js';
import { arrayParams, type CmqBenchClient, NO_MESSAGE_CODE } from './cmq-client.js';
import type { Meter, MeterSink } from './meter.js';
import type { Semaphore } from './semaphore.js';
import type { TokenBucket } from './token-bucket.js';
import type { Worker } from './workload.js';

export interface BatchSenderOptions {
  /** BatchSendMessage (queue) or BatchPublishMessage (topic). */
  readonly action: 'BatchSendMessage' | 'BatchPublishMessage';
  /** `{ queueName }` or `{ topicName }`. */
  readonly target: Readonly<Record<string, string>>;
  readonly batch: number;
  /** Backlog cap shared with the consumers; a batch takes `permitsPerBatch` (batch x fan-out). */
  readonly gate: Semaphore;
  readonly permitsPerBatch: number;
  readonly meter: Meter;
  /** Count sent messages as the measured unit (the `single` scenario); consumers count otherwise. */
  readonly countSent?: boolean;
  /** Paces the senders at a fixed aggregate rate (soak): a batch takes `batch` tokens first. */
  readonly pacer?: TokenBucket;
}

/** Sends batches of 256-byte bodies stamped with the send time, one request in flight per worker. */
export function cmqBatchSender(client: CmqBenchClient, options: BatchSenderOptions): Worker {
  return async (run) => {
    while (!run.stopped) {
      if (options.pacer !== undefined && !(await options.pacer.take(options.batch))) break;
      if (!(await options.gate.acquire(options.permitsPerBatch))) break;
      if (run.stopped) {
        // Stopped while waiting for room: the permits go back, or a drained backlog never reads as empty.
        options.gate.release(options.permitsPerBatch);
        break;
      }
      const body = makeBody(nowMs());
      const params = {
        ...options.target,
        ...arrayParams('msgBody', new Array<string>(options.batch).fill(body)),
      };
      try {
        const reply = await client.call(options.action, params);
        if (reply.code === 0) {
          if (options.countSent === true) options.meter.add(options.batch);
          continue;
        }
        options.gate.release(options.permitsPerBatch);
        options.meter.error(`${options.action} ${reply.code} ${reply.message}`);
      } catch (error) {
        options.gate.release(options.permitsPerBatch);
        if (run.stopped) break;
        options.meter.error(error);
        await sleep(10);
      }
    }
  };
}

/** How cmqConsumer uses connections, for a system's setup line in the results. */
export const CONSUMER_CONNECTIONS =
  'two keep-alive connections per consumer (receives, and deletes not awaited before the next receive)';

export interface ConsumerOptions {
  readonly queue: string;
  readonly batch: number;
  readonly pollingWaitSeconds: number;
  readonly gate: Semaphore | undefined;
  readonly meter: MeterSink;
  /**
   * The connection deletes go on. The consumer does not wait for a delete's answer before its next
   * receive, but for the previous delete's before sending the next: at most one receive and one delete
   * in flight per consumer.
   */
  readonly deleteClient: CmqBenchClient;
  /** Counts this consumer's deletes sent and not yet answered (shared by a system's consumers). */
  readonly deletesInFlight?: { count: number };
}

interface ReceivedWire {
  readonly msgBody: string;
  readonly receiptHandle: string;
}

/**
 * Long-polls BatchReceiveMessage and deletes what it got with one BatchDeleteMessage on its other
 * connection, without waiting for that answer before the next receive (the way AMQP and JetStream acks
 * need no round trip), but waiting for the previous delete's answer before the next delete. A message
 * counts once its delete succeeded; its latency is taken when it arrived.
 */
export function cmqConsumer(client: CmqBenchClient, options: ConsumerOptions): Worker {
  const { queue, meter } = options;
  return async (run) => {
    let deleting: Promise<void> = Promise.resolve();
    const inFlight = options.deletesInFlight ?? { count: 0 };
    const remove = async (handles: string[]): Promise<void> => {
      inFlight.count++;
      try {
        const deleted = await options.deleteClient.call('BatchDeleteMessage', {
          queueName: queue,
          ...arrayParams('receiptHandle', handles),
        });
        if (deleted.code === 0) meter.add(handles.length);
        else meter.error(`BatchDeleteMessage ${deleted.code} ${deleted.message}`);
      } catch (error) {
        if (!run.stopped) meter.error(error);
      } finally {
        inFlight.count--;
      }
    };
    while (!run.stopped) {
      try {
        const reply = await client.call('BatchReceiveMessage', {
          queueName: queue,
          numOfMsg: options.batch,
          pollingWaitSeconds: options.pollingWaitSeconds,
        });
        if (reply.code === NO_MESSAGE_CODE) continue;
        if (reply.code !== 0) {
          meter.error(`BatchReceiveMessage ${reply.code} ${reply.message}`);
          await sleep(10);
          continue;
        }
        const received = reply['msgInfoList'] as ReceivedWire[];
        const arrivedAt = nowMs();
        for (const message of received) meter.recordLatencyMs(arrivedAt - readSentAt(message.msgBody));
        options.gate?.release(received.length);
        const handles = received.map((m) => m.receiptHandle);
        await deleting;
        deleting = remove(handles);
      } catch (error) {
        if (run.stopped) break;
        meter.error(error);
        await sleep(10);
      }
    }
    await deleting;
  };
}
