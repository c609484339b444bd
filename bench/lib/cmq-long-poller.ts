import { setTimeout as sleep } from 'node:timers/promises';
import { nowMs, readSentAt } from './body.js';
import { type CmqBenchClient, NO_MESSAGE_CODE } from './cmq-client.js';
import type { MeterSink } from './meter.js';
import type { Semaphore } from './semaphore.js';
import type { Worker } from './workload.js';

export interface LongPollerOptions {
  readonly queue: string;
  readonly pollingWaitSeconds: number;
  readonly meter: MeterSink;
  /** Receives in flight across all pollers: the consumers waiting for a message. */
  readonly waiting: { count: number };
  /** The backlog gate shared with the sender: a message gives its permit back when received. */
  readonly gate: Semaphore;
  /** Deletes sent and not yet answered, across all pollers (a slice's drain waits for them). */
  readonly deletesInFlight: { count: number };
}

/**
 * One idle consumer (longpoll): long-polls ReceiveMessage for a single message and deletes it with
 * DeleteMessage before polling again, like a RabbitMQ consumer with prefetch 1 that acks each message.
 * A message counts once its delete succeeded; its latency is taken when it arrived.
 */
export function cmqLongPoller(client: CmqBenchClient, options: LongPollerOptions): Worker {
  const { queue, meter, waiting, deletesInFlight } = options;
  return async (run) => {
    while (!run.stopped) {
      try {
        waiting.count++;
        let reply;
        try {
          reply = await client.call('ReceiveMessage', {
            queueName: queue,
            pollingWaitSeconds: options.pollingWaitSeconds,
          });
        } finally {
          waiting.count--;
        }
        if (reply.code === NO_MESSAGE_CODE) continue;
        if (reply.code !== 0) {
          meter.error(`ReceiveMessage ${reply.code} ${reply.message}`);
          await sleep(10);
          continue;
        }
        meter.recordLatencyMs(nowMs() - readSentAt(String(reply['msgBody'])));
        options.gate.release(1);
        deletesInFlight.count++;
        let deleted;
        try {
          deleted = await client.call('DeleteMessage', {
            queueName: queue,
            receiptHandle: String(reply['receiptHandle']),
          });
        } finally {
          deletesInFlight.count--;
        }
        if (deleted.code === 0) meter.add(1);
        else meter.error(`DeleteMessage ${deleted.code} ${deleted.message}`);
      } catch (error) {
        if (run.stopped) break;
        meter.error(error);
        await sleep(10);
      }
    }
  };
}
