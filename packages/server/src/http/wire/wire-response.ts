import { STATUS_CODES } from 'node:http';

/** An answer: JSON unless `contentType` says otherwise; `close` ends the connection after it. */
export interface WireResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly close?: boolean;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const KEEP_ALIVE = 'Connection: keep-alive\r\n';
const CLOSE = 'Connection: close\r\n';

let dateSecond = -1;
let dateLine = '';

/** The Date header, formatted at most once a second. */
function currentDateLine(nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateLine = `Date: ${new Date(second * 1000).toUTCString()}\r\n`;
  }
  return dateLine;
}

/** An answer's text and how to write it: 'latin1' when every character is ASCII (no UTF-8 pass needed). */
export interface EncodedResponse {
  readonly text: string;
  readonly encoding: 'latin1' | 'utf8';
}

/** The bytes of an HTTP/1.1 answer: status line, headers, and the body unless the request was HEAD. */
export function encodeResponse(
  response: WireResponse,
  keepAlive: boolean,
  headRequest: boolean,
  nowMs: number = Date.now(),
): EncodedResponse {
  const bodyBytes = Buffer.byteLength(response.body);
  let head =
    `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? 'Unknown'}\r\n` +
    `Content-Type: ${response.contentType ?? JSON_TYPE}\r\n` +
    `Content-Length: ${bodyBytes}\r\n` +
    currentDateLine(nowMs) +
    (keepAlive ? KEEP_ALIVE : CLOSE);
  if (response.headers !== undefined) {
    for (const [name, value] of Object.entries(response.headers)) head += `${name}: ${value}\r\n`;
  }
  // A body of as many UTF-8 bytes as characters is ASCII, and so are the status line and the default
  // Content-Type; an answer with a Content-Type or headers of its own is written as UTF-8.
  const ascii =
    bodyBytes === response.body.length &&
    response.contentType === undefined &&
    response.headers === undefined;
  return {
    text: headRequest ? `${head}\r\n` : `${head}\r\n${response.body}`,
    encoding: ascii ? 'latin1' : 'utf8',
  };
}
