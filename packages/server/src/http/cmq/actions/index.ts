import type { CmqAction } from '../action.js';
import { batchDeleteMessage } from './batch-delete-message.js';
import { batchPublishMessage } from './batch-publish-message.js';
import { batchReceiveMessage } from './batch-receive-message.js';
import { batchSendMessage } from './batch-send-message.js';
import { clearSubscriptionFilterTags } from './clear-subscription-filter-tags.js';
import { createQueue } from './create-queue.js';
import { createTopic } from './create-topic.js';
import { deleteMessage } from './delete-message.js';
import { deleteQueue } from './delete-queue.js';
import { deleteTopic } from './delete-topic.js';
import { getQueueAttributes } from './get-queue-attributes.js';
import { getSubscriptionAttributes } from './get-subscription-attributes.js';
import { getTopicAttributes } from './get-topic-attributes.js';
import { listDeadLetterSourceQueues } from './list-dead-letter-source-queues.js';
import { listQueue } from './list-queue.js';
import { listSubscriptionByTopic } from './list-subscription-by-topic.js';
import { listTopic } from './list-topic.js';
import { publishMessage } from './publish-message.js';
import { receiveMessage } from './receive-message.js';
import { redriveDeadLetterMessages } from './redrive-dead-letter-messages.js';
import { rewindQueue } from './rewind-queue.js';
import { sendMessage } from './send-message.js';
import { setQueueAttributes } from './set-queue-attributes.js';
import { setSubscriptionAttributes } from './set-subscription-attributes.js';
import { setTopicAttributes } from './set-topic-attributes.js';
import { subscribe } from './subscribe.js';
import { unbindDeadLetter } from './unbind-dead-letter.js';
import { unsubscribe } from './unsubscribe.js';

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
  createTopic,
  setTopicAttributes,
  listTopic,
  getTopicAttributes,
  deleteTopic,
  publishMessage,
  batchPublishMessage,
  subscribe,
  unsubscribe,
  listSubscriptionByTopic,
  setSubscriptionAttributes,
  getSubscriptionAttributes,
  clearSubscriptionFilterTags,
];
