import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { readName } from '../params.js';
import { decodeAttributePatch, encodeAttributes } from '../queue-attributes.js';

export const setQueueAttributes: CmqAction = {
  name: 'SetQueueAttributes',
  async handle(params, { queues }) {
    const name = readName(params, 'queueName');
    const queue = await queues.setQueueAttributes(name, decodeAttributePatch(params));
    return ok({ queueId: queue.queueId, ...encodeAttributes(queue) });
  },
};
