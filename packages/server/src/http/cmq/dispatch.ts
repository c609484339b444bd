import { WIRE_ERRORS, formatWireMessage, type Params, type WireErrorName } from '@opencmq/protocol';
import { isDomainError } from '../../domain/errors.js';
import type { Logger } from '../../log.js';
import type { SignatureVerifier } from '../../auth/verify-signature.js';
import type { ActionContext, ActionResult, CmqAction } from './action.js';
import { ACTIONS } from './actions/index.js';
import { CmqError } from './cmq-error.js';
import { DOMAIN_TO_WIRE } from './error-map.js';
import { wireNameOf } from './queue-attributes.js';

export interface CmqRequest {
  readonly method: string;
  readonly hostHeader: string | undefined;
  readonly path: string;
  readonly params: Params;
  readonly requestId: string;
  readonly nowMs: number;
}

export type CmqResponse = Record<string, unknown> & { code: number; message: string; requestId: string };

const BY_NAME = new Map<string, CmqAction>(ACTIONS.map((a) => [a.name.toLowerCase(), a]));

/**
 * Authenticates, finds the action (case-insensitively: the Java SDK sends `ClearSUbscriptionFIlterTags`)
 * and runs it. Every outcome is a CMQ envelope `{code, message, requestId, ...}`; nothing throws.
 *
 * Not an async function: a long poll's request waits here for up to 30 s, and an async frame per layer
 * (this one, the server's, the action's) kept a generator, its registers, its await closures and the
 * request's parameters alive for the whole wait. Without them a waiting receiver holds 2.3 KB of heap
 * instead of 5.2 KB beyond its connection (`bench/waiting-receiver-memory.ts`, docs/decisions/0015).
 */
export class CmqDispatcher {
  readonly #context: ActionContext;
  readonly #verifier: SignatureVerifier | undefined;
  readonly #log: Logger;

  constructor(context: ActionContext, verifier: SignatureVerifier | undefined, log: Logger) {
    this.#context = context;
    this.#verifier = verifier;
    this.#log = log;
  }

  dispatch(request: CmqRequest): Promise<CmqResponse> {
    return this.dispatchThen(request, sameResponse);
  }

  /** `dispatch(request).then(finish)` in one step: one promise and one microtask fewer per request. */
  dispatchThen<T>(request: CmqRequest, finish: (response: CmqResponse) => T): Promise<T> {
    const { requestId } = request;
    let running: Promise<ActionResult>;
    try {
      if (this.#verifier !== undefined) {
        const check = this.#verifier.verify(request);
        if (!check.ok) {
          throw new CmqError(
            check.reason === 'unknown-secret-id' ? 'SECRET_ID_NOT_FOUND' : 'AUTH_FAILED',
            check.detail,
          );
        }
      }
      const actionName = request.params.get('Action');
      if (actionName === undefined || actionName === '') throw new CmqError('MISSING_PARAMETER', 'Action');
      const action = BY_NAME.get(actionName.toLowerCase());
      if (action === undefined) throw new CmqError('UNKNOWN_ACTION', actionName.slice(0, 64));
      running = action.handle(request.params, this.#context);
    } catch (error) {
      return Promise.resolve(this.#errorResponse(error, requestId)).then(finish);
    }
    return running.then(
      (result) => finish(answer(result, requestId)),
      (error: unknown) => finish(this.#errorResponse(error, requestId)),
    );
  }

  #errorResponse(error: unknown, requestId: string): CmqResponse {
    if (error instanceof CmqError) return envelope(error.wire, error.args, requestId);
    if (isDomainError(error)) {
      if (error.code === 'STORE_UNAVAILABLE' || error.code === 'STORE_FULL')
        this.#log.error(error.code === 'STORE_FULL' ? 'store full' : 'store unavailable', {
          requestId,
          error,
        });
      const field = wireNameOf(error.field);
      const args =
        field !== undefined ? [field, error.detail ?? ''] : error.detail !== undefined ? [error.detail] : [];
      return envelope(DOMAIN_TO_WIRE[error.code], args, requestId);
    }
    this.#log.error('internal error', { requestId, error });
    return envelope('INTERNAL', [], requestId);
  }
}

function sameResponse(response: CmqResponse): CmqResponse {
  return response;
}

function answer(result: ActionResult, requestId: string): CmqResponse {
  const error = result.error;
  return error === undefined
    ? { code: 0, message: '', requestId, ...result.fields }
    : { ...envelope(error.wire, error.args ?? [], requestId), ...result.fields };
}

export function envelope(wire: WireErrorName, args: readonly string[], requestId: string): CmqResponse {
  const entry = WIRE_ERRORS[wire];
  return { code: entry.code, message: formatWireMessage(entry, args), requestId };
}
