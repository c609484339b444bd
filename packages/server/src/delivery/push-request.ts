import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The HTTP request that pushes one topic message to a subscriber's endpoint (shared/reference/cmq-api.md §5):
 * a POST whose headers and body are byte-compatible with CMQ, plus an opt-in signature CMQ never had.
 */
export const PUSH_FORMATS = ['JSON', 'SIMPLIFIED'] as const;
export type PushFormat = (typeof PUSH_FORMATS)[number];

export const PUSH_USER_AGENT = 'Qcloud Notification Service Agent';
export const PUSH_TIMESTAMP_HEADER = 'x-opencmq-timestamp';
export const PUSH_SIGNATURE_HEADER = 'x-opencmq-signature';

export interface PushInput {
  /** CMQ documents TopicOwner as a String but its example is a number; the value is sent as given. */
  readonly topicOwner: string | number;
  readonly topicName: string;
  readonly subscriptionName: string;
  readonly msgId: string;
  readonly body: string;
  readonly tags: readonly string[];
  readonly publishTimeMs: number;
  readonly format: PushFormat;
  /** Identifies this push (one per attempt) in the `x-cmq-request-id` header. */
  readonly requestId: string;
  /** When set, the push carries `x-opencmq-timestamp` and `x-opencmq-signature` (see signPushBody). */
  readonly signingSecret?: string;
  readonly nowMs: number;
}

export interface PushRequest {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export function buildPush(input: PushInput): PushRequest {
  const body =
    input.format === 'SIMPLIFIED'
      ? input.body
      : // Key order and the capital T of TopicOwner are CMQ's; publishTime is Unix seconds (open question q5).
        JSON.stringify({
          TopicOwner: input.topicOwner,
          topicName: input.topicName,
          subscriptionName: input.subscriptionName,
          msgId: input.msgId,
          msgBody: input.body,
          publishTime: Math.floor(input.publishTimeMs / 1000),
        });
  const headers: Record<string, string> = {
    'Content-Type': 'text/plain',
    'User-Agent': PUSH_USER_AGENT,
    'x-cmq-request-id': toHeaderValue(input.requestId),
    'x-cmq-message-id': toHeaderValue(input.msgId),
  };
  if (input.tags.length > 0) headers['x-cmq-message-tag'] = input.tags.map(toHeaderValue).join(', ');
  if (input.signingSecret !== undefined) {
    const timestampSeconds = Math.floor(input.nowMs / 1000);
    headers[PUSH_TIMESTAMP_HEADER] = String(timestampSeconds);
    headers[PUSH_SIGNATURE_HEADER] = `v1=${signPushBody(input.signingSecret, timestampSeconds, body)}`;
  }
  return { headers, body };
}

/**
 * Hex HMAC-SHA256 over `${timestampSeconds}.${body}` (the body's UTF-8 bytes). The timestamp is signed with
 * the body so a captured push cannot be replayed outside the receiver's tolerance window.
 */
export function signPushBody(secret: string, timestampSeconds: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex');
}

export type PushSignatureCheck =
  | { readonly ok: true; readonly timestampSeconds: number }
  | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/**
 * For endpoint authors: checks a push's `x-opencmq-signature` against the raw body as received. Header names
 * match case-insensitively, so Node's IncomingHttpHeaders can be passed as is. The signature header may
 * list several comma-separated `v1=` values (room for secret rotation); any match passes. Comparison is
 * constant-time. A timestamp more than `toleranceSeconds` from `nowMs`, either way, is `stale`.
 */
export function verifyPushSignature(
  secret: string,
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  body: string | Uint8Array,
  nowMs: number,
  toleranceSeconds: number,
): PushSignatureCheck {
  const timestampText = headerValue(headers, PUSH_TIMESTAMP_HEADER);
  const signatureText = headerValue(headers, PUSH_SIGNATURE_HEADER);
  if (timestampText === undefined || signatureText === undefined) return { ok: false, reason: 'missing' };
  if (!/^\d{1,15}$/.test(timestampText)) return { ok: false, reason: 'malformed' };
  const candidates: Buffer[] = [];
  for (const part of signatureText.split(',')) {
    const match = /^v1=([0-9a-f]{64})$/i.exec(part.trim());
    if (match?.[1] !== undefined) candidates.push(Buffer.from(match[1], 'hex'));
  }
  if (candidates.length === 0) return { ok: false, reason: 'malformed' };
  const timestampSeconds = Number(timestampText);
  if (Math.abs(nowMs / 1000 - timestampSeconds) > toleranceSeconds) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signPushBody(secret, timestampSeconds, body), 'hex');
  // Check every candidate so timing does not reveal which one matched.
  let matched = false;
  for (const candidate of candidates) matched = timingSafeEqual(candidate, expected) || matched;
  return matched ? { ok: true, timestampSeconds } : { ok: false, reason: 'mismatch' };
}

function headerValue(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  name: string,
): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return typeof value === 'string' ? value : value?.join(', ');
  }
  return undefined;
}

/**
 * Tags are free text, but a header value may only hold visible ASCII, space and tab: Node refuses anything
 * else, and a CR or LF would let a publisher inject headers. Other characters are sent percent-encoded as
 * UTF-8, so ASCII tags (the common case) go out exactly as CMQ sends them.
 */
function toHeaderValue(text: string): string {
  // Through Buffer rather than encodeURIComponent, which throws on a lone surrogate (it becomes U+FFFD).
  return text.replace(/[^\t\x20-\x7e]+/g, (run) =>
    [...Buffer.from(run, 'utf8')]
      .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}
