import { describe, expect, it } from 'vitest';
import { sign, signRequest, stringToSign, type SignedRequestInput } from '@opencmq/protocol';
import { hostCandidates, SignatureVerifier, type SignatureVerifierOptions } from './verify-signature.js';

const SECRET_ID = 'AKIDtestid';
const SECRET_KEY = 'test-secret-key-0123456789abcdef';
const NOW_SECONDS = 1_700_000_000;
const NOW_MS = NOW_SECONDS * 1000;

const verifier = (options: Partial<SignatureVerifierOptions> = {}) =>
  new SignatureVerifier({
    credentials: [
      { secretId: SECRET_ID, secretKey: SECRET_KEY },
      { secretId: 'AKIDother', secretKey: 'other-key' },
    ],
    timestampWindowSeconds: 300,
    replayProtection: true,
    replayCacheMaxEntries: 10_000,
    ...options,
  });

const signed = (overrides: Partial<SignedRequestInput> = {}): Map<string, string> =>
  signRequest({
    method: 'POST',
    host: 'localhost:9720',
    path: '/v2/index.php',
    secretId: SECRET_ID,
    secretKey: SECRET_KEY,
    action: 'SendMessage',
    params: { queueName: 'orders', msgBody: 'hello world', delaySeconds: 0 },
    nowSeconds: NOW_SECONDS,
    nonce: '12345',
    ...overrides,
  });

const check = (
  v: SignatureVerifier,
  params: Map<string, string>,
  request: { method?: string; hostHeader?: string | undefined; path?: string; nowMs?: number } = {},
) =>
  v.verify({
    method: request.method ?? 'POST',
    hostHeader: 'hostHeader' in request ? request.hostHeader : 'localhost:9720',
    path: request.path ?? '/v2/index.php',
    params,
    nowMs: request.nowMs ?? NOW_MS,
  });

describe('SignatureVerifier', () => {
  describe('algorithms', () => {
    it('accepts a request when it is signed with HmacSHA1', () => {
      const params = signed({ signatureMethod: 'HmacSHA1' });
      expect(check(verifier(), params)).toEqual({ ok: true, secretId: SECRET_ID });
    });

    it('accepts a request when it is signed with HmacSHA256', () => {
      const params = signed({ signatureMethod: 'HmacSHA256' });
      expect(check(verifier(), params)).toEqual({ ok: true, secretId: SECRET_ID });
    });

    it('accepts a SHA-1 signature when SignatureMethod is absent', () => {
      // Python and Java SDKs may leave SignatureMethod out; the default algorithm is then SHA-1.
      const params = new Map([
        ['Action', 'ListQueue'],
        ['Nonce', '77'],
        ['SecretId', SECRET_ID],
        ['Timestamp', String(NOW_SECONDS)],
      ]);
      const source = stringToSign('POST', 'localhost:9720', '/v2/index.php', params);
      params.set('Signature', sign(SECRET_KEY, source, 'sha1'));
      expect(check(verifier(), params)).toEqual({ ok: true, secretId: SECRET_ID });
      params.set('Signature', sign(SECRET_KEY, source, 'sha256'));
      expect(check(verifier(), params)).toMatchObject({ ok: false, reason: 'mismatch' });
    });

    it('refuses a request when it is signed with SHA-256 but claims HmacSHA1', () => {
      const params = signed({ signatureMethod: 'HmacSHA256' });
      const sha256Signature = params.get('Signature')!;
      const claimsSha1 = signed({ signatureMethod: 'HmacSHA1' });
      claimsSha1.set('Signature', sha256Signature);
      expect(check(verifier(), claimsSha1)).toMatchObject({ ok: false, reason: 'mismatch' });
    });

    it('resolves the key of the SecretId when several credentials are configured', () => {
      const params = signed({ secretId: 'AKIDother', secretKey: 'other-key' });
      expect(check(verifier(), params)).toEqual({ ok: true, secretId: 'AKIDother' });
    });
  });

  describe('host variants', () => {
    it('accepts a request when it was signed with host:80 and the Host header has no port', () => {
      const params = signed({ host: 'mq.example.com:80' });
      expect(check(verifier(), params, { hostHeader: 'mq.example.com' }).ok).toBe(true);
    });

    it('accepts a request when it was signed with host:443 and the Host header has no port', () => {
      const params = signed({ host: 'mq.example.com:443' });
      expect(check(verifier(), params, { hostHeader: 'mq.example.com' }).ok).toBe(true);
    });

    it('accepts a request when it was signed without a port and the Host header has one', () => {
      const params = signed({ host: 'localhost' });
      expect(check(verifier(), params, { hostHeader: 'localhost:9720' }).ok).toBe(true);
    });

    it('accepts a request when it was signed with the Host header exactly', () => {
      const params = signed({ host: 'localhost:9720' });
      expect(check(verifier(), params, { hostHeader: 'localhost:9720' }).ok).toBe(true);
    });

    it('accepts a request when the host is a bracketed IPv6 address with a port', () => {
      const params = signed({ host: '[::1]:9720' });
      expect(check(verifier(), params, { hostHeader: '[::1]:9720' }).ok).toBe(true);
    });

    it('accepts a request when it was signed with a bare IPv6 address and the Host header has a port', () => {
      const params = signed({ host: '[::1]' });
      expect(check(verifier(), params, { hostHeader: '[::1]:9720' }).ok).toBe(true);
    });

    it('accepts a request when it was signed with an empty host and no Host header was sent', () => {
      const params = signed({ host: '' });
      expect(check(verifier(), params, { hostHeader: undefined }).ok).toBe(true);
    });

    it('refuses a request when it was signed for another host', () => {
      const params = signed({ host: 'other.example.com:9720' });
      expect(check(verifier(), params, { hostHeader: 'localhost:9720' })).toMatchObject({
        ok: false,
        reason: 'mismatch',
      });
    });

    it('refuses a request when it was signed with another non-default port than the Host header', () => {
      const params = signed({ host: 'localhost:9721' });
      expect(check(verifier(), params, { hostHeader: 'localhost:9720' })).toMatchObject({
        ok: false,
        reason: 'mismatch',
      });
    });

    it('refuses a request when it was signed for another path or method', () => {
      const params = signed({ path: '/' });
      expect(check(verifier(), params, { path: '/v2/index.php' })).toMatchObject({ reason: 'mismatch' });
      const get = signed({ method: 'GET' });
      expect(check(verifier(), get, { method: 'POST' })).toMatchObject({ reason: 'mismatch' });
    });
  });

  describe('hostCandidates', () => {
    it('lists the header, the bare host and the default ports when the header has a port', () => {
      expect(hostCandidates('localhost:9720')).toEqual([
        'localhost:9720',
        'localhost',
        'localhost:80',
        'localhost:443',
      ]);
    });

    it('keeps IPv6 brackets when the header is an IPv6 address', () => {
      expect(hostCandidates('[::1]:9720')).toEqual(['[::1]:9720', '[::1]', '[::1]:80', '[::1]:443']);
      expect(hostCandidates('[::1]')).toEqual(['[::1]', '[::1]:80', '[::1]:443']);
    });

    it('lists only the empty host when there is no Host header', () => {
      expect(hostCandidates(undefined)).toEqual(['']);
      expect(hostCandidates('')).toEqual(['']);
    });
  });

  describe('credentials and required parameters', () => {
    it('refuses a request as mismatch when it was signed with a wrong key', () => {
      const params = signed({ secretKey: 'not-the-key' });
      expect(check(verifier(), params)).toMatchObject({ ok: false, reason: 'mismatch' });
    });

    it('refuses a request naming the id when the SecretId is unknown', () => {
      const params = signed({ secretId: 'AKIDunknown' });
      const result = check(verifier(), params);
      expect(result).toMatchObject({ ok: false, reason: 'unknown-secret-id' });
      expect(!result.ok && result.detail).toContain('AKIDunknown');
    });

    it.each(['Signature', 'Timestamp', 'Nonce', 'SecretId'])(
      'refuses a request as missing when %s is absent',
      (name) => {
        const params = signed();
        params.delete(name);
        const result = check(verifier(), params);
        expect(result).toMatchObject({ ok: false, reason: 'missing' });
        expect(!result.ok && result.detail).toContain(name);
      },
    );

    it.each(['Signature', 'Timestamp', 'Nonce', 'SecretId'])(
      'refuses a request as missing when %s is empty',
      (name) => {
        const params = signed();
        params.set(name, '');
        expect(check(verifier(), params)).toMatchObject({ ok: false, reason: 'missing' });
      },
    );

    it('refuses a request as mismatch when the Signature is not valid base64 of the right length', () => {
      const params = signed();
      params.set('Signature', 'not*base64');
      expect(check(verifier(), params)).toMatchObject({ ok: false, reason: 'mismatch' });
    });
  });

  describe('timestamp window', () => {
    it('accepts a request when its Timestamp is exactly the window in the past', () => {
      const params = signed({ nowSeconds: NOW_SECONDS - 300 });
      expect(check(verifier(), params).ok).toBe(true);
    });

    it('accepts a request when its Timestamp is exactly the window in the future', () => {
      const params = signed({ nowSeconds: NOW_SECONDS + 300 });
      expect(check(verifier(), params).ok).toBe(true);
    });

    it('refuses a request as stale when its Timestamp is one second past the window', () => {
      const params = signed({ nowSeconds: NOW_SECONDS - 301 });
      const result = check(verifier(), params);
      expect(result).toMatchObject({ ok: false, reason: 'stale' });
      expect(!result.ok && result.detail).toContain(String(NOW_SECONDS - 301));
    });

    it('refuses a request as stale when its Timestamp is one second beyond the window in the future', () => {
      const params = signed({ nowSeconds: NOW_SECONDS + 301 });
      expect(check(verifier(), params)).toMatchObject({ ok: false, reason: 'stale' });
    });

    it('compares whole seconds when the server clock is within a second', () => {
      const params = signed({ nowSeconds: NOW_SECONDS - 300 });
      expect(check(verifier(), params, { nowMs: NOW_MS + 999 }).ok).toBe(true);
      const later = signed({ nowSeconds: NOW_SECONDS - 300, nonce: '2' });
      expect(check(verifier(), later, { nowMs: NOW_MS + 1000 })).toMatchObject({ reason: 'stale' });
    });

    /** A signed ListQueue whose Timestamp parameter is `timestamp` as given, not the signing time. */
    const withTimestamp = (timestamp: string) =>
      signRequest({
        method: 'POST',
        host: 'localhost:9720',
        path: '/v2/index.php',
        secretId: SECRET_ID,
        secretKey: SECRET_KEY,
        action: 'ListQueue',
        params: { Timestamp: timestamp },
        nowSeconds: NOW_SECONDS,
        nonce: '1',
      });

    it('refuses a request as stale when its Timestamp is not a number', () => {
      const params = withTimestamp('soon');
      expect(params.get('Timestamp')).toBe('soon');
      const result = check(verifier(), params);
      expect(result).toMatchObject({ ok: false, reason: 'stale' });
      expect(!result.ok && result.detail).toContain('is not Unix seconds');
    });

    it('refuses a Timestamp with blanks, a sign, a fraction or an exponent, which Number() would read', () => {
      for (const timestamp of [
        ` ${NOW_SECONDS}`,
        `${NOW_SECONDS}\t`,
        `+${NOW_SECONDS}`,
        `${NOW_SECONDS}.5`,
        '1.7e9',
      ]) {
        expect(check(verifier(), withTimestamp(timestamp)), JSON.stringify(timestamp)).toMatchObject({
          ok: false,
          reason: 'stale',
        });
      }
    });

    it('accepts any Timestamp when the window is 0', () => {
      const params = signed({ nowSeconds: 1 });
      expect(check(verifier({ timestampWindowSeconds: 0 }), params).ok).toBe(true);
    });
  });

  describe('replay protection', () => {
    it('refuses the identical request as replay when it is received twice', () => {
      const v = verifier();
      const params = signed();
      expect(check(v, params).ok).toBe(true);
      expect(check(v, new Map(params), { nowMs: NOW_MS + 5000 })).toMatchObject({
        ok: false,
        reason: 'replay',
      });
    });

    it('accepts the same parameters when they come with another Nonce', () => {
      const v = verifier();
      expect(check(v, signed({ nonce: '1' })).ok).toBe(true);
      expect(check(v, signed({ nonce: '2' })).ok).toBe(true);
    });

    it('accepts a replay when replay protection is off', () => {
      const v = verifier({ replayProtection: false });
      const params = signed();
      expect(check(v, params).ok).toBe(true);
      expect(check(v, params).ok).toBe(true);
    });

    it('does not record a request when its signature does not match', () => {
      const v = verifier();
      const params = signed();
      const forged = new Map(params);
      forged.set('msgBody', 'forged');
      expect(check(v, forged)).toMatchObject({ reason: 'mismatch' });
      expect(check(v, params).ok).toBe(true);
    });

    it.each([
      ['without padding', (sig: string) => sig.replace(/=+$/, '')],
      ['in the URL-safe alphabet', (sig: string) => sig.replace(/\+/g, '-').replace(/\//g, '_')],
      ['with a leading space', (sig: string) => ` ${sig}`],
      ['with junk appended', (sig: string) => `${sig}!!`],
    ])('refuses a signature spelled %s, so a replay cannot pass as new', (_, respell) => {
      const v = verifier();
      const params = signed();
      expect(check(v, params).ok).toBe(true);
      const respelled = new Map(params);
      respelled.set('Signature', respell(params.get('Signature')!));
      expect(respelled.get('Signature')).not.toBe(params.get('Signature'));
      expect(check(v, respelled)).toMatchObject({ ok: false });
    });
  });

  describe('tampering', () => {
    const names = [...signed().keys()].filter((k) => k !== 'Signature' && k !== 'SecretId');

    it.each(names)('refuses a request as mismatch when %s is changed after signing', (name) => {
      const params = signed();
      params.set(name, `${params.get(name)}0`);
      expect(check(verifier(), params)).toMatchObject({ ok: false, reason: 'mismatch' });
    });

    it('refuses a request when SecretId is switched to another known id after signing', () => {
      const params = signed();
      params.set('SecretId', 'AKIDother');
      expect(check(verifier(), params)).toMatchObject({ ok: false, reason: 'mismatch' });
    });

    it('refuses a request as mismatch when a parameter is added after signing', () => {
      const params = signed();
      params.set('delaySeconds2', '5');
      expect(check(verifier(), params)).toMatchObject({ ok: false, reason: 'mismatch' });
    });

    it('refuses a request as mismatch when a parameter is removed after signing', () => {
      const params = signed();
      params.delete('msgBody');
      expect(check(verifier(), params)).toMatchObject({ ok: false, reason: 'mismatch' });
    });
  });

  describe('unknown parameters', () => {
    const withExtras = () =>
      signed({
        params: {
          queueName: 'orders',
          msgBody: 'hello',
          UserpollingWaitSeconds: 10,
          RequestClient: 'SDK_Python_1.3',
          clientRequestId: 99,
        },
      });

    it('accepts a request when it carries unknown parameters that were signed', () => {
      expect(check(verifier(), withExtras()).ok).toBe(true);
    });

    it.each(['UserpollingWaitSeconds', 'RequestClient', 'clientRequestId'])(
      'refuses a request as mismatch when the unknown parameter %s is changed or dropped',
      (name) => {
        const changed = withExtras();
        changed.set(name, 'x');
        expect(check(verifier(), changed)).toMatchObject({ reason: 'mismatch' });
        const dropped = withExtras();
        dropped.delete(name);
        expect(check(verifier(), dropped)).toMatchObject({ reason: 'mismatch' });
      },
    );
  });
});

describe('SignatureVerifier with values starting with @', () => {
  /** Signs as the Python SDK does on POST: parameters whose value starts with '@' are left out. */
  const signedLikePython = (method: 'POST' | 'GET', body: string): Map<string, string> => {
    const params = signed({ method, params: { queueName: 'orders', msgBody: body } });
    const unsigned = new Map([...params].filter(([k, v]) => k !== 'Signature' && !v.startsWith('@')));
    params.set(
      'Signature',
      sign(SECRET_KEY, stringToSign(method, 'localhost:9720', '/v2/index.php', unsigned), 'sha256'),
    );
    return params;
  };

  it('accepts a POST whose @-value was left out of the signed string, as the Python SDK signs it', () => {
    expect(check(verifier(), signedLikePython('POST', '@user mentioned you')).ok).toBe(true);
  });

  it('still accepts a POST whose @-value was signed, as other SDKs sign it', () => {
    const params = signed({ params: { queueName: 'orders', msgBody: '@user mentioned you' } });
    expect(check(verifier(), params).ok).toBe(true);
  });

  it('does not drop @-values on GET, where no SDK leaves them out', () => {
    expect(check(verifier(), signedLikePython('GET', '@user'), { method: 'GET' })).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
  });
});
