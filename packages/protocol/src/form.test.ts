import { describe, expect, it } from 'vitest';
import { decodeForm, encodeForm, readArray } from './form.js';

const decoded = (text: string, maxParams = 256): Map<string, string> => {
  const result = decodeForm(text, maxParams);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to decode, got ${result.error.kind}`);
  return result.params;
};

/**
 * A form decoded by splitting it and decodeURIComponent, refusing what that cannot decode (a malformed
 * escape, escapes not of UTF-8), with decodeForm's order of checks: the name, then the count, then the value.
 */
function decodeStrictly(text: string, maxParams: number): ReturnType<typeof decodeForm> {
  const strict = (raw: string): string | undefined => {
    try {
      return decodeURIComponent(raw.replaceAll('+', ' '));
    } catch {
      return undefined;
    }
  };
  const params = new Map<string, string>();
  for (const piece of (text.startsWith('?') ? text.slice(1) : text).split('&')) {
    if (piece === '') continue;
    const equals = piece.indexOf('=');
    const rawKey = equals === -1 ? piece : piece.slice(0, equals);
    const key = strict(rawKey);
    if (key === undefined) return { ok: false, error: { kind: 'malformed', key: rawKey } };
    if (key.length === 0) continue;
    if (params.size >= maxParams) {
      if (params.has(key)) return { ok: false, error: { kind: 'duplicate', key } };
      return { ok: false, error: { kind: 'too-many', limit: maxParams } };
    }
    const value = strict(equals === -1 ? '' : piece.slice(equals + 1));
    if (value === undefined) return { ok: false, error: { kind: 'malformed', key } };
    if (params.has(key)) return { ok: false, error: { kind: 'duplicate', key } };
    params.set(key, value);
  }
  return { ok: true, params };
}

/** What decodeForm did before its own parser: URLSearchParams, with the same duplicate and size rules. */
function decodeWithUrlSearchParams(text: string, maxParams: number): ReturnType<typeof decodeForm> {
  const params = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(text)) {
    if (key.length === 0) continue;
    if (params.has(key)) return { ok: false, error: { kind: 'duplicate', key } };
    if (params.size >= maxParams) return { ok: false, error: { kind: 'too-many', limit: maxParams } };
    params.set(key, value);
  }
  return { ok: true, params };
}

describe('decodeForm', () => {
  it('decodes as URLSearchParams does, and refuses malformed escapes and bad UTF-8, when given random forms', () => {
    const pieces = [
      'a',
      'b',
      'msgBody',
      '=',
      '&',
      '+',
      '%',
      '%4',
      '%41',
      '%2B',
      '%26',
      '%3d',
      '%zz',
      '%C3%A9',
      '%E4%BD',
      '%F0%9F%98%80',
      '%FF',
      'é',
      '你',
      '?',
      ' ',
      '.',
      '0',
      '1',
    ];
    let seed = 7;
    let malformed = 0;
    const next = (n: number) => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      const text = Array.from({ length: next(24) }, () => pieces[next(pieces.length)]!).join('');
      const maxParams = 1 + next(6);
      const expected = decodeStrictly(text, maxParams);
      expect(decodeForm(text, maxParams), text).toEqual(expected);
      if (expected.ok) expect(expected, text).toEqual(decodeWithUrlSearchParams(text, maxParams));
      else malformed += expected.error.kind === 'malformed' ? 1 : 0;
    }
    // The random forms reach the refusal often, and decode often.
    expect(malformed).toBeGreaterThan(500);
    expect(malformed).toBeLessThan(4500);
  });

  it('decodes + as a space when values were form-encoded', () => {
    expect(decoded('msgBody=hello+world').get('msgBody')).toBe('hello world');
  });

  it('decodes %XX escapes in keys and values when present', () => {
    const params = decoded('msg%42ody=%41%2b%26%3D%25&x=%20');
    expect(params.get('msgBody')).toBe('A+&=%');
    expect(params.get('x')).toBe(' ');
  });

  it('decodes as URLSearchParams does when a value holds more escapes than are sliced, or ASCII and non-ASCII ones mixed', () => {
    for (const value of [
      '%7C'.repeat(15) + 'x',
      '%7C'.repeat(16) + 'x',
      'a%7Cb'.repeat(40),
      '%7C%C3%A9%7C',
    ]) {
      const text = `msgBody=${value}`;
      expect(decodeForm(text, 4), value).toEqual(decodeWithUrlSearchParams(text, 4));
    }
  });

  it('refuses a value with a malformed escape or escapes not of UTF-8, naming its parameter, instead of altering it', () => {
    for (const value of [
      '%41%4',
      '%41%zz',
      'abc%',
      'a%ZZb',
      '%7F%80',
      'a%E0%A4',
      '%FF',
      '%C0%80',
      '%ED%A0%80',
    ]) {
      expect(decodeForm(`queueName=q&msgBody=${value}`, 4), value).toEqual({
        ok: false,
        error: { kind: 'malformed', key: 'msgBody' },
      });
    }
    expect(decodeForm('msg%ZZBody=x', 4)).toEqual({
      ok: false,
      error: { kind: 'malformed', key: 'msg%ZZBody' },
    });
  });

  it('decodes multi-byte UTF-8 sequences when values hold non-ASCII text', () => {
    expect(decoded('msgBody=%E4%BD%A0%E5%A5%BD%F0%9F%98%80').get('msgBody')).toBe('你好😀');
  });

  it('keeps everything after the first = as the value when a value contains =', () => {
    expect(decoded('a=b=c').get('a')).toBe('b=c');
  });

  it('returns every parameter in order when keys are distinct', () => {
    expect([...decoded('b=2&a=1&c=')]).toEqual([
      ['b', '2'],
      ['a', '1'],
      ['c', ''],
    ]);
  });

  it('returns an empty map when the body is empty', () => {
    const result = decodeForm('', 256);
    expect(result).toEqual({ ok: true, params: new Map() });
  });

  it('skips empty pairs when the body has stray separators', () => {
    expect([...decoded('&&a=1&&')]).toEqual([['a', '1']]);
  });

  it('fails naming the key when a key repeats', () => {
    expect(decodeForm('queueName=a&msgBody=x&queueName=b', 256)).toEqual({
      ok: false,
      error: { kind: 'duplicate', key: 'queueName' },
    });
  });

  it('fails when a key repeats in another spelling of the same escape', () => {
    expect(decodeForm('a=1&%61=2', 256)).toEqual({ ok: false, error: { kind: 'duplicate', key: 'a' } });
  });

  it('fails with the limit when there are more parameters than allowed', () => {
    expect(decodeForm('a=1&b=2&c=3', 2)).toEqual({ ok: false, error: { kind: 'too-many', limit: 2 } });
  });

  it('accepts exactly the allowed number of parameters when at the limit', () => {
    expect(decoded('a=1&b=2', 2).size).toBe(2);
  });
});

describe('encodeForm', () => {
  it('round-trips through decodeForm when values hold reserved and non-ASCII characters', () => {
    const params = new Map([
      ['msgBody', 'a b+c&d=e%f 你好'],
      ['queueName', 'q-1'],
    ]);
    expect(decoded(encodeForm(params))).toEqual(params);
  });
});

describe('readArray', () => {
  const params = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries));

  it('collects values in index order when indices start at 0', () => {
    const p = params({ 'msgBody.1': 'b', 'msgBody.0': 'a', 'msgBody.2': 'c' });
    expect(readArray(p, 'msgBody', 16)).toEqual({ ok: true, values: ['a', 'b', 'c'] });
  });

  it('collects values in index order when indices start at 1', () => {
    const p = params({ 'msgBody.2': 'b', 'msgBody.1': 'a' });
    expect(readArray(p, 'msgBody', 16)).toEqual({ ok: true, values: ['a', 'b'] });
  });

  it('sorts numerically when indices reach two digits', () => {
    const entries: Record<string, string> = {};
    // Inserted in lexicographic order: 1, 10, 11, 2, … 9.
    for (const i of ['1', '10', '11', '2', '3', '4', '5', '6', '7', '8', '9'])
      entries[`msgBody.${i}`] = `m${i}`;
    const result = readArray(params(entries), 'msgBody', 16);
    expect(result).toEqual({
      ok: true,
      values: ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11'],
    });
  });

  it('ignores other parameters when they only share a prefix', () => {
    const p = params({ 'msgBodyX.0': 'y', 'msgBody.0': 'a', 'other.1': 'z', queueName: 'q' });
    expect(readArray(p, 'msgBody', 16)).toEqual({ ok: true, values: ['a'] });
  });

  it('refuses a bare name beside indexed ones, which would drop one of them, but not an empty bare name', () => {
    const mixed = params({ msgBody: 'x', 'msgBody.0': 'a' });
    expect(readArray(mixed, 'msgBody', 16)).toEqual({ ok: false, reason: 'mixed', name: 'msgBody' });
    const empty = params({ msgBody: '', 'msgBody.0': 'a' });
    expect(readArray(empty, 'msgBody', 16)).toEqual({ ok: true, values: ['a'] });
  });

  it('refuses indices with leading zeros (msgBody.01 would be a second msgBody.1)', () => {
    for (const key of ['msgBody.01', 'msgBody.00', 'msgBody.007']) {
      expect(readArray(params({ [key]: 'a' }), 'msgBody', 16)).toMatchObject({
        ok: false,
        reason: 'not-consecutive',
      });
    }
    expect(readArray(params({ 'msgBody.0': 'a', 'msgBody.10': 'b' }), 'msgBody', 16)).toMatchObject({
      ok: false,
    });
  });

  it('returns an empty list when the array is absent', () => {
    expect(readArray(params({ queueName: 'q' }), 'receiptHandle', 16)).toEqual({ ok: true, values: [] });
  });

  it('fails as not-consecutive when an index is missing', () => {
    const p = params({ 'msgBody.0': 'a', 'msgBody.1': 'b', 'msgBody.3': 'd' });
    expect(readArray(p, 'msgBody', 16)).toEqual({ ok: false, reason: 'not-consecutive', name: 'msgBody' });
  });

  it('fails as not-consecutive when indices start at 2', () => {
    const p = params({ 'msgBody.2': 'a', 'msgBody.3': 'b' });
    expect(readArray(p, 'msgBody', 16)).toEqual({ ok: false, reason: 'not-consecutive', name: 'msgBody' });
  });

  it.each(['x', '', '-1', '1.5', ' 1', '1a', '1234567'])(
    'fails as not-consecutive when an index is %j',
    (suffix) => {
      const p = params({ 'msgBody.0': 'a', [`msgBody.${suffix}`]: 'b' });
      expect(readArray(p, 'msgBody', 16)).toEqual({ ok: false, reason: 'not-consecutive', name: 'msgBody' });
    },
  );

  it('fails as not-consecutive when two spellings name the same index', () => {
    const p = params({ 'msgBody.1': 'a', 'msgBody.01': 'b' });
    expect(readArray(p, 'msgBody', 16)).toEqual({ ok: false, reason: 'not-consecutive', name: 'msgBody' });
  });

  it('fails as too-many when there are more elements than the maximum', () => {
    const entries: Record<string, string> = {};
    for (let i = 1; i <= 17; i++) entries[`receiptHandle.${i}`] = `h${i}`;
    expect(readArray(params(entries), 'receiptHandle', 16)).toEqual({
      ok: false,
      reason: 'too-many',
      name: 'receiptHandle',
    });
  });

  it('accepts exactly the maximum number of elements when at the limit', () => {
    const entries: Record<string, string> = {};
    for (let i = 0; i < 16; i++) entries[`receiptHandle.${i}`] = `h${i}`;
    const result = readArray(params(entries), 'receiptHandle', 16);
    expect(result.ok && result.values.length).toBe(16);
  });
});
