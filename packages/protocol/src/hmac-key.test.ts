import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacKey } from './hmac-key.js';

const reference = (algorithm: 'sha1' | 'sha256', key: string, source: string): string =>
  createHmac(algorithm, key).update(source, 'utf8').digest('base64');

describe('HmacKey', () => {
  const cases: Array<[string, string]> = [
    ['short key', 'pPgfLipfEXZ7VcRzhAMIyPaU7UbQyFFx'],
    ['empty key', ''],
    ['key of exactly one block', 'k'.repeat(64)],
    ['key longer than a block (hashed first)', 'long-key-'.repeat(20)],
    ['non-ASCII key', 'clé-秘密'],
  ];
  for (const [label, key] of cases) {
    it(`matches createHmac for SHA-1 and SHA-256 with a ${label}`, () => {
      const hmac = new HmacKey(key);
      for (const algorithm of ['sha1', 'sha256'] as const) {
        for (const source of ['', 'POSThost/v2/index.php?Action=SendMessage', 'msgBody=你好 ✓']) {
          expect(hmac.digest(algorithm, source)).toBe(reference(algorithm, key, source));
        }
      }
    });
  }

  // An ASCII key hashes its inner block and the source as one string; any other key (and one longer than
  // a block, hashed first) copies both into the reused scratch buffer. Both paths run the tests below.
  const keys = ['secret', 'clé-secrète'];

  it("matches createHmac for multi-byte sources whose UTF-8 size is near the scratch buffer's", () => {
    // Runs before the next test, which grows the shared scratch buffer far past these sizes.
    // 3-byte characters around the initial 4,096-byte scratch (64 of it the key block), and surrogate
    // pairs (two code units, four bytes): the length bound must hold on both sides of the boundary.
    for (const key of keys) {
      const hmac = new HmacKey(key);
      for (const length of [1300, 1343, 1344, 1345, 1400]) {
        const cjk = '秘'.repeat(length);
        expect(hmac.digest('sha256', cjk)).toBe(reference('sha256', key, cjk));
        const emoji = '😀'.repeat(length / 2);
        expect(hmac.digest('sha1', emoji)).toBe(reference('sha1', key, emoji));
      }
    }
  });

  it('matches createHmac when the source is larger than the reused scratch buffer, and after it', () => {
    for (const key of keys) {
      const hmac = new HmacKey(key);
      const large = 'x'.repeat(1_500_000);
      expect(hmac.digest('sha256', large)).toBe(reference('sha256', key, large));
      expect(hmac.digest('sha256', 'small')).toBe(reference('sha256', key, 'small'));
    }
  });
});
