import { afterEach, describe, expect, it, vi } from 'vitest';
import { RequestParser, type ParseResult, type ParsedRequest, type RequestHead } from './request-parser.js';

const LIMITS = { maxHeadBytes: 256, maxBodyBytes: 64 };

afterEach(() => {
  vi.restoreAllMocks();
});

function feed(parser: RequestParser, ...pieces: string[]): ParseResult {
  for (const piece of pieces) parser.push(Buffer.from(piece, 'latin1'));
  return parser.next();
}

function parse(...pieces: string[]): ParseResult {
  return feed(new RequestParser(LIMITS), ...pieces);
}

function request(result: ParseResult): ParsedRequest {
  if (result.kind !== 'request') throw new Error(`expected a request, got ${JSON.stringify(result)}`);
  return result.request;
}

function pendingHead(result: ParseResult): RequestHead | undefined {
  if (result.kind !== 'incomplete') throw new Error(`expected incomplete, got ${JSON.stringify(result)}`);
  return result.head;
}

function refusal(result: ParseResult): { reason: string; head: RequestHead | undefined } {
  if (result.kind !== 'refused') throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  return { reason: result.reason, head: result.head };
}

/** A POST with a Content-Length body; `body` is UTF-8 text. */
function post(body: string, extra = ''): Buffer {
  const head = `POST /v2/index.php?a=1 HTTP/1.1\r\nHost: h:1\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), Buffer.from(body)]);
}

const CHUNKED =
  'POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '5;name=value\r\nhello\r\n1 ;ext\r\n \r\nA;q="x y"\r\n0123456789\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n';

describe('RequestParser', () => {
  it('returns method, target, headers and body when a whole request arrives in one push', () => {
    const parser = new RequestParser(LIMITS);
    parser.push(post('x=1&y=2', 'X-Thing: A\r\n'));
    const r = request(parser.next());
    expect([r.method, r.target, r.keepAlive, r.expectContinue]).toEqual([
      'POST',
      '/v2/index.php?a=1',
      true,
      false,
    ]);
    expect(Object.fromEntries(r.headers)).toEqual({ host: 'h:1', 'x-thing': 'A', 'content-length': '7' });
    expect(r.body).toBe('x=1&y=2');
    expect(parser.next()).toEqual({ kind: 'incomplete', head: undefined });
    expect([parser.midRequest, parser.bufferedBytes]).toEqual([false, 0]);
  });

  it('assembles the request when head and body arrive one byte at a time', () => {
    const parser = new RequestParser(LIMITS);
    const bytes = post('msgBody=héllo ✓');
    const headLength = bytes.indexOf('\r\n\r\n') + 4;
    for (let i = 0; i < bytes.length - 1; i++) {
      parser.push(bytes.subarray(i, i + 1));
      const head = pendingHead(parser.next());
      expect(head?.method).toBe(i + 1 >= headLength ? 'POST' : undefined);
      expect(parser.midRequest).toBe(true);
    }
    parser.push(bytes.subarray(bytes.length - 1));
    expect(request(parser.next()).body).toBe('msgBody=héllo ✓');
    expect(parser.midRequest).toBe(false);
  });

  it('assembles the same request when it arrives in pieces of any size', () => {
    const bytes = post('a'.repeat(40), 'X-Long: ' + 'v'.repeat(100) + '\r\n');
    for (const size of [2, 3, 7, 16, 61, 100]) {
      const parser = new RequestParser(LIMITS);
      for (let at = 0; at < bytes.length; at += size) parser.push(bytes.subarray(at, at + size));
      const r = request(parser.next());
      expect([r.body, r.headers.get('x-long')?.length]).toEqual(['a'.repeat(40), 100]);
    }
  });

  it('returns pipelined requests one by one and in order when they arrive in one push', () => {
    const parser = new RequestParser(LIMITS);
    const partial = post('four').subarray(0, 20);
    parser.push(Buffer.concat([post('one'), Buffer.from('GET /two HTTP/1.1\r\n\r\n' + CHUNKED), partial]));
    expect(request(parser.next()).body).toBe('one');
    const second = request(parser.next());
    expect([second.method, second.target, second.body.length]).toEqual(['GET', '/two', 0]);
    expect(request(parser.next()).body).toBe('hello 0123456789');
    expect(pendingHead(parser.next())).toBeUndefined();
    expect([parser.bufferedBytes, parser.midRequest]).toEqual([20, true]);
    parser.push(post('four').subarray(20));
    expect(request(parser.next()).body).toBe('four');
  });

  it('decodes a chunked body with extensions and trailers when it is split at any point', () => {
    const bytes = Buffer.from(CHUNKED + 'GET /after HTTP/1.1\r\n\r\n');
    for (let cut = 1; cut < CHUNKED.length; cut++) {
      const parser = new RequestParser(LIMITS);
      parser.push(bytes.subarray(0, cut));
      expect(parser.next().kind).toBe('incomplete');
      parser.push(bytes.subarray(cut));
      const r = request(parser.next());
      expect(r.body).toBe('hello 0123456789');
      expect(r.headers.has('x-trailer')).toBe(false);
      expect(request(parser.next()).target).toBe('/after');
    }
  });

  it('decodes a chunked body when it arrives one byte at a time', () => {
    const parser = new RequestParser(LIMITS);
    const bytes = Buffer.from(CHUNKED);
    for (let i = 0; i < bytes.length - 1; i++) {
      parser.push(bytes.subarray(i, i + 1));
      expect(parser.next().kind).toBe('incomplete');
    }
    parser.push(bytes.subarray(bytes.length - 1));
    expect(request(parser.next()).body).toBe('hello 0123456789');
  });

  it('completes at once with an empty body when Content-Length is 0 or a GET has none', () => {
    const parser = new RequestParser(LIMITS);
    parser.push(
      Buffer.from('POST /a HTTP/1.1\r\nContent-Length: 0\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n'),
    );
    const first = request(parser.next());
    expect([first.target, first.body.length]).toEqual(['/a', 0]);
    const second = request(parser.next());
    expect([second.target, second.body.length]).toEqual(['/b', 0]);
    expect([parser.midRequest, parser.bufferedBytes]).toEqual([false, 0]);
  });

  it('gives a body that stays intact when the pushed chunk is overwritten (the read buffer is shared)', () => {
    const parser = new RequestParser(LIMITS);
    const chunk = Buffer.concat([post('msgBody=héllo ✓'), post('next=2')]);
    parser.push(chunk);
    const first = request(parser.next());
    parser.copyUnconsumed();
    chunk.fill(0x7a);
    expect([first.body, request(parser.next()).body]).toEqual(['msgBody=héllo ✓', 'next=2']);
  });

  it('matches header names case-insensitively and joins repeated fields with ", " when a name repeats', () => {
    const r = request(
      parse('GET / HTTP/1.1\r\nACCEPT: a\r\nAccept: b\r\naccept:c\r\nX-Pad: \t spaced \t\r\n\r\n'),
    );
    expect(r.headers.get('accept')).toBe('a, b, c');
    expect(r.headers.get('x-pad')).toBe('spaced');
    expect([...r.headers.keys()]).toEqual(['accept', 'x-pad']);
  });

  it.each([
    { head: 'GET / HTTP/1.1', keepAlive: true },
    { head: 'GET / HTTP/1.1\r\nConnection: close', keepAlive: false },
    { head: 'GET / HTTP/1.1\r\nConnection: Upgrade, Close', keepAlive: false },
    { head: 'GET / HTTP/1.1\r\nConnection: keep-alive', keepAlive: true },
    { head: 'GET / HTTP/1.0', keepAlive: false },
    { head: 'GET / HTTP/1.0\r\nConnection: keep-alive', keepAlive: true },
    { head: 'GET / HTTP/1.0\r\nConnection: Keep-Alive', keepAlive: true },
  ])('reports keepAlive $keepAlive when the head is $head', ({ head, keepAlive }) => {
    expect(request(parse(`${head}\r\n\r\n`)).keepAlive).toBe(keepAlive);
  });

  it('reports expectContinue on the incomplete result once the head is in and the body is not', () => {
    const parser = new RequestParser(LIMITS);
    const head = 'POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n';
    expect(pendingHead(feed(parser, head.slice(0, 30)))).toBeUndefined();
    expect(pendingHead(feed(parser, head.slice(30)))).toMatchObject({ method: 'POST', expectContinue: true });
    expect(request(feed(parser, 'abc'))).toMatchObject({ expectContinue: true });
    expect(pendingHead(parse('POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n'))?.expectContinue).toBe(false);
    const old = 'POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n';
    expect(pendingHead(parse(old))?.expectContinue).toBe(false);
  });

  it('refuses a body that is not UTF-8, whole or chunked, and keeps one that holds U+FFFD as UTF-8', () => {
    const notUtf8 = Buffer.from([0x61, 0xe0, 0xa4, 0x62]); // a, a three-byte sequence cut short, b
    const head = `POST /v2/index.php HTTP/1.1\r\nContent-Length: ${notUtf8.length}\r\n\r\n`;
    const whole = new RequestParser(LIMITS);
    whole.push(Buffer.concat([Buffer.from(head), notUtf8]));
    expect(refusal(whole.next()).reason).toBe('malformed');
    // In two pushes the body is gathered in a buffer of its own first.
    const split = new RequestParser(LIMITS);
    split.push(Buffer.concat([Buffer.from(head), notUtf8.subarray(0, 2)]));
    expect(split.next().kind).toBe('incomplete');
    split.push(notUtf8.subarray(2));
    expect(refusal(split.next()).reason).toBe('malformed');
    const chunked = new RequestParser(LIMITS);
    chunked.push(Buffer.from('POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n'));
    chunked.push(Buffer.concat([notUtf8, Buffer.from('\r\n0\r\n\r\n')]));
    expect(refusal(chunked.next()).reason).toBe('malformed');
    // U+FFFD sent as UTF-8 (EF BF BD) is a character like any other.
    expect(request(parse(post('x=\uFFFD').toString('latin1'))).body).toBe('x=\uFFFD');
  });

  it('refuses a request target with a byte over 0x7E or a control character', () => {
    for (const target of ['/v2/index.php?msgBody=caf\u00c3\u00a9', '/v2/\u007f', '/v2/\u0001']) {
      expect(refusal(parse(`GET ${target} HTTP/1.1\r\nHost: h\r\n\r\n`)).reason, target).toBe('malformed');
    }
    expect(request(parse('GET /v2/index.php?msgBody=caf%C3%A9 HTTP/1.1\r\nHost: h\r\n\r\n')).target).toBe(
      '/v2/index.php?msgBody=caf%C3%A9',
    );
  });

  it('refuses head-too-large when no CRLFCRLF has come within maxHeadBytes', () => {
    const parser = new RequestParser(LIMITS);
    const line = `GET /${'a'.repeat(LIMITS.maxHeadBytes - 5)}`;
    expect(feed(parser, line).kind).toBe('incomplete');
    expect(refusal(feed(parser, 'a')).reason).toBe('head-too-large');
  });

  it('refuses head-too-large when the CRLFCRLF comes after maxHeadBytes but accepts a head of exactly the limit', () => {
    const head = (size: number) => {
      const start = 'GET / HTTP/1.1\r\nX-Pad: ';
      return `${start}${'p'.repeat(size - start.length - 4)}\r\n\r\n`;
    };
    expect(request(parse(head(LIMITS.maxHeadBytes))).method).toBe('GET');
    expect(refusal(parse(head(LIMITS.maxHeadBytes + 1))).reason).toBe('head-too-large');
  });

  it('refuses body-too-large with the head when the declared Content-Length is over maxBodyBytes', () => {
    const result = refusal(parse('POST /big HTTP/1.1\r\nContent-Length: 65\r\n\r\n'));
    expect([result.reason, result.head?.target]).toEqual(['body-too-large', '/big']);
    const atLimit = parse(`POST / HTTP/1.1\r\nContent-Length: 64\r\n\r\n${'b'.repeat(64)}`);
    expect(request(atLimit).body.length).toBe(64);
  });

  it('refuses body-too-large when the chunks add up to more than maxBodyBytes', () => {
    const head = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n';
    const chunk = (n: number) => `${n.toString(16)}\r\n${'c'.repeat(n)}\r\n`;
    expect(request(parse(head, chunk(32), chunk(32), '0\r\n\r\n')).body.length).toBe(64);
    const parser = new RequestParser(LIMITS);
    expect(feed(parser, head, chunk(32)).kind).toBe('incomplete');
    expect(refusal(feed(parser, '21\r\n')).reason).toBe('body-too-large');
  });

  it.each([
    [
      'both Content-Length and Transfer-Encoding',
      'POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked',
    ],
    ['conflicting Content-Lengths', 'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2'],
    ['a non-numeric Content-Length', 'POST / HTTP/1.1\r\nContent-Length: -1'],
    ['a Transfer-Encoding other than chunked', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip'],
    ['a coding list ending in chunked', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked'],
    ['a request line without a version', 'GET /'],
    ['a request line with two spaces', 'GET  / HTTP/1.1'],
    ['an unknown HTTP version', 'GET / HTTP/1.2'],
    ['the HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM'],
    ['a header name with a space', 'GET / HTTP/1.1\r\nBad Name: x'],
    ['whitespace before the colon', 'GET / HTTP/1.1\r\nHost : h'],
    ['a header line without a colon', 'GET / HTTP/1.1\r\nNoColon'],
    ['a control character inside a header value', 'GET / HTTP/1.1\r\nX: a\x01b'],
    ['DEL inside a header value', 'GET / HTTP/1.1\r\nX: a\x7fb'],
    ['an obs-fold line starting with a space', 'GET / HTTP/1.1\r\nX: a\r\n folded'],
    ['an obs-fold line starting with a tab', 'GET / HTTP/1.1\r\nX: a\r\n\tfolded: b'],
  ])('refuses the head as malformed when it has %s', (_label, head) => {
    expect(refusal(parse(`${head}\r\n\r\n`)).reason).toBe('malformed');
  });

  // Field values are OWS-trimmed; OWS is only space and tab (RFC 9110 §5.6.3), so no other byte may vanish.
  it.each([
    ['a vertical tab at the end of a value', 'X: a\x0b'],
    ['a form feed before chunked', 'Transfer-Encoding: \x0cchunked'],
    ['a bare CR at the end of a value', 'X: a\r'],
  ])('refuses the head as malformed when it has %s', (_label, field) => {
    expect(refusal(parse(`POST / HTTP/1.1\r\n${field}\r\n\r\n0\r\n\r\n`)).reason).toBe('malformed');
  });

  it('refuses a head with bare LF line ends without waiting for a CRLFCRLF', () => {
    expect(refusal(parse('GET / HTTP/1.1\nHost: h\n\n')).reason).toBe('malformed');
  });

  it.each([
    ['a size that is not hex', 'zz\r\n'],
    ['a negative size', '-1\r\n'],
    ['a size line over 64 bytes', `1;${'e'.repeat(70)}\r\n`],
    ['chunk data not followed by CRLF', '1\r\nabc'],
  ])('refuses a chunked body as malformed when it has %s', (_label, body) => {
    const result = refusal(parse(`POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${body}`));
    expect([result.reason, result.head?.target]).toEqual(['malformed', '/c']);
  });

  it('keeps returning the same refusal when next() is called again or more bytes arrive', () => {
    const parser = new RequestParser(LIMITS);
    const first = feed(parser, 'GET / HTTP/1.1\r\nBad Name: x\r\n\r\n');
    expect(refusal(first).reason).toBe('malformed');
    expect(parser.next()).toEqual(first);
    expect(feed(parser, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n')).toEqual(first);
  });

  it('reports midRequest and bufferedBytes when a request is under way', () => {
    const parser = new RequestParser(LIMITS);
    expect([parser.midRequest, parser.bufferedBytes]).toEqual([false, 0]);
    parser.push(Buffer.alloc(0));
    expect([parser.midRequest, parser.bufferedBytes]).toEqual([false, 0]);
    parser.push(Buffer.from('P'));
    expect([parser.midRequest, parser.bufferedBytes]).toEqual([true, 1]);
    feed(parser, 'OST / HTTP/1.1\r\nContent-Length: 4\r\n');
    expect([parser.midRequest, parser.bufferedBytes]).toEqual([true, 36]);
    feed(parser, '\r\nab');
    expect([parser.midRequest, parser.bufferedBytes]).toEqual([true, 0]);
    expect(request(feed(parser, 'cdGE')).body).toBe('abcd');
    expect([parser.midRequest, parser.bufferedBytes]).toEqual([true, 2]);
    expect(request(feed(parser, 'T / HTTP/1.1\r\n\r\n')).method).toBe('GET');
    expect([parser.midRequest, parser.bufferedBytes]).toEqual([false, 0]);
  });

  // Buffer.allocUnsafe may return memory holding any old bytes; line ends there must not count.
  describe('when a grown buffer has line feeds past the received bytes', () => {
    const fillWithLineFeeds = () =>
      vi.spyOn(Buffer, 'allocUnsafe').mockImplementation((size: number) => Buffer.alloc(size, '\n'));

    it('does not refuse a valid head when its lines arrive in separate pushes', () => {
      fillWithLineFeeds();
      const parser = new RequestParser(LIMITS);
      expect(feed(parser, 'GET / HTTP/1.1\r\n').kind).toBe('incomplete');
      expect(feed(parser, 'Host: h\r\n').kind).toBe('incomplete');
      expect(request(feed(parser, '\r\n')).headers.get('host')).toBe('h');
    });

    it('does not complete a head before its final LF arrives', () => {
      fillWithLineFeeds();
      const parser = new RequestParser(LIMITS);
      expect(feed(parser, 'GET / HTTP/1.1\r\nHost: h\r\n').kind).toBe('incomplete');
      expect(feed(parser, '\r').kind).toBe('incomplete');
      expect(parser.bufferedBytes).toBe(26);
      expect(request(feed(parser, '\n')).headers.get('host')).toBe('h');
    });

    it('does not take a chunk size line before its LF arrives', () => {
      fillWithLineFeeds();
      const parser = new RequestParser(LIMITS);
      feed(parser, 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5', '\r');
      expect(request(feed(parser, '\nhello\r\n0\r\n\r\n')).body).toBe('hello');
    });
  });
});
