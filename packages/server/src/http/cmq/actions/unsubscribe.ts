import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { readSubscriptionName, readTopicName } from '../topic-params.js';

export const unsubscribe: CmqAction = {
  name: 'Unsubscribe',
  async handle(params, { topics }) {
    await topics.unsubscribe(readTopicName(params), readSubscriptionName(params));
    return ok();
  },
};
