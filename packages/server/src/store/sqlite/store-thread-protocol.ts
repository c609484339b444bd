import { DomainError, ERROR_CODES, type ErrorCode } from '../../domain/errors.js';
import type { Store } from '../store.js';
import type { TopicStore } from '../topic-store.js';

/**
 * The messages between the server's event loop and the storage thread (threaded-sqlite-store.ts and
 * sqlite-thread.ts). Every store call is answered by one `result` (or `failure`); the thread also
 * sends the engine's wake-up hints (`ready`, `deliveries`) as they happen.
 */
type Engine = Store & TopicStore;

/** Store methods that are plain async calls; the listener registrations and close() are handled apart. */
export type RemoteMethod = Exclude<keyof Engine, 'onMessagesReady' | 'onDeliveriesReady' | 'close'>;

export const REMOTE_METHODS = [
  'createQueue',
  'getQueue',
  'listQueues',
  'updateQueue',
  'deleteQueue',
  'listDeadLetterSources',
  'sendMessages',
  'receiveMessages',
  'deleteMessages',
  'rewindQueue',
  'redriveMessages',
  'getMessage',
  'getTrace',
  'getQueueStats',
  'nextVisibleAtMs',
  'expireMessages',
  'createTopic',
  'getTopic',
  'listTopics',
  'updateTopic',
  'deleteTopic',
  'subscribe',
  'unsubscribe',
  'getSubscription',
  'listSubscriptions',
  'updateSubscription',
  'listPushSubscriptions',
  'publishMessages',
  'leaseDeliveries',
  'completeDelivery',
  'failDelivery',
  'nextDeliveryAtMs',
] as const satisfies readonly RemoteMethod[];

// Compile-time check that every remote method of the port is listed above.
type Unlisted = Exclude<RemoteMethod, (typeof REMOTE_METHODS)[number]>;
const EVERY_METHOD_LISTED: [Unlisted] extends [never] ? true : Unlisted = true;
void EVERY_METHOD_LISTED;

export interface RemoteCall {
  readonly id: number;
  readonly method: RemoteMethod;
  readonly args: unknown[];
}

/**
 * Calls made during one turn of the server's event loop travel as one `calls` message, so the thread
 * sees them together and the group commit puts them in one transaction (one message per call let the
 * thread start a transaction for each call as it trickled in: many small commits).
 */
export type ToThread =
  | { readonly type: 'calls'; readonly calls: readonly RemoteCall[] }
  | { readonly type: 'close'; readonly id: number };

export type FromThread =
  | { readonly type: 'opened' }
  | { readonly type: 'open-failed'; readonly error: WireError }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'failure'; readonly id: number; readonly error: WireError }
  | { readonly type: 'ready'; readonly queueKey: string; readonly count: number }
  | { readonly type: 'deliveries'; readonly subscriptionId: string };

/** An error as it crosses the thread boundary: DomainErrors keep their code, detail and field. */
export type WireError =
  | {
      readonly kind: 'domain';
      readonly code: string;
      readonly detail: string | undefined;
      readonly field: string | undefined;
    }
  | { readonly kind: 'other'; readonly message: string; readonly stack: string | undefined };

export function toWireError(error: unknown): WireError {
  if (error instanceof DomainError)
    return { kind: 'domain', code: error.code, detail: error.detail, field: error.field };
  if (error instanceof Error) return { kind: 'other', message: error.message, stack: error.stack };
  return { kind: 'other', message: String(error), stack: undefined };
}

export function fromWireError(wire: WireError): Error {
  if (wire.kind === 'domain' && (ERROR_CODES as readonly string[]).includes(wire.code)) {
    return new DomainError(wire.code as ErrorCode, {
      ...(wire.detail === undefined ? {} : { detail: wire.detail }),
      ...(wire.field === undefined ? {} : { field: wire.field }),
    });
  }
  const error = new Error(wire.kind === 'other' ? wire.message : `${wire.code}: ${wire.detail ?? ''}`);
  if (wire.kind === 'other' && wire.stack !== undefined)
    error.stack = `${wire.stack}\n    (in the storage thread)`;
  return error;
}
