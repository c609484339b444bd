import { parentPort, workerData } from 'node:worker_threads';
import { SignatureVerifier } from '../../auth/verify-signature.js';
import { systemClock } from '../../domain/clock.js';
import { DomainError } from '../../domain/errors.js';
import { createLogger } from '../../log.js';
import { AdminApi, type MessageLookup } from '../admin/admin-api.js';
import { CmqHttpServer } from '../cmq-server.js';
import { authenticate, type CmqRequest, type CmqResponse, type RequestDispatcher } from '../cmq/dispatch.js';
import type { FrontAnswer, FrontCall, FrontOptions, ToFront, ToMain } from './messages.js';
import { TurnBatch } from './turn-batch.js';

/**
 * The HTTP thread (front-thread.ts starts it): listens, parses, checks sizes, decodes forms, verifies
 * signatures and writes answers; what needs the store crosses to the main thread in batches.
 */
const port = parentPort!;
const options = workerData as FrontOptions;
const log = createLogger(options.logLevel);
const verifier = options.verifier === undefined ? undefined : new SignatureVerifier(options.verifier);
const post = (message: ToMain) => port.postMessage(message);

const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
let nextId = 0;
const calls = new TurnBatch<FrontCall>((batch) => post({ kind: 'calls', batch }));

function call(make: (id: number) => FrontCall): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    calls.push(make(id));
  });
}

const dispatcher: RequestDispatcher = {
  dispatch(request: CmqRequest): Promise<CmqResponse> {
    if (verifier !== undefined) {
      const refused = authenticate(verifier, request);
      if (refused !== undefined) return Promise.resolve(refused);
    }
    return call((id) => ({ id, kind: 'cmq', request })) as Promise<CmqResponse>;
  },
};
const lookup: MessageLookup = {
  getMessage: (queueName, msgId) =>
    call((id) => ({ id, kind: 'get-message', queueName, msgId })) as ReturnType<MessageLookup['getMessage']>,
};

function settle(answer: FrontAnswer): void {
  const entry = waiting.get(answer.id);
  if (entry === undefined) return;
  waiting.delete(answer.id);
  if (answer.ok) entry.resolve(answer.value);
  else {
    const { code, message, detail } = answer.error;
    entry.reject(
      code === undefined ? new Error(message) : new DomainError(code, detail === undefined ? {} : { detail }),
    );
  }
}

const server = new CmqHttpServer(
  dispatcher,
  new AdminApi(lookup, options.adminCredential, log),
  systemClock,
  log,
  { maxRequestBytes: options.maxRequestBytes, maxParams: options.maxParams },
);

port.on('message', (message: ToFront) => {
  if (message.kind === 'answers') {
    for (const answer of message.batch) settle(answer);
    return;
  }
  void server.close(message.timeoutMs).then(() => {
    post({ kind: 'closed' });
    port.close();
  });
});

server.listen(options.port, options.host).then(
  (address) => post({ kind: 'listening', address: { address: address.address, port: address.port } }),
  (error: NodeJS.ErrnoException) => {
    post({ kind: 'listen-failed', code: error.code, message: error.message });
    port.close();
  },
);
