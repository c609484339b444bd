/**
 * CMQ v2 error codes as they go on the wire: `{code, message: "(<module>)<text>"}`.
 * Source: shared/reference/cmq-api.md §6 (Tencent doc 406/5903, Python SDK cmq_exception.py, issue cmq-java-sdk#27).
 * Where the doc table and the API pages disagree (4440/4460) the top-level code SDK users branch on is used.
 * Keys are stable names; docs/errors.md lists every entry and a test keeps the two in step.
 */
export const WIRE_ERRORS = {
  INVALID_PARAMETERS: { code: 4000, module: 10000, text: 'invalid request parameters' },
  MISSING_PARAMETER: { code: 4000, module: 10390, text: 'lacked of required parameter %s' },
  NOT_REPEATABLE: { code: 4000, module: 10330, text: 'parameter %s is NOT a repeatable parameter' },
  OUT_OF_RANGE: { code: 4000, module: 10350, text: 'parameter %s value or length is out of range' },
  WRONG_TYPE: { code: 4000, module: 10360, text: 'parameter %s error type' },
  BATCH_SIZE: { code: 4000, module: 10370, text: '%s parameter batch size is out of range' },
  NOT_CONSECUTIVE: { code: 4000, module: 10380, text: '%s parameter is not consequent' },
  BAD_METHOD: { code: 4000, module: 10410, text: 'unexpected http %s only GET or POST is supported' },
  REQUEST_TOO_LARGE: { code: 4000, module: 10420, text: 'cannot parse %s, or request size is more than %s' },
  UNKNOWN_ACTION: { code: 4000, module: 10430, text: 'action name %s is not existed' },
  QUEUE_NAME_FORMAT: { code: 4000, module: 10020, text: 'queue name format error' },
  EMPTY_MESSAGE_BODY: { code: 4000, module: 10120, text: "message body can't be empty" },
  RECEIPT_HANDLE_FORMAT: { code: 4000, module: 10470, text: 'receiptHandle error' },
  DELAY_OUT_OF_RANGE: { code: 4000, module: 10692, text: 'delay seconds is out of range' },
  AUTH_FAILED: { code: 4100, module: 10030, text: 'authentication failed' },
  SECRET_ID_NOT_FOUND: { code: 4100, module: 10270, text: 'secret id is not existed' },
  MESSAGE_TOO_LARGE: { code: 4400, module: 10230, text: 'exceed maximum message size' },
  QUEUE_FULL: { code: 4410, module: 10240, text: 'reach maximum retention number of message' },
  RECEIPT_HANDLE_INVALID: { code: 4430, module: 10260, text: 'receipt handle is invalid' },
  QUEUE_NOT_FOUND: { code: 4440, module: 10100, text: 'queue is not existed, or deleted' },
  QUEUE_LIMIT: { code: 4450, module: 10220, text: 'number of queues has reached the limit' },
  QUEUE_EXISTS: { code: 4460, module: 4460, text: 'queue is already existed,case insensitive' },
  BATCH_TOO_LARGE: { code: 4470, module: 10300, text: 'total message size exceed %s' },
  INTERNAL: { code: 6000, module: 10050, text: 'server internal error' },
  DELETE_PARTIALLY_FAILED: { code: 6010, module: 10150, text: 'delete message partially failed' },
  SERVICE_UNAVAILABLE: { code: 6000, module: 10051, text: 'server is shutting down, retry on another node' },
  NO_MESSAGE: { code: 7000, module: 10200, text: 'no message' },
} as const satisfies Record<string, WireError>;

export interface WireError {
  readonly code: number;
  readonly module: number;
  readonly text: string;
}

export type WireErrorName = keyof typeof WIRE_ERRORS;

/** Renders `(module)text` with each `%s` replaced in order by `args`. */
export function formatWireMessage(error: WireError, args: readonly string[] = []): string {
  let i = 0;
  const text = error.text.replace(/%s/g, () => args[i++] ?? '');
  const detail = args.slice(i).filter((a) => a.length > 0);
  return `(${error.module})${text}${detail.length > 0 ? `: ${detail.join('; ')}` : ''}`;
}
