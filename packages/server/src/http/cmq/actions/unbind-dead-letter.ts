import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { readName } from '../params.js';

/** OpenCMQ extension: removes a queue's dead-letter policy (API 3.0 UnbindCmqDeadLetter). */
export const unbindDeadLetter: CmqAction = {
  name: 'UnbindDeadLetter',
  async handle(params, { queues }) {
    await queues.setQueueAttributes(readName(params, 'queueName'), { deadLetterPolicy: null });
    return ok();
  },
};
