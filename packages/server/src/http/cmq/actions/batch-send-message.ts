import { LIMITS } from '@opencmq/protocol';
import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { CmqError } from '../cmq-error.js';
import { readName, requireArray } from '../params.js';
import { readDeduplicationId, readDelay } from './send-message.js';

export const batchSendMessage: CmqAction = {
  name: 'BatchSendMessage',
  async handle(params, { queues }) {
    const name = readName(params, 'queueName');
    const bodies = requireArray(params, 'msgBody', LIMITS.batchSize.max, { keepEmpty: true });
    if (bodies.some((b) => b === '')) throw new CmqError('EMPTY_MESSAGE_BODY');
    // One delay for the whole batch ("该延时对一批消息有效", cmq-api.md §2.8).
    const delaySeconds = readDelay(params);
    // deduplicationId.n pairs with msgBody.n; absent = no deduplication for the batch.
    const dedupIds = [...params.keys()].some((k) => k.startsWith('deduplicationId.'))
      ? requireArray(params, 'deduplicationId', LIMITS.batchSize.max)
      : [];
    if (dedupIds.length > 0 && dedupIds.length !== bodies.length) {
      throw new CmqError(
        'OUT_OF_RANGE',
        'deduplicationId',
        `one per msgBody: ${bodies.length} bodies, ${dedupIds.length} ids`,
      );
    }
    const ids = await queues.sendMessages(
      name,
      bodies.map((body, i) => ({
        body,
        delaySeconds,
        deduplicationId: readDeduplicationId(dedupIds[i], `deduplicationId.${i}`),
      })),
    );
    return ok({ msgList: ids.map((msgId) => ({ msgId })) });
  },
};
