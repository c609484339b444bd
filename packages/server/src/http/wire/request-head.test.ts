import { describe, expect, it } from 'vitest';
import { parseHead, type HeadFraming } from './request-head.js';

const BAD_REQUEST_LINE = 'bad request line (expected "METHOD target HTTP/1.1")';

function parsed(text: string): HeadFraming {
  const result = parseHead(text);
  if (typeof result === 'string') throw new Error(`refused: ${result}`);
  return result;
}

describe('parseHead', () => {
  it('reads the request line, lower-cases names and trims blanks around values', () => {
    const { head, chunked, contentLength } = parsed(
      'POST /v2/index.php?x=1 HTTP/1.1\r\nHOST: h:1\r\nCoNtEnT-LeNgTh:\t 12 \t\r\nX-Empty:\r\nX-Obs: caf\xe9',
    );
    expect([head.method, head.target, head.keepAlive, chunked, contentLength]).toEqual([
      'POST',
      '/v2/index.php?x=1',
      true,
      false,
      12,
    ]);
    expect(Object.fromEntries(head.headers)).toEqual({
      host: 'h:1',
      'content-length': '12',
      'x-empty': '',
      'x-obs': 'caf\xe9',
    });
  });

  it('lower-cases names of a known name length that are not known names', () => {
    const { head } = parsed('GET / HTTP/1.1\r\nContent-Lengtx: a\r\nHosT-: b\r\nX-Y_Z: c');
    expect([...head.headers.keys()]).toEqual(['content-lengtx', 'host-', 'x-y_z']);
  });

  it('joins repeated fields and reads Connection tokens', () => {
    const { head } = parsed('GET / HTTP/1.1\r\nAccept: a\r\naccept: b\r\nConnection: Keep-Alive, Close');
    expect([head.headers.get('accept'), head.keepAlive]).toEqual(['a, b', false]);
    expect(parsed('GET / HTTP/1.0\r\nConnection: keep-alive').head.keepAlive).toBe(true);
    expect(parsed('GET / HTTP/1.0').head.keepAlive).toBe(false);
    expect(parsed('POST / HTTP/1.1\r\nExpect: 100-Continue').head.expectContinue).toBe(true);
    expect(parsed('POST / HTTP/1.0\r\nExpect: 100-continue').head.expectContinue).toBe(false);
  });

  it.each([
    ['a missing target', 'GET  HTTP/1.1', BAD_REQUEST_LINE],
    ['a tab in the target', 'GET /a\tb HTTP/1.1', BAD_REQUEST_LINE],
    ['NBSP in the target', 'GET /a\xa0b HTTP/1.1', BAD_REQUEST_LINE],
    ['a method with a non-token character', 'G(T / HTTP/1.1', BAD_REQUEST_LINE],
    ['HTTP/1.2', 'GET / HTTP/1.2', BAD_REQUEST_LINE],
    ['HTTP/2.0', 'GET / HTTP/2.0', BAD_REQUEST_LINE],
    ['no version', 'GET /', BAD_REQUEST_LINE],
    ['a line without a colon', 'GET / HTTP/1.1\r\nHost h', 'bad header line'],
    ['a colon only on the next line', 'GET / HTTP/1.1\r\nHost h\r\nX: y', 'bad header line'],
    ['an empty name', 'GET / HTTP/1.1\r\n: v', 'bad header line'],
    ['a blank before the colon', 'GET / HTTP/1.1\r\nHost : h', 'bad header name'],
    ['a non-token character in the name', 'GET / HTTP/1.1\r\nX(y): h', 'bad header name'],
    ['a bare CR in a value', 'GET / HTTP/1.1\r\nX: a\rb\r\nY: c', 'bad header value'],
    ['a bare CR ending a value', 'GET / HTTP/1.1\r\nX: a\rY: c', 'bad header value'],
    ['a bare LF in a value', 'GET / HTTP/1.1\r\nX: a\nb', 'bad header value'],
    ['DEL in a value', 'GET / HTTP/1.1\r\nX: a\x7fb', 'bad header value'],
    ['NUL in a value', 'GET / HTTP/1.1\r\nX: a\x00b', 'bad header value'],
    [
      'two Content-Lengths that differ',
      'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2',
      'conflicting Content-Length',
    ],
    ['a signed Content-Length', 'POST / HTTP/1.1\r\nContent-Length: +1', 'bad Content-Length'],
    [
      'a 16-digit Content-Length',
      'POST / HTTP/1.1\r\nContent-Length: 1234567890123456',
      'bad Content-Length',
    ],
    ['an empty Content-Length', 'POST / HTTP/1.1\r\nContent-Length:', 'bad Content-Length'],
    [
      'Content-Length and Transfer-Encoding',
      'POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked',
      'both Content-Length and Transfer-Encoding',
    ],
    [
      'a coding other than chunked',
      'POST / HTTP/1.1\r\nTransfer-Encoding: gzip',
      'unsupported Transfer-Encoding (only chunked)',
    ],
  ])('refuses %s', (_label, text, reason) => {
    expect(parseHead(text)).toBe(reason);
  });

  it('accepts the same Content-Length twice and a chunked coding in any case', () => {
    expect(parsed('POST / HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3').contentLength).toBe(3);
    expect(parsed('POST / HTTP/1.1\r\nTransfer-Encoding: Chunked').chunked).toBe(true);
  });
});
