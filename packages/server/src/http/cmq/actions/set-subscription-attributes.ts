import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { decodeSubscriptionAttributes, readSubscriptionName, readTopicName } from '../topic-params.js';

/** Given filterTag.n / bindingKey.n replace the stored lists whole; absent ones are left as they are. */
export const setSubscriptionAttributes: CmqAction = {
  name: 'SetSubscriptionAttributes',
  async handle(params, { topics }) {
    const topicName = readTopicName(params);
    const name = readSubscriptionName(params);
    const patch = decodeSubscriptionAttributes(params, { clearableSecret: true });
    await topics.setSubscriptionAttributes(topicName, name, patch);
    return ok();
  },
};
