/**
 * What decoding a request's form costs: `decodeForm` on a BatchSendMessage of 16 bench bodies (each with
 * one escaped '|', as `lib/body.ts` makes them), every value then read to its end as a request's signature
 * check and store do. Prints µs per form; run it alternately on two trees to compare.
 *
 *   node --import tsx bench/form-cost.ts [--forms 100000]
 */
import { parseArgs } from 'node:util';
import { decodeForm } from '../packages/protocol/src/form.js';
import { makeBody } from './lib/body.js';
import { countOption } from './lib/count-option.js';

const { values } = parseArgs({ options: { forms: { type: 'string', default: '100000' } } });
const forms = countOption('forms', values.forms);
const params = new URLSearchParams({
  Action: 'BatchSendMessage',
  queueName: 'bench-pipeline',
  Nonce: '123456',
  Region: 'gz',
  SecretId: 'AKIDbench',
  SignatureMethod: 'HmacSHA256',
  Timestamp: '1733370000',
  Signature: 'abcdefghijklmnopqrstuvwxyz0123456789+/ABCDEF=',
});
for (let i = 0; i < 16; i++) params.append(`msgBody.${i}`, makeBody(Date.now()));
const text = params.toString();

let checksum = 0;
for (let round = 1; round <= 3; round++) {
  const started = performance.now();
  for (let i = 0; i < forms; i++) {
    const form = decodeForm(text, 256);
    if (!form.ok) throw new Error('the form did not decode');
    for (const value of form.params.values()) checksum += value.charCodeAt(value.length - 1);
  }
  const micros = ((performance.now() - started) * 1000) / forms;
  process.stdout.write(`round ${round}: ${micros.toFixed(2)} µs per BatchSendMessage form of 16 bodies\n`);
}
if (checksum === 0) process.stdout.write('(empty forms)\n');
