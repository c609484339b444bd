import { describe, expect, it } from 'vitest';
import {
  checkBindingKeys,
  checkRoutingKey,
  checkTags,
  FILTER_TYPES,
  matchesBindingKey,
  matchesBindingKeys,
  matchesTags,
  selectSubscriptions,
  TOPIC_FILTER_LIMITS,
  type FilterCheck,
  type MatchCounter,
} from './topic-filter.js';

const reasonOf = (check: FilterCheck): string | undefined => (check.ok ? undefined : check.reason);

/** n words 'w0.w1...' joined by dots. */
const wordsKey = (n: number, last?: string): string =>
  Array.from({ length: n }, (_, i) => (i === n - 1 && last !== undefined ? last : `w${i}`)).join('.');

describe('matchesTags', () => {
  it.each([
    { filterTags: [], msgTags: [], expected: true, why: 'no filter tags, untagged message (§4.1 rule 1)' },
    {
      filterTags: [],
      msgTags: ['a', 'b'],
      expected: true,
      why: 'no filter tags, tagged message (§4.1 rule 1)',
    },
    { filterTags: ['a'], msgTags: [], expected: false, why: 'filter tags, untagged message (§4.1 rule 3)' },
    { filterTags: ['a'], msgTags: ['a'], expected: true, why: 'the same single tag' },
    { filterTags: ['a', 'b'], msgTags: ['c', 'b'], expected: true, why: 'one tag in common (§4.1 rule 2)' },
    { filterTags: ['a', 'b'], msgTags: ['c', 'd'], expected: false, why: 'no tag in common' },
    { filterTags: ['system'], msgTags: ['System'], expected: false, why: 'tags differing only in case' },
    { filterTags: ['ab'], msgTags: ['a'], expected: false, why: 'a prefix of a tag' },
    { filterTags: ['a'], msgTags: ['a '], expected: false, why: 'a trailing blank' },
    { filterTags: ['系统'], msgTags: ['系统'], expected: true, why: 'equal non-ASCII tags' },
  ])('returns $expected when $why', ({ filterTags, msgTags, expected }) => {
    expect(matchesTags(filterTags, msgTags)).toBe(expected);
  });
});

describe('checkTags', () => {
  it.each([
    { tags: [], why: 'there are no tags' },
    { tags: ['a', 'b', 'c', 'd', 'e'], why: 'there are 5 tags' },
    { tags: ['a'.repeat(16)], why: 'a tag is 16 characters' },
    { tags: ['标'.repeat(16)], why: 'a tag is 16 CJK characters (48 bytes)' },
    { tags: ['😀'.repeat(16)], why: 'a tag is 16 astral code points (32 UTF-16 units)' },
    { tags: ['a', 'a'], why: 'a tag is repeated' },
  ])('accepts the tags when $why', ({ tags }) => {
    expect(checkTags(tags)).toEqual({ ok: true });
  });

  it.each([
    { tags: ['a', 'b', 'c', 'd', 'e', 'f'], why: 'there are 6 tags', mentions: '5' },
    { tags: [''], why: 'a tag is empty', mentions: '1-16' },
    { tags: ['a'.repeat(17)], why: 'a tag is 17 characters', mentions: '1-16' },
    { tags: ['😀'.repeat(17)], why: 'a tag is 17 astral code points', mentions: '1-16' },
    { tags: ['ok', 'b'.repeat(17)], why: 'a later tag is too long', mentions: '"' + 'b'.repeat(17) + '"' },
  ])('rejects the tags naming the limit when $why', ({ tags, mentions }) => {
    const check = checkTags(tags);
    expect(check.ok).toBe(false);
    expect(reasonOf(check)).toContain(mentions);
  });
});

describe('matchesBindingKey', () => {
  it.each([
    // '#' and the empty routing key (§4.2: "routing_key为空字符串时，不匹配 *，但可以匹配 #").
    ['#', '', true],
    ['#', undefined, true],
    ['#.#', '', true],
    ['#.#.#', '', true],
    ['*', '', false],
    ['*', undefined, false],
    ['#.*', '', false],
    ['*.#', '', false],
    ['a', '', false],
    ['a.#', '', false],
    ['#', 'a', true],
    ['#', 'a.b.c', true],
    ['#.#', 'a', true],
    ['#.#', 'a.b.c', true],
    // '*' is exactly one word.
    ['*', 'a', true],
    ['*', 'a.b', false],
    ['*.*', 'a', false],
    ['*.*', 'a.b', true],
    ['*.*', 'a.b.c', false],
    ['#.*', 'a', true],
    ['#.*', 'a.b.c', true],
    ['*.#', 'a', true],
    ['#.*.#', 'a.b', true],
    ['*.*.#', 'a', false],
    // '#' consumes zero or more words, at either end or in the middle.
    ['a.#', 'a', true],
    ['a.#', 'a.b.c', true],
    ['a.#', 'b', false],
    ['a.#', 'ab', false],
    ['a.#', 'b.a', false],
    ['#.a', 'a', true],
    ['#.a', 'x.y.a', true],
    ['#.a', 'a.x', false],
    ['#.a.#', 'a', true],
    ['#.a.#', 'x.a.y', true],
    ['#.a.#', 'x.y.a', true],
    ['#.a.#', 'a.a', true],
    ['#.a.#', 'x.y', false],
    ['#.a.#', 'x.ab.y', false],
    ['a.#.b.#.c', 'a.b.c', true],
    ['a.#.b.#.c', 'a.x.b.y.z.c', true],
    ['a.#.b.#.c', 'a.c.b', false],
    // The doc's example (§4.2): '1.#.0' matches zero words in the middle as well as many.
    ['1.#.0', '1.0', true],
    ['1.#.0', '1.2.3.4.4.2.2.0', true],
    ['1.#.0', '1.0.0', true],
    ['1.#.0', '1.2', false],
    ['1.#.0', '0.1', false],
    ['1.#.0', '1.0.1', false],
    // Literal words are whole, exact and case-sensitive.
    ['a.b', 'a.b', true],
    ['a.b', 'A.b', false],
    ['a.b', 'a.b.c', false],
    ['a.b.c', 'a.b', false],
    ['a.b', 'a.bc', false],
    // Empty words: 'a..b' is ['a', '', 'b']; an empty word is matched by '*', '#' and an empty literal word.
    ['a..b', 'a..b', true],
    ['a.*.b', 'a..b', true],
    ['a.#.b', 'a..b', true],
    ['a.#', 'a..b', true],
    ['a.b', 'a..b', false],
    ['a..b', 'a.b', false],
    ['a..b', 'a.x.b', false],
    ['*.*', 'a..b', false],
    ['*.*.*', 'a..b', true],
    ['*.*', '.', true],
    ['*', '.', false],
    ['#', '.', true],
    ['.', '.', true],
    ['*.a', '.a', true],
    ['a', '.a', false],
    ['#.a', '.a', true],
    ['a.*', 'a.', true],
    ['a', 'a.', false],
    ['a.#', 'a.', true],
    // An empty binding key is zero words, like an empty routing key (checkBindingKeys rejects it).
    ['', '', true],
    ['', 'a', false],
  ] as const)('matches binding %j against routing key %j: %s', (bindingKey, routingKey, expected) => {
    expect(matchesBindingKey(bindingKey, routingKey)).toBe(expected);
  });

  it('agrees with a regular-expression reference when every short binding meets every short key', () => {
    // Independent formulation: each word becomes '|word', '*' one such group, '#' any number of them.
    const toRegExp = (pattern: readonly string[]): RegExp =>
      new RegExp(
        `^${pattern.map((w) => (w === '#' ? '(?:\\|[ab]*)*' : w === '*' ? '\\|[ab]*' : `\\|${w}`)).join('')}$`,
      );
    const lists = (alphabet: readonly string[], maxWords: number): string[][] => {
      const out: string[][] = [[]];
      for (let n = 1, level: string[][] = [[]]; n <= maxWords; n++) {
        level = level.flatMap((list) => alphabet.map((w) => [...list, w]));
        out.push(...level);
      }
      // A single empty word has no string form distinct from the empty key.
      return out.filter((list) => !(list.length === 1 && list[0] === ''));
    };
    const patterns = lists(['a', 'b', '', '*', '#'], 4);
    const keys = lists(['a', 'b', ''], 4);
    const mismatches: string[] = [];
    let compared = 0;
    for (const pattern of patterns) {
      const reference = toRegExp(pattern);
      for (const key of keys) {
        const expected = reference.test(key.map((w) => `|${w}`).join(''));
        if (matchesBindingKey(pattern.join('.'), key.join('.')) !== expected) {
          mismatches.push(`${JSON.stringify(pattern.join('.'))} vs ${JSON.stringify(key.join('.'))}`);
        }
        compared++;
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBe(780 * 120);
  });

  it('treats wildcard characters in a routing key as literal words when the key was not validated', () => {
    expect(matchesBindingKey('a.b', 'a.*')).toBe(false);
    expect(matchesBindingKey('a.b.c', 'a.#')).toBe(false);
    expect(matchesBindingKey('a.*', 'a.*')).toBe(true);
  });

  it('matches the live test of §4.2 when bindings are system.common and *.common', () => {
    expect(matchesBindingKey('system.common', 'system.common')).toBe(true);
    expect(matchesBindingKey('*.common', 'system.common')).toBe(true);
    expect(matchesBindingKey('system.common', 'app.common')).toBe(false);
    expect(matchesBindingKey('*.common', 'app.common')).toBe(true);
  });

  it('does (binding words + 1) x (key words + 1) steps when 15 leading # meet a 16-word key', () => {
    const bindingKey = `${'#.'.repeat(15)}x`;
    const missing: MatchCounter = { steps: 0 };
    expect(matchesBindingKey(bindingKey, wordsKey(16), missing)).toBe(false);
    expect(missing.steps).toBe(17 * 17);
    const hit: MatchCounter = { steps: 0 };
    expect(matchesBindingKey(bindingKey, wordsKey(16, 'x'), hit)).toBe(true);
    expect(hit.steps).toBe(17 * 17);
  });

  it('stays quadratic when unvalidated keys are far beyond the limits', () => {
    // Backtracking would try C(200, 100) splits here; the table has 102 x 101 cells.
    const counter: MatchCounter = { steps: 0 };
    expect(matchesBindingKey(`${'#.'.repeat(100)}x`, wordsKey(100), counter)).toBe(false);
    expect(counter.steps).toBe(102 * 101);
    // 100 '*' and the 'x' need 101 words; 99 '*' and the 'x' fit exactly.
    expect(matchesBindingKey(`${'#.*.'.repeat(100)}x`, wordsKey(100, 'x'))).toBe(false);
    expect(matchesBindingKey(`${'#.*.'.repeat(99)}x`, wordsKey(100, 'x'))).toBe(true);
  });
});

describe('matchesBindingKeys', () => {
  it.each([
    { bindingKeys: [], routingKey: 'a', expected: false, why: 'there are no binding keys' },
    { bindingKeys: [], routingKey: undefined, expected: false, why: 'there are no keys at all' },
    { bindingKeys: ['x', '#'], routingKey: 'a', expected: true, why: 'a later key matches' },
    { bindingKeys: ['a.*', 'b'], routingKey: 'c', expected: false, why: 'no key matches' },
    { bindingKeys: ['a.*', 'b'], routingKey: 'a.z', expected: true, why: 'the first key matches' },
    {
      bindingKeys: ['*', 'a'],
      routingKey: '',
      expected: false,
      why: 'the routing key is empty and no key is #',
    },
    {
      bindingKeys: ['*', '#'],
      routingKey: undefined,
      expected: true,
      why: 'the routing key is absent and one key is #',
    },
  ])('returns $expected when $why', ({ bindingKeys, routingKey, expected }) => {
    expect(matchesBindingKeys(bindingKeys, routingKey)).toBe(expected);
  });
});

describe('checkRoutingKey', () => {
  it.each([
    { routingKey: undefined, why: 'the key is absent' },
    { routingKey: '', why: 'the key is empty' },
    { routingKey: 'a.b', why: 'the key has two words' },
    { routingKey: 'a'.repeat(64), why: 'the key is 64 bytes' },
    { routingKey: '中'.repeat(21), why: 'the key is 63 bytes of CJK' },
    { routingKey: wordsKey(16), why: 'the key has 15 dots' },
    { routingKey: 'a..b', why: 'the key has an empty word' },
    { routingKey: '.', why: 'the key is a single dot' },
  ])('accepts the routing key when $why', ({ routingKey }) => {
    expect(checkRoutingKey(routingKey)).toEqual({ ok: true });
  });

  it.each([
    { routingKey: 'a'.repeat(65), why: 'the key is 65 bytes', mentions: '64' },
    { routingKey: '中'.repeat(22), why: 'the key is 66 bytes of CJK in 22 characters', mentions: '64' },
    { routingKey: wordsKey(17), why: 'the key has 16 dots', mentions: '15' },
    { routingKey: '.'.repeat(16), why: 'the key is 16 dots', mentions: '15' },
    { routingKey: '*', why: 'the key is *', mentions: 'literal' },
    { routingKey: 'a.#', why: 'the key has a # word', mentions: 'literal' },
    { routingKey: 'a#b', why: 'the key has # inside a word', mentions: 'literal' },
  ])('rejects the routing key naming the limit when $why', ({ routingKey, mentions }) => {
    const check = checkRoutingKey(routingKey);
    expect(check.ok).toBe(false);
    expect(reasonOf(check)).toContain(mentions);
  });
});

describe('checkBindingKeys', () => {
  it.each([
    { bindingKeys: [], why: 'there are no keys' },
    { bindingKeys: ['#'], why: 'the key is #' },
    { bindingKeys: ['*'], why: 'the key is *' },
    { bindingKeys: ['#.#'], why: 'the key is #.#' },
    { bindingKeys: ['*.a.#', '1.#.0'], why: 'wildcards are whole words' },
    { bindingKeys: ['a', 'b', 'c', 'd', 'e'], why: 'there are 5 keys' },
    { bindingKeys: ['a'.repeat(64)], why: 'a key is 64 bytes' },
    { bindingKeys: [wordsKey(16)], why: 'a key has 15 dots' },
    { bindingKeys: ['a..b', '.#'], why: 'keys have empty words' },
  ])('accepts the binding keys when $why', ({ bindingKeys }) => {
    expect(checkBindingKeys(bindingKeys)).toEqual({ ok: true });
  });

  it.each([
    { bindingKeys: ['a', 'b', 'c', 'd', 'e', 'f'], why: 'there are 6 keys', mentions: '5' },
    { bindingKeys: [''], why: 'a key is empty', mentions: '1-64' },
    { bindingKeys: ['a'.repeat(65)], why: 'a key is 65 bytes', mentions: '1-64' },
    { bindingKeys: ['é'.repeat(33)], why: 'a key is 66 bytes in 33 characters', mentions: '1-64' },
    { bindingKeys: [wordsKey(17)], why: 'a key has 16 dots', mentions: '15' },
    { bindingKeys: ['a.b#'], why: '# is glued to a word', mentions: '"b#"' },
    { bindingKeys: ['#a'], why: '# starts a word', mentions: '"#a"' },
    { bindingKeys: ['a.*b.c'], why: '* starts a word', mentions: '"*b"' },
    { bindingKeys: ['**'], why: 'a word is **', mentions: '"**"' },
    { bindingKeys: ['##.a'], why: 'a word is ##', mentions: '"##"' },
    { bindingKeys: ['#', 'ok.*', 'a*'], why: 'only a later key is malformed', mentions: '"a*"' },
  ])('rejects the binding keys naming the limit when $why', ({ bindingKeys, mentions }) => {
    const check = checkBindingKeys(bindingKeys);
    expect(check.ok).toBe(false);
    expect(reasonOf(check)).toContain(mentions);
  });
});

describe('TOPIC_FILTER_LIMITS', () => {
  it('holds the limits of cmq-api.md §7 when read as data', () => {
    expect(TOPIC_FILTER_LIMITS).toEqual({
      maxTags: 5,
      tagLengthChars: { min: 1, max: 16 },
      routingKeyMaxBytes: 64,
      maxBindingKeys: 5,
      bindingKeyBytes: { min: 1, max: 64 },
      maxDots: 15,
    });
  });
});

describe('selectSubscriptions', () => {
  const subscription = (name: string, filterTags: string[], bindingKeys: string[]) => ({
    name,
    filterTags,
    bindingKeys,
  });
  const names = (selected: readonly { name: string }[]): string[] => selected.map((s) => s.name);

  it('delivers as the live tag test of §4.1 when sub1 filters on system and sub2 has no tags', () => {
    const subs = [subscription('sub1', ['system'], []), subscription('sub2', [], [])];
    const untagged = selectSubscriptions(FILTER_TYPES.tag, subs, { tags: [], routingKey: undefined });
    const tagged = selectSubscriptions(FILTER_TYPES.tag, subs, { tags: ['system'], routingKey: undefined });
    expect(names(untagged)).toEqual(['sub2']);
    expect(names(tagged)).toEqual(['sub1', 'sub2']);
  });

  it('ignores binding keys and the routing key when the topic filters on tags (Java testTopicWithRouteKey)', () => {
    const subs = [
      subscription('route', [], ['route.#']),
      subscription('never', [], ['nothing.matches']),
      subscription('tagged', ['t'], ['#']),
    ];
    const selected = selectSubscriptions(FILTER_TYPES.tag, subs, { tags: [], routingKey: 'route.single' });
    expect(names(selected)).toEqual(['route', 'never']);
  });

  it('delivers as the live routing test of §4.2 when bindings are system.common and *.common', () => {
    const subs = [subscription('exact', [], ['system.common']), subscription('star', [], ['*.common'])];
    const system = selectSubscriptions(FILTER_TYPES.routingKey, subs, {
      tags: [],
      routingKey: 'system.common',
    });
    const app = selectSubscriptions(FILTER_TYPES.routingKey, subs, { tags: [], routingKey: 'app.common' });
    expect(names(system)).toEqual(['exact', 'star']);
    expect(names(app)).toEqual(['star']);
  });

  it('ignores filter tags and message tags when the topic filters on routing keys', () => {
    const subs = [
      subscription('a', ['t'], ['a']),
      subscription('b', ['t'], ['b']),
      subscription('none', ['t'], []),
    ];
    const selected = selectSubscriptions(FILTER_TYPES.routingKey, subs, { tags: ['t'], routingKey: 'a' });
    expect(names(selected)).toEqual(['a']);
    const untagged = selectSubscriptions(FILTER_TYPES.routingKey, subs, { tags: [], routingKey: 'b' });
    expect(names(untagged)).toEqual(['b']);
  });

  it('selects only # bindings when a routing topic message has no routing key', () => {
    const subs = [
      subscription('hash', [], ['#']),
      subscription('star', [], ['*']),
      subscription('both', [], ['a', '#.#']),
    ];
    for (const routingKey of [undefined, '']) {
      const selected = selectSubscriptions(FILTER_TYPES.routingKey, subs, { tags: [], routingKey });
      expect(names(selected)).toEqual(['hash', 'both']);
    }
  });

  it('returns the given subscription objects in order when several match', () => {
    const subs = [subscription('x', [], ['#']), subscription('y', [], ['*']), subscription('z', [], ['a.#'])];
    const selected = selectSubscriptions(FILTER_TYPES.routingKey, subs, { tags: [], routingKey: 'a' });
    expect(selected).toHaveLength(3);
    selected.forEach((s, i) => expect(s).toBe(subs[i]));
  });

  it('returns nothing when no subscription matches or there are none', () => {
    const subs = [subscription('x', ['a'], []), subscription('y', ['b'], [])];
    expect(selectSubscriptions(FILTER_TYPES.tag, subs, { tags: ['c'], routingKey: undefined })).toEqual([]);
    expect(selectSubscriptions(FILTER_TYPES.tag, [], { tags: [], routingKey: undefined })).toEqual([]);
    expect(selectSubscriptions(FILTER_TYPES.routingKey, [], { tags: [], routingKey: '' })).toEqual([]);
  });
});
