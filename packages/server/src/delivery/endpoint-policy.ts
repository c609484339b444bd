import { promises as dnsPromises, type LookupAddress } from 'node:dns';
import { isIP, isIPv4, type LookupFunction } from 'node:net';

/**
 * Which URLs an HTTP subscription may push to.
 *
 * checkEndpointUrl is the Subscribe-time syntax rule (shared/reference/cmq-api.md §3.8). The address rules
 * exist because a push service is an SSRF primitive: anyone allowed to Subscribe chooses a URL, and the
 * server then POSTs to it from inside the network, reaching loopback admin ports, cloud metadata at
 * 169.254.169.254 or private services. Whether private targets are allowed is the operator's choice
 * (`allowPrivateTargets`); self-hosted deployments often push to services on the same private network.
 * Names are checked after resolution, and again at connect time through createGuardedLookup, so a DNS
 * answer that changes between the check and the connection (rebinding) cannot slip through.
 */
export const ENDPOINT_MAX_LENGTH = 500;

export type EndpointRejection = 'too-long' | 'whitespace' | 'malformed' | 'scheme' | 'userinfo';

export type EndpointCheck =
  { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly reason: EndpointRejection };

export function checkEndpointUrl(text: string): EndpointCheck {
  if (text.length > ENDPOINT_MAX_LENGTH) return { ok: false, reason: 'too-long' };
  if (/\s/.test(text)) return { ok: false, reason: 'whitespace' };
  // Other control characters: the URL parser would percent-encode them and push to a URL not given.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
  if (/[\u0000-\u001f\u007f]/.test(text)) return { ok: false, reason: 'malformed' };
  // The WHATWG parser repairs "http:host" and "http:\\host" into http://host/; CMQ requires the "//" form.
  if (!/^https?:\/\//i.test(text)) return { ok: false, reason: 'scheme' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  // For http(s) the parser guarantees a non-empty host, so there is no separate host check.
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'userinfo' };
  return { ok: true, url };
}

/**
 * Address blocks a push may not reach unless private targets are allowed: everything that is not plain
 * public unicast. [network, prefix length, why].
 */
const BLOCKED_V4: readonly (readonly [string, number, string])[] = [
  ['0.0.0.0', 8, 'this network; 0.0.0.0 reaches the local host on Linux'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local, cloud metadata'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking (RFC 2544)'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved and broadcast'],
];

const BLOCKED_V6: readonly (readonly [string, number, string])[] = [
  ['::', 96, 'unspecified, loopback and deprecated IPv4-compatible'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'deprecated site-local'],
  ['ff00::', 8, 'multicast'],
];

/** IPv6 prefixes that carry an IPv4 address in their last 32 bits, which then decides. */
const EMBEDS_V4: readonly (readonly [string, number])[] = [
  ['::ffff:0:0', 96], // IPv4-mapped
  ['64:ff9b::', 96], // NAT64 (RFC 6052)
];

/** True for any address a push may not reach unless private targets are allowed. Throws on a non-IP. */
export function isPrivateAddress(ip: string): boolean {
  const address = ip.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(address)) return matchesAny(v4ToBigInt(address), 32, BLOCKED_V4, v4ToBigInt);
  if (isIP(address) !== 6) throw new TypeError(`not an IP address: ${ip}`);
  const value = v6ToBigInt(address);
  for (const [network, prefix] of EMBEDS_V4) {
    if (inBlock(value, 128, v6ToBigInt(network), prefix)) {
      return matchesAny(value & 0xffff_ffffn, 32, BLOCKED_V4, v4ToBigInt);
    }
  }
  return matchesAny(value, 128, BLOCKED_V6, v6ToBigInt);
}

export interface TargetPolicy {
  readonly allowPrivateTargets: boolean;
}

export interface LookupAllOptions {
  all: true;
  verbatim: true;
  family?: number | 'IPv4' | 'IPv6';
  hints?: number;
}

/** Resolves every address of a name, like dns.promises.lookup with `all: true` (injected by tests). */
export type LookupAll = (hostname: string, options: LookupAllOptions) => Promise<LookupAddress[]>;

export type TargetCheck =
  | { readonly ok: true; readonly addresses: readonly LookupAddress[] }
  | { readonly ok: false; readonly reason: 'private-address'; readonly address: string }
  | { readonly ok: false; readonly reason: 'unresolvable'; readonly detail: string };

/**
 * Resolves the URL's host to all its addresses and refuses the target when any of them is private and the
 * policy does not allow private targets (any, not the first: the HTTP client may try them all). Never throws.
 */
export async function resolveAllowedTarget(
  url: URL,
  policy: TargetPolicy,
  lookup: LookupAll = dnsPromises.lookup,
): Promise<TargetCheck> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: LookupAddress[];
  const family = isIP(host);
  if (family !== 0) {
    addresses = [{ address: host, family }];
  } else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch (error) {
      // getaddrinfo messages name the code and host: "getaddrinfo ENOTFOUND example.invalid".
      return {
        ok: false,
        reason: 'unresolvable',
        detail: error instanceof Error ? error.message : String(error),
      };
    }
    if (addresses.length === 0) return { ok: false, reason: 'unresolvable', detail: 'no addresses' };
  }
  const blocked = findRefused(addresses, policy);
  if (blocked !== undefined) return { ok: false, reason: 'private-address', address: blocked.address };
  return { ok: true, addresses };
}

/** The error code a guarded lookup fails the connection with. */
export const PRIVATE_TARGET_ERROR_CODE = 'EPRIVATETARGET';

/**
 * A `lookup` for http.request / net.connect that fails the connection when the name resolves to a private
 * address and the policy forbids them. Node skips `lookup` for IP literals, so the caller still checks the
 * URL with resolveAllowedTarget; this closes the window between that check and the connection.
 */
export function createGuardedLookup(
  policy: TargetPolicy,
  lookup: LookupAll = dnsPromises.lookup,
): LookupFunction {
  return (hostname, options, callback) => {
    const query: LookupAllOptions = { all: true, verbatim: true };
    if (options.family !== undefined) query.family = options.family;
    if (options.hints !== undefined) query.hints = options.hints;
    lookup(hostname, query).then(
      (addresses) => {
        const blocked = findRefused(addresses, policy);
        const first = addresses[0];
        if (blocked !== undefined) {
          const message = `${hostname} resolves to private address ${blocked.address}`;
          callback(Object.assign(new Error(message), { code: PRIVATE_TARGET_ERROR_CODE, hostname }), '', 0);
        } else if (first === undefined) {
          callback(
            Object.assign(new Error(`${hostname} has no addresses`), { code: 'ENOTFOUND', hostname }),
            '',
            0,
          );
        } else if (options.all === true) {
          // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily, on by default in 20).
          callback(null, addresses);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/** The first address the policy refuses; a lookup answer that is not an IP at all is refused too. */
function findRefused(addresses: readonly LookupAddress[], policy: TargetPolicy): LookupAddress | undefined {
  if (policy.allowPrivateTargets) return undefined;
  return addresses.find((a) => isIP(a.address.replace(/%.*$/, '')) === 0 || isPrivateAddress(a.address));
}

function matchesAny(
  value: bigint,
  bits: number,
  blocks: readonly (readonly [string, number, string?])[],
  parse: (text: string) => bigint,
): boolean {
  return blocks.some(([network, prefix]) => inBlock(value, bits, parse(network), prefix));
}

function inBlock(value: bigint, bits: number, network: bigint, prefix: number): boolean {
  const shift = BigInt(bits - prefix);
  return value >> shift === network >> shift;
}

function v4ToBigInt(address: string): bigint {
  return address.split('.').reduce((sum, octet) => (sum << 8n) | BigInt(Number(octet)), 0n);
}

/** Parses a valid IPv6 text (as accepted by net.isIP), including "::" and a trailing dotted IPv4. */
function v6ToBigInt(address: string): bigint {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted !== undefined) {
    const v4 = v4ToBigInt(dotted);
    text = `${text.slice(0, -dotted.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  return groups.reduce((sum, group) => (sum << 16n) | BigInt(parseInt(group, 16)), 0n);
}
