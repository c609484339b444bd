import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildPush, signPushBody, verifyPushSignature, type PushInput } from './push-request.js';

const NOW_MS = 1_700_000_123_456;

const input: PushInput = {
  topicOwner: 100015036,
  topicName: 'MyTopic',
  subscriptionName: 'mysubscription',
  msgId: '6942316962',
  body: 'test message',
  tags: ['a', 'b'],
  publishTimeMs: 1_700_000_000_999,
  format: 'JSON',
  requestId: 'req-1',
  nowMs: NOW_MS,
};

describe('buildPush', () => {
  it('builds the CMQ JSON body with a capital TopicOwner and publishTime in seconds when format is JSON', () => {
    const push = buildPush(input);
    expect(push.body).toBe(
      '{"TopicOwner":100015036,"topicName":"MyTopic","subscriptionName":"mysubscription",' +
        '"msgId":"6942316962","msgBody":"test message","publishTime":1700000000}',
    );
  });

  it('sends TopicOwner as a string when the owner is given as a string', () => {
    const push = buildPush({ ...input, topicOwner: 'owner-1' });
    expect(JSON.parse(push.body)).toMatchObject({ TopicOwner: 'owner-1' });
  });

  it('escapes the message body as a JSON string when the body holds quotes and newlines', () => {
    const body = 'line "one"\nline two \u4e2d\u6587';
    const push = buildPush({ ...input, body });
    expect(JSON.parse(push.body)).toMatchObject({ msgBody: body });
  });

  it('sends the raw message body when format is SIMPLIFIED', () => {
    const push = buildPush({ ...input, format: 'SIMPLIFIED', body: '{"raw":true}' });
    expect(push.body).toBe('{"raw":true}');
  });

  it('sets the CMQ headers in both formats', () => {
    for (const format of ['JSON', 'SIMPLIFIED'] as const) {
      expect(buildPush({ ...input, format }).headers).toEqual({
        'Content-Type': 'text/plain',
        'User-Agent': 'Qcloud Notification Service Agent',
        'x-cmq-request-id': 'req-1',
        'x-cmq-message-id': '6942316962',
        'x-cmq-message-tag': 'a, b',
      });
    }
  });

  it('omits x-cmq-message-tag when the message has no tags', () => {
    expect(buildPush({ ...input, tags: [] }).headers).not.toHaveProperty('x-cmq-message-tag');
  });

  it('percent-encodes tag characters a header cannot carry when a tag holds CR, LF or non-ASCII text', () => {
    const push = buildPush({ ...input, tags: ['ok tag', 'evil\r\nX-Injected: 1', '\u4e2d', 'lone\ud800'] });
    expect(push.headers['x-cmq-message-tag']).toBe(
      'ok tag, evil%0D%0AX-Injected: 1, %E4%B8%AD, lone%EF%BF%BD',
    );
  });

  it('adds no signature headers when no signing secret is set', () => {
    const { headers } = buildPush(input);
    expect(Object.keys(headers).filter((k) => k.startsWith('x-opencmq-'))).toEqual([]);
  });

  it('signs timestamp and body with HMAC-SHA256 when a signing secret is set', () => {
    const push = buildPush({ ...input, signingSecret: 's3cret' });
    const expected = createHmac('sha256', 's3cret').update(`1700000123.${push.body}`).digest('hex');
    expect(push.headers['x-opencmq-timestamp']).toBe('1700000123');
    expect(push.headers['x-opencmq-signature']).toBe(`v1=${expected}`);
  });
});

describe('verifyPushSignature', () => {
  const signed = buildPush({ ...input, signingSecret: 's3cret' });

  it('accepts a push when secret, body and time match', () => {
    expect(verifyPushSignature('s3cret', signed.headers, signed.body, NOW_MS, 300)).toEqual({
      ok: true,
      timestampSeconds: 1_700_000_123,
    });
  });

  it('accepts the raw body bytes and lower-cased headers when given what node:http received', () => {
    const received = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(verifyPushSignature('s3cret', received, Buffer.from(signed.body), NOW_MS, 300).ok).toBe(true);
  });

  it('rejects a push as mismatch when the body was altered', () => {
    expect(verifyPushSignature('s3cret', signed.headers, `${signed.body} `, NOW_MS, 300)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('rejects a push as mismatch when the secret differs', () => {
    expect(verifyPushSignature('other', signed.headers, signed.body, NOW_MS, 300)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('rejects a push as mismatch when the timestamp was altered', () => {
    const headers = { ...signed.headers, 'x-opencmq-timestamp': '1700000124' };
    expect(verifyPushSignature('s3cret', headers, signed.body, NOW_MS, 300)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('rejects a push as stale when it is older or newer than the tolerance', () => {
    expect(verifyPushSignature('s3cret', signed.headers, signed.body, NOW_MS + 299_000, 300).ok).toBe(true);
    expect(verifyPushSignature('s3cret', signed.headers, signed.body, NOW_MS + 301_000, 300)).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(verifyPushSignature('s3cret', signed.headers, signed.body, NOW_MS - 302_000, 300)).toEqual({
      ok: false,
      reason: 'stale',
    });
  });

  it('rejects a push as missing when a signature header is absent', () => {
    const unsigned = Object.fromEntries(
      Object.entries(signed.headers).filter(([name]) => name !== 'x-opencmq-signature'),
    );
    expect(verifyPushSignature('s3cret', unsigned, signed.body, NOW_MS, 300)).toEqual({
      ok: false,
      reason: 'missing',
    });
    expect(verifyPushSignature('s3cret', buildPush(input).headers, signed.body, NOW_MS, 300)).toEqual({
      ok: false,
      reason: 'missing',
    });
  });

  it('rejects a push as malformed when the signature or timestamp has the wrong shape', () => {
    const check = (overrides: Record<string, string>) =>
      verifyPushSignature('s3cret', { ...signed.headers, ...overrides }, signed.body, NOW_MS, 300);
    expect(check({ 'x-opencmq-signature': 'v2=abc' })).toEqual({ ok: false, reason: 'malformed' });
    expect(check({ 'x-opencmq-signature': `v1=${'0'.repeat(63)}` })).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(check({ 'x-opencmq-timestamp': '-1' })).toEqual({ ok: false, reason: 'malformed' });
    expect(check({ 'x-opencmq-timestamp': '1.7e9' })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('accepts a push when any of several listed signatures matches', () => {
    const good = signPushBody('s3cret', 1_700_000_123, signed.body);
    const headers = { ...signed.headers, 'x-opencmq-signature': `v1=${'ab'.repeat(32)}, v1=${good}` };
    expect(verifyPushSignature('s3cret', headers, signed.body, NOW_MS, 300).ok).toBe(true);
  });
});
