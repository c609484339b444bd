import * as crypto from 'node:crypto';

export type HmacAlgorithm = 'sha1' | 'sha256';

const BLOCK_BYTES = 64; // SHA-1 and SHA-256 both hash 64-byte blocks
const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32 };

// One-shot hashing (Node >= 20.12) skips the Hash object createHmac builds per call: 3.8 µs instead of
// 7.2 µs for a 500-byte SendMessage string (docs/decisions/0013). Older Nodes take createHmac. Asking it
// for strings, not Buffers, skips an ArrayBuffer per hash: a verified request costs 1.3 µs instead of
// 3.5 µs (docs/decisions/0016).
const oneShot = (
  crypto as {
    hash?: (algorithm: string, data: Buffer | string, encoding: 'latin1' | 'base64') => string;
  }
).hash;

interface Pads {
  readonly inner: Buffer;
  /** Followed by room for the inner hash. */
  readonly outer: Buffer;
  /** The inner block as a string, when all its bytes are ASCII. */
  readonly innerText: string | undefined;
}

/** Reused for every digest: calls are synchronous, so one buffer serves them all. */
let scratch = Buffer.allocUnsafe(4096);

/**
 * An HMAC key (RFC 2104) with its padded inner and outer blocks computed once, so signing or verifying
 * a request costs two one-shot hashes and no key setup.
 */
export class HmacKey {
  readonly #secret: string;
  readonly #pads = new Map<HmacAlgorithm, Pads>();

  constructor(secret: string) {
    this.#secret = secret;
  }

  /** The HMAC of `source` (as UTF-8), in base64: the form CMQ's signatures take. */
  digest(algorithm: HmacAlgorithm, source: string): string {
    if (oneShot === undefined)
      return crypto.createHmac(algorithm, this.#secret).update(source, 'utf8').digest('base64');
    const pads = this.#padsFor(algorithm);
    let innerHash: string;
    if (pads.innerText !== undefined) {
      // The inner block is ASCII, so the block and the source hash as one string: no copy into a buffer.
      innerHash = oneShot(algorithm, pads.innerText + source, 'latin1');
    } else {
      innerHash = this.#innerHashOf(algorithm, pads.inner, source);
    }
    pads.outer.write(innerHash, BLOCK_BYTES, 'latin1');
    return oneShot(algorithm, pads.outer, 'base64');
  }

  #innerHashOf(algorithm: HmacAlgorithm, inner: Buffer, source: string): string {
    // A UTF-16 code unit is at most 3 UTF-8 bytes: within that bound the string need not be measured
    // (Buffer.byteLength scans it: 0.3 µs of a ~35 µs request for a 450-character string).
    if (scratch.length < BLOCK_BYTES + 3 * source.length) {
      const needed = BLOCK_BYTES + Buffer.byteLength(source, 'utf8');
      if (scratch.length < needed) scratch = Buffer.allocUnsafe(Math.max(needed, 2 * scratch.length));
    }
    inner.copy(scratch, 0);
    const written = scratch.write(source, BLOCK_BYTES, 'utf8');
    // The inner hash as a latin1 string is its bytes one per character, written back as bytes.
    return oneShot!(algorithm, scratch.subarray(0, BLOCK_BYTES + written), 'latin1');
  }

  #padsFor(algorithm: HmacAlgorithm): Pads {
    let pads = this.#pads.get(algorithm);
    if (pads === undefined) {
      let key = Buffer.from(this.#secret, 'utf8');
      if (key.length > BLOCK_BYTES) key = crypto.createHash(algorithm).update(key).digest();
      const inner = Buffer.alloc(BLOCK_BYTES);
      // The outer block is followed by room for the inner hash, so the outer hash needs no concatenation.
      const outer = Buffer.alloc(BLOCK_BYTES + DIGEST_BYTES[algorithm]);
      for (let i = 0; i < BLOCK_BYTES; i++) {
        const byte = key[i] ?? 0;
        inner[i] = byte ^ 0x36;
        outer[i] = byte ^ 0x5c;
      }
      // A key of ASCII bytes (nearly every SecretKey) XORed with 0x36 stays ASCII, and ASCII is its own
      // UTF-8: such an inner block can lead the string the one-shot hash encodes.
      const ascii = inner.every((byte) => byte < 0x80);
      pads = { inner, outer, innerText: ascii ? inner.toString('latin1') : undefined };
      this.#pads.set(algorithm, pads);
    }
    return pads;
  }
}
