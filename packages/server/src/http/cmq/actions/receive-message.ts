import { LIMITS } from '@opencmq/protocol';
import type { ReceivedMessage } from '../../../domain/message.js';
import type { ActionResult, CmqAction } from '../action.js';
import { ok } from '../action.js';
import { optionalInteger, readName } from '../params.js';
import { toUnixSeconds } from '../queue-attributes.js';

export const receiveMessage: CmqAction = {
  name: 'ReceiveMessage',
  // Not async: a long poll waits in queues.receiveMessages, and an async frame here would be kept alive
  // (with the request's parameters) for the whole wait (see CmqDispatcher).
  handle(params, { queues }) {
    const name = readName(params, 'queueName');
    const waitSeconds = optionalInteger(params, 'pollingWaitSeconds', LIMITS.pollingWaitSeconds);
    return queues.receiveMessages(name, { max: 1, waitSeconds }).then(answerOne);
  },
};

function answerOne(messages: readonly ReceivedMessage[]): ActionResult {
  const message = messages[0];
  return message === undefined ? NO_MESSAGE : ok(encodeReceived(message));
}

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
