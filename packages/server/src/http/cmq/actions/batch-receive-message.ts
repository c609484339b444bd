import { LIMITS } from '@opencmq/protocol';
import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { optionalInteger, readName, requireInteger } from '../params.js';
import { encodeReceived, NO_MESSAGE } from './receive-message.js';

export const batchReceiveMessage: CmqAction = {
  name: 'BatchReceiveMessage',
  async handle(params, { queues }) {
    const name = readName(params, 'queueName');
    const max = requireInteger(params, 'numOfMsg', LIMITS.batchSize);
    const waitSeconds = optionalInteger(params, 'pollingWaitSeconds', LIMITS.pollingWaitSeconds);
    const messages = await queues.receiveMessages(name, { max, waitSeconds });
    return messages.length === 0 ? NO_MESSAGE : ok({ msgInfoList: messages.map(encodeReceived) });
  },
};
