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
  if (text.length === 0) return { ok: true, params };
  for (const [key, value] of new URLSearchParams(text)) {
    if (key.length === 0) continue;
    if (params.has(key)) return { ok: false, error: { kind: 'duplicate', key } };
    if (params.size >= maxParams) return { ok: false, error: { kind: 'too-many', limit: maxParams } };
    params.set(key, value);
  }
  return { ok: true, params };
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
