import { LIMITS } from '@opencmq/protocol';
import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { optionalInteger, readName } from '../params.js';

/**
 * OpenCMQ extension: moves up to `maxMessages` (default 1000) messages of a dead-letter queue back to the
 * queue each came from, or to `destinationQueueName`, ready at once with a fresh receive count.
 */
export const redriveDeadLetterMessages: CmqAction = {
  name: 'RedriveDeadLetterMessages',
  async handle(params, { queues }) {
    const name = readName(params, 'queueName');
    const destination = params.get('destinationQueueName')
      ? readName(params, 'destinationQueueName')
      : undefined;
    const max = optionalInteger(params, 'maxMessages', LIMITS.redriveMax) ?? 1000;
    const moved = await queues.redriveMessages(name, destination, max);
    return ok({ movedCount: moved });
  },
};
