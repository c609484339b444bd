import { LIMITS, LIST_DEFAULT_LIMIT } from '@opencmq/protocol';
import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { optionalInteger, optionalString } from '../params.js';
import { readTopicName } from '../topic-params.js';

/** Paging ranges of ListSubscriptionByTopic (cmq-api.md §3.10: offset 0-1000, limit up to 100). */
const SUBSCRIPTION_LIST = { offset: { min: 0, max: 1000 }, limit: { min: 1, max: 100 } } as const;

export const listSubscriptionByTopic: CmqAction = {
  name: 'ListSubscriptionByTopic',
  async handle(params, { topics }) {
    const topicName = readTopicName(params);
    const searchWord = optionalString(params, 'searchWord', LIMITS.searchWordMaxLength);
    const offset = optionalInteger(params, 'offset', SUBSCRIPTION_LIST.offset) ?? 0;
    const limit = optionalInteger(params, 'limit', SUBSCRIPTION_LIST.limit) ?? LIST_DEFAULT_LIMIT;
    const page = await topics.listSubscriptions(topicName, { searchWord, offset, limit });
    return ok({
      totalCount: page.total,
      subscriptionList: page.subscriptions.map((s) => ({
        subscriptionId: s.subscriptionId,
        subscriptionName: s.name,
        protocol: s.protocol,
        endpoint: s.endpoint,
      })),
    });
  },
};
