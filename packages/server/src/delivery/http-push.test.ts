import http from 'node:http';
import https from 'node:https';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  startHttpSink,
  SINK_CA_PEM,
  type HttpSink,
  type SinkBehaviour,
} from '../../../../test/support/http-sink.js';
import type { Clock } from '../domain/clock.js';
import { createGuardedLookup, PRIVATE_TARGET_ERROR_CODE } from './endpoint-policy.js';
import { parseRetryAfterMs, pushOnce, type PushOutcome } from './http-push.js';
import { buildPush, type PushRequest } from './push-request.js';

const push: PushRequest = buildPush({
  topicOwner: 100015036,
  topicName: 'orders',
  subscriptionName: 'billing',
  msgId: 'msg-1',
  body: 'hello \u4e16\u754c',
  tags: ['a', 'b'],
  publishTimeMs: 1_700_000_000_000,
  format: 'JSON',
  requestId: 'req-1',
  nowMs: 1_700_000_000_000,
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sink(behaviour: SinkBehaviour, options: { tls?: boolean } = {}): Promise<HttpSink> {
  const started = await startHttpSink(behaviour, options);
  cleanups.push(() => started.close());
  return started;
}

function keepAliveAgent(): http.Agent {
  const agent = new http.Agent({ keepAlive: true });
  cleanups.push(() => agent.destroy());
  return agent;
}

describe('pushOnce', () => {
  it('POSTs the push headers and body and reports delivered when the endpoint answers 200', async () => {
    const endpoint = await sink('ok');
    const outcome = await pushOnce(`${endpoint.url}hook?x=1`, push);
    expect(outcome).toMatchObject({ kind: 'delivered', status: 200 });
    const [received] = await endpoint.waitForRequests(1);
    expect(received?.method).toBe('POST');
    expect(received?.url).toBe('/hook?x=1');
    expect(received?.body).toBe(push.body);
    expect(received?.headers).toMatchObject({
      'content-type': 'text/plain',
      'user-agent': 'Qcloud Notification Service Agent',
      'x-cmq-request-id': 'req-1',
      'x-cmq-message-id': 'msg-1',
      'x-cmq-message-tag': 'a, b',
      'content-length': String(Buffer.byteLength(push.body)),
    });
  });

  it.each([201, 202, 204, 299])('reports delivered when the endpoint answers %i', async (status) => {
    const endpoint = await sink(status);
    expect(await pushOnce(endpoint.url, push)).toMatchObject({ kind: 'delivered', status });
  });

  it.each([400, 404, 500, 502])('reports a status failure when the endpoint answers %i', async (status) => {
    const endpoint = await sink(status);
    expect(await pushOnce(endpoint.url, push)).toMatchObject({ kind: 'failed', reason: 'status', status });
  });

  it('reports a redirect failure without following it when the endpoint answers 302', async () => {
    const endpoint = await sink({ kind: 'status', status: 302, headers: { Location: '/elsewhere' } });
    expect(await pushOnce(endpoint.url, push)).toMatchObject({
      kind: 'failed',
      reason: 'redirect',
      status: 302,
    });
    expect(endpoint.requests.map((r) => r.url)).toEqual(['/']);
  });

  it('reports throttled with the Retry-After delay when the endpoint answers 429 with seconds', async () => {
    const endpoint = await sink({ kind: '429', retryAfter: '7' });
    expect(await pushOnce(endpoint.url, push)).toMatchObject({
      kind: 'throttled',
      status: 429,
      retryAfterMs: 7000,
    });
  });

  it('reads Retry-After as a date against the injected clock when the endpoint answers 429 with a date', async () => {
    const endpoint = await sink({ kind: '429', retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT' });
    const clock: Clock = { nowMs: () => Date.parse('2015-10-21T07:27:30Z') };
    expect(await pushOnce(endpoint.url, push, { clock })).toMatchObject({
      kind: 'throttled',
      retryAfterMs: 30_000,
    });
  });

  it('reports throttled without a delay when a 429 has no Retry-After', async () => {
    const endpoint = await sink({ kind: '429' });
    const outcome = await pushOnce(endpoint.url, push);
    expect(outcome).toMatchObject({ kind: 'throttled', status: 429 });
    expect(outcome).not.toHaveProperty('retryAfterMs');
  });

  it('reports a status failure with the Retry-After delay when the endpoint answers 503', async () => {
    const endpoint = await sink({ kind: 'status', status: 503, headers: { 'Retry-After': '120' } });
    expect(await pushOnce(endpoint.url, push)).toMatchObject({
      kind: 'failed',
      reason: 'status',
      status: 503,
      retryAfterMs: 120_000,
    });
  });

  it('measures elapsedMs with the injected clock', async () => {
    const endpoint = await sink('ok');
    let calls = 0;
    const clock: Clock = { nowMs: () => (calls++ === 0 ? 5000 : 5400) };
    expect(await pushOnce(endpoint.url, push, { clock })).toEqual({
      kind: 'delivered',
      status: 200,
      elapsedMs: 400,
    });
  });

  it('times out and drops the connection when the endpoint never answers', async () => {
    const endpoint = await sink('hang');
    const outcome = await pushOnce(endpoint.url, push, { timeoutMs: 200 });
    expect(outcome).toMatchObject({ kind: 'failed', reason: 'timeout' });
    expect(outcome).not.toHaveProperty('status');
    expect(endpoint.requests).toHaveLength(1);
    await endpoint.waitForConnectionsOpen(0);
  });

  it('times out after exactly 15 s by default when the endpoint never answers', async () => {
    const endpoint = await sink('hang');
    // Only the timers pushOnce uses are faked; sockets keep running on Node's internal timers.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    cleanups.push(() => vi.useRealTimers());
    let outcome: PushOutcome | undefined;
    const pending = pushOnce(endpoint.url, push).then((o) => (outcome = o));
    await endpoint.waitForRequests(1);
    await vi.advanceTimersByTimeAsync(14_999);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(outcome).toEqual({ kind: 'failed', reason: 'timeout', elapsedMs: 15_000 });
  });

  it('times out with the status when the response body never ends', async () => {
    const endpoint = await sink('never-ends');
    expect(await pushOnce(endpoint.url, push, { timeoutMs: 200 })).toMatchObject({
      kind: 'failed',
      reason: 'timeout',
      status: 200,
    });
    await endpoint.waitForConnectionsOpen(0);
  });

  it('delivers when a slow endpoint answers within the timeout', async () => {
    const endpoint = await sink({ kind: 'slow', delayMs: 50 });
    expect(await pushOnce(endpoint.url, push, { timeoutMs: 10_000 })).toMatchObject({ kind: 'delivered' });
  });

  it('times out when a slow endpoint answers after the timeout', async () => {
    const endpoint = await sink({ kind: 'slow', delayMs: 5000 });
    expect(await pushOnce(endpoint.url, push, { timeoutMs: 100 })).toMatchObject({
      kind: 'failed',
      reason: 'timeout',
    });
  });

  it('stops reading and closes the connection when the body exceeds maxResponseBytes', async () => {
    const endpoint = await sink('endless-body');
    const outcome = await pushOnce(endpoint.url, push, { timeoutMs: 20_000, maxResponseBytes: 4096 });
    expect(outcome).toMatchObject({ kind: 'delivered', status: 200 });
    await endpoint.waitForConnectionsOpen(0);
  });

  it('reports a network failure when the connection drops mid-body', async () => {
    const endpoint = await sink('drop-mid-body');
    expect(await pushOnce(endpoint.url, push)).toMatchObject({
      kind: 'failed',
      reason: 'network',
      status: 200,
    });
  });

  it('reports a network failure when the endpoint closes the connection without answering', async () => {
    const endpoint = await sink('drop');
    const outcome = await pushOnce(endpoint.url, push);
    expect(outcome).toMatchObject({ kind: 'failed', reason: 'network' });
    expect(outcome).not.toHaveProperty('status');
  });

  it('reports a network failure when nothing listens on the port', async () => {
    const endpoint = await startHttpSink('ok');
    await endpoint.close();
    const outcome = await pushOnce(endpoint.url, push);
    expect(outcome).toMatchObject({ kind: 'failed', reason: 'network' });
    if (outcome.kind === 'failed') expect(outcome.detail).toMatch(/^ECONNREFUSED/);
  });

  it('reports a network failure instead of throwing when the URL is unusable', async () => {
    expect(await pushOnce('not a url', push)).toMatchObject({ kind: 'failed', reason: 'network' });
    expect(await pushOnce('ftp://127.0.0.1/', push)).toMatchObject({
      kind: 'failed',
      reason: 'network',
      detail: 'unsupported protocol ftp:',
    });
  });

  it('reports a network failure instead of throwing when the agent does not match the scheme', async () => {
    const endpoint = await sink('ok', { tls: true });
    const outcome = await pushOnce(endpoint.url, push, { agent: keepAliveAgent() });
    expect(outcome).toMatchObject({ kind: 'failed', reason: 'network' });
    expect(endpoint.connectionsAccepted).toBe(0);
  });

  it('reuses one connection for consecutive pushes when the caller passes a keep-alive agent', async () => {
    const endpoint = await sink('ok');
    const agent = keepAliveAgent();
    const outcomes: PushOutcome[] = [];
    for (let i = 0; i < 3; i++) outcomes.push(await pushOnce(endpoint.url, push, { agent }));
    expect(outcomes.map((o) => o.kind)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(endpoint.connectionsAccepted).toBe(1);
  });

  it('reports each answer in turn and keeps the connection when the endpoint flaps', async () => {
    const endpoint = await sink('flap');
    const agent = keepAliveAgent();
    const outcomes: PushOutcome[] = [];
    for (let i = 0; i < 4; i++) outcomes.push(await pushOnce(endpoint.url, push, { agent }));
    expect(outcomes.map((o) => [o.kind, 'status' in o ? o.status : undefined])).toEqual([
      ['failed', 500],
      ['delivered', 200],
      ['failed', 500],
      ['delivered', 200],
    ]);
    expect(endpoint.connectionsAccepted).toBe(1);
  });

  it('follows a scripted sequence of answers when the endpoint recovers', async () => {
    const endpoint = await sink({
      kind: 'flap',
      steps: [503, { kind: '429', retryAfter: '1' }, 'ok'],
      then: 'repeat-last',
    });
    const outcomes: PushOutcome[] = [];
    for (let i = 0; i < 4; i++) outcomes.push(await pushOnce(endpoint.url, push));
    expect(outcomes.map((o) => o.kind)).toEqual(['failed', 'throttled', 'delivered', 'delivered']);
    endpoint.setBehaviour({ kind: 'flap', steps: [404, 'ok'] });
    expect(await pushOnce(endpoint.url, push)).toMatchObject({ kind: 'failed', status: 404 });
    expect((await endpoint.waitForRequests(5)).map((r) => r.body)).toEqual(Array<string>(5).fill(push.body));
  });

  it('does not reuse the connection of a truncated response when the next push follows', async () => {
    const endpoint = await sink('endless-body');
    const agent = keepAliveAgent();
    expect(await pushOnce(endpoint.url, push, { agent })).toMatchObject({ kind: 'delivered' });
    endpoint.setBehaviour('ok');
    expect(await pushOnce(endpoint.url, push, { agent })).toMatchObject({ kind: 'delivered' });
    expect(endpoint.connectionsAccepted).toBe(2);
  });

  it('delivers over https when the agent trusts the endpoint certificate', async () => {
    const endpoint = await sink('ok', { tls: true });
    const agent = new https.Agent({ keepAlive: true, ca: SINK_CA_PEM });
    cleanups.push(() => agent.destroy());
    expect(await pushOnce(endpoint.url, push, { agent })).toMatchObject({ kind: 'delivered', status: 200 });
    expect((await endpoint.waitForRequests(1))[0]?.body).toBe(push.body);
  });

  it('reports a network failure when the https certificate is not trusted', async () => {
    const endpoint = await sink('ok', { tls: true });
    const outcome = await pushOnce(endpoint.url, push);
    expect(outcome).toMatchObject({ kind: 'failed', reason: 'network' });
    if (outcome.kind === 'failed') expect(outcome.detail).toMatch(/SELF_SIGNED/);
    expect(endpoint.requests).toHaveLength(0);
  });

  it('reports aborted and drops the connection when the signal fires during the push', async () => {
    const endpoint = await sink('hang');
    const controller = new AbortController();
    const pending = pushOnce(endpoint.url, push, { signal: controller.signal });
    await endpoint.waitForRequests(1);
    controller.abort();
    expect(await pending).toMatchObject({ kind: 'failed', reason: 'aborted' });
    await endpoint.waitForConnectionsOpen(0);
  });

  it('reports aborted without connecting when the signal has already fired', async () => {
    const endpoint = await sink('ok');
    expect(await pushOnce(endpoint.url, push, { signal: AbortSignal.abort() })).toMatchObject({
      kind: 'failed',
      reason: 'aborted',
    });
    expect(await pushOnce(endpoint.url, push)).toMatchObject({ kind: 'delivered' });
    expect(endpoint.connectionsAccepted).toBe(1);
  });

  it('refuses to connect when a guarded lookup resolves the host to a private address', async () => {
    const endpoint = await sink('ok');
    const url = `http://localhost:${endpoint.port}/`;
    const lookup = createGuardedLookup({ allowPrivateTargets: false });
    const outcome = await pushOnce(url, push, { lookup });
    expect(outcome).toMatchObject({ kind: 'failed', reason: 'network' });
    if (outcome.kind === 'failed')
      expect(outcome.detail).toMatch(new RegExp(`^${PRIVATE_TARGET_ERROR_CODE}`));
    expect(endpoint.connectionsAccepted).toBe(0);
  });

  it('connects through a guarded lookup when private targets are allowed', async () => {
    const endpoint = await sink('ok');
    const lookup = createGuardedLookup({ allowPrivateTargets: true });
    expect(await pushOnce(`http://localhost:${endpoint.port}/`, push, { lookup })).toMatchObject({
      kind: 'delivered',
    });
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2015-10-21T07:28:00Z');

  it.each([
    ['0', 0],
    ['7', 7000],
    [' 120 ', 120_000],
    ['Wed, 21 Oct 2015 07:28:30 GMT', 30_000],
    ['Wednesday, 21-Oct-15 07:29:00 GMT', 60_000],
    ['Wed, 21 Oct 2015 07:00:00 GMT', 0],
  ])('reads %j as %i ms', (value, expected) => {
    expect(parseRetryAfterMs(value, now)).toBe(expected);
  });

  it.each([undefined, '', '-1', '1.5', 'soon', 'Wed, 99 Foo 2015'])('ignores %j', (value) => {
    expect(parseRetryAfterMs(value, now)).toBeUndefined();
  });
});
