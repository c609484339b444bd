import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { readSubscriptionName, readTopicName } from '../topic-params.js';

/** Also answers the Java SDK's `ClearSUbscriptionFIlterTags`: action lookup is case-insensitive. */
export const clearSubscriptionFilterTags: CmqAction = {
  name: 'ClearSubscriptionFilterTags',
  async handle(params, { topics }) {
    await topics.clearFilterTags(readTopicName(params), readSubscriptionName(params));
    return ok();
  },
};
