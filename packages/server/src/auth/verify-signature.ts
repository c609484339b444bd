import {
  HmacKey,
  signatureAlgorithmOf,
  stringToSign,
  type Params,
  type SignatureAlgorithm,
} from '@opencmq/protocol';
import type { Credential } from './credentials.js';
import { ReplayCache } from './replay-cache.js';

export interface SignatureCheckInput {
  readonly method: string;
  readonly hostHeader: string | undefined;
  readonly path: string;
  readonly params: Params;
  readonly nowMs: number;
}

export type SignatureCheck =
  | { readonly ok: true; readonly secretId: string }
  | {
      readonly ok: false;
      readonly reason: 'missing' | 'unknown-secret-id' | 'mismatch' | 'stale' | 'replay';
      readonly detail: string;
    };

export interface SignatureVerifierOptions {
  readonly credentials: readonly Credential[];
  readonly timestampWindowSeconds: number;
  readonly replayProtection: boolean;
  readonly replayCacheMaxEntries: number;
}

/**
 * Verifies CMQ v2 signatures (cmq-api.md §1.6) over every received parameter but Signature. The host a
 * client signed may differ from the Host header it sent (Python drops a default port from the header but
 * keeps it in the signature), so the header as received, without its port, and with :80 / :443 are tried.
 */
export class SignatureVerifier {
  readonly #keys: Map<string, HmacKey>;
  readonly #options: SignatureVerifierOptions;
  readonly #replays: ReplayCache;

  constructor(options: SignatureVerifierOptions) {
    this.#options = options;
    this.#keys = new Map(options.credentials.map((c) => [c.secretId, new HmacKey(c.secretKey)]));
    this.#replays = new ReplayCache(options.replayCacheMaxEntries);
  }

  verify(input: SignatureCheckInput): SignatureCheck {
    const { params } = input;
    for (const name of ['SecretId', 'Signature', 'Timestamp', 'Nonce'] as const) {
      if (!params.get(name))
        return { ok: false, reason: 'missing', detail: `lacked of required parameter ${name}` };
    }
    const secretId = params.get('SecretId')!;
    const key = this.#keys.get(secretId);
    if (key === undefined)
      return {
        ok: false,
        reason: 'unknown-secret-id',
        detail: `SecretId ${secretId.slice(0, 64)}${secretId.length > 64 ? '…' : ''} is not known`,
      };
    // Compared as the canonical base64 string: no other spelling of a signature (missing padding, the
    // URL-safe alphabet) matches, so none can pass the replay cache as new.
    const given = params.get('Signature')!;
    const algorithm = signatureAlgorithmOf(params.get('SignatureMethod'));
    const paramSets = signedParamSets(input.method, params);
    // The Host header as received is what nearly every client signed: the other spellings only on a miss.
    const received = input.hostHeader ?? '';
    let matches = signedWith(key, algorithm, input.method, received, input.path, paramSets, given);
    if (!matches) {
      for (const host of hostCandidates(input.hostHeader)) {
        if (host === received) continue;
        matches = signedWith(key, algorithm, input.method, host, input.path, paramSets, given);
        if (matches) break;
      }
    }
    if (!matches) {
      const canonical = Buffer.from(given, 'base64').toString('base64') === given;
      const detail = canonical ? 'signature does not match' : 'Signature is not canonical base64';
      return { ok: false, reason: 'mismatch', detail };
    }

    const rawTimestamp = params.get('Timestamp')!;
    if (!/^\d{1,12}$/.test(rawTimestamp)) {
      return {
        ok: false,
        reason: 'stale',
        detail: `Timestamp ${JSON.stringify(rawTimestamp.slice(0, 32))} is not Unix seconds (at most 12 digits)`,
      };
    }
    const timestamp = Number(rawTimestamp);
    const nowSeconds = Math.floor(input.nowMs / 1000);
    const window = this.#options.timestampWindowSeconds;
    if (window > 0 && !(Math.abs(nowSeconds - timestamp) <= window)) {
      return {
        ok: false,
        reason: 'stale',
        detail: `Timestamp ${params.get('Timestamp')} is more than ${window}s from server time ${nowSeconds}`,
      };
    }
    if (
      this.#options.replayProtection &&
      !this.#replays.remember(timestamp, params.get('Signature')!, nowSeconds, Math.max(window, 1))
    ) {
      return {
        ok: false,
        reason: 'replay',
        detail: 'request was already received (same Nonce, Timestamp and signature)',
      };
    }
    return { ok: true, secretId };
  }
}

function signedWith(
  key: HmacKey,
  algorithm: SignatureAlgorithm,
  method: string,
  host: string,
  path: string,
  paramSets: readonly Params[],
  given: string,
): boolean {
  for (const signed of paramSets) {
    if (sameInConstantTime(key.digest(algorithm, stringToSign(method, host, path, signed)), given))
      return true;
  }
  return false;
}

/** String equality whose time depends on the length only, not on where the first difference is. */
function sameInConstantTime(expected: string, given: string): boolean {
  if (expected.length !== given.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ given.charCodeAt(i);
  return difference === 0;
}

/**
 * The parameter sets a client may have signed. The Python SDK and qcloudapi-sdk leave out, on POST, every
 * parameter whose value starts with '@' (a PHP file-upload convention; cmq-api.md §1.6), so a message body
 * starting with '@' is also checked without those parameters.
 */
function signedParamSets(method: string, params: Params): Params[] {
  if (method !== 'POST') return [params];
  let without: Map<string, string> | undefined;
  for (const [key, value] of params) {
    if (value.charCodeAt(0) !== 64 /* @ */) continue;
    without ??= new Map(params);
    without.delete(key);
  }
  return without === undefined ? [params] : [params, without];
}

export function hostCandidates(hostHeader: string | undefined): string[] {
  if (hostHeader === undefined || hostHeader === '') return [''];
  const portMatch = /^(.*?)(:\d+)?$/.exec(hostHeader);
  const bare = portMatch?.[2] !== undefined ? portMatch[1]! : hostHeader;
  const candidates = new Set([hostHeader, bare, `${bare}:80`, `${bare}:443`]);
  return [...candidates];
}
