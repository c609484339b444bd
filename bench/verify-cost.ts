/**
 * What checking a request's signature costs: `decodeForm` then `SignatureVerifier.verify` on a signed
 * SendMessage as the `single` load sends it (HmacSHA256, one 256-byte bench body). Prints µs per request;
 * run it alternately on two trees to compare.
 *
 *   node --import tsx bench/verify-cost.ts [--requests 200000]
 */
import { parseArgs } from 'node:util';
import { decodeForm, encodeForm, signRequest } from '../packages/protocol/src/index.js';
import { SignatureVerifier } from '../packages/server/src/auth/verify-signature.js';
import { makeBody } from './lib/body.js';
import { countOption } from './lib/count-option.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200000' } } });
const requests = countOption('requests', values.requests);
const host = '127.0.0.1:38000';
const path = '/v2/index.php';
const secretId = 'AKIDbench';
const secretKey = 'bench-secret-key-0123456789abcdef';
const nowSeconds = Math.floor(Date.now() / 1000);
const text = encodeForm(
  signRequest({
    method: 'POST',
    host,
    path,
    secretId,
    secretKey,
    action: 'SendMessage',
    params: { queueName: 'bench-single', msgBody: makeBody(Date.now()) },
    signatureMethod: 'HmacSHA256',
    nowSeconds,
    nonce: '123456',
  }),
);
const verifier = new SignatureVerifier({
  credentials: [{ secretId, secretKey }],
  timestampWindowSeconds: 300,
  replayProtection: false,
  replayCacheMaxEntries: 1,
});

for (let round = 1; round <= 3; round++) {
  let failed = 0;
  const started = performance.now();
  for (let i = 0; i < requests; i++) {
    const form = decodeForm(text, 256);
    if (!form.ok) throw new Error('the form did not decode');
    const check = verifier.verify({
      method: 'POST',
      hostHeader: host,
      path,
      params: form.params,
      nowMs: nowSeconds * 1000,
    });
    if (!check.ok) failed++;
  }
  const micros = ((performance.now() - started) * 1000) / requests;
  if (failed > 0) throw new Error(`${failed} of ${requests} signatures did not verify`);
  process.stdout.write(`round ${round}: ${micros.toFixed(2)} µs per request (form and signature)\n`);
}
