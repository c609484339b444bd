import { Worker } from 'node:worker_threads';
import { DomainError } from '../../domain/errors.js';
import type { Store } from '../store.js';
import type { TopicStore } from '../topic-store.js';
import type { SqliteStoreOptions } from './open-sqlite-store.js';
import {
  fromWireError,
  REMOTE_METHODS,
  type FromThread,
  type RemoteCall,
  type RemoteMethod,
  type ToThread,
} from './store-thread-protocol.js';

/** The embedded engine on its own thread: the same port, with `opened` to await before serving. */
export type ThreadedSqliteStore = Store &
  TopicStore & {
    /** Resolves once the database is open and migrated; rejects with the reason it could not be. */
    readonly opened: Promise<void>;
  };

interface Call {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Starts the storage thread (sqlite-thread.ts) and returns the store that talks to it. Every call is
 * one message each way; results are structured clones, errors keep their DomainError code. If the
 * thread stops unexpectedly, every pending and later call fails with STORE_UNAVAILABLE.
 */
export function openThreadedSqliteStore(options: SqliteStoreOptions): ThreadedSqliteStore {
  const worker = new Worker(new URL('./sqlite-thread-boot.mjs', import.meta.url), {
    workerData: { options },
  });
  const calls = new Map<number, Call>();
  const readyListeners = new Set<(queueKey: string, count: number) => void>();
  const deliveryListeners = new Set<(subscriptionId: string) => void>();
  let nextId = 1;
  let failure: Error | undefined;
  let closing: Promise<void> | undefined;
  let markOpened: () => void = () => {};
  let markOpenFailed: (error: Error) => void = () => {};
  const opened = new Promise<void>((resolve, reject) => {
    markOpened = resolve;
    markOpenFailed = reject;
  });
  // Nobody may await `opened` (a failed open also fails every call); keep it from being unhandled.
  opened.catch(() => undefined);

  const fail = (error: Error) => {
    failure ??= error;
    markOpenFailed(failure);
    for (const call of calls.values()) call.reject(failure);
    calls.clear();
  };

  worker.on('message', (message: FromThread) => {
    switch (message.type) {
      case 'opened':
        markOpened();
        return;
      case 'open-failed':
        fail(fromWireError(message.error));
        return;
      case 'ready':
        for (const listener of readyListeners) listener(message.queueKey, message.count);
        return;
      case 'deliveries':
        for (const listener of deliveryListeners) listener(message.subscriptionId);
        return;
      case 'result':
      case 'failure': {
        const call = calls.get(message.id);
        if (call === undefined) return;
        calls.delete(message.id);
        if (message.type === 'result') call.resolve(message.value);
        else call.reject(fromWireError(message.error));
      }
    }
  });
  worker.on('error', (error) =>
    fail(
      new DomainError('STORE_UNAVAILABLE', {
        detail: `storage thread failed: ${error.message}`,
        cause: error,
      }),
    ),
  );
  worker.on('exit', (code) =>
    fail(new DomainError('STORE_UNAVAILABLE', { detail: `storage thread exited (${code})` })),
  );

  // Calls of one event-loop turn go to the thread as one message (see ToThread).
  let outbox: RemoteCall[] = [];
  const flushOutbox = () => {
    if (outbox.length === 0) return;
    const batch = outbox;
    outbox = [];
    worker.postMessage({ type: 'calls', calls: batch } satisfies ToThread);
  };
  const sendClose = (call: Call) => {
    flushOutbox();
    const id = nextId++;
    calls.set(id, call);
    worker.postMessage({ type: 'close', id } satisfies ToThread);
  };

  const invoke = (method: RemoteMethod, args: unknown[]): Promise<unknown> => {
    if (failure !== undefined) return Promise.reject(failure);
    if (closing !== undefined)
      return Promise.reject(new DomainError('STORE_UNAVAILABLE', { detail: 'store is closed' }));
    return new Promise((resolve, reject) => {
      const id = nextId++;
      calls.set(id, { resolve, reject });
      if (outbox.length === 0) setImmediate(flushOutbox);
      outbox.push({ id, method, args });
    });
  };

  const store: Record<string, unknown> = {
    opened,
    onMessagesReady(listener: (queueKey: string, count: number) => void) {
      readyListeners.add(listener);
      return () => readyListeners.delete(listener);
    },
    onDeliveriesReady(listener: (subscriptionId: string) => void) {
      deliveryListeners.add(listener);
      return () => deliveryListeners.delete(listener);
    },
    close() {
      closing ??= (async () => {
        try {
          if (failure === undefined) await new Promise((resolve, reject) => sendClose({ resolve, reject }));
        } finally {
          readyListeners.clear();
          deliveryListeners.clear();
          await worker.terminate();
        }
      })();
      return closing;
    },
  };
  for (const method of REMOTE_METHODS) store[method] = (...args: unknown[]) => invoke(method, args);
  return store as unknown as ThreadedSqliteStore;
}
