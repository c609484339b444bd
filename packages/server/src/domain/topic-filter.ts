/**
 * Which subscriptions of a topic receive a published message (cmq-api.md §4).
 *
 * The topic's filter type picks one mechanism and the other one's fields are ignored (§4: a tag topic
 * ignores binding keys, a routing topic ignores message tags and filter tags):
 * - tag filtering (1): filter tags on the subscription, message tags on the message (§4.1);
 * - routing keys (2): binding keys on the subscription, one literal routing key on the message, matched with
 *   RabbitMQ topic-exchange rules (§4.2).
 *
 * Pure rules: no I/O, no clock. Checks return a result instead of throwing because the caller maps each
 * failure to its own CMQ error code (10490/10670 tags, 10680/10691 binding and routing keys, §3.6, §3.8).
 */

/** Limits from cmq-api.md §3.6, §3.8, §4 and §7 (legacy CMQ and TDMQ agree on these). */
export const TOPIC_FILTER_LIMITS = {
  /** Per message (msgTag.n) and per subscription (filterTag.n). */
  maxTags: 5,
  /** Counted in Unicode code points: the docs say "16 characters" and a CJK tag is one character each. */
  tagLengthChars: { min: 1, max: 16 },
  /** An empty routing key is allowed and means "no key" (§4.2, Go/Python SDKs send `routingKey=`). */
  routingKeyMaxBytes: 64,
  maxBindingKeys: 5,
  bindingKeyBytes: { min: 1, max: 64 },
  /** 15 dots = 16 words, for routing and binding keys alike. */
  maxDots: 15,
} as const;

export const FILTER_TYPES = { tag: 1, routingKey: 2 } as const;
export type FilterType = (typeof FILTER_TYPES)[keyof typeof FILTER_TYPES];

export type FilterCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface FilterableSubscription {
  readonly filterTags: readonly string[];
  readonly bindingKeys: readonly string[];
}

export interface FilterableMessage {
  readonly tags: readonly string[];
  /** Undefined and '' both mean "no routing key". */
  readonly routingKey: string | undefined;
}

const OK: FilterCheck = { ok: true };
const fail = (reason: string): FilterCheck => ({ ok: false, reason });

// ---------------------------------------------------------------------------------------------------------
// Tag filtering (filterType 1)

/**
 * A subscription without filter tags receives every message, tagged or not; otherwise it receives a message
 * iff the two tag sets share at least one tag (cmq-api.md §4.1 rules 1-3).
 *
 * Tags compare by exact, case-sensitive string equality: §4.1 calls matching "exact string equality" and
 * case sensitivity is open question §10 q11. Exact equality is the reading that never delivers a message a
 * subscriber did not ask for ('System' is not 'system'), and it is what every SDK's round trip preserves.
 */
export function matchesTags(filterTags: readonly string[], msgTags: readonly string[]): boolean {
  if (filterTags.length === 0) return true;
  return msgTags.some((tag) => filterTags.includes(tag));
}

/** Checks message tags or subscription filter tags: at most 5, each 1-16 characters. Duplicates are allowed. */
export function checkTags(tags: readonly string[]): FilterCheck {
  const { maxTags, tagLengthChars } = TOPIC_FILTER_LIMITS;
  if (tags.length > maxTags) return fail(`${tags.length} tags given, at most ${maxTags} are allowed`);
  for (const tag of tags) {
    const chars = [...tag].length;
    if (chars < tagLengthChars.min || chars > tagLengthChars.max) {
      return fail(
        `tag ${JSON.stringify(tag)} is ${chars} characters, each tag must be ${tagLengthChars.min}-${tagLengthChars.max}`,
      );
    }
  }
  return OK;
}

// ---------------------------------------------------------------------------------------------------------
// Routing keys (filterType 2)

/**
 * Splits a key into words on '.'. The empty key is the empty word list (zero words), as in RabbitMQ, so it
 * matches '#' but never '*' (§4.2 "routing_key为空字符串时，不匹配 *，但可以匹配 #"). Any other key keeps its
 * empty words: 'a..b' is ['a', '', 'b'] and '.a' is ['', 'a']. An empty word is a word like any other: '*'
 * matches it, '#' may consume it, and a literal matches it only if the literal is empty too.
 */
function splitWords(key: string | undefined): readonly string[] {
  return key === undefined || key === '' ? [] : key.split('.');
}

const countDots = (key: string): number => key.split('.').length - 1;

/** Counts the work a match did; lets a test prove the matcher stays polynomial. */
export interface MatchCounter {
  steps: number;
}

/**
 * AMQP topic matching: '*' matches exactly one word, '#' matches zero or more words, every other word matches
 * an equal word. The routing key is literal: a '*' or '#' in it is an ordinary word.
 *
 * Naive backtracking is exponential in the number of '#' (each '#' tries every split of the rest), so this
 * fills a table instead: `rest[j]` says whether binding words i.. match key words j.., computed for i from the
 * last binding word down to the first. Each (i, j) cell is computed once from cells of row i + 1 and the cell
 * to its right, so a match costs (binding words + 1) x (key words + 1) steps: at most 17 x 17 = 289 for keys
 * within the limits, and still quadratic for unvalidated input.
 */
export function matchesBindingKey(
  bindingKey: string,
  routingKey: string | undefined,
  counter?: MatchCounter,
): boolean {
  const pattern = splitWords(bindingKey);
  const words = splitWords(routingKey);
  const m = words.length;
  // Row i = pattern.length: the empty pattern matches only the end of the key.
  let next: boolean[] = Array.from({ length: m + 1 }, (_, j) => j === m);
  if (counter) counter.steps += m + 1;
  for (let i = pattern.length - 1; i >= 0; i--) {
    const word = pattern[i]!;
    const row: boolean[] = new Array<boolean>(m + 1);
    for (let j = m; j >= 0; j--) {
      if (word === '#') {
        // Consume nothing and move on, or consume key word j and stay on this '#'.
        row[j] = next[j]! || (j < m && row[j + 1]!);
      } else {
        row[j] = j < m && (word === '*' || word === words[j]) && next[j + 1]!;
      }
    }
    if (counter) counter.steps += m + 1;
    next = row;
  }
  return next[0]!;
}

/**
 * A subscription receives the message if any of its binding keys matches (§4.2). A subscription without
 * binding keys matches nothing on a routing topic, as a RabbitMQ queue without bindings receives nothing.
 */
export function matchesBindingKeys(bindingKeys: readonly string[], routingKey: string | undefined): boolean {
  return bindingKeys.some((bindingKey) => matchesBindingKey(bindingKey, routingKey));
}

/**
 * Checks a published routing key: at most 64 UTF-8 bytes and 15 dots, no '*' or '#' anywhere (it is literal,
 * and rejecting the characters, not just whole-word wildcards, keeps a key from ever reading as a pattern).
 * Undefined and '' are valid and mean "no key"; whether a routing topic requires one is the caller's rule.
 */
export function checkRoutingKey(routingKey: string | undefined): FilterCheck {
  if (routingKey === undefined) return OK;
  const { routingKeyMaxBytes, maxDots } = TOPIC_FILTER_LIMITS;
  const bytes = Buffer.byteLength(routingKey, 'utf8');
  if (bytes > routingKeyMaxBytes) {
    return fail(`routingKey is ${bytes} bytes, at most ${routingKeyMaxBytes} are allowed`);
  }
  const dots = countDots(routingKey);
  if (dots > maxDots) return fail(`routingKey has ${dots} dots, at most ${maxDots} are allowed`);
  if (/[*#]/.test(routingKey)) {
    return fail(`routingKey ${JSON.stringify(routingKey)} contains '*' or '#'; a routing key is literal`);
  }
  return OK;
}

/**
 * Checks a subscription's binding keys: at most 5, each 1-64 UTF-8 bytes with at most 15 dots, and '*' or
 * '#' only as a whole word ('a.*.#' is valid, 'a.b#' and '**' are not). Empty words are allowed ('a..b').
 * An empty list is valid here; whether a routing-topic subscription needs one (10710) is the caller's rule.
 */
export function checkBindingKeys(bindingKeys: readonly string[]): FilterCheck {
  const { maxBindingKeys, bindingKeyBytes, maxDots } = TOPIC_FILTER_LIMITS;
  if (bindingKeys.length > maxBindingKeys) {
    return fail(`${bindingKeys.length} binding keys given, at most ${maxBindingKeys} are allowed`);
  }
  for (const bindingKey of bindingKeys) {
    const quoted = JSON.stringify(bindingKey);
    const bytes = Buffer.byteLength(bindingKey, 'utf8');
    if (bytes < bindingKeyBytes.min || bytes > bindingKeyBytes.max) {
      return fail(
        `bindingKey ${quoted} is ${bytes} bytes, each must be ${bindingKeyBytes.min}-${bindingKeyBytes.max}`,
      );
    }
    const dots = countDots(bindingKey);
    if (dots > maxDots) return fail(`bindingKey ${quoted} has ${dots} dots, at most ${maxDots} are allowed`);
    const misplaced = bindingKey.split('.').find((word) => /[*#]/.test(word) && word !== '*' && word !== '#');
    if (misplaced !== undefined) {
      return fail(`bindingKey ${quoted} has '*' or '#' inside the word ${JSON.stringify(misplaced)}`);
    }
  }
  return OK;
}

// ---------------------------------------------------------------------------------------------------------
// Fan-out

/**
 * The subscriptions of a topic that receive `message`, in their given order. The topic's filter type selects
 * the mechanism; the other mechanism's fields are ignored (§4). An empty result on publish is 10730 (§3.6),
 * which the caller raises.
 */
export function selectSubscriptions<S extends FilterableSubscription>(
  filterType: FilterType,
  subscriptions: readonly S[],
  message: FilterableMessage,
): S[] {
  switch (filterType) {
    case FILTER_TYPES.tag:
      return subscriptions.filter((subscription) => matchesTags(subscription.filterTags, message.tags));
    case FILTER_TYPES.routingKey:
      return subscriptions.filter((subscription) =>
        matchesBindingKeys(subscription.bindingKeys, message.routingKey),
      );
  }
}
