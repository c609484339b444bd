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
  'RECEIPT_HANDLE_INVALID',
  'SHUTTING_DOWN',
  'STORE_UNAVAILABLE',
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
