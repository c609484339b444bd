import { encodeForm, signRequest } from '@opencmq/protocol';
import { KeepAliveConnection } from './keep-alive-connection.js';

/** CMQ code of an empty receive ("(10200)no message"): not an error for a consumer. */
export const NO_MESSAGE_CODE = 7000;

export type CmqEnvelope = { code: number; message: string } & Record<string, unknown>;

export interface CmqEndpoint {
  readonly host: string;
  readonly port: number;
  readonly secretId: string;
  readonly secretKey: string;
}

const PATH = '/v2/index.php';
const FORM = 'application/x-www-form-urlencoded';

/**
 * A signed CMQ v2 client over one keep-alive connection: every request is signed (HmacSHA256, a fresh
 * Nonce and Timestamp) as the official SDKs do, so the server pays its full verification cost.
 */
export class CmqBenchClient {
  readonly #endpoint: CmqEndpoint;
  readonly #connection: KeepAliveConnection;
  #nonce = Math.floor(Math.random() * 2 ** 40);

  constructor(endpoint: CmqEndpoint) {
    this.#endpoint = endpoint;
    this.#connection = new KeepAliveConnection(endpoint.host, endpoint.port);
  }

  /** The signed form body of an action, as sent on the wire. */
  encode(action: string, params: Readonly<Record<string, string | number>>): string {
    const signed = signRequest({
      method: 'POST',
      host: `${this.#endpoint.host}:${this.#endpoint.port}`,
      path: PATH,
      secretId: this.#endpoint.secretId,
      secretKey: this.#endpoint.secretKey,
      action,
      params,
      signatureMethod: 'HmacSHA256',
      nowSeconds: Math.floor(Date.now() / 1000),
      nonce: String(++this.#nonce),
    });
    return encodeForm(signed);
  }

  /** Sends an action and parses the envelope; HTTP status other than 200 is an error (CMQ clients agree). */
  async call(action: string, params: Readonly<Record<string, string | number>> = {}): Promise<CmqEnvelope> {
    const response = await this.#connection.post(PATH, this.encode(action, params), FORM);
    if (response.status !== 200) throw new Error(`${action}: HTTP ${response.status}`);
    return JSON.parse(response.body.toString('utf8')) as CmqEnvelope;
  }

  /** Sends an already encoded body and returns the raw answer (for rate tests that parse nothing). */
  postRaw(form: string): Promise<{ status: number; body: Buffer }> {
    return this.#connection.post(PATH, form, FORM);
  }

  close(): void {
    this.#connection.close();
  }
}

/** Calls an action and throws unless it succeeded: for setup steps (CreateQueue, Subscribe, …). */
export async function callOrThrow(
  client: CmqBenchClient,
  action: string,
  params: Readonly<Record<string, string | number>> = {},
): Promise<CmqEnvelope> {
  const reply = await client.call(action, params);
  if (reply.code !== 0) throw new Error(`${action} failed: ${reply.code} ${reply.message}`);
  return reply;
}

/** `name.0 … name.n-1` parameters of a CMQ array. */
export function arrayParams(name: string, values: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  values.forEach((value, i) => (params[`${name}.${i}`] = value));
  return params;
}
