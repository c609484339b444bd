import { parentPort, workerData } from 'node:worker_threads';
import type { SqliteEngine } from './sqlite-engine.js';
import { openSqliteStore, type SqliteStoreOptions } from './open-sqlite-store.js';
import {
  toWireError,
  type FromThread,
  type RemoteCall,
  type RemoteMethod,
  type ToThread,
} from './store-thread-protocol.js';

/**
 * The storage thread: owns the SQLite engine, so its statements and the fsync of every group commit run
 * beside the server's event loop instead of on it. Started by threaded-sqlite-store.ts (through
 * sqlite-thread-boot.mjs); answers calls in arrival order, which keeps the group commit's
 * batching: calls that arrive while a COMMIT is on disk all go into the next transaction.
 */
const port = parentPort;
if (port === null) throw new Error('sqlite-thread.ts runs only as a worker thread');
const post = (message: FromThread) => port.postMessage(message);

let engine: SqliteEngine;
try {
  engine = openSqliteStore((workerData as { options: SqliteStoreOptions }).options);
} catch (error) {
  post({ type: 'open-failed', error: toWireError(error) });
  port.close();
  process.exit(1);
}
engine.onMessagesReady((queueKey, count) => post({ type: 'ready', queueKey, count }));
engine.onDeliveriesReady((subscriptionId) => post({ type: 'deliveries', subscriptionId }));
post({ type: 'opened' });

port.on('message', (message: ToThread) => {
  if (message.type === 'close') {
    engine.close().then(
      () => {
        post({ type: 'result', id: message.id, value: undefined });
        port.close();
      },
      (error: unknown) => post({ type: 'failure', id: message.id, error: toWireError(error) }),
    );
    return;
  }
  for (const call of message.calls) run(call);
});

const methods = engine as unknown as Record<RemoteMethod, (...args: unknown[]) => Promise<unknown>>;

function run(call: RemoteCall): void {
  let pending: Promise<unknown>;
  try {
    pending = methods[call.method](...call.args);
  } catch (error) {
    post({ type: 'failure', id: call.id, error: toWireError(error) });
    return;
  }
  pending.then(
    (value) => post({ type: 'result', id: call.id, value }),
    (error: unknown) => post({ type: 'failure', id: call.id, error: toWireError(error) }),
  );
}
