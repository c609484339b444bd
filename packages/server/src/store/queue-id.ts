import { randomBytes } from 'node:crypto';

/** Public ids look like CMQ's (`queue-ajksdfasdowe`, `topic-gzz05csc`): a prefix and 12 random base-32 characters. */
export function createPublicId(prefix: 'queue' | 'topic' | 'sub'): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  const bytes = randomBytes(12);
  let id = `${prefix}-`;
  for (const byte of bytes) id += alphabet[byte & 31];
  return id;
}

export const createQueueId = (): string => createPublicId('queue');
