import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { readName } from '../params.js';
import { decodeAttributePatch } from '../queue-attributes.js';

export const createQueue: CmqAction = {
  name: 'CreateQueue',
  async handle(params, { queues }) {
    const name = readName(params, 'queueName');
    const queue = await queues.createQueue(name, decodeAttributePatch(params));
    return ok({ queueId: queue.queueId });
  },
};
