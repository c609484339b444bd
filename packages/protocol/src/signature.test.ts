import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sign, signatureAlgorithmOf, signRequest, stringToSign } from './signature.js';

/** The verified example of cmq-api.md §1.6 (Tencent doc 406/5906 with its unmasked example key). */
const VECTOR = {
  secretKey: 'pPgfLipfEXZ7VcRzhAMIyPaU7UbQyFFx',
  host: 'cmq-queue-gz.api.tencentyun.com',
  path: '/v2/index.php',
  src:
    'POSTcmq-queue-gz.api.tencentyun.com/v2/index.php?Action=SendMessage&Nonce=2889712707386595659' +
    '&RequestClient=SDK_Python_1.3&SecretId=AKIDPcYDclDJCn8D0Xypa4f3pKYUCVYLn3zT&SignatureMethod=HmacSHA1' +
    '&Timestamp=1534154812&clientRequestId=1231231231&delaySeconds=0&msgBody=msg&queueName=test1',
  sha1: 'C16WEtEXsD5v5tnaUMLAbZewXhI=',
  sha256: 'XPh4vnKmqz+7dMB5OVM7vodL3MunEEKMrHdwS9J2shk=',
};

/** The same request as a parameter map, deliberately not in sorted order and with a Signature present. */
const vectorParams = (): Map<string, string> =>
  new Map([
    ['queueName', 'test1'],
    ['msgBody', 'msg'],
    ['Timestamp', '1534154812'],
    ['delaySeconds', '0'],
    ['SignatureMethod', 'HmacSHA1'],
    ['clientRequestId', '1231231231'],
    ['Signature', VECTOR.sha1],
    ['SecretId', 'AKIDPcYDclDJCn8D0Xypa4f3pKYUCVYLn3zT'],
    ['RequestClient', 'SDK_Python_1.3'],
    ['Nonce', '2889712707386595659'],
    ['Action', 'SendMessage'],
  ]);

describe('sign', () => {
  it('produces the documented HmacSHA1 signature when given the test vector source', () => {
    expect(sign(VECTOR.secretKey, VECTOR.src, 'sha1')).toBe(VECTOR.sha1);
  });

  it('produces the reference HmacSHA256 signature when given the test vector source', () => {
    expect(sign(VECTOR.secretKey, VECTOR.src, 'sha256')).toBe(VECTOR.sha256);
  });

  it('hashes the source as UTF-8 bytes when it holds non-ASCII characters', () => {
    const source = 'POSThost/?msgBody=你好';
    const overBytes = (encoding: BufferEncoding) =>
      createHmac('sha256', 'k').update(Buffer.from(source, encoding)).digest('base64');
    expect(sign('k', source, 'sha256')).toBe(overBytes('utf8'));
    expect(sign('k', source, 'sha256')).not.toBe(overBytes('utf16le'));
  });
});

describe('stringToSign', () => {
  it('builds the documented source when given the test vector parameters in any order', () => {
    expect(stringToSign('POST', VECTOR.host, VECTOR.path, vectorParams())).toBe(VECTOR.src);
  });

  it('leaves Signature out when the parameters carry one', () => {
    const source = stringToSign('POST', VECTOR.host, VECTOR.path, vectorParams());
    expect(source).not.toContain('Signature=');
    expect(source).toContain('SignatureMethod=HmacSHA1');
  });

  it('sorts uppercase keys before lowercase ones when ordering by code unit', () => {
    const params = new Map([
      ['alpha', '1'],
      ['Zeta', '2'],
      ['beta', '3'],
      ['Alpha', '4'],
    ]);
    expect(stringToSign('GET', 'h', '/', params)).toBe('GETh/?Alpha=4&Zeta=2&alpha=1&beta=3');
  });

  it('orders more keys than the insertion sort takes as a code-unit sort does', () => {
    const keys = Array.from({ length: 300 }, (_, i) => `k${(i * 7919) % 300}${i % 3 === 0 ? 'Z' : 'a'}`);
    const params = new Map(keys.map((key) => [key, '1']));
    const expected = [...keys].sort().map((key) => `${key}=1`);
    expect(stringToSign('GET', 'h', '/', params)).toBe(`GETh/?${expected.join('&')}`);
  });

  it('orders any arrival order of many keys as a code-unit sort does', () => {
    const keys = ['msgBody.10', 'msgBody.2', 'Nonce', 'Action', 'a', 'Z', 'queueName', 'msgBody.1', 'B', 'é'];
    const expected = [...keys].sort().map((key) => `${key}=${key.length}`);
    for (const order of [keys, [...keys].reverse(), [...keys.slice(5), ...keys.slice(0, 5)]]) {
      const params = new Map(order.map((key) => [key, String(key.length)]));
      expect(stringToSign('GET', 'h', '/', params)).toBe(`GETh/?${expected.join('&')}`);
    }
  });

  it('replaces every underscore in key names by a dot when keys contain underscores', () => {
    const params = new Map([['a_b_c', '1']]);
    expect(stringToSign('POST', 'h', '/', params)).toBe('POSTh/?a.b.c=1');
  });

  it('sorts by the original key names when an underscore would change the order', () => {
    // '.' (0x2E) sorts before '_' (0x5F): on the original names x.z comes first, although x.y < x.z.
    const params = new Map([
      ['x_y', '1'],
      ['x.z', '2'],
    ]);
    expect(stringToSign('POST', 'h', '/', params)).toBe('POSTh/?x.z=2&x.y=1');
  });

  it('uses raw values when they hold characters that URL encoding would escape', () => {
    const params = new Map([['msgBody', 'a b&c=d%20+é/']]);
    expect(stringToSign('POST', 'h', '/', params)).toBe('POSTh/?msgBody=a b&c=d%20+é/');
  });

  it('upper-cases the method when given it in lowercase', () => {
    expect(stringToSign('post', VECTOR.host, VECTOR.path, vectorParams())).toBe(VECTOR.src);
  });

  it('keeps an empty value as key= when a parameter is empty', () => {
    const params = new Map([
      ['b', ''],
      ['a', 'x'],
    ]);
    expect(stringToSign('POST', 'h:9720', '/v2/index.php', params)).toBe('POSTh:9720/v2/index.php?a=x&b=');
  });
});

describe('signatureAlgorithmOf', () => {
  it('picks sha256 when SignatureMethod is HmacSHA256', () => {
    expect(signatureAlgorithmOf('HmacSHA256')).toBe('sha256');
  });

  it.each([undefined, '', 'HmacSHA1', 'hmacsha256', 'HmacSHA512', 'SHA256'])(
    'falls back to sha1 when SignatureMethod is %j',
    (method) => {
      expect(signatureAlgorithmOf(method)).toBe('sha1');
    },
  );
});

describe('signRequest', () => {
  it('reproduces the documented signature when given the test vector request', () => {
    const params = signRequest({
      method: 'POST',
      host: VECTOR.host,
      path: VECTOR.path,
      secretId: 'AKIDPcYDclDJCn8D0Xypa4f3pKYUCVYLn3zT',
      secretKey: VECTOR.secretKey,
      action: 'SendMessage',
      params: {
        RequestClient: 'SDK_Python_1.3',
        clientRequestId: 1231231231,
        delaySeconds: 0,
        msgBody: 'msg',
        queueName: 'test1',
      },
      signatureMethod: 'HmacSHA1',
      nowSeconds: 1534154812,
      nonce: '2889712707386595659',
    });
    expect(params.get('Signature')).toBe(VECTOR.sha1);
    expect(stringToSign('POST', VECTOR.host, VECTOR.path, params)).toBe(VECTOR.src);
  });

  it('signs with HmacSHA256 and records it when no signature method is given', () => {
    const params = signRequest({
      method: 'GET',
      host: 'localhost:9720',
      path: '/',
      secretId: 'AKIDexample',
      secretKey: 'secret',
      action: 'ListQueue',
      params: { limit: 5 },
      nowSeconds: 1_700_000_000,
      nonce: '42',
    });
    expect(params.get('SignatureMethod')).toBe('HmacSHA256');
    expect(Object.fromEntries(params)).toMatchObject({
      Action: 'ListQueue',
      Nonce: '42',
      SecretId: 'AKIDexample',
      Timestamp: '1700000000',
      limit: '5',
    });
    const source = stringToSign('GET', 'localhost:9720', '/', params);
    expect(params.get('Signature')).toBe(sign('secret', source, 'sha256'));
    expect(params.get('Signature')).not.toBe(sign('secret', source, 'sha1'));
  });

  it('gives a different signature when the host, path or method differ', () => {
    const base = {
      method: 'POST',
      host: 'localhost:9720',
      path: '/v2/index.php',
      secretId: 'AKIDexample',
      secretKey: 'secret',
      action: 'SendMessage',
      params: { queueName: 'q', msgBody: 'hello' },
      nowSeconds: 1_700_000_000,
      nonce: '7',
    } as const;
    const signatures = new Set(
      [base, { ...base, host: 'localhost' }, { ...base, path: '/' }, { ...base, method: 'GET' as const }].map(
        (input) => signRequest(input).get('Signature'),
      ),
    );
    expect(signatures.size).toBe(4);
  });
});
