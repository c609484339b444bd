import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { systemClock, type Clock } from '../domain/clock.js';
import type { PushRequest } from './push-request.js';

/**
 * One HTTP push attempt (shared/reference/cmq-api.md §5): POST the request, classify the answer, never throw.
 * Retrying, pacing and giving up belong to the caller (retry-policy.ts, flow-control.ts).
 */

/** CMQ waits about 15 s for an endpoint to answer; the whole exchange, body included, must fit in it. */
export const PUSH_TIMEOUT_MS = 15_000;
/**
 * The response body only matters for keeping the connection reusable: up to this many bytes are read and
 * dropped so the socket can go back to the keep-alive pool; past it the connection is destroyed, so an
 * endpoint streaming an endless body costs one socket, not memory.
 */
export const MAX_RESPONSE_BYTES = 4096;

export type PushFailureReason = 'status' | 'timeout' | 'network' | 'redirect' | 'aborted';

export type PushOutcome =
  /** Any 2xx whose response completed (ended, or reached maxResponseBytes) within the timeout. */
  | { readonly kind: 'delivered'; readonly status: number; readonly elapsedMs: number }
  | {
      readonly kind: 'throttled';
      readonly status: 429;
      readonly retryAfterMs?: number;
      readonly elapsedMs: number;
    }
  | {
      readonly kind: 'failed';
      /**
       * status: a non-2xx answer; redirect: a 3xx (never followed: the target was checked, the Location was
       * not); timeout: no complete response within timeoutMs, `status` set when headers had arrived;
       * network: DNS, connect, TLS or reset, `detail` says which; aborted: the caller's signal fired.
       */
      readonly reason: PushFailureReason;
      readonly status?: number;
      /** From Retry-After on a 503. */
      readonly retryAfterMs?: number;
      readonly detail?: string;
      readonly elapsedMs: number;
    };

export interface PushOptions {
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
  /** The caller's keep-alive agent; it must match the URL's scheme (an https.Agent for https URLs). */
  readonly agent?: http.Agent;
  /** Name resolution for the connection, e.g. createGuardedLookup from endpoint-policy.ts. */
  readonly lookup?: LookupFunction;
  /** Aborts the attempt (shutdown); the outcome is then `failed` / `aborted`. */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
}

export function pushOnce(
  url: URL | string,
  push: PushRequest,
  options: PushOptions = {},
): Promise<PushOutcome> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? PUSH_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const startedMs = clock.nowMs();
  const elapsedMs = () => Math.max(0, clock.nowMs() - startedMs);

  return new Promise<PushOutcome>((resolve) => {
    let settled = false;
    let status: number | undefined;
    let request: http.ClientRequest | undefined;
    let timer: NodeJS.Timeout | undefined;
    const { signal } = options;

    const settle = (outcome: PushOutcome, keepConnection: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (!keepConnection) request?.destroy();
      resolve(outcome);
    };
    const fail = (reason: PushFailureReason, detail?: string) =>
      settle(
        {
          kind: 'failed',
          reason,
          ...(status === undefined ? {} : { status }),
          ...(detail === undefined ? {} : { detail }),
          elapsedMs: elapsedMs(),
        },
        false,
      );
    const onAbort = () => fail('aborted');

    const complete = (response: http.IncomingMessage, ended: boolean) => {
      if (settled) return;
      const code = response.statusCode ?? 0;
      const retryAfterMs =
        code === 429 || code === 503
          ? parseRetryAfterMs(response.headers['retry-after'], clock.nowMs())
          : undefined;
      const retryAfter = retryAfterMs === undefined ? {} : { retryAfterMs };
      let outcome: PushOutcome;
      if (code >= 200 && code < 300) outcome = { kind: 'delivered', status: code, elapsedMs: elapsedMs() };
      else if (code === 429)
        outcome = { kind: 'throttled', status: 429, ...retryAfter, elapsedMs: elapsedMs() };
      else {
        const reason = code >= 300 && code < 400 ? 'redirect' : 'status';
        outcome = { kind: 'failed', reason, status: code, ...retryAfter, elapsedMs: elapsedMs() };
      }
      // A response read to its end leaves the socket reusable; a truncated one must not be reused.
      if (!ended) response.destroy();
      settle(outcome, ended);
    };

    try {
      const target = typeof url === 'string' ? new URL(url) : url;
      const transport = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
      if (transport === undefined) return fail('network', `unsupported protocol ${target.protocol}`);
      if (signal?.aborted === true) return fail('aborted');
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => fail('timeout'), timeoutMs);

      const requestOptions: http.RequestOptions = {
        method: 'POST',
        headers: { ...push.headers, 'Content-Length': Buffer.byteLength(push.body) },
      };
      if (options.agent !== undefined) requestOptions.agent = options.agent;
      if (options.lookup !== undefined) requestOptions.lookup = options.lookup;
      request = transport.request(target, requestOptions, (response) => {
        status = response.statusCode;
        let receivedBytes = 0;
        response.on('data', (chunk: Buffer) => {
          receivedBytes += chunk.length;
          if (receivedBytes > maxResponseBytes) complete(response, false);
        });
        response.on('end', () => complete(response, true));
        response.on('error', (error) => fail('network', describeError(error)));
        // 'close' without 'end': the connection dropped mid-body.
        response.on('close', () => fail('network', 'connection closed before the response ended'));
      });
      request.on('error', (error) => fail('network', describeError(error)));
      request.end(push.body);
    } catch (error) {
      fail('network', describeError(error));
    }
  });
}

/**
 * Retry-After as milliseconds from `nowMs`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). A date in the
 * past gives 0; anything else, undefined. The caller bounds how long it honours it.
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // All three HTTP-date forms start with a day name; this keeps Date.parse's leniency ("-1", "2024") out.
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const dateMs = Date.parse(text);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs);
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === undefined ? error.message : `${code}: ${error.message}`;
  }
  return String(error);
}
