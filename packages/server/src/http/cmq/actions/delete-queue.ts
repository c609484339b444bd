import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { readName } from '../params.js';

export const deleteQueue: CmqAction = {
  name: 'DeleteQueue',
  async handle(params, { queues }) {
    await queues.deleteQueue(readName(params, 'queueName'));
    return ok();
  },
};
