import { LIMITS, WIRE_ERRORS, formatWireMessage } from '@opencmq/protocol';
import type { DeleteResult } from '../../../service/queue-service.js';
import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { CmqError } from '../cmq-error.js';
import { readName, requireString } from '../params.js';

export const deleteMessage: CmqAction = {
  name: 'DeleteMessage',
  async handle(params, { queues }) {
    const name = readName(params, 'queueName');
    const handle = requireString(params, 'receiptHandle');
    if (handle.length > LIMITS.receiptHandleMaxLength) throw new CmqError('RECEIPT_HANDLE_FORMAT');
    const [result] = await queues.deleteMessages(name, [handle]);
    if (result !== 'deleted')
      throw new CmqError(result === 'malformed' ? 'RECEIPT_HANDLE_FORMAT' : 'RECEIPT_HANDLE_INVALID');
    return ok();
  },
};

/** The per-handle entry of BatchDeleteMessage's errorList. */
export function encodeDeleteError(result: Exclude<DeleteResult, 'deleted'>, receiptHandle: string) {
  const wire = WIRE_ERRORS[result === 'malformed' ? 'RECEIPT_HANDLE_FORMAT' : 'RECEIPT_HANDLE_INVALID'];
  return { code: wire.code, message: formatWireMessage(wire), receiptHandle };
}
