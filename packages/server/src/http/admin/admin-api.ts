import { timingSafeEqual } from 'node:crypto';
import type { Credential } from '../../auth/credentials.js';
import { isDomainError } from '../../domain/errors.js';
import type { Logger } from '../../log.js';
import type { QueueService } from '../../service/queue-service.js';
import type { RequestHead } from '../wire/request-parser.js';
import type { WireResponse } from '../wire/wire-response.js';

/**
 * The admin JSON API under /admin/v1/ (for the web console and operators), separate from the CMQ wire
 * protocol. Authentication: HTTP Basic with the root credential (SecretId:SecretKey), unless auth is off.
 *
 *   GET /admin/v1/queues/{queueName}/messages/{msgId}
 *     200 {"message": {msgId, queueName, state, enqueueTime, firstDequeueTime, nextVisibleTime,
 *          dequeueCount, bodySize} | null, "trace": [{event, time, detail}]}   (times in Unix ms)
 *     400 for an msgId that is not decimal digits (no message can have it)
 */
export class AdminApi {
  readonly #queues: QueueService;
  readonly #credential: Credential | undefined;
  readonly #log: Logger;

  constructor(queues: QueueService, credential: Credential | undefined, log: Logger) {
    this.#queues = queues;
    this.#credential = credential;
    this.#log = log;
  }

  static matches(path: string): boolean {
    return path.startsWith('/admin/');
  }

  async handle(request: RequestHead, path: string): Promise<WireResponse> {
    if (!this.#authorized(request.headers.get('authorization'))) {
      return json(
        401,
        { error: 'unauthorized', message: 'use HTTP Basic auth with SecretId:SecretKey' },
        { 'WWW-Authenticate': 'Basic realm="opencmq"' },
      );
    }
    if (request.method !== 'GET') {
      return json(405, { error: 'method-not-allowed', message: 'the admin API answers GET only' });
    }
    const match = /^\/admin\/v1\/queues\/([^/]{1,200})\/messages\/([^/]{1,40})$/.exec(path);
    if (match === null) {
      return json(404, { error: 'not-found', message: `no admin resource at ${path.slice(0, 200)}` });
    }
    try {
      const queueName = decodeURIComponent(match[1]!);
      const msgId = decodeURIComponent(match[2]!);
      // Message ids are decimal integers (the store's row ids): anything else names no message, ever.
      if (!/^\d{1,20}$/.test(msgId)) {
        return json(400, {
          error: 'bad-msg-id',
          message: `msgId ${JSON.stringify(msgId.slice(0, 40))} is not a message id (decimal digits)`,
        });
      }
      const { message, trace } = await this.#queues.getMessage(queueName, msgId);
      return json(200, {
        message:
          message === undefined
            ? null
            : {
                msgId: message.msgId,
                queueName: message.queueName,
                state: message.state,
                enqueueTime: message.enqueuedAtMs,
                firstDequeueTime: message.firstDequeuedAtMs,
                nextVisibleTime: message.nextVisibleAtMs,
                dequeueCount: message.dequeueCount,
                bodySize: message.bodyBytes,
              },
        trace: trace.map((e) => ({ event: e.event, time: e.atMs, detail: e.detail })),
      });
    } catch (error) {
      if (isDomainError(error, 'QUEUE_NOT_FOUND')) {
        return json(404, { error: 'queue-not-found', message: error.message });
      }
      if (error instanceof URIError) {
        return json(400, { error: 'bad-path', message: 'malformed percent-encoding in the path' });
      }
      this.#log.error('admin request failed', { error });
      return json(500, { error: 'internal', message: 'internal error' });
    }
  }

  #authorized(header: string | undefined): boolean {
    if (this.#credential === undefined) return true;
    if (header === undefined || !header.startsWith('Basic ')) return false;
    const given = Buffer.from(header.slice(6), 'base64');
    const expected = Buffer.from(`${this.#credential.secretId}:${this.#credential.secretKey}`, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function json(status: number, body: unknown, headers?: Record<string, string>): WireResponse {
  return headers === undefined
    ? { status, body: JSON.stringify(body) }
    : { status, body: JSON.stringify(body), headers };
}
