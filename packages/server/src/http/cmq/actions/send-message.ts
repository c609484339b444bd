import { LIMITS } from '@opencmq/protocol';
import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { CmqError } from '../cmq-error.js';
import { optionalInteger, readName } from '../params.js';

export const sendMessage: CmqAction = {
  name: 'SendMessage',
  async handle(params, { queues }) {
    const name = readName(params, 'queueName');
    const body = params.get('msgBody');
    if (body === undefined) throw new CmqError('MISSING_PARAMETER', 'msgBody');
    if (body === '') throw new CmqError('EMPTY_MESSAGE_BODY');
    const delaySeconds = readDelay(params);
    const deduplicationId = readDeduplicationId(params.get('deduplicationId'), 'deduplicationId');
    const [msgId] = await queues.sendMessages(name, [{ body, delaySeconds, deduplicationId }]);
    return ok({ msgId });
  },
};

export function readDelay(params: Parameters<CmqAction['handle']>[0]): number {
  try {
    return optionalInteger(params, 'delaySeconds', LIMITS.delaySeconds) ?? 0;
  } catch (error) {
    if (error instanceof CmqError && error.wire === 'OUT_OF_RANGE')
      throw new CmqError('DELAY_OUT_OF_RANGE', ...error.args.slice(1));
    throw error;
  }
}

/**
 * OpenCMQ extension: `deduplicationId` (1-128 printable ASCII characters). A resend with the same id
 * within the queue's deduplicationWindowSeconds returns the first msgId and stores nothing.
 */
export function readDeduplicationId(value: string | undefined, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!LIMITS.deduplicationIdPattern.test(value)) {
    throw new CmqError(
      'OUT_OF_RANGE',
      name,
      `1 to ${LIMITS.deduplicationIdMaxLength} printable ASCII characters`,
    );
  }
  return value;
}
