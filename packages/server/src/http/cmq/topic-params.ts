import { LIMITS, readArray, type Params, type WireErrorName } from '@opencmq/protocol';
import {
  checkEndpointUrl,
  ENDPOINT_MAX_LENGTH,
  type EndpointRejection,
} from '../../delivery/endpoint-policy.js';
import {
  NOTIFY_CONTENT_FORMATS,
  NOTIFY_STRATEGIES,
  SUBSCRIPTION_PROTOCOLS,
  type PublishedMessage,
  type SubscriptionAttributes,
  type SubscriptionProtocol,
  type TopicAttributes,
} from '../../domain/topic.js';
import { TOPIC_LIMITS } from '../../domain/topic-defaults.js';
import {
  checkBindingKeys,
  checkRoutingKey,
  checkTags,
  FILTER_TYPES,
  TOPIC_FILTER_LIMITS,
  type FilterType,
} from '../../domain/topic-filter.js';
import { CmqError } from './cmq-error.js';
import { arrayError, optionalInteger, optionalString, readName, requireString } from './params.js';

/**
 * Decoding of topic and subscription parameters (cmq-api.md §3), shared by the topic actions. Like params.ts,
 * every reader validates at the edge and throws a CmqError naming the parameter; an empty value of an
 * optional parameter counts as absent (§1.7: Go and Python send `routingKey=`).
 */

/** `topicName` or `subscriptionName`: the queue-name rules, but 10590 instead of 10020 (§3.1, §3.8). */
export const readTopicName = (params: Params, name: 'topicName' | 'subscriptionName' = 'topicName'): string =>
  readName(params, name, 'TOPIC_NAME_FORMAT');

export const readSubscriptionName = (params: Params): string => readTopicName(params, 'subscriptionName');

/** Wire name ↔ domain attribute of the settable topic attributes, with the accepted range. */
const TOPIC_ATTRIBUTE_FIELDS = [
  { wire: 'maxMsgSize', domain: 'maxMsgSizeBytes', range: TOPIC_LIMITS.maxMsgSizeBytes },
  { wire: 'msgRetentionSeconds', domain: 'msgRetentionSeconds', range: TOPIC_LIMITS.msgRetentionSeconds },
] as const;

/** `maxMsgSize` and `msgRetentionSeconds`, when given (CreateTopic, SetTopicAttributes). */
export function decodeTopicAttributes(params: Params): Partial<TopicAttributes> {
  const patch: { -readonly [K in keyof TopicAttributes]?: TopicAttributes[K] } = {};
  for (const field of TOPIC_ATTRIBUTE_FIELDS) {
    const value = optionalInteger(params, field.wire, field.range);
    if (value !== undefined) patch[field.domain] = value;
  }
  return patch;
}

/** `filterType`: 1 tags, 2 routing keys (CreateTopic only; fixed afterwards). */
export function readFilterType(params: Params): FilterType | undefined {
  const value = optionalInteger(params, 'filterType', {
    min: FILTER_TYPES.tag,
    max: FILTER_TYPES.routingKey,
  });
  if (value === undefined) return undefined;
  return value === FILTER_TYPES.routingKey ? FILTER_TYPES.routingKey : FILTER_TYPES.tag;
}

/** The tags and routing key of a publish; they apply to every message of a batch (§3.7). */
export function readMessageFilter(params: Params): Omit<PublishedMessage, 'body'> {
  const tags = readOptionalArray(params, 'msgTag') ?? [];
  checkTagList(tags, 'msgTag', 'TOO_MANY_MSG_TAGS');
  const raw = params.get('routingKey');
  const routingKey = raw === undefined || raw === '' ? undefined : raw;
  if (routingKey !== undefined) {
    checkDelimiters(routingKey, 'routingKey');
    const check = checkRoutingKey(routingKey);
    if (!check.ok) throw new CmqError('OUT_OF_RANGE', 'routingKey', check.reason);
  }
  return { tags, routingKey };
}

/** `protocol`: http or queue, any casing (the docs write "HTTP" and "Queue"; SDK tests send "queue"). */
export function readProtocol(params: Params): SubscriptionProtocol {
  const value = requireString(params, 'protocol');
  const protocol = SUBSCRIPTION_PROTOCOLS.find((p) => p === value.toLowerCase());
  if (protocol === undefined) {
    throw new CmqError(
      'UNDEFINED_PROTOCOL',
      `protocol must be ${SUBSCRIPTION_PROTOCOLS.join(' or ')}, got ${quote(value)}`,
    );
  }
  return protocol;
}

const ENDPOINT_REJECTIONS: Record<Exclude<EndpointRejection, 'whitespace'>, string> = {
  'too-long': `endpoint is longer than ${ENDPOINT_MAX_LENGTH} characters`,
  malformed: 'endpoint is not a valid URL',
  scheme: 'endpoint must start with http:// or https://',
  userinfo: 'endpoint must not contain a user name or password',
};

/** `endpoint`: a push URL for http (kept as given), a queue name for queue (§3.8). */
export function readEndpoint(params: Params, protocol: SubscriptionProtocol): string {
  const value = requireString(params, 'endpoint');
  switch (protocol) {
    case 'http': {
      const check = checkEndpointUrl(value);
      if (check.ok) return value;
      if (check.reason === 'whitespace') throw new CmqError('ENDPOINT_BLANK', 'endpoint');
      throw new CmqError('ENDPOINT_FORMAT', ENDPOINT_REJECTIONS[check.reason]);
    }
    case 'queue':
      if (!LIMITS.namePattern.test(value)) {
        throw new CmqError('ENDPOINT_FORMAT', `endpoint of a queue subscription must be a queue name`);
      }
      return value;
  }
}

/**
 * The subscription attributes a request gives (Subscribe, SetSubscriptionAttributes); absent ones are left
 * out. Given filterTag.n and bindingKey.n arrays replace the stored ones whole (§10 q11: replace).
 * `clearableSecret`: on SetSubscriptionAttributes an explicitly empty `signingSecret=` turns signing off
 * (no CMQ SDK sends the parameter, so an empty value is never an SDK default there).
 */
export function decodeSubscriptionAttributes(
  params: Params,
  options: { clearableSecret: boolean },
): Partial<SubscriptionAttributes> {
  const patch: { -readonly [K in keyof SubscriptionAttributes]?: SubscriptionAttributes[K] } = {};
  const notifyStrategy = readEnum(params, 'notifyStrategy', NOTIFY_STRATEGIES, 'UNDEFINED_NOTIFY_STRATEGY');
  if (notifyStrategy !== undefined) patch.notifyStrategy = notifyStrategy;
  const format = readEnum(params, 'notifyContentFormat', NOTIFY_CONTENT_FORMATS, 'UNDEFINED_CONTENT_FORMAT');
  if (format !== undefined) patch.notifyContentFormat = format;
  const filterTags = readOptionalArray(params, 'filterTag');
  if (filterTags !== undefined) {
    checkTagList(filterTags, 'filterTag', 'TOO_MANY_FILTER_TAGS');
    patch.filterTags = filterTags;
  }
  const bindingKeys = readOptionalArray(params, 'bindingKey');
  if (bindingKeys !== undefined) {
    checkBindingKeyList(bindingKeys);
    patch.bindingKeys = bindingKeys;
  }
  const maxInFlight = optionalInteger(params, 'maxInFlight', TOPIC_LIMITS.maxInFlight);
  if (maxInFlight !== undefined) patch.maxInFlight = maxInFlight;
  const rateLimit = optionalInteger(params, 'rateLimitPerSecond', TOPIC_LIMITS.rateLimitPerSecond);
  if (rateLimit !== undefined) patch.rateLimitPerSecond = rateLimit;
  const secret = optionalString(params, 'signingSecret', TOPIC_LIMITS.signingSecretMaxLength);
  if (secret !== undefined) patch.signingSecret = secret;
  else if (options.clearableSecret && params.get('signingSecret') === '') patch.signingSecret = '';
  return patch;
}

/**
 * An optional `name.n` array (indices from 0 or 1, contiguous); a bare `name` is a one-element array, as in
 * requireArray. Undefined when absent. The count is checked by the caller, which owns the error code.
 */
function readOptionalArray(params: Params, name: string): string[] | undefined {
  const result = readArray(params, name, Number.POSITIVE_INFINITY);
  if (!result.ok) throw arrayError(result.reason, name);
  if (result.values.length > 0) return result.values;
  const single = params.get(name);
  return single === undefined || single === '' ? undefined : [single];
}

/** At most 5 tags of 1-16 characters; CMQ reports both limits with the tag's own code (10720, 10490). */
function checkTagList(tags: readonly string[], name: string, wire: WireErrorName): void {
  const check = checkTags(tags);
  if (!check.ok) throw new CmqError(wire, `${name}.n: ${check.reason}`);
}

function checkBindingKeyList(keys: readonly string[]): void {
  if (keys.length > TOPIC_FILTER_LIMITS.maxBindingKeys) {
    throw new CmqError(
      'TOO_MANY_BINDING_KEYS',
      `bindingKey.n: ${keys.length} given, at most ${TOPIC_FILTER_LIMITS.maxBindingKeys} are allowed`,
    );
  }
  for (const key of keys) checkDelimiters(key, 'bindingKey');
  const check = checkBindingKeys(keys);
  if (!check.ok) throw new CmqError('OUT_OF_RANGE', 'bindingKey', check.reason);
}

/** More than 15 dots is 10691 "too many delimeters"; other key errors are 10350 naming the parameter. */
function checkDelimiters(key: string, name: string): void {
  const dots = key.split('.').length - 1;
  if (dots > TOPIC_FILTER_LIMITS.maxDots) {
    throw new CmqError(
      'TOO_MANY_DELIMITERS',
      `${name} ${quote(key)} has ${dots} dots, at most ${TOPIC_FILTER_LIMITS.maxDots} are allowed`,
    );
  }
}

/** An enumerated value, any casing (the values are upper-case words; clients send them as documented). */
function readEnum<T extends string>(
  params: Params,
  name: string,
  values: readonly T[],
  wire: WireErrorName,
): T | undefined {
  const raw = params.get(name);
  if (raw === undefined || raw === '') return undefined;
  const value = values.find((v) => v === raw.toUpperCase());
  if (value === undefined)
    throw new CmqError(wire, `${name} must be ${values.join(' or ')}, got ${quote(raw)}`);
  return value;
}

const quote = (text: string): string => JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
