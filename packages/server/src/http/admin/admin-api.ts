import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Credential } from '../../auth/credentials.js';
import { isDomainError } from '../../domain/errors.js';
import type { Logger } from '../../log.js';
import type { QueueService } from '../../service/queue-service.js';

/**
 * The admin JSON API under /admin/v1/ (for the web console and operators), separate from the CMQ wire
 * protocol. Authentication: HTTP Basic with the root credential (SecretId:SecretKey), unless auth is off.
 *
 *   GET /admin/v1/queues/{queueName}/messages/{msgId}
 *     200 {"message": {msgId, queueName, state, enqueueTime, firstDequeueTime, nextVisibleTime,
 *          dequeueCount, bodySize} | null, "trace": [{event, time, detail}]}   (times in Unix ms)
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

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    req.resume();
    if (!this.#authorized(req.headers.authorization)) {
      send(
        res,
        401,
        { error: 'unauthorized', message: 'use HTTP Basic auth with SecretId:SecretKey' },
        { 'www-authenticate': 'Basic realm="opencmq"' },
      );
      return;
    }
    if (req.method !== 'GET') {
      send(res, 405, { error: 'method-not-allowed', message: 'the admin API answers GET only' });
      return;
    }
    const match = /^\/admin\/v1\/queues\/([^/]{1,200})\/messages\/([^/]{1,40})$/.exec(path);
    if (match === null) {
      send(res, 404, { error: 'not-found', message: `no admin resource at ${path.slice(0, 200)}` });
      return;
    }
    try {
      const queueName = decodeURIComponent(match[1]!);
      const msgId = decodeURIComponent(match[2]!);
      const { message, trace } = await this.#queues.getMessage(queueName, msgId);
      send(res, 200, {
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
        send(res, 404, { error: 'queue-not-found', message: error.message });
      } else if (error instanceof URIError) {
        send(res, 400, { error: 'bad-path', message: 'malformed percent-encoding in the path' });
      } else {
        this.#log.error('admin request failed', { error });
        send(res, 500, { error: 'internal', message: 'internal error' });
      }
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

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}
