import type { LookupAddress, LookupOptions } from 'node:dns';
import { describe, expect, it, vi } from 'vitest';
import {
  checkEndpointUrl,
  createGuardedLookup,
  isPrivateAddress,
  PRIVATE_TARGET_ERROR_CODE,
  resolveAllowedTarget,
  type LookupAll,
} from './endpoint-policy.js';

describe('checkEndpointUrl', () => {
  it.each([
    'http://example.com/push',
    'https://example.com:8443/a/b?c=d&e=f',
    'HTTP://Example.COM',
    'http://10.0.0.5:8080/hook',
    'http://[::1]:9000/',
  ])('accepts %s', (text) => {
    expect(checkEndpointUrl(text).ok).toBe(true);
  });

  it('returns the parsed URL when the endpoint is valid', () => {
    const check = checkEndpointUrl('https://Example.com:8443/p?q=1');
    expect(check).toMatchObject({ ok: true });
    if (!check.ok) return;
    expect(check.url.protocol).toBe('https:');
    expect(check.url.hostname).toBe('example.com');
    expect(check.url.port).toBe('8443');
  });

  it('accepts 500 characters and rejects 501 when the endpoint is long', () => {
    const base = 'http://example.com/';
    expect(checkEndpointUrl(base + 'a'.repeat(500 - base.length)).ok).toBe(true);
    expect(checkEndpointUrl(base + 'a'.repeat(501 - base.length))).toEqual({ ok: false, reason: 'too-long' });
  });

  it.each([
    'http://exa mple.com/',
    'http://example.com/\tx',
    'http://example.com/\n',
    ' http://example.com/',
  ])('rejects %j as whitespace', (text) => {
    expect(checkEndpointUrl(text)).toEqual({ ok: false, reason: 'whitespace' });
  });

  it.each([
    'ftp://example.com/',
    'file:///etc/passwd',
    'example.com',
    'http:example.com',
    'http:\\\\example.com',
    '',
  ])('rejects %j as scheme', (text) => {
    expect(checkEndpointUrl(text)).toEqual({ ok: false, reason: 'scheme' });
  });

  it.each([
    'http://',
    'https://:80/',
    'http://[::1/',
    'http://exa%mple.com/',
    'http://example.com:99999/',
    'http://example.com/\u0001',
    'http://exa\u007fmple.com/',
    'http://example.com/\u0000x',
  ])('rejects %j as malformed', (text) => {
    expect(checkEndpointUrl(text)).toEqual({ ok: false, reason: 'malformed' });
  });

  it.each(['http://user@example.com/', 'http://user:pw@example.com/', 'https://:pw@example.com/'])(
    'rejects %j as userinfo',
    (text) => {
      expect(checkEndpointUrl(text)).toEqual({ ok: false, reason: 'userinfo' });
    },
  );
});

describe('isPrivateAddress', () => {
  it.each([
    ['0.0.0.0', true],
    ['0.255.255.255', true],
    ['1.1.1.1', false],
    ['8.8.8.8', false],
    ['9.255.255.255', false],
    ['10.0.0.0', true],
    ['10.255.255.255', true],
    ['11.0.0.0', false],
    ['100.63.255.255', false],
    ['100.64.0.0', true],
    ['100.127.255.255', true],
    ['100.128.0.0', false],
    ['126.255.255.255', false],
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['169.253.255.255', false],
    ['169.254.169.254', true],
    ['169.255.0.0', false],
    ['172.15.255.255', false],
    ['172.16.0.0', true],
    ['172.31.255.255', true],
    ['172.32.0.0', false],
    ['192.0.0.1', true],
    ['192.0.2.1', false],
    ['192.167.255.255', false],
    ['192.168.0.1', true],
    ['192.169.0.0', false],
    ['198.18.0.1', true],
    ['198.19.255.255', true],
    ['198.20.0.0', false],
    ['223.255.255.255', false],
    ['224.0.0.1', true],
    ['239.255.255.255', true],
    ['240.0.0.1', true],
    ['255.255.255.255', true],
  ])('classifies IPv4 %s as private=%s', (ip, expected) => {
    expect(isPrivateAddress(ip)).toBe(expected);
  });

  it.each([
    ['::', true],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['[::1]', true],
    ['::2', true],
    ['::8.8.8.8', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:10.1.2.3', true],
    ['::ffff:169.254.169.254', true],
    ['0:0:0:0:0:ffff:c0a8:0101', true],
    ['::ffff:8.8.8.8', false],
    ['::ffff:808:808', false],
    ['64:ff9b::10.0.0.1', true],
    ['64:ff9b::8.8.8.8', false],
    ['fbff:ffff::1', false],
    ['fc00::1', true],
    ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['fe00::1', false],
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['febf:ffff::1', true],
    ['fec0::1', true],
    ['ff02::1', true],
    ['2001:4860:4860::8888', false],
    ['2606:4700:4700::1111', false],
    ['2001:db8:85a3:0:0:8a2e:370:7334', false],
  ])('classifies IPv6 %s as private=%s', (ip, expected) => {
    expect(isPrivateAddress(ip)).toBe(expected);
  });

  it.each(['example.com', '1.2.3', '256.1.1.1', '', '::ffff:999.0.0.1'])('throws when given %j', (text) => {
    expect(() => isPrivateAddress(text)).toThrow(TypeError);
  });
});

/** A lookup answering from a table; names not in it fail like getaddrinfo does. */
function fakeLookup(table: Record<string, LookupAddress[]>) {
  return vi.fn<LookupAll>((hostname) => {
    const answer = table[hostname];
    if (answer !== undefined) return Promise.resolve(answer);
    return Promise.reject(
      Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
    );
  });
}

const PUBLIC = { address: '93.184.215.14', family: 4 };
const PUBLIC_V6 = { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 };
const LOOPBACK = { address: '127.0.0.1', family: 4 };

describe('resolveAllowedTarget', () => {
  const deny = { allowPrivateTargets: false };
  const allow = { allowPrivateTargets: true };

  it('returns every address when all of them are public', async () => {
    const lookup = fakeLookup({ 'example.com': [PUBLIC, PUBLIC_V6] });
    const check = await resolveAllowedTarget(new URL('https://example.com/x'), deny, lookup);
    expect(check).toEqual({ ok: true, addresses: [PUBLIC, PUBLIC_V6] });
    expect(lookup).toHaveBeenCalledWith('example.com', { all: true, verbatim: true });
  });

  it('refuses the target when any resolved address is private and private targets are not allowed', async () => {
    const lookup = fakeLookup({ 'rebind.example': [PUBLIC, { address: '::ffff:10.0.0.7', family: 6 }] });
    expect(await resolveAllowedTarget(new URL('http://rebind.example/'), deny, lookup)).toEqual({
      ok: false,
      reason: 'private-address',
      address: '::ffff:10.0.0.7',
    });
  });

  it('allows private addresses when private targets are allowed', async () => {
    const lookup = fakeLookup({ 'internal.svc': [LOOPBACK] });
    expect(await resolveAllowedTarget(new URL('http://internal.svc:8080/'), allow, lookup)).toEqual({
      ok: true,
      addresses: [LOOPBACK],
    });
  });

  it('classifies an IP literal without a lookup when the host is an address', async () => {
    const lookup = fakeLookup({});
    expect(await resolveAllowedTarget(new URL('http://169.254.169.254/latest/'), deny, lookup)).toEqual({
      ok: false,
      reason: 'private-address',
      address: '169.254.169.254',
    });
    expect(await resolveAllowedTarget(new URL('http://[::1]:9000/'), deny, lookup)).toEqual({
      ok: false,
      reason: 'private-address',
      address: '::1',
    });
    expect(await resolveAllowedTarget(new URL('http://8.8.8.8/'), deny, lookup)).toEqual({
      ok: true,
      addresses: [{ address: '8.8.8.8', family: 4 }],
    });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('reports unresolvable with the error code when the lookup fails', async () => {
    const check = await resolveAllowedTarget(new URL('http://nowhere.invalid/'), allow, fakeLookup({}));
    expect(check).toMatchObject({ ok: false, reason: 'unresolvable' });
    if (!check.ok && check.reason === 'unresolvable')
      expect(check.detail).toBe('getaddrinfo ENOTFOUND nowhere.invalid');
  });

  it('reports unresolvable when the lookup returns no addresses', async () => {
    const check = await resolveAllowedTarget(
      new URL('http://empty.example/'),
      deny,
      fakeLookup({ 'empty.example': [] }),
    );
    expect(check).toEqual({ ok: false, reason: 'unresolvable', detail: 'no addresses' });
  });

  it('refuses the target when the lookup answers something that is not an IP', async () => {
    const lookup = fakeLookup({ 'odd.example': [{ address: 'not-an-ip', family: 4 }] });
    expect(await resolveAllowedTarget(new URL('http://odd.example/'), deny, lookup)).toEqual({
      ok: false,
      reason: 'private-address',
      address: 'not-an-ip',
    });
  });

  it('resolves localhost to a refused loopback address when using the system resolver', async () => {
    const check = await resolveAllowedTarget(new URL('http://localhost:1/'), deny);
    expect(check).toMatchObject({ ok: false, reason: 'private-address' });
  });
});

type LookupResult = {
  error: NodeJS.ErrnoException | null;
  address: string | LookupAddress[];
  family?: number;
};

/** Calls a net-style lookup function and collects what it passes to its callback. */
function callGuard(guard: ReturnType<typeof createGuardedLookup>, hostname: string, options: LookupOptions) {
  return new Promise<LookupResult>((resolve) => {
    guard(hostname, options, (error, address, family) =>
      resolve({ error, address, ...(family === undefined ? {} : { family }) }),
    );
  });
}

describe('createGuardedLookup', () => {
  const lookup = fakeLookup({
    'public.example': [PUBLIC, PUBLIC_V6],
    'mixed.example': [PUBLIC, LOOPBACK],
    'none.example': [],
  });

  it('passes every address on when Node asks for all of them', async () => {
    const guard = createGuardedLookup({ allowPrivateTargets: false }, lookup);
    expect(await callGuard(guard, 'public.example', { all: true, hints: 32 })).toEqual({
      error: null,
      address: [PUBLIC, PUBLIC_V6],
    });
    expect(lookup).toHaveBeenLastCalledWith('public.example', { all: true, verbatim: true, hints: 32 });
  });

  it('passes the first address and its family on when Node asks for one', async () => {
    const guard = createGuardedLookup({ allowPrivateTargets: false }, lookup);
    expect(await callGuard(guard, 'public.example', { family: 4 })).toEqual({
      error: null,
      address: PUBLIC.address,
      family: 4,
    });
    expect(lookup).toHaveBeenLastCalledWith('public.example', { all: true, verbatim: true, family: 4 });
  });

  it('fails the connection with EPRIVATETARGET when a resolved address is private', async () => {
    const guard = createGuardedLookup({ allowPrivateTargets: false }, lookup);
    const result = await callGuard(guard, 'mixed.example', { all: true });
    expect(result.error?.code).toBe(PRIVATE_TARGET_ERROR_CODE);
    expect(result.error?.message).toContain('127.0.0.1');
  });

  it('lets private addresses through when private targets are allowed', async () => {
    const guard = createGuardedLookup({ allowPrivateTargets: true }, lookup);
    expect(await callGuard(guard, 'mixed.example', {})).toEqual({
      error: null,
      address: PUBLIC.address,
      family: 4,
    });
  });

  it('passes the resolver error on when the name does not resolve', async () => {
    const guard = createGuardedLookup({ allowPrivateTargets: true }, lookup);
    expect((await callGuard(guard, 'missing.example', {})).error?.code).toBe('ENOTFOUND');
    expect((await callGuard(guard, 'none.example', {})).error?.code).toBe('ENOTFOUND');
  });
});
