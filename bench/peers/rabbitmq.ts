import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp, { type ChannelModel, type ConsumeMessage } from 'amqplib';
import { findPidByName } from '../lib/machine.js';
import { packageVersion } from '../lib/package-version.js';
import { makeBody, nowMs, readSentAt } from '../lib/body.js';
import type { MeterSink } from '../lib/meter.js';
import { Semaphore } from '../lib/semaphore.js';
import type { Worker } from '../lib/workload.js';
import { PeerUnavailableError } from '../scenarios/scenario.js';
import { redactCredentials } from '../lib/redact-credentials.js';

/**
 * RabbitMQ peer, tuned the way its own benchmarks are (rabbitmq.com "how to run benchmarks"):
 * - durable quorum queues (a quorum queue fsyncs before it confirms, like OpenCMQ's SQLite engine);
 * - persistent messages with publisher confirms, a sliding window of unconfirmed messages per publisher
 *   (the same number of messages in flight as one CMQ batch per producer);
 * - manual acks with prefetch, acked `multiple` once per event-loop turn or every `ackEvery` messages.
 * Each publisher and consumer has its own channel; scenarios decide how many connections carry them.
 */
export const RABBITMQ_START_HINT = 'start it with `rabbitmq-server -detached`';

export async function connectRabbit(url: string, meter: MeterSink): Promise<ChannelModel> {
  let model: ChannelModel;
  try {
    model = await amqp.connect(url);
  } catch (error) {
    throw new PeerUnavailableError(
      `RabbitMQ at ${redactCredentials(url)} is not reachable (${redactCredentials(String(error))}); ${RABBITMQ_START_HINT}`,
    );
  }
  model.on('error', (error: Error) => meter.error(error));
  return model;
}

/** The broker's process on this machine (beam.smp), for its CPU use; undefined when it runs elsewhere. */
export function rabbitPid(): number | undefined {
  return findPidByName('beam.smp');
}

export function rabbitVersion(model: ChannelModel): string {
  const client = packageVersion(new URL('../../node_modules/amqplib/package.json', import.meta.url));
  return `RabbitMQ ${model.connection.serverProperties.version} (amqplib ${client})`;
}

/** Declares a durable quorum queue. */
export async function declareQuorumQueue(model: ChannelModel, queue: string): Promise<void> {
  const channel = await model.createChannel();
  await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.close();
}

export interface RabbitPublisherOptions {
  readonly exchange: string;
  readonly routingKey: string;
  /** Unconfirmed messages allowed per publisher. */
  readonly window: number;
  /** Backlog cap shared with the consumers; each message takes `permitsPerMessage` permits. */
  readonly gate: Semaphore;
  readonly permitsPerMessage: number;
  readonly meter: MeterSink;
}

/** A publisher on its own confirm channel: persistent 256-byte messages carrying their send time. */
export function rabbitPublisher(model: ChannelModel, options: RabbitPublisherOptions): Worker {
  return async (run) => {
    const channel = await model.createConfirmChannel();
    channel.on('error', (error: Error) => {
      if (!run.stopped) options.meter.error(error);
    });
    const window = new Semaphore(options.window);
    void run.whenStopped.then(() => window.close());
    // Messages published and not yet confirmed or nacked, and who waits for there to be none.
    let unconfirmed = 0;
    let allConfirmed: (() => void) | undefined;
    while (!run.stopped) {
      if (!(await options.gate.acquire(options.permitsPerMessage))) break;
      // Stopped while waiting: the permits go back, or a drained backlog never reads as empty.
      if (run.stopped || !(await window.acquire())) {
        options.gate.release(options.permitsPerMessage);
        break;
      }
      const content = Buffer.from(makeBody(nowMs()));
      let writable: boolean;
      try {
        writable = channel.publish(
          options.exchange,
          options.routingKey,
          content,
          { persistent: true },
          (error: unknown) => {
            window.release();
            if (--unconfirmed === 0) allConfirmed?.();
            if (error === null || error === undefined) return;
            // Nacked, or the channel closed first: the message is not known to be stored.
            options.gate.release(options.permitsPerMessage);
            options.meter.error(
              new Error(`publish not confirmed: ${error instanceof Error ? error.message : 'nack'}`),
            );
          },
        );
        unconfirmed++;
      } catch (error) {
        // The channel is closed (its 'error' says why): this message never went out.
        window.release();
        options.gate.release(options.permitsPerMessage);
        options.meter.error(error);
        break;
      }
      if (!writable) await Promise.race([once(channel, 'drain'), run.whenStopped]);
    }
    // Every message published is confirmed or nacked (its permits back) before the channel closes, so a
    // run in slices opens a channel per slice without leaving the last one's behind, and no confirm of a
    // stored message is turned into a "channel closed" error. (waitForConfirms rejects at the first nack,
    // with the rest still outstanding.)
    if (unconfirmed > 0)
      await Promise.race([
        new Promise<void>((resolve) => (allConfirmed = resolve)),
        sleep(CONFIRM_BOUND_MS, undefined, { ref: false }),
      ]);
    await channel.close().catch(() => undefined);
  };
}

/** Bound on a publisher's wait for its last confirms. */
const CONFIRM_BOUND_MS = 10_000;

export interface RabbitConsumerOptions {
  readonly queue: string;
  readonly prefetch: number;
  readonly ackEvery: number;
  readonly gate: Semaphore | undefined;
  readonly meter: MeterSink;
}

/** A consumer on its own channel: manual acks, acked `multiple` in groups. */
export function rabbitConsumer(model: ChannelModel, options: RabbitConsumerOptions): Worker {
  return async (run) => {
    const channel = await model.createChannel();
    channel.on('error', (error: Error) => {
      if (!run.stopped) options.meter.error(error);
    });
    await channel.prefetch(options.prefetch);
    let last: ConsumeMessage | undefined;
    let unacked = 0;
    let flushScheduled = false;
    const flush = () => {
      flushScheduled = false;
      if (last === undefined || unacked === 0 || run.stopped) return;
      try {
        channel.ack(last, true);
      } catch (error) {
        options.meter.error(error);
      }
      unacked = 0;
    };
    await channel.consume(
      options.queue,
      (message) => {
        if (message === null) {
          // The broker cancelled this consumer (its queue deleted, say): nothing more comes.
          if (!run.stopped)
            options.meter.error(new Error(`consumer of ${options.queue} cancelled by the broker`));
          return;
        }
        options.meter.recordLatencyMs(nowMs() - readSentAt(message.content));
        options.meter.add(1);
        options.gate?.release(1);
        last = message;
        unacked++;
        if (unacked >= options.ackEvery) flush();
        else if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
      },
      { noAck: false },
    );
    await run.whenStopped;
  };
}
