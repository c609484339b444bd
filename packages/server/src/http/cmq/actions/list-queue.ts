import { LIMITS, LIST_DEFAULT_LIMIT } from '@opencmq/protocol';
import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { optionalInteger, optionalString } from '../params.js';

export const listQueue: CmqAction = {
  name: 'ListQueue',
  async handle(params, { queues }) {
    const searchWord = optionalString(params, 'searchWord', LIMITS.searchWordMaxLength);
    const offset = optionalInteger(params, 'offset', LIMITS.listOffset) ?? 0;
    const limit = optionalInteger(params, 'limit', LIMITS.listLimit) ?? LIST_DEFAULT_LIMIT;
    const page = await queues.listQueues({ searchWord, offset, limit });
    return ok({
      totalCount: page.total,
      queueList: page.queues.map((q) => ({ queueId: q.queueId, queueName: q.name })),
    });
  },
};
