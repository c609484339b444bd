/**
 * What parsing a request costs: `RequestParser` (request line, header fields, body decoded) on a signed
 * SendMessage with one 256-byte bench body, under two heads: the one the `single` load sends (Host,
 * Content-Type, Content-Length) and one with the headers Python's `requests` adds (User-Agent,
 * Accept-Encoding, Accept, Connection). Prints µs per request for each; run it alternately on two trees
 * to compare.
 *
 *   node --import tsx bench/parse-cost.ts [--requests 200000]
 */
import { parseArgs } from 'node:util';
import { encodeForm, signRequest } from '../packages/protocol/src/index.js';
import { RequestParser } from '../packages/server/src/http/wire/request-parser.js';
import { makeBody } from './lib/body.js';
import { countOption } from './lib/count-option.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200000' } } });
const requests = countOption('requests', values.requests);
const host = '127.0.0.1:38000';
const path = '/v2/index.php';
const body = encodeForm(
  signRequest({
    method: 'POST',
    host,
    path,
    secretId: 'AKIDbench',
    secretKey: 'bench-secret-key-0123456789abcdef',
    action: 'SendMessage',
    params: { queueName: 'bench-single', msgBody: makeBody(Date.now()) },
    signatureMethod: 'HmacSHA256',
    nowSeconds: Math.floor(Date.now() / 1000),
    nonce: '123456',
  }),
);
const length = Buffer.byteLength(body);
const heads = {
  'single load': `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${length}\r\n\r\n`,
  'python requests': `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: python-requests/2.31.0\r\nAccept-Encoding: gzip, deflate\r\nAccept: */*\r\nConnection: keep-alive\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${length}\r\n\r\n`,
};

for (let round = 1; round <= 3; round++) {
  const line: string[] = [];
  for (const [name, head] of Object.entries(heads)) {
    const bytes = Buffer.from(head + body, 'latin1');
    const parser = new RequestParser({ maxHeadBytes: 16 * 1024, maxBodyBytes: 1024 * 1024 });
    let bodyChars = 0;
    const started = performance.now();
    for (let i = 0; i < requests; i++) {
      parser.push(bytes);
      const result = parser.next();
      if (result.kind !== 'request') throw new Error(`the request did not parse: ${result.kind}`);
      bodyChars += result.request.body.length;
      parser.copyUnconsumed();
    }
    const micros = ((performance.now() - started) * 1000) / requests;
    if (bodyChars !== body.length * requests) throw new Error('a body came out the wrong length');
    line.push(`${name} ${micros.toFixed(2)} µs`);
  }
  process.stdout.write(`round ${round}: ${line.join(', ')} per request\n`);
}
