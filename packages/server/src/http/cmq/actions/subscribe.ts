import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { CmqError } from '../cmq-error.js';
import { FILTER_TYPES } from '../../../domain/topic-filter.js';
import {
  decodeSubscriptionAttributes,
  readEndpoint,
  readProtocol,
  readSubscriptionName,
  readTopicName,
} from '../topic-params.js';

export const subscribe: CmqAction = {
  name: 'Subscribe',
  async handle(params, { topics }) {
    const topicName = readTopicName(params);
    const name = readSubscriptionName(params);
    const protocol = readProtocol(params);
    const endpoint = readEndpoint(params, protocol);
    const attributes = decodeSubscriptionAttributes(params, { clearableSecret: false });
    // A subscription without binding keys would never receive anything on a routing topic (10710).
    const { topic } = await topics.getTopic(topicName);
    if (
      topic.attributes.filterType === FILTER_TYPES.routingKey &&
      (attributes.bindingKeys ?? []).length === 0
    ) {
      throw new CmqError(
        'LACK_BINDING_KEY',
        'a subscription of a routing topic (filterType 2) needs bindingKey.n',
      );
    }
    const subscription = await topics.subscribe(topicName, name, protocol, endpoint, attributes);
    return ok({ subscriptionId: subscription.subscriptionId });
  },
};
