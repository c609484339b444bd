/** The domain's one error type. Codes are mapped to CMQ wire codes in http/cmq/error-map.ts. */
export const ERROR_CODES = [
  'QUEUE_NOT_FOUND',
  'QUEUE_ALREADY_EXISTS',
  'QUEUE_LIMIT_REACHED',
  'QUEUE_FULL',
  'MESSAGE_TOO_LARGE',
  'BATCH_TOO_LARGE',
  'DELAY_OUT_OF_RANGE',
  'ATTRIBUTE_OUT_OF_RANGE',
  'RECEIPT_HANDLE_MALFORMED',
  'DEAD_LETTER_INVALID',
  'DEAD_LETTER_QUEUE_NOT_FOUND',
  'DEAD_LETTER_CHAIN',
  'DEAD_LETTER_SOURCES_LIMIT',
  'DEAD_LETTER_QUEUE_IN_USE',
  'REWIND_DISABLED',
  'TOPIC_NOT_FOUND',
  'TOPIC_ALREADY_EXISTS',
  'TOPIC_LIMIT_REACHED',
  'TOPIC_HAS_SUBSCRIPTIONS',
  'SUBSCRIPTION_NOT_FOUND',
  'SUBSCRIPTION_ALREADY_EXISTS',
  'SUBSCRIPTION_LIMIT_REACHED',
  'NO_SUBSCRIPTION',
  'NO_MATCHING_SUBSCRIPTION',
  'ENDPOINT_NOT_ALLOWED',
  'STORE_UNAVAILABLE',
  'STORE_FULL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  readonly code: ErrorCode;
  /** Short human detail, e.g. the attribute that is out of range (domain naming). */
  readonly detail: string | undefined;
  /** The domain field the error is about, when there is one (mapped to the wire parameter name). */
  readonly field: string | undefined;

  constructor(code: ErrorCode, options: { detail?: string; field?: string; cause?: unknown } = {}) {
    super(options.detail ? `${code}: ${options.detail}` : code, { cause: options.cause });
    this.name = 'DomainError';
    this.code = code;
    this.detail = options.detail;
    this.field = options.field;
  }
}

export function isDomainError(error: unknown, code?: ErrorCode): error is DomainError {
  return error instanceof DomainError && (code === undefined || error.code === code);
}
