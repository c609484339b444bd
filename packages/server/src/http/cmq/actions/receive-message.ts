import { LIMITS } from '@opencmq/protocol';
import type { ReceivedMessage } from '../../../domain/message.js';
import type { ActionResult, CmqAction } from '../action.js';
import { ok } from '../action.js';
import { optionalInteger, readName } from '../params.js';
import { toUnixSeconds } from '../queue-attributes.js';

export const receiveMessage: CmqAction = {
  name: 'ReceiveMessage',
  async handle(params, { queues }) {
    const name = readName(params, 'queueName');
    const waitSeconds = optionalInteger(params, 'pollingWaitSeconds', LIMITS.pollingWaitSeconds);
    const [message] = await queues.receiveMessages(name, { max: 1, waitSeconds });
    return message === undefined ? NO_MESSAGE : ok(encodeReceived(message));
  },
};

/** An empty receive is a 7000 "(10200)no message" on the wire (cmq-api.md §2.9). */
export const NO_MESSAGE: ActionResult = { fields: {}, error: { wire: 'NO_MESSAGE' } };

export function encodeReceived(message: ReceivedMessage): Record<string, unknown> {
  return {
    msgBody: message.body,
    msgId: message.msgId,
    receiptHandle: message.receiptHandle,
    enqueueTime: toUnixSeconds(message.enqueuedAtMs),
    firstDequeueTime: toUnixSeconds(message.firstDequeuedAtMs),
    nextVisibleTime: toUnixSeconds(message.nextVisibleAtMs),
    dequeueCount: message.dequeueCount,
  };
}
