import { LIMITS } from '@opencmq/protocol';
import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { CmqError } from '../cmq-error.js';
import { requireArray } from '../params.js';
import { readMessageFilter, readTopicName } from '../topic-params.js';

export const batchPublishMessage: CmqAction = {
  name: 'BatchPublishMessage',
  async handle(params, { topics }) {
    const name = readTopicName(params);
    const bodies = requireArray(params, 'msgBody', LIMITS.batchSize.max, { keepEmpty: true });
    if (bodies.some((b) => b === '')) throw new CmqError('EMPTY_MESSAGE_BODY');
    // msgTag.n and routingKey apply to every message of the batch (cmq-api.md §3.7).
    const filter = readMessageFilter(params);
    const ids = await topics.publishMessages(
      name,
      bodies.map((body) => ({ body, ...filter })),
    );
    return ok({ msgList: ids.map((msgId) => ({ msgId })) });
  },
};
