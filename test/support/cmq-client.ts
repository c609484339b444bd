import { randomInt } from 'node:crypto';
import { request } from 'node:http';
import { encodeForm, signRequest } from '@opencmq/protocol';

/**
 * A small CMQ v2 client for tests: signs like the official SDKs (cmq-api.md §1.6) and speaks raw HTTP so
 * tests control every byte. Returns the parsed JSON envelope.
 */
export interface CmqTestClientOptions {
  readonly port: number;
  readonly secretId: string;
  readonly secretKey: string;
  readonly signatureMethod?: 'HmacSHA1' | 'HmacSHA256';
  readonly method?: 'GET' | 'POST';
  readonly path?: string;
  /** Host the signature is computed over; defaults to the Host header sent (127.0.0.1:port). */
  readonly signedHost?: string;
}

export type CmqEnvelope = { code: number; message: string; requestId: string } & Record<string, unknown>;

export class CmqTestClient {
  readonly options: CmqTestClientOptions;

  constructor(options: CmqTestClientOptions) {
    this.options = options;
  }

  /** Signs and sends an action; `overrides` replace signed parameters after signing (to test tampering). */
  call(
    action: string,
    params: Record<string, string | number> = {},
    extra: { nowSeconds?: number; nonce?: string; overrides?: Record<string, string> } = {},
  ): Promise<CmqEnvelope> {
    const method = this.options.method ?? 'POST';
    const path = this.options.path ?? '/v2/index.php';
    const signed = signRequest({
      method,
      host: this.options.signedHost ?? `127.0.0.1:${this.options.port}`,
      path,
      secretId: this.options.secretId,
      secretKey: this.options.secretKey,
      action,
      params,
      signatureMethod: this.options.signatureMethod ?? 'HmacSHA256',
      nowSeconds: extra.nowSeconds ?? Math.floor(Date.now() / 1000),
      nonce: extra.nonce ?? String(randomInt(1, 2 ** 47)),
    });
    for (const [k, v] of Object.entries(extra.overrides ?? {})) signed.set(k, v);
    return sendRaw(this.options.port, method, path, encodeForm(signed));
  }
}

/** Sends a form as-is (POST body or GET query) and parses the JSON answer; fails on non-200. */
export function sendRaw(
  port: number,
  method: string,
  path: string,
  form: string,
  headers: Record<string, string> = {},
): Promise<CmqEnvelope> {
  return new Promise((resolve, reject) => {
    const isGet = method === 'GET';
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: isGet && form ? `${path}?${form}` : path,
        headers: isGet ? headers : { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${text}`));
          try {
            resolve(JSON.parse(text) as CmqEnvelope);
          } catch {
            reject(new Error(`not JSON: ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('error', reject);
    if (!isGet) req.write(form);
    req.end();
  });
}
