import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { readName } from '../params.js';

/** OpenCMQ extension: the queues whose dead-letter policy names this queue (API 3.0 DescribeCmqDeadLetterSourceQueues). */
export const listDeadLetterSourceQueues: CmqAction = {
  name: 'ListDeadLetterSourceQueues',
  async handle(params, { queues }) {
    const sources = await queues.listDeadLetterSources(readName(params, 'queueName'));
    return ok({
      totalCount: sources.length,
      queueList: sources.map((q) => ({ queueId: q.queueId, queueName: q.name })),
    });
  },
};
