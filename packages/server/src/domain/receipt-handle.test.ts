import { describe, expect, it } from 'vitest';
import { LIMITS } from '@opencmq/protocol';
import { isDomainError } from './errors.js';
import { base36, formatReceiptHandle, parseReceiptHandle, RECEIPT_TOKEN_LIMIT } from './receipt-handle.js';

const parseError = (text: string): unknown => {
  try {
    parseReceiptHandle(text);
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('formatReceiptHandle', () => {
  it('writes msgId:token with the token in base 36 when given a handle', () => {
    expect(formatReceiptHandle({ msgId: '42', token: 35 })).toBe('42:z');
    expect(formatReceiptHandle({ msgId: '7', token: 36 })).toBe('7:10');
  });

  it('stays within the alphabet and length SDKs accept when ids and tokens are at their largest', () => {
    const text = formatReceiptHandle({ msgId: '9'.repeat(20), token: RECEIPT_TOKEN_LIMIT - 1 });
    expect(text).toMatch(LIMITS.receiptHandlePattern);
    expect(text.length).toBeLessThanOrEqual(LIMITS.receiptHandleMaxLength);
  });
});

describe('base36', () => {
  it('writes what toString(36) writes when given whole numbers up to the token limit, halves split or not', () => {
    const low = 36 ** 5;
    const edges = [
      0,
      1,
      35,
      36,
      low - 1,
      low,
      low + 1,
      low * 36,
      2 ** 31,
      2 ** 32 + 7,
      RECEIPT_TOKEN_LIMIT - 1,
    ];
    let seed = 1;
    const spread = Array.from({ length: 2000 }, () => {
      seed = (seed * 48271) % 2147483647;
      return Math.floor((seed / 2147483647) * RECEIPT_TOKEN_LIMIT);
    });
    for (const n of [...edges, ...spread]) expect(base36(n)).toBe(n.toString(36));
  });
});

describe('parseReceiptHandle', () => {
  it.each([
    { msgId: '1', token: 1 },
    { msgId: '123456', token: 987_654_321 },
    { msgId: '18446744073709551615', token: RECEIPT_TOKEN_LIMIT - 1 },
  ])('round-trips $msgId:$token when given a formatted handle', (handle) => {
    expect(parseReceiptHandle(formatReceiptHandle(handle))).toEqual(handle);
  });

  it('keeps the msgId as text when it has leading zeros or exceeds 2^53', () => {
    expect(parseReceiptHandle('0007:1').msgId).toBe('0007');
    expect(parseReceiptHandle('99999999999999999999:1').msgId).toBe('99999999999999999999');
  });

  it.each([
    '',
    'abc',
    '1',
    '1:',
    ':1',
    '1:2:3',
    '1:A',
    '1:-1',
    'x1:1',
    ' 1:1',
    '1:1 ',
    '1:1\n',
    '1.5:1',
    '123456789012345678901:1',
    '1:12345678901',
  ])('fails with RECEIPT_HANDLE_MALFORMED when given %j', (text) => {
    expect(isDomainError(parseError(text), 'RECEIPT_HANDLE_MALFORMED')).toBe(true);
  });

  it('fails with RECEIPT_HANDLE_MALFORMED when the token reaches 2^48', () => {
    const text = `1:${RECEIPT_TOKEN_LIMIT.toString(36)}`;
    expect(isDomainError(parseError(text), 'RECEIPT_HANDLE_MALFORMED')).toBe(true);
    expect(parseReceiptHandle(`1:${(RECEIPT_TOKEN_LIMIT - 1).toString(36)}`).token).toBe(
      RECEIPT_TOKEN_LIMIT - 1,
    );
  });

  it('accepts the longest msgId and token when they are at the length limits', () => {
    expect(parseReceiptHandle(`${'1'.repeat(20)}:${'0'.repeat(10)}`)).toEqual({
      msgId: '1'.repeat(20),
      token: 0,
    });
  });
});
