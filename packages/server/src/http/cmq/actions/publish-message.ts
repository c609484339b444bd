import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { CmqError } from '../cmq-error.js';
import { readMessageFilter, readTopicName } from '../topic-params.js';

export const publishMessage: CmqAction = {
  name: 'PublishMessage',
  async handle(params, { topics }) {
    const name = readTopicName(params);
    const body = params.get('msgBody');
    if (body === undefined) throw new CmqError('MISSING_PARAMETER', 'msgBody');
    if (body === '') throw new CmqError('EMPTY_MESSAGE_BODY');
    const [msgId] = await topics.publishMessages(name, [{ body, ...readMessageFilter(params) }]);
    return ok({ msgId });
  },
};
