import type { WireErrorName } from '@opencmq/protocol';
import type { ErrorCode } from '../../domain/errors.js';

/** Domain error code → CMQ wire error. Adding a domain code does not compile until it is mapped here. */
export const DOMAIN_TO_WIRE = {
  QUEUE_NOT_FOUND: 'QUEUE_NOT_FOUND',
  QUEUE_ALREADY_EXISTS: 'QUEUE_EXISTS',
  QUEUE_LIMIT_REACHED: 'QUEUE_LIMIT',
  QUEUE_FULL: 'QUEUE_FULL',
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  BATCH_TOO_LARGE: 'BATCH_TOO_LARGE',
  DELAY_OUT_OF_RANGE: 'DELAY_OUT_OF_RANGE',
  ATTRIBUTE_OUT_OF_RANGE: 'OUT_OF_RANGE',
  RECEIPT_HANDLE_MALFORMED: 'RECEIPT_HANDLE_FORMAT',
  RECEIPT_HANDLE_INVALID: 'RECEIPT_HANDLE_INVALID',
  SHUTTING_DOWN: 'SERVICE_UNAVAILABLE',
  STORE_UNAVAILABLE: 'INTERNAL',
} as const satisfies Record<ErrorCode, WireErrorName>;
