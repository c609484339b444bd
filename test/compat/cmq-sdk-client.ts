import { CMQ } from 'cmq-sdk';
import { TEST_CREDENTIAL } from '../support/test-server.js';

/** How the compatibility suites build a `cmq-sdk` client: plain http (extranet false), region gz. */
export type CmqSdkClient = ReturnType<typeof CMQ.NEW>;
export type SignatureMethod = 'HmacSHA1' | 'HmacSHA256';

export const REGION = 'gz';

export function createSdkClient(
  signatureMethod: SignatureMethod,
  credential: { secretId: string; secretKey: string } = TEST_CREDENTIAL,
): CmqSdkClient {
  return CMQ.NEW({
    path: '/v2/index.php',
    signatureMethod,
    extranet: false,
    secretId: credential.secretId,
    secretKey: credential.secretKey,
    region: REGION,
  });
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
