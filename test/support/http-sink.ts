import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A local HTTP(S) endpoint for push-delivery tests: listens on 127.0.0.1:0, records every request and answers
 * the way it is told. Always close it (afterEach): close() also ends hung and streaming connections.
 */

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly rawBody: Buffer;
  /** Date.now() when the body had been read (fake time under vi.useFakeTimers). */
  readonly receivedAtMs: number;
}

/** How the sink answers one request. */
export type SinkStep =
  /** 200, empty body. */
  | 'ok'
  /** Reads the request and never answers; the connection ends when the sink closes. */
  | 'hang'
  /** 200 headers, then body chunks for as long as the client reads. */
  | 'endless-body'
  /** 200 headers and a few body bytes, then nothing: a response that never ends. */
  | 'never-ends'
  /** Reads the request, then closes the connection without answering. */
  | 'drop'
  /** 200 headers and a few body bytes, then closes the connection. */
  | 'drop-mid-body'
  /** That status, empty body. */
  | number
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body?: string;
    }
  /** 429, with a Retry-After header when given. */
  | { readonly kind: '429'; readonly retryAfter?: string }
  /** Answers `status` (default 200) after delayMs. */
  | { readonly kind: 'slow'; readonly delayMs: number; readonly status?: number };

/**
 * A step for every request, or a script: 'flap' alternates 500 and 200 forever; `{ kind: 'flap', steps }`
 * plays the steps in order, then cycles (default) or keeps repeating the last one.
 */
export type SinkBehaviour =
  | SinkStep
  | 'flap'
  | { readonly kind: 'flap'; readonly steps: readonly SinkStep[]; readonly then?: 'cycle' | 'repeat-last' };

export interface HttpSinkOptions {
  /** Serve HTTPS with a self-signed certificate for 127.0.0.1 and localhost; trust SINK_CA_PEM. */
  readonly tls?: boolean;
}

export interface HttpSink {
  /** Base URL, e.g. http://127.0.0.1:40123/ */
  readonly url: string;
  readonly port: number;
  readonly requests: readonly RecordedRequest[];
  /** TCP (or TLS) connections accepted so far; shows whether a client reused a keep-alive socket. */
  readonly connectionsAccepted: number;
  /** Connections still open now. */
  readonly connectionsOpen: number;
  /** Changes how later requests are answered; a script starts again from its first step. */
  setBehaviour(behaviour: SinkBehaviour): void;
  /**
   * Resolves once at least `count` requests have been recorded (event-driven, no polling). The timeout runs
   * on setTimeout, so under vi.useFakeTimers it only fires when the test advances the clock past it.
   */
  waitForRequests(count: number, timeoutMs?: number): Promise<readonly RecordedRequest[]>;
  /** Resolves once exactly `count` connections are open (e.g. 0 after a client destroyed its socket). */
  waitForConnectionsOpen(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHttpSink(
  behaviour: SinkBehaviour,
  options: HttpSinkOptions = {},
): Promise<HttpSink> {
  let current = behaviour;
  let scriptIndex = 0;
  let connectionsAccepted = 0;
  const sockets = new Set<Socket>();
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const checks = new Set<() => void>();
  const notify = () => {
    for (const check of [...checks]) check();
  };

  const nextStep = (): SinkStep => {
    const index = scriptIndex++;
    if (current === 'flap') return index % 2 === 0 ? 500 : 200;
    if (typeof current !== 'object' || current.kind !== 'flap') return current;
    const { steps, then = 'cycle' } = current;
    if (steps.length === 0) throw new Error('a flap script needs at least one step');
    const at = then === 'cycle' ? index % steps.length : Math.min(index, steps.length - 1);
    return steps[at] as SinkStep;
  };

  const answer = (step: SinkStep, response: http.ServerResponse) => {
    if (step === 'ok') return response.writeHead(200).end();
    if (step === 'hang') return;
    if (step === 'never-ends') {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.write('partial');
      return;
    }
    if (step === 'drop') return response.socket?.destroy();
    if (step === 'drop-mid-body') {
      response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '100' });
      response.write('partial', () => response.socket?.destroy());
      return;
    }
    if (step === 'endless-body') {
      response.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      const chunk = Buffer.alloc(16 * 1024, 0x61);
      const pump = () => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
      return;
    }
    if (typeof step === 'number') return response.writeHead(step).end();
    switch (step.kind) {
      case 'status':
        return response.writeHead(step.status, step.headers).end(step.body);
      case '429':
        return response
          .writeHead(429, step.retryAfter === undefined ? {} : { 'Retry-After': step.retryAfter })
          .end();
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          response.writeHead(step.status ?? 200).end();
        }, step.delayMs);
        timers.add(timer);
        return;
      }
    }
  };

  const onRequest = (request: http.IncomingMessage, response: http.ServerResponse) => {
    // Clients under test abort and time out on purpose; those resets are not sink failures.
    request.on('error', () => {});
    response.on('error', () => {});
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: rawBody.toString('utf8'),
        rawBody,
        receivedAtMs: Date.now(),
      });
      answer(nextStep(), response);
      notify();
    });
  };

  const server =
    options.tls === true ? https.createServer({ key: SINK_KEY_PEM, cert: SINK_CA_PEM }) : http.createServer();
  server.on('request', onRequest);
  // Count TCP connections; for TLS 'connection' also fires once per raw socket.
  server.on('connection', (socket: Socket) => {
    connectionsAccepted++;
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      notify();
    });
    notify();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  /** Resolves when `ready()` holds, re-checked on every request and connection change. */
  const waitUntil = <T>(ready: () => T | undefined, timeoutMs: number, what: () => string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = ready();
        if (value === undefined) return;
        checks.delete(check);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        checks.delete(check);
        reject(new Error(`http sink: timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      checks.add(check);
      check();
    });

  let closed: Promise<void> | undefined;
  return {
    url: `${options.tls === true ? 'https' : 'http'}://127.0.0.1:${port}/`,
    port,
    requests,
    get connectionsAccepted() {
      return connectionsAccepted;
    },
    get connectionsOpen() {
      return sockets.size;
    },
    setBehaviour(next) {
      current = next;
      scriptIndex = 0;
    },
    waitForRequests: (count, timeoutMs = 10_000) =>
      waitUntil(
        () => (requests.length >= count ? [...requests] : undefined),
        timeoutMs,
        () => `${count} requests (got ${requests.length})`,
      ),
    waitForConnectionsOpen: (count, timeoutMs = 10_000) =>
      waitUntil(
        () => (sockets.size === count ? true : undefined),
        timeoutMs,
        () => `${count} open connections (have ${sockets.size})`,
      ).then(() => undefined),
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}

/**
 * A self-signed P-256 certificate (CA:TRUE, SAN IP:127.0.0.1 and DNS:localhost, valid 2000-2100) made with
 * openssl for these tests only. Clients trust it with `new https.Agent({ ca: SINK_CA_PEM })`.
 */
export const SINK_CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBdzCCAR2gAwIBAgIBATAKBggqhkjOPQQDAjAcMRowGAYDVQQDDBFvcGVuY21x
LXRlc3Qtc2luazAgFw0wMDAxMDEwMDAwMDBaGA8yMTAwMDEwMTAwMDAwMFowHDEa
MBgGA1UEAwwRb3BlbmNtcS10ZXN0LXNpbmswWTATBgcqhkjOPQIBBggqhkjOPQMB
BwNCAASgy4pzKK2tGKzehSB9OsvcJxUrZvLwTZA7lfMJJdt7Bs6saoZgyoccbBrH
D1vZJyCrR4BCy5Pb3tRHZAoNmlwyo04wTDAPBgNVHRMBAf8EBTADAQH/MBoGA1Ud
EQQTMBGHBH8AAAGCCWxvY2FsaG9zdDAdBgNVHQ4EFgQUxSFJ1DbXWNOhQJ5Ag0sl
Hlv5KnswCgYIKoZIzj0EAwIDSAAwRQIgX0KlfCQo7U4TLNbJi/451++nUKThgGJ7
+wzSu7DSIDwCIQDJLqs1uK2ydyEIQy4b3sn//LW2zSJNhAi+2H+I3tjVpA==
-----END CERTIFICATE-----
`;

/** The test certificate's private key; it protects nothing but this sink. */
const SINK_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgxNBc84UX/xKKkjuj
GisYz4CwBt8e22vrul0nJjToQKOhRANCAASgy4pzKK2tGKzehSB9OsvcJxUrZvLw
TZA7lfMJJdt7Bs6saoZgyoccbBrHD1vZJyCrR4BCy5Pb3tRHZAoNmlwy
-----END PRIVATE KEY-----
`;
