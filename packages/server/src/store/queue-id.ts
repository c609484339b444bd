import { randomBytes } from 'node:crypto';

/** Public queue ids look like CMQ's (`queue-ajksdfasdowe`): a prefix and 12 random base-32 characters. */
export function createQueueId(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  const bytes = randomBytes(12);
  let id = 'queue-';
  for (const byte of bytes) id += alphabet[byte & 31];
  return id;
}
