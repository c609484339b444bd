import type { ChannelModel } from 'amqplib';
import type { MeterSink } from '../lib/meter.js';

/**
 * Sends one persistent message to a queue on a confirm channel and resolves once the broker confirmed
 * it (for a durable quorum queue: written to its log and fsynced), the counterpart of one acknowledged
 * CMQ SendMessage. For senders that keep one message in flight (longpoll's paced sender); the pipelined
 * publisher with a confirm window is `rabbitPublisher` in rabbitmq.ts.
 */
export async function openConfirmedSend(
  model: ChannelModel,
  queue: string,
  meter: MeterSink,
): Promise<(body: string) => Promise<void>> {
  const channel = await model.createConfirmChannel();
  channel.on('error', (error: Error) => meter.error(error));
  return (body) =>
    new Promise<void>((resolve, reject) => {
      channel.sendToQueue(queue, Buffer.from(body), { persistent: true }, (error: unknown) => {
        if (error === null || error === undefined) resolve();
        else reject(new Error(`publish not confirmed: ${error instanceof Error ? error.message : 'nack'}`));
      });
    });
}
