import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { readTopicName } from '../topic-params.js';

export const deleteTopic: CmqAction = {
  name: 'DeleteTopic',
  async handle(params, { topics }) {
    await topics.deleteTopic(readTopicName(params));
    return ok();
  },
};
