/**
 * CMQ v2 error codes as they go on the wire: `{code, message: "(<module>)<text>"}`.
 * Source: shared/reference/cmq-api.md §6 (Tencent doc 406/5903, Python SDK cmq_exception.py, issue cmq-java-sdk#27).
 * Where the doc table and the API pages disagree (4440/4460) the top-level code SDK users branch on is used.
 * Keys are stable names; docs/errors.md lists every entry and a test keeps the two in step.
 */
export const WIRE_ERRORS = {
  MISSING_PARAMETER: { code: 4000, module: 10390, text: 'lacked of required parameter %s' },
  NOT_REPEATABLE: { code: 4000, module: 10330, text: 'parameter %s is NOT a repeatable parameter' },
  OUT_OF_RANGE: { code: 4000, module: 10350, text: 'parameter %s value or length is out of range' },
  WRONG_TYPE: { code: 4000, module: 10360, text: 'parameter %s error type' },
  BATCH_SIZE: { code: 4000, module: 10370, text: '%s parameter batch size is out of range' },
  NOT_CONSECUTIVE: { code: 4000, module: 10380, text: '%s parameter is not consequent' },
  BAD_METHOD: { code: 4000, module: 10410, text: 'unexpected http %s only GET or POST is supported' },
  REQUEST_TOO_LARGE: { code: 4000, module: 10420, text: 'cannot parse %s, or request size is more than %s' },
  UNKNOWN_ACTION: { code: 4000, module: 10430, text: 'action name %s is not existed' },
  QUEUE_NAME_FORMAT: { code: 4000, module: 10020, text: 'queue name format error' },
  EMPTY_MESSAGE_BODY: { code: 4000, module: 10120, text: "message body can't be empty" },
  RECEIPT_HANDLE_FORMAT: { code: 4000, module: 10470, text: 'receiptHandle error' },
  DELAY_OUT_OF_RANGE: { code: 4000, module: 10692, text: 'delay seconds is out of range' },
  AUTH_FAILED: { code: 4100, module: 10030, text: 'authentication failed' },
  SECRET_ID_NOT_FOUND: { code: 4100, module: 10270, text: 'secret id is not existed' },
  MESSAGE_TOO_LARGE: { code: 4400, module: 10230, text: 'exceed maximum message size' },
  QUEUE_FULL: { code: 4410, module: 10240, text: 'reach maximum retention number of message' },
  RECEIPT_HANDLE_INVALID: { code: 4430, module: 10260, text: 'receipt handle is invalid' },
  QUEUE_NOT_FOUND: { code: 4440, module: 10100, text: 'queue is not existed, or deleted' },
  QUEUE_LIMIT: { code: 4450, module: 10220, text: 'number of queues has reached the limit' },
  QUEUE_EXISTS: { code: 4460, module: 4460, text: 'queue is already existed,case insensitive' },
  BATCH_TOO_LARGE: { code: 4470, module: 10300, text: 'total message size exceed %s' },
  INTERNAL: { code: 6000, module: 10050, text: 'server internal error' },
  DELETE_PARTIALLY_FAILED: { code: 6010, module: 10150, text: 'delete message partially failed' },
  NO_MESSAGE: { code: 7000, module: 10200, text: 'no message' },
  TOPIC_NAME_FORMAT: {
    code: 4000,
    module: 10590,
    text: 'topic name format error / subscription name format error',
  },
  TOPIC_NOT_FOUND: { code: 4440, module: 10600, text: 'topic is not existed, or deleted' },
  // CMQ documents no code for a duplicate topic; the queue's 4460 is what SDK users branch on.
  TOPIC_EXISTS: { code: 4460, module: 10620, text: 'topic is already existed,case insensitive' },
  TOPIC_LIMIT: { code: 4450, module: 10610, text: 'number of topics has reached the limit' },
  TOPIC_HAS_SUBSCRIPTIONS: {
    code: 4000,
    module: 10540,
    text: 'there exists subscriptions under this topic, please unsubscribe all of them before DeleteTopic',
  },
  SUBSCRIPTION_NOT_FOUND: { code: 4440, module: 19110, text: 'subscription is not existed, or deleted' },
  SUBSCRIPTION_EXISTS: { code: 4490, module: 10470, text: 'subscribtion is already existed' },
  SUBSCRIPTION_LIMIT: { code: 4500, module: 10480, text: 'number of subscription has reached the limit' },
  TOPIC_NO_SUBSCRIPTION: {
    code: 6030,
    module: 10650,
    text: 'topic has no subscription, please create a subscription before publishing message',
  },
  TOPIC_NO_MATCH: {
    code: 6030,
    module: 10730,
    text: 'no bindingKey or filterTag matches the routingKey or msgTag',
  },
  ENDPOINT_FORMAT: { code: 4000, module: 10500, text: 'endpoint format error' },
  UNDEFINED_PROTOCOL: { code: 4000, module: 10510, text: 'undefined protocol' },
  UNDEFINED_NOTIFY_STRATEGY: { code: 4000, module: 10520, text: 'undefined notify retry stragety' },
  UNDEFINED_CONTENT_FORMAT: { code: 4000, module: 10530, text: 'undefined notify content format' },
  ILLEGAL_ENDPOINT: { code: 4000, module: 10630, text: 'illegal endpoint' },
  ENDPOINT_BLANK: { code: 4510, module: 10570, text: 'url connot contain any blank characters' },
  TOO_MANY_FILTER_TAGS: { code: 4000, module: 10490, text: 'number of filterTag exceed limit' },
  TOO_MANY_BINDING_KEYS: { code: 4000, module: 10680, text: 'too many bindingKey' },
  TOO_MANY_DELIMITERS: { code: 4000, module: 10691, text: 'too many delimeters' },
  TOO_MANY_MSG_TAGS: { code: 4000, module: 10720, text: 'too many msgTag' },
  LACK_ROUTING_KEY: { code: 4000, module: 10700, text: 'parameters lack of routingKey' },
  LACK_BINDING_KEY: { code: 4000, module: 10710, text: 'parameters lack of bindingKey' },
  QUEUE_CANNOT_REWIND: { code: 6050, module: 10670, text: 'your queue cannot be rewinded' },
  // OpenCMQ extensions: CMQ documents no code for these; module numbers 19xxx are OpenCMQ's own.
  DEAD_LETTER_POLICY_INVALID: { code: 4000, module: 19010, text: 'deadLetterPolicy is invalid' },
  DEAD_LETTER_QUEUE_NOT_FOUND: { code: 4000, module: 19020, text: 'dead-letter queue is not existed' },
  DEAD_LETTER_CHAIN: { code: 4000, module: 19030, text: 'dead-letter queues cannot be chained' },
  DEAD_LETTER_SOURCES_LIMIT: {
    code: 4000,
    module: 19040,
    text: 'a dead-letter queue serves at most 6 source queues',
  },
  DEAD_LETTER_QUEUE_IN_USE: {
    code: 4000,
    module: 19050,
    text: 'queue is the dead-letter queue of another queue',
  },
} as const satisfies Record<string, WireError>;

export interface WireError {
  readonly code: number;
  readonly module: number;
  readonly text: string;
}

export type WireErrorName = keyof typeof WIRE_ERRORS;

/** Renders `(module)text` with each `%s` replaced in order by `args`. */
export function formatWireMessage(error: WireError, args: readonly string[] = []): string {
  let i = 0;
  const text = error.text.replace(/%s/g, () => args[i++] ?? '');
  const detail = args.slice(i).filter((a) => a.length > 0);
  return `(${error.module})${text}${detail.length > 0 ? `: ${detail.join('; ')}` : ''}`;
}
