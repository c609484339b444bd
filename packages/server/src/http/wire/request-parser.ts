/**
 * An incremental, strict HTTP/1.x request parser (RFC 9112) for the CMQ port: request line, header fields,
 * and a body framed by Content-Length or chunked transfer coding. Bytes go in with `push`; `next` returns
 * one complete request at a time, says what is still missing, or refuses the stream. A refusal is final:
 * the connection answers it and closes, because after a framing error the next request's start is unknown.
 *
 * Bounded before buffering: a head over `maxHeadBytes` and a body over `maxBodyBytes` (declared or as it
 * arrives) are refused without holding more than the limit. Ambiguous framing that enables request
 * smuggling (both Content-Length and Transfer-Encoding, differing Content-Lengths, a coding other than
 * chunked, obs-fold lines) is refused as malformed.
 */
import { isUtf8 } from 'node:buffer';
import { parseHead, type RequestHead } from './request-head.js';

export type { RequestHead } from './request-head.js';

export interface ParsedRequest extends RequestHead {
  /** The body decoded as UTF-8 (everything read on the CMQ port is text: form data). */
  readonly body: string;
}

export type RefusalReason = 'head-too-large' | 'body-too-large' | 'malformed';

export type ParseResult =
  | { readonly kind: 'request'; readonly request: ParsedRequest }
  /** More bytes are needed; `head` is set once the head is complete and the body is still coming. */
  | { readonly kind: 'incomplete'; readonly head: RequestHead | undefined }
  | {
      readonly kind: 'refused';
      readonly reason: RefusalReason;
      readonly detail: string;
      readonly head: RequestHead | undefined;
    };

export interface ParserLimits {
  readonly maxHeadBytes: number;
  readonly maxBodyBytes: number;
}

const CR = 13;
const LF = 10;
const HEAD_END = '\r\n\r\n';
const CHUNK_SIZE_LINE = /^([0-9A-Fa-f]{1,8})[\t ]*(?:;.*)?$/;

/** Shared by every parser for "nothing": a zero-length buffer cannot be written to. */
const EMPTY = Buffer.alloc(0);

type Phase = 'head' | 'length-body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers';

export class RequestParser {
  readonly #limits: ParserLimits;
  /** Unconsumed bytes: `#buffer[#start, #end)`. Either a view of a pushed chunk or our own growable copy. */
  #buffer: Buffer = EMPTY;
  #start = 0;
  #end = 0;
  #owned = false;
  /** How far the head search got, so a head arriving in pieces is scanned once. */
  #scanned = 0;
  #phase: Phase = 'head';
  #head: RequestHead | undefined;
  #body: Buffer = EMPTY;
  #bodyBytes = 0;
  #remaining = 0;
  #trailerBytes = 0;
  #refused: ParseResult | undefined;

  constructor(limits: ParserLimits) {
    this.#limits = limits;
  }

  /** Bytes received and not yet consumed by a complete request. */
  get bufferedBytes(): number {
    return this.#end - this.#start;
  }

  /** Whether a request has begun (any byte of its head arrived) and is not complete yet. */
  get midRequest(): boolean {
    return this.#phase !== 'head' || this.#end > this.#start;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.#end === this.#start) {
      this.#buffer = chunk;
      this.#start = 0;
      this.#end = chunk.length;
      this.#scanned = 0;
      this.#owned = false;
      return;
    }
    const length = this.#end - this.#start;
    if (this.#owned && this.#end + chunk.length <= this.#buffer.length) {
      chunk.copy(this.#buffer, this.#end);
      this.#end += chunk.length;
      return;
    }
    // Grow geometrically so a request arriving a byte at a time costs linear copying, not quadratic.
    const grown = Buffer.allocUnsafe(Math.max(4096, 2 * (length + chunk.length)));
    this.#buffer.copy(grown, 0, this.#start, this.#end);
    chunk.copy(grown, length);
    this.#buffer = grown;
    this.#scanned -= this.#start;
    this.#start = 0;
    this.#end = length + chunk.length;
    this.#owned = true;
  }

  /**
   * Copies the bytes not consumed yet out of the last chunk pushed, so the caller may reuse that chunk's
   * memory (the server reads every connection into one buffer: SharedReadBuffer). Costs nothing when the
   * chunk was consumed to its end, the usual case.
   */
  copyUnconsumed(): void {
    if (this.#owned) return;
    const length = this.#end - this.#start;
    if (length === 0) {
      this.#buffer = EMPTY;
      this.#start = this.#end = this.#scanned = 0;
      return;
    }
    const copy = Buffer.allocUnsafe(Math.max(4096, 2 * length));
    this.#buffer.copy(copy, 0, this.#start, this.#end);
    this.#buffer = copy;
    this.#scanned -= this.#start;
    this.#start = 0;
    this.#end = length;
    this.#owned = true;
  }

  next(): ParseResult {
    if (this.#refused !== undefined) return this.#refused;
    for (;;) {
      switch (this.#phase) {
        case 'head': {
          const result = this.#parseHead();
          if (result !== undefined) return result;
          break;
        }
        case 'length-body':
          return this.#takeRemaining() ? this.#complete() : this.#incomplete();
        case 'chunk-size': {
          const line = this.#takeLine(64);
          if (line === undefined) return this.#incomplete();
          if (line === null) return this.#refuse('malformed', 'chunk size line too long');
          const match = CHUNK_SIZE_LINE.exec(line);
          if (match === null) return this.#refuse('malformed', 'bad chunk size line');
          const size = Number.parseInt(match[1]!, 16);
          if (size === 0) {
            this.#phase = 'trailers';
            break;
          }
          if (this.#bodyBytes + size > this.#limits.maxBodyBytes) return this.#bodyTooLarge();
          this.#growBody(this.#bodyBytes + size);
          this.#remaining = size;
          this.#phase = 'chunk-data';
          break;
        }
        case 'chunk-data':
          if (!this.#takeRemaining()) return this.#incomplete();
          this.#phase = 'chunk-end';
          break;
        case 'chunk-end': {
          if (this.#end - this.#start < 2) return this.#incomplete();
          if (this.#buffer[this.#start] !== CR || this.#buffer[this.#start + 1] !== LF) {
            return this.#refuse('malformed', 'chunk data not followed by CRLF');
          }
          this.#start += 2;
          this.#phase = 'chunk-size';
          break;
        }
        case 'trailers': {
          const line = this.#takeLine(this.#limits.maxHeadBytes);
          if (line === undefined) return this.#incomplete();
          if (line === null) return this.#refuse('head-too-large', 'trailer section too large');
          this.#trailerBytes += line.length + 2;
          if (this.#trailerBytes > this.#limits.maxHeadBytes) {
            return this.#refuse('head-too-large', 'trailer section too large');
          }
          if (line.length === 0) return this.#complete();
          break;
        }
      }
    }
  }

  /** Parses the head once it is complete; undefined means the phase moved on to the body. */
  #parseHead(): ParseResult | undefined {
    const from = Math.max(this.#start, this.#scanned - 3);
    const headEnd = this.#indexOf(HEAD_END, from);
    if (headEnd === -1) {
      this.#scanned = this.#end;
      if (this.#end - this.#start > this.#limits.maxHeadBytes) {
        return this.#refuse(
          'head-too-large',
          `request line and headers over ${this.#limits.maxHeadBytes} bytes`,
        );
      }
      // A head ended by bare LFs never completes under the CRLF rule: refuse it rather than wait.
      if (this.#indexOf('\n\n', this.#start) !== -1)
        return this.#refuse('malformed', 'lines must end with CRLF');
      return this.#incomplete();
    }
    if (headEnd + 4 - this.#start > this.#limits.maxHeadBytes) {
      return this.#refuse(
        'head-too-large',
        `request line and headers over ${this.#limits.maxHeadBytes} bytes`,
      );
    }
    const text = this.#buffer.toString('latin1', this.#start, headEnd);
    this.#start = headEnd + 4;
    this.#scanned = this.#start;
    const parsed = parseHead(text);
    if (typeof parsed === 'string') return this.#refuse('malformed', parsed);
    this.#head = parsed.head;
    this.#bodyBytes = 0;
    if (parsed.chunked) {
      this.#body = EMPTY;
      this.#trailerBytes = 0;
      this.#phase = 'chunk-size';
      return undefined;
    }
    if (parsed.contentLength > this.#limits.maxBodyBytes) return this.#bodyTooLarge();
    if (parsed.contentLength === 0) {
      this.#body = EMPTY;
      return this.#complete();
    }
    if (this.#end - this.#start >= parsed.contentLength) {
      // The whole body has arrived (the usual case): decoded where it lies, not copied into a buffer first.
      const text = this.#buffer.toString('utf8', this.#start, this.#start + parsed.contentLength);
      if (notUtf8(text, this.#buffer, this.#start, this.#start + parsed.contentLength))
        return this.#notUtf8();
      this.#start += parsed.contentLength;
      return this.#complete(text);
    }
    this.#body = Buffer.allocUnsafe(parsed.contentLength);
    this.#remaining = parsed.contentLength;
    this.#phase = 'length-body';
    return undefined;
  }

  /** A line ending in CRLF, without it; undefined: not complete yet; null: longer than `max`. */
  #takeLine(max: number): string | null | undefined {
    const at = this.#indexOf('\r\n', this.#start);
    if (at === -1) return this.#end - this.#start > max ? null : undefined;
    if (at - this.#start > max) return null;
    const line = this.#buffer.toString('latin1', this.#start, at);
    this.#start = at + 2;
    return line;
  }

  /** Where `needle` starts among the bytes received (never in the spare room of a grown buffer), or -1. */
  #indexOf(needle: string, from: number): number {
    const at = this.#buffer.indexOf(needle, from, 'latin1');
    return at === -1 || at + needle.length > this.#end ? -1 : at;
  }

  #growBody(size: number): void {
    if (size <= this.#body.length) return;
    const grown = Buffer.allocUnsafe(
      Math.min(this.#limits.maxBodyBytes, Math.max(size, 2 * this.#body.length)),
    );
    this.#body.copy(grown, 0, 0, this.#bodyBytes);
    this.#body = grown;
  }

  /** Moves received bytes into the body, up to `#remaining`; true once none remain. */
  #takeRemaining(): boolean {
    const take = Math.min(this.#remaining, this.#end - this.#start);
    this.#buffer.copy(this.#body, this.#bodyBytes, this.#start, this.#start + take);
    this.#bodyBytes += take;
    this.#start += take;
    this.#remaining -= take;
    return this.#remaining === 0;
  }

  #complete(text?: string): ParseResult {
    const head = this.#head!;
    if (text === undefined && this.#bodyBytes > 0) {
      text = this.#body.toString('utf8', 0, this.#bodyBytes);
      if (notUtf8(text, this.#body, 0, this.#bodyBytes)) return this.#notUtf8();
    }
    const request: ParsedRequest = {
      method: head.method,
      target: head.target,
      headers: head.headers,
      keepAlive: head.keepAlive,
      expectContinue: head.expectContinue,
      body: text ?? '',
    };
    this.#head = undefined;
    this.#body = EMPTY;
    this.#bodyBytes = 0;
    this.#phase = 'head';
    if (this.#start === this.#end) {
      // Drop the reference so a large request's bytes are not kept alive by an idle connection.
      this.#buffer = EMPTY;
      this.#start = this.#end = this.#scanned = 0;
      this.#owned = false;
    }
    return { kind: 'request', request };
  }

  #incomplete(): ParseResult {
    return { kind: 'incomplete', head: this.#phase === 'head' ? undefined : this.#head };
  }

  #notUtf8(): ParseResult {
    return this.#refuse('malformed', 'the request body is not UTF-8');
  }

  #bodyTooLarge(): ParseResult {
    return this.#refuse('body-too-large', `request body over ${this.#limits.maxBodyBytes} bytes`);
  }

  #refuse(reason: RefusalReason, detail: string): ParseResult {
    this.#refused = { kind: 'refused', reason, detail, head: this.#head };
    this.#buffer = EMPTY;
    this.#start = this.#end = 0;
    return this.#refused;
  }
}

/**
 * Whether `bytes[from, to)`, decoded as `text`, was not UTF-8: the decoder replaced what it could not read
 * with U+FFFD, which would store a body other than the one sent. Only a text holding U+FFFD is checked
 * (an ASCII body costs one search that a one-byte string answers at once).
 */
function notUtf8(text: string, bytes: Buffer, from: number, to: number): boolean {
  return text.includes('\uFFFD') && !isUtf8(bytes.subarray(from, to));
}
