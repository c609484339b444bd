/**
 * Request parameters of the CMQ v2 transport: a flat string map decoded from a form body or query
 * string (cmq-api.md §1.2), and `name.n` arrays (§1.4).
 */
export type Params = ReadonlyMap<string, string>;

export type FormError =
  | { readonly kind: 'duplicate'; readonly key: string }
  | { readonly kind: 'too-many'; readonly limit: number };

/**
 * Decodes `k=v&k=v` form data ('+' is a space, %XX escapes). A repeated key is an error (10330):
 * CMQ parameters are never repeatable, arrays use `name.n`.
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
      const key = decodeComponent(text.slice(start, split));
      if (key.length > 0) {
        if (params.has(key)) return { ok: false, error: { kind: 'duplicate', key } };
        if (params.size >= maxParams) return { ok: false, error: { kind: 'too-many', limit: maxParams } };
        params.set(key, split === end ? '' : decodeComponent(text.slice(split + 1, end)));
      }
    }
    start = end + 1;
  }
  return { ok: true, params };
}

/**
 * One name or value of application/x-www-form-urlencoded, decoded as URLSearchParams decodes it ('+'
 * is a space; %XX are bytes of UTF-8). decodeURIComponent is native and agrees with it whenever it
 * succeeds; a malformed escape or invalid UTF-8 (which URLSearchParams keeps or replaces instead of
 * failing) goes to URLSearchParams itself. About three times faster than URLSearchParams for a
 * BatchSendMessage body.
 */
function decodeComponent(raw: string): string {
  const spaced = raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return new URLSearchParams(`x=${raw}`).get('x') ?? '';
  }
}

export function encodeForm(params: Iterable<readonly [string, string]>): string {
  const search = new URLSearchParams();
  for (const [k, v] of params) search.append(k, v);
  return search.toString();
}

export type ArrayResult =
  | { readonly ok: true; readonly values: string[] }
  | { readonly ok: false; readonly reason: 'not-consecutive' | 'too-many'; readonly name: string };

/**
 * Collects `name.0, name.1, …` (or starting at 1), sorted numerically. Indices must be contiguous and
 * start at 0 or 1; at most `max` elements. Absent array → empty list.
 */
export function readArray(params: Params, name: string, max: number): ArrayResult {
  const prefix = `${name}.`;
  const indexed: Array<[number, string]> = [];
  for (const [key, value] of params) {
    if (!key.startsWith(prefix)) continue;
    const suffix = key.slice(prefix.length);
    if (!/^\d{1,6}$/.test(suffix)) return { ok: false, reason: 'not-consecutive', name };
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
  return { ok: true, values: indexed.map(([, v]) => v) };
}
