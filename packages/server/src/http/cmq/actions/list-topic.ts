import { LIMITS, LIST_DEFAULT_LIMIT } from '@opencmq/protocol';
import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { optionalInteger, optionalString } from '../params.js';

export const listTopic: CmqAction = {
  name: 'ListTopic',
  async handle(params, { topics }) {
    const searchWord = optionalString(params, 'searchWord', LIMITS.searchWordMaxLength);
    const offset = optionalInteger(params, 'offset', LIMITS.listOffset) ?? 0;
    const limit = optionalInteger(params, 'limit', LIMITS.listLimit) ?? LIST_DEFAULT_LIMIT;
    const page = await topics.listTopics({ searchWord, offset, limit });
    return ok({
      totalCount: page.total,
      topicList: page.topics.map((t) => ({ topicId: t.topicId, topicName: t.name })),
    });
  },
};
