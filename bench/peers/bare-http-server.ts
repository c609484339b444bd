/**
 * The ceiling for any HTTP API on this machine: a node:http server that reads the whole request body and
 * answers a fixed JSON of `--response-bytes` bytes (the size of OpenCMQ's answer to the same request),
 * with the same keep-alive settings as OpenCMQ. No parsing, no signature check, no storage.
 * `--work-us N` busy-waits N µs of CPU before each answer: how the ceiling's rate falls as a server
 * spends more per request (the `single` scenario's `--bare-work-us`; 0, the default, for the ceiling).
 *
 *   node --import tsx bench/peers/bare-http-server.ts --port 0 --response-bytes 120 [--work-us 0]
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'response-bytes': { type: 'string', default: '120' },
    'work-us': { type: 'string', default: '0' },
  },
});
const workMs = Number(values['work-us']) / 1000;

const prefix = '{"code":0,"message":"","requestId":"bare","msgId":"';
const suffix = '"}';
const idLength = Math.max(1, Number(values['response-bytes']) - prefix.length - suffix.length);
const payload = Buffer.from(`${prefix}${'1'.repeat(idLength)}${suffix}`);

const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    if (workMs > 0) {
      const until = performance.now() + workMs;
      while (performance.now() < until);
    }
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': payload.length,
    });
    res.end(payload);
  });
});

server.listen(Number(values.port), values.host, () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`bare-http listening on ${address.address}:${address.port}\n`);
});

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
