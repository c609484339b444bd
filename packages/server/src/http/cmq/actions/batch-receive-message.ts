import { LIMITS } from '@opencmq/protocol';
import type { ReceivedMessage } from '../../../domain/message.js';
import type { ActionResult, CmqAction } from '../action.js';
import { ok } from '../action.js';
import { optionalInteger, readName, requireInteger } from '../params.js';
import { encodeReceived, NO_MESSAGE } from './receive-message.js';

export const batchReceiveMessage: CmqAction = {
  name: 'BatchReceiveMessage',
  // Not async, as ReceiveMessage: nothing of the request stays alive while the poll waits.
  handle(params, { queues }) {
    const name = readName(params, 'queueName');
    const max = requireInteger(params, 'numOfMsg', LIMITS.batchSize);
    const waitSeconds = optionalInteger(params, 'pollingWaitSeconds', LIMITS.pollingWaitSeconds);
    return queues.receiveMessages(name, { max, waitSeconds }).then(answerMany);
  },
};

function answerMany(messages: readonly ReceivedMessage[]): ActionResult {
  return messages.length === 0 ? NO_MESSAGE : ok({ msgInfoList: messages.map(encodeReceived) });
}
