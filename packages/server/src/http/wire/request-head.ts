/**
 * The request line and header fields of an HTTP/1.x request (RFC 9112 §3, §5), parsed from the head's text
 * (decoded as latin1, one character per byte, without the final CRLF CRLF).
 *
 * Each header line is read in one pass, character by character, instead of two searches and two regular
 * expressions, and the names clients send most map to constant strings (whose hashes V8 keeps) instead of
 * lower-cased copies. `node --import tsx bench/parse-cost.ts` (the whole RequestParser), alternating with
 * the expressions' version on the Intel machine, 2026-12-06: 1.09-1.17 → 1.00-1.01 µs a request with the
 * `single` load's three headers, 1.97-2.06 → 1.75-1.86 µs with Python `requests`' seven (ADR 0014 item 12).
 */
export interface RequestHead {
  readonly method: string;
  /** The request-target as sent (origin form: path and query). */
  readonly target: string;
  /** Header fields by lower-case name; repeated fields joined with ", ". */
  readonly headers: ReadonlyMap<string, string>;
  /** Whether the connection stays open after the answer (HTTP/1.1 unless `close`; 1.0 only with `keep-alive`). */
  readonly keepAlive: boolean;
  /** The client waits for `100 Continue` before sending its body. */
  readonly expectContinue: boolean;
}

export interface HeadFraming {
  readonly head: RequestHead;
  readonly chunked: boolean;
  readonly contentLength: number;
}

const SPACE = 32;
const TAB = 9;
const CR = 13;
const LF = 10;
const COLON = 58;
const HTTP_VERSION_PREFIX = ' HTTP/1.';

/** 1 for the characters of a token (RFC 9110 §5.6.2: tchar), by character code below 128. */
const TOKEN_CHARS = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TOKEN_CHARS[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN_CHARS[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN_CHARS[c] = TOKEN_CHARS[c + 32] = 1;

/** Header names whose lower-case form is a constant (by length), so most keys are not new strings. */
const KNOWN_NAMES = new Map<number, readonly string[]>();
for (const name of [
  'host',
  'accept',
  'expect',
  'connection',
  'user-agent',
  'content-type',
  'authorization',
  'content-length',
  'accept-encoding',
  'transfer-encoding',
]) {
  KNOWN_NAMES.set(name.length, [...(KNOWN_NAMES.get(name.length) ?? []), name]);
}

/** Parses the request line and header fields; a string is the reason to refuse the request. */
export function parseHead(text: string): HeadFraming | string {
  let lineEnd = text.indexOf('\r\n');
  if (lineEnd === -1) lineEnd = text.length;
  const requestLine = parseRequestLine(text, lineEnd);
  if (requestLine === undefined) return 'bad request line (expected "METHOD target HTTP/1.1")';
  const headers = new Map<string, string>();
  let contentLength: string | undefined;
  let at = lineEnd + 2;
  const length = text.length;
  while (at < length) {
    // One pass over the line: the name's token characters up to the colon, blanks, then the value up to
    // CR LF (or the end of the head), trailing blanks left off.
    let i = at;
    let c = 0;
    while (i < length && (c = text.charCodeAt(i)) < 128 && TOKEN_CHARS[c] === 1) i++;
    if (i === at || i === length || c !== COLON) return badHeaderLine(text, at);
    const nameEnd = i;
    i++;
    while (i < length && isBlank(text.charCodeAt(i))) i++;
    const valueStart = i;
    let valueEnd = i;
    for (; i < length; i++) {
      c = text.charCodeAt(i);
      if (c === CR) break;
      if (c < SPACE ? c !== TAB : c === 0x7f) return 'bad header value';
      if (c !== SPACE && c !== TAB) valueEnd = i + 1;
    }
    if (i < length && text.charCodeAt(i + 1) !== LF) return 'bad header value';
    const key = lowerCaseName(text, at, nameEnd);
    const value = text.slice(valueStart, valueEnd);
    at = i + 2;
    if (key === 'content-length') {
      if (contentLength !== undefined && contentLength !== value) return 'conflicting Content-Length';
      contentLength = value;
    }
    const previous = headers.get(key);
    headers.set(key, previous === undefined ? value : `${previous}, ${value}`);
  }
  const transferEncoding = headers.get('transfer-encoding');
  if (transferEncoding !== undefined && contentLength !== undefined) {
    return 'both Content-Length and Transfer-Encoding';
  }
  let chunked = false;
  if (transferEncoding !== undefined) {
    if (transferEncoding.toLowerCase() !== 'chunked') return 'unsupported Transfer-Encoding (only chunked)';
    chunked = true;
  }
  let bodyLength = 0;
  if (contentLength !== undefined) {
    if (!isDecimal(contentLength, 15)) return 'bad Content-Length';
    bodyLength = Number(contentLength);
  }
  const connection = headers.get('connection')?.toLowerCase() ?? '';
  const { http11 } = requestLine;
  const keepAlive = http11 ? !hasToken(connection, 'close') : hasToken(connection, 'keep-alive');
  const expect = headers.get('expect');
  return {
    head: {
      method: requestLine.method,
      target: requestLine.target,
      headers,
      keepAlive,
      expectContinue: http11 && expect !== undefined && expect.toLowerCase() === '100-continue',
    },
    chunked,
    contentLength: bodyLength,
  };
}

interface RequestLine {
  readonly method: string;
  readonly target: string;
  readonly http11: boolean;
}

/**
 * `method SP request-target SP HTTP/1.x` in `text[0, end)`; the target holds visible ASCII only (RFC 9112
 * §3.2: other bytes are percent-encoded; a raw byte over 0x7F would be read as latin1, not UTF-8).
 */
function parseRequestLine(text: string, end: number): RequestLine | undefined {
  const methodEnd = text.indexOf(' ');
  if (methodEnd === -1 || methodEnd >= end || !isToken(text, 0, methodEnd)) return undefined;
  const versionAt = end - HTTP_VERSION_PREFIX.length - 1;
  if (versionAt <= methodEnd + 1 || !text.startsWith(HTTP_VERSION_PREFIX, versionAt)) return undefined;
  const minor = text.charCodeAt(end - 1);
  if (minor !== 0x30 && minor !== 0x31) return undefined;
  for (let i = methodEnd + 1; i < versionAt; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return undefined;
  }
  return {
    method: text.slice(0, methodEnd),
    target: text.slice(methodEnd + 1, versionAt),
    http11: minor === 0x31,
  };
}

function isToken(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || TOKEN_CHARS[c] === 0) return false;
  }
  return true;
}

/** Why a header line whose name did not end in a colon is refused: no colon on the line, or a bad name. */
function badHeaderLine(text: string, at: number): string {
  let end = text.indexOf('\r\n', at);
  if (end === -1) end = text.length;
  const colon = text.indexOf(':', at);
  return colon <= at || colon > end ? 'bad header line' : 'bad header name';
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

function isDecimal(text: string, maxDigits: number): boolean {
  if (text.length === 0 || text.length > maxDigits) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** The lower-case form of the token `text[from, to)`: a constant string for the names clients send most. */
function lowerCaseName(text: string, from: number, to: number): string {
  const candidates = KNOWN_NAMES.get(to - from);
  if (candidates !== undefined) {
    for (const known of candidates) if (equalsIgnoringCase(text, from, known)) return known;
  }
  return text.slice(from, to).toLowerCase();
}

/** Whether `text` from `from` spells `lower` with any of its ASCII letters in either case. */
function equalsIgnoringCase(text: string, from: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const c = text.charCodeAt(from + i);
    if (c !== lower.charCodeAt(i) && (c < 0x41 || c > 0x5a || c + 32 !== lower.charCodeAt(i))) return false;
  }
  return true;
}

/** Strips spaces and horizontal tabs only (RFC 9110 OWS): String#trim also strips \v, \f and \r. */
function trimBlanks(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isBlank(value.charCodeAt(start))) start++;
  while (end > start && isBlank(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function hasToken(list: string, token: string): boolean {
  if (list.length === 0) return false;
  for (const part of list.split(',')) if (trimBlanks(part) === token) return true;
  return false;
}
