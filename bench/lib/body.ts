/**
 * Message bodies of a fixed size that carry their send time, so a consumer measures send-to-receive
 * latency without a side channel. Producer and consumer run in the same process and read the same clock.
 * Only letters, digits, '.' and '|': nothing that percent-encoding or JSON escaping would grow.
 */
export const BODY_BYTES = 256;

const PADDING = 'x'.repeat(BODY_BYTES);

/** Milliseconds since the epoch with microsecond resolution (performance.now is monotonic). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function makeBody(sentAtMs: number): string {
  const stamp = `${sentAtMs.toFixed(3)}|`;
  return stamp + PADDING.slice(stamp.length);
}

/** The send time carried by a body made by makeBody; NaN for anything else. */
export function readSentAt(body: string | Uint8Array): number {
  const text =
    typeof body === 'string' ? body.slice(0, 32) : Buffer.from(body.subarray(0, 32)).toString('latin1');
  const bar = text.indexOf('|');
  return bar === -1 ? NaN : Number(text.slice(0, bar));
}
