import type { Params } from './form.js';
import { HmacKey, type HmacAlgorithm } from './hmac-key.js';

/**
 * CMQ v2 request signature (cmq-api.md §1.6; Tencent doc 406/5906):
 *   src = METHOD + host + path + '?' + join('&', sorted keys k.replace('_','.') + '=' + raw value)
 *   sig = base64(HMAC(secretKey, src)), SHA-256 when SignatureMethod == 'HmacSHA256', SHA-1 otherwise.
 * Keys sort in plain code-unit order; values are not URL-encoded; `Signature` itself is left out.
 */
export type SignatureAlgorithm = HmacAlgorithm;

export function signatureAlgorithmOf(signatureMethod: string | undefined): SignatureAlgorithm {
  return signatureMethod === 'HmacSHA256' ? 'sha256' : 'sha1';
}

export function stringToSign(method: string, host: string, path: string, params: Params): string {
  const keys: string[] = [];
  for (const key of params.keys()) if (key !== 'Signature') insertSorted(keys, key);
  let source = `${method.toUpperCase()}${host}${path}?`;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0) source += '&';
    source += key.includes('_') ? key.replaceAll('_', '.') : key;
    source += '=';
    source += params.get(key)!;
  }
  return source;
}

export function sign(secretKey: string, source: string, algorithm: SignatureAlgorithm): string {
  return new HmacKey(secretKey).digest(algorithm, source);
}

/**
 * Inserts `key` into `keys`, kept in code-unit order (`<` on strings). A request's dozen keys sort faster
 * this way than through Array.prototype.sort and a comparator: 1.4 % of a `single` run's server samples
 * went to that sort.
 */
function insertSorted(keys: string[], key: string): void {
  let at = keys.length;
  keys.push(key);
  while (at > 0 && keys[at - 1]! > key) {
    keys[at] = keys[at - 1]!;
    at--;
  }
  keys[at] = key;
}

export interface SignedRequestInput {
  readonly method: 'GET' | 'POST';
  readonly host: string;
  readonly path: string;
  readonly secretId: string;
  readonly secretKey: string;
  readonly action: string;
  readonly params: Readonly<Record<string, string | number>>;
  readonly signatureMethod?: 'HmacSHA1' | 'HmacSHA256';
  readonly nowSeconds: number;
  readonly nonce: string;
}

/** Builds the full parameter map of a signed request, as the official SDKs do. */
export function signRequest(input: SignedRequestInput): Map<string, string> {
  const params = new Map<string, string>();
  params.set('Action', input.action);
  params.set('Nonce', input.nonce);
  params.set('SecretId', input.secretId);
  params.set('SignatureMethod', input.signatureMethod ?? 'HmacSHA256');
  params.set('Timestamp', String(input.nowSeconds));
  for (const [k, v] of Object.entries(input.params)) params.set(k, String(v));
  const source = stringToSign(input.method, input.host, input.path, params);
  params.set('Signature', sign(input.secretKey, source, signatureAlgorithmOf(params.get('SignatureMethod'))));
  return params;
}
