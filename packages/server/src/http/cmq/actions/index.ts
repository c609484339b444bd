import type { CmqAction } from '../action.js';
import { batchDeleteMessage } from './batch-delete-message.js';
import { batchReceiveMessage } from './batch-receive-message.js';
import { batchSendMessage } from './batch-send-message.js';
import { createQueue } from './create-queue.js';
import { deleteMessage } from './delete-message.js';
import { deleteQueue } from './delete-queue.js';
import { getQueueAttributes } from './get-queue-attributes.js';
import { listDeadLetterSourceQueues } from './list-dead-letter-source-queues.js';
import { listQueue } from './list-queue.js';
import { receiveMessage } from './receive-message.js';
import { redriveDeadLetterMessages } from './redrive-dead-letter-messages.js';
import { rewindQueue } from './rewind-queue.js';
import { sendMessage } from './send-message.js';
import { setQueueAttributes } from './set-queue-attributes.js';
import { unbindDeadLetter } from './unbind-dead-letter.js';

export const ACTIONS: readonly CmqAction[] = [
  createQueue,
  listQueue,
  getQueueAttributes,
  setQueueAttributes,
  deleteQueue,
  sendMessage,
  batchSendMessage,
  receiveMessage,
  batchReceiveMessage,
  deleteMessage,
  batchDeleteMessage,
  rewindQueue,
  listDeadLetterSourceQueues,
  unbindDeadLetter,
  redriveDeadLetterMessages,
];
