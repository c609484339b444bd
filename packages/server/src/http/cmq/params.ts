import { LIMITS, readArray, type ArrayResult, type Params, type Range } from '@opencmq/protocol';
import { CmqError } from './cmq-error.js';

/**
 * Readers of CMQ request parameters. Each validates at the edge and throws a CmqError naming the
 * parameter. An empty value of an optional parameter counts as absent: SDKs send `delaySeconds=0` or
 * `routingKey=` when the caller gave nothing (cmq-api.md §1.7).
 */
export function requireString(params: Params, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === '') throw new CmqError('MISSING_PARAMETER', name);
  return value;
}

export function readName(
  params: Params,
  name: string,
  formatError: 'QUEUE_NAME_FORMAT' | 'TOPIC_NAME_FORMAT' = 'QUEUE_NAME_FORMAT',
): string {
  const value = requireString(params, name);
  if (!LIMITS.namePattern.test(value)) {
    throw new CmqError(
      formatError,
      `${name} must start with a letter and hold at most ${LIMITS.nameMaxLength} letters, digits, '-' or '_'`,
    );
  }
  return value;
}

export function optionalInteger(params: Params, name: string, range: Range): number | undefined {
  const raw = params.get(name);
  if (raw === undefined || raw === '') return undefined;
  // Digits only: no blanks around them (Number() would skip them), no exponent, no hexadecimal.
  if (!/^[+-]?\d{1,16}$/.test(raw))
    throw new CmqError('WRONG_TYPE', name, `expected an integer, got ${JSON.stringify(raw.slice(0, 40))}`);
  const value = Number(raw);
  if (value < range.min || value > range.max) {
    // The value as sent: 16 digits may be more than a double holds exactly.
    throw new CmqError('OUT_OF_RANGE', name, `must be between ${range.min} and ${range.max}, got ${raw}`);
  }
  return value;
}

export function requireInteger(params: Params, name: string, range: Range): number {
  const value = optionalInteger(params, name, range);
  if (value === undefined) throw new CmqError('MISSING_PARAMETER', name);
  return value;
}

export function optionalString(params: Params, name: string, maxLength: number): string | undefined {
  const value = params.get(name);
  if (value === undefined || value === '') return undefined;
  if (value.length > maxLength) throw new CmqError('OUT_OF_RANGE', name, `at most ${maxLength} characters`);
  return value;
}

/** The refusal of a `name.n` array that readArray did not accept. */
export function arrayError(reason: Extract<ArrayResult, { ok: false }>['reason'], name: string): CmqError {
  if (reason === 'too-many') return new CmqError('BATCH_SIZE', name);
  // Both `name` and `name.n`: the same parameter given twice (one of the two would be dropped).
  if (reason === 'mixed') return new CmqError('NOT_REPEATABLE', `${name} (as ${name} and ${name}.n)`);
  return new CmqError('NOT_CONSECUTIVE', name);
}

/**
 * `name.n` array with 1..max elements (a single `name` is accepted as a one-element array). An empty single
 * `name` is missing, as any empty required parameter is, unless `keepEmpty`: an empty `msgBody` gets its
 * own refusal ("message body can't be empty") from the caller.
 */
export function requireArray(
  params: Params,
  name: string,
  max: number,
  options?: { readonly keepEmpty: boolean },
): string[] {
  const result = readArray(params, name, max);
  if (!result.ok) throw arrayError(result.reason, name);
  const single = params.get(name);
  if (result.values.length === 0 && single !== undefined && (single !== '' || options?.keepEmpty === true))
    return [single];
  if (result.values.length === 0) throw new CmqError('MISSING_PARAMETER', `${name}.n`);
  return result.values;
}
