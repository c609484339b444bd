import { LIMITS } from '@opencmq/protocol';
import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { CmqError } from '../cmq-error.js';
import { readName, requireArray } from '../params.js';
import { readDelay } from './send-message.js';

export const batchSendMessage: CmqAction = {
  name: 'BatchSendMessage',
  async handle(params, { queues }) {
    const name = readName(params, 'queueName');
    const bodies = requireArray(params, 'msgBody', LIMITS.batchSize.max);
    if (bodies.some((b) => b === '')) throw new CmqError('EMPTY_MESSAGE_BODY');
    // One delay for the whole batch ("该延时对一批消息有效", cmq-api.md §2.8).
    const delaySeconds = readDelay(params);
    const ids = await queues.sendMessages(
      name,
      bodies.map((body) => ({ body, delaySeconds })),
    );
    return ok({ msgList: ids.map((msgId) => ({ msgId })) });
  },
};
