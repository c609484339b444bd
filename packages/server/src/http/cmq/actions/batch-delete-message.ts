import { LIMITS } from '@opencmq/protocol';
import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { readName, requireArray } from '../params.js';
import { encodeDeleteError } from './delete-message.js';

export const batchDeleteMessage: CmqAction = {
  name: 'BatchDeleteMessage',
  async handle(params, { queues }) {
    const name = readName(params, 'queueName');
    const handles = requireArray(params, 'receiptHandle', LIMITS.batchSize.max);
    // An overlong handle cannot be ours: it is sent on as '' so it fails as malformed without being parsed.
    const results = await queues.deleteMessages(
      name,
      handles.map((h) => (h.length > LIMITS.receiptHandleMaxLength ? '' : h)),
    );
    const errorList = results.flatMap((result, i) =>
      result === 'deleted' ? [] : [encodeDeleteError(result, handles[i]!)],
    );
    // Any failed handle: 6010 "delete message partially failed" with one errorList entry per failure.
    return errorList.length === 0
      ? ok()
      : { fields: { errorList }, error: { wire: 'DELETE_PARTIALLY_FAILED' } };
  },
};
