/**
 * Request parameters of the CMQ v2 transport: a flat string map decoded from a form body or query
 * string (cmq-api.md §1.2), and `name.n` arrays (§1.4).
 */
export type Params = ReadonlyMap<string, string>;

export type FormError =
  | { readonly kind: 'duplicate'; readonly key: string }
  | { readonly kind: 'too-many'; readonly limit: number }
  /** A name or value with a malformed %-escape or escapes that are not UTF-8; `key` is the parameter's. */
  | { readonly kind: 'malformed'; readonly key: string };

/**
 * Decodes `k=v&k=v` form data ('+' is a space, %XX escapes of UTF-8). A repeated key is an error (10330):
 * CMQ parameters are never repeatable, arrays use `name.n`. A malformed escape (`%ZZ`, a lone `%`) or
 * escapes that are not UTF-8 make the form malformed: decoding them anyway, as URLSearchParams does (kept
 * as typed, or replaced by U+FFFD), would store a message body other than the one sent.
 */
export function decodeForm(
  text: string,
  maxParams: number,
): { ok: true; params: Map<string, string> } | { ok: false; error: FormError } {
  const params = new Map<string, string>();
  // URLSearchParams drops one leading '?' too.
  let start = text.startsWith('?') ? 1 : 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start) {
      const equals = text.indexOf('=', start);
      const split = equals === -1 || equals > end ? end : equals;
      const rawKey = text.slice(start, split);
      const key = decodeComponent(rawKey);
      if (key === undefined) return { ok: false, error: { kind: 'malformed', key: rawKey } };
      if (key.length > 0) {
        const size = params.size;
        if (size >= maxParams) {
          if (params.has(key)) return { ok: false, error: { kind: 'duplicate', key } };
          return { ok: false, error: { kind: 'too-many', limit: maxParams } };
        }
        const value = split === end ? '' : decodeComponent(text.slice(split + 1, end));
        if (value === undefined) return { ok: false, error: { kind: 'malformed', key } };
        // One hash lookup a parameter: a key seen before leaves the size as it was.
        params.set(key, value);
        if (params.size === size) return { ok: false, error: { kind: 'duplicate', key } };
      }
    }
    start = end + 1;
  }
  return { ok: true, params };
}

/**
 * One name or value of application/x-www-form-urlencoded ('+' is a space; %XX are bytes of UTF-8), or
 * undefined when an escape is malformed or the escaped bytes are not UTF-8. A few escapes of ASCII
 * characters (a message body's punctuation) are sliced out; otherwise decodeURIComponent, which is native,
 * agrees with URLSearchParams whenever it succeeds, and throws where URLSearchParams would keep or replace.
 */
function decodeComponent(raw: string): string | undefined {
  const spaced = raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  const first = spaced.indexOf('%');
  if (first === -1) return spaced;
  const sliced = decodeAsciiEscapes(spaced, first);
  if (sliced !== undefined) return sliced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return undefined;
  }
}

/** Past this many escapes the slices would make a deep string: decodeURIComponent builds it flat. */
const MAX_SLICED_ESCAPES = 16;

/**
 * `text` with its %XX escapes decoded when every one is well formed and stands for an ASCII byte, and
 * there are at most MAX_SLICED_ESCAPES; undefined otherwise. A 256-character body with one escape: 0.09 µs
 * against 0.5 µs for decodeURIComponent.
 */
function decodeAsciiEscapes(text: string, first: number): string | undefined {
  let decoded = '';
  let from = 0;
  let at = first;
  for (let count = 0; at !== -1; count++) {
    if (count === MAX_SLICED_ESCAPES) return undefined;
    const high = hexDigit(text.charCodeAt(at + 1));
    const low = hexDigit(text.charCodeAt(at + 2));
    if (high < 0 || high > 7 || low < 0) return undefined;
    decoded += text.slice(from, at) + String.fromCharCode(high * 16 + low);
    from = at + 3;
    at = text.indexOf('%', from);
  }
  return decoded + text.slice(from);
}

/** The value of a hexadecimal digit's character code; -1 for anything else (NaN past the end too). */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

export function encodeForm(params: Iterable<readonly [string, string]>): string {
  const search = new URLSearchParams();
  for (const [k, v] of params) search.append(k, v);
  return search.toString();
}

export type ArrayResult =
  | { readonly ok: true; readonly values: string[] }
  | {
      readonly ok: false;
      readonly reason: 'not-consecutive' | 'too-many' | 'mixed';
      readonly name: string;
    };

/**
 * Collects `name.0, name.1, …` (or starting at 1), sorted numerically. Indices must be contiguous and
 * start at 0 or 1, written without leading zeros (`name.01` would be a second `name.1`); at most `max`
 * elements. Absent array → empty list. A non-empty bare `name` beside indexed ones is refused ('mixed'):
 * one of the two would be dropped.
 */
export function readArray(params: Params, name: string, max: number): ArrayResult {
  const prefix = `${name}.`;
  const indexed: Array<[number, string]> = [];
  for (const [key, value] of params) {
    if (!key.startsWith(prefix)) continue;
    const suffix = key.slice(prefix.length);
    if (!/^(?:0|[1-9]\d{0,5})$/.test(suffix)) return { ok: false, reason: 'not-consecutive', name };
    indexed.push([Number(suffix), value]);
    if (indexed.length > max) return { ok: false, reason: 'too-many', name };
  }
  indexed.sort((a, b) => a[0] - b[0]);
  const first = indexed[0]?.[0];
  if (first !== undefined && first !== 0 && first !== 1)
    return { ok: false, reason: 'not-consecutive', name };
  for (let i = 1; i < indexed.length; i++) {
    if (indexed[i]![0] !== indexed[i - 1]![0] + 1) return { ok: false, reason: 'not-consecutive', name };
  }
  if (indexed.length > 0 && (params.get(name) ?? '') !== '') return { ok: false, reason: 'mixed', name };
  return { ok: true, values: indexed.map(([, v]) => v) };
}
