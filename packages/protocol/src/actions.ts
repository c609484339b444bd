/** CMQ v2 actions this server answers. Lookup is case-insensitive (cmq-api.md §1.3, §10 q2). */
export const QUEUE_ACTIONS = [
  'CreateQueue',
  'ListQueue',
  'GetQueueAttributes',
  'SetQueueAttributes',
  'DeleteQueue',
  'SendMessage',
  'BatchSendMessage',
  'ReceiveMessage',
  'BatchReceiveMessage',
  'DeleteMessage',
  'BatchDeleteMessage',
  'RewindQueue',
  // OpenCMQ extensions (no v2 equivalent; API 3.0 has DescribeCmqDeadLetterSourceQueues and UnbindCmqDeadLetter).
  'ListDeadLetterSourceQueues',
  'UnbindDeadLetter',
  'RedriveDeadLetterMessages',
] as const;

/** Topic and subscription actions (cmq-api.md §3). */
export const TOPIC_ACTIONS = [
  'CreateTopic',
  'SetTopicAttributes',
  'ListTopic',
  'GetTopicAttributes',
  'DeleteTopic',
  'PublishMessage',
  'BatchPublishMessage',
  'Subscribe',
  'Unsubscribe',
  'ListSubscriptionByTopic',
  'SetSubscriptionAttributes',
  'GetSubscriptionAttributes',
  'ClearSubscriptionFilterTags',
] as const;

export type ActionName = (typeof QUEUE_ACTIONS)[number] | (typeof TOPIC_ACTIONS)[number];
