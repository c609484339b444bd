import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as delay } from 'node:timers/promises';
import { verifyPushSignature } from '../../packages/server/src/delivery/push-request.js';
import { OWNER_UIN } from '../../packages/server/src/domain/topic-defaults.js';
import { startHttpSink, type HttpSink } from '../support/http-sink.js';
import { startTestServer, waitFor, type TestServer } from '../support/test-server.js';

/**
 * HTTP push through the real dispatcher and real sockets: headers and bodies as CMQ documents them,
 * isolation of a hanging subscriber, retries, throttling, signatures. Topics are set up through the
 * TopicService of the in-process server; the CMQ actions have their own tests (topic-api.test.ts).
 */
describe('topic push delivery', () => {
  let server: TestServer;
  const sinks: HttpSink[] = [];
  let n = 0;
  const sink = async (behaviour: Parameters<typeof startHttpSink>[0]) => {
    const created = await startHttpSink(behaviour);
    sinks.push(created);
    return created;
  };

  beforeAll(async () => {
    server = await startTestServer({ pushTimeoutMs: 1000, longPollBackstopMs: 200 });
  });
  afterEach(async () => {
    await Promise.all(sinks.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await server.close();
  });

  it('posts each message with the CMQ headers and the JSON body, or the raw body when SIMPLIFIED', async () => {
    const topics = server.app.topics;
    const topic = `push-${++n}`;
    const json = await sink('ok');
    const simple = await sink('ok');
    await topics.createTopic(topic, {});
    await topics.subscribe(topic, 'json', 'http', json.url, {});
    await topics.subscribe(topic, 'simple', 'http', simple.url, { notifyContentFormat: 'SIMPLIFIED' });
    const [msgId] = await topics.publishMessages(topic, [
      { body: 'hello ✓', tags: ['a', 'b'], routingKey: undefined },
    ]);
    const [request] = await json.waitForRequests(1);
    expect(request!.method).toBe('POST');
    expect(request!.headers).toMatchObject({
      'content-type': 'text/plain',
      'user-agent': 'Qcloud Notification Service Agent',
      'x-cmq-message-id': msgId,
      'x-cmq-message-tag': 'a, b',
    });
    expect(request!.headers['x-cmq-request-id']).toEqual(expect.any(String));
    const body = JSON.parse(request!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ topicName: topic, subscriptionName: 'json', msgId, msgBody: 'hello ✓' });
    expect(body['TopicOwner']).toBe(String(OWNER_UIN));
    expect(Math.abs((body['publishTime'] as number) - Date.now() / 1000)).toBeLessThan(5);
    const [raw] = await simple.waitForRequests(1);
    expect(raw!.body).toBe('hello ✓');
    // Each delivery is completed after its sink answered: wait for both, not only the first.
    await waitFor(
      async () =>
        (await topics.getSubscription(topic, 'json')).stats.deliveredCount === 1 &&
        (await topics.getSubscription(topic, 'simple')).stats.deliveredCount === 1,
      5000,
      'delivered counts',
    );
    expect((await topics.getSubscription(topic, 'json')).stats).toMatchObject({
      routedCount: 1,
      pendingCount: 0,
      deliveredCount: 1,
    });
    expect((await topics.getTopic(topic)).stats.msgCount).toBe(0);
  });

  it('keeps delivering to a healthy subscriber while another one hangs', async () => {
    const topics = server.app.topics;
    const topic = `push-${++n}`;
    const healthy = await sink('ok');
    const hanging = await sink('hang');
    await topics.createTopic(topic, {});
    await topics.subscribe(topic, 'hanging', 'http', hanging.url, { maxInFlight: 4 });
    await topics.subscribe(topic, 'healthy', 'http', healthy.url, {});
    const bodies = Array.from({ length: 200 }, (_, i) => `m${i}`);
    for (let i = 0; i < bodies.length; i += 16) {
      await topics.publishMessages(
        topic,
        bodies.slice(i, i + 16).map((body) => ({ body, tags: [], routingKey: undefined })),
      );
    }
    // The hanging endpoint gets its window's worth of pushes and holds them.
    await hanging.waitForRequests(4, 10_000);
    const received = await healthy.waitForRequests(200, 10_000);
    expect(
      new Set(received.map((r) => r.body.length > 0 && (JSON.parse(r.body) as { msgBody: string }).msgBody)),
    ).toEqual(new Set(bodies));
    // It never holds more than its window: at most maxInFlight pushes (each on its own connection) at once.
    expect(hanging.connectionsOpen).toBeGreaterThanOrEqual(1);
    expect(hanging.connectionsOpen).toBeLessThanOrEqual(4);
    expect((await topics.getSubscription(topic, 'hanging')).stats.deliveredCount).toBe(0);
  });

  it('retries a failing push on the exponential schedule and delivers once the endpoint recovers', async () => {
    const topics = server.app.topics;
    const topic = `push-${++n}`;
    const flaky = await sink({ kind: 'flap', steps: [500, 503, 200], then: 'repeat-last' });
    await topics.createTopic(topic, {});
    await topics.subscribe(topic, 'flaky', 'http', flaky.url, { notifyStrategy: 'EXPONENTIAL_DECAY_RETRY' });
    await topics.publishMessages(topic, [{ body: 'eventually', tags: [], routingKey: undefined }]);
    const requests = await flaky.waitForRequests(3, 10_000);
    // EXPONENTIAL_DECAY_RETRY waits 1 s, then 2 s (cmq-api.md §5)
    expect(requests[1]!.receivedAtMs - requests[0]!.receivedAtMs).toBeGreaterThanOrEqual(900);
    expect(requests[2]!.receivedAtMs - requests[1]!.receivedAtMs).toBeGreaterThanOrEqual(1900);
    await waitFor(
      async () => (await topics.getSubscription(topic, 'flaky')).stats.deliveredCount === 1,
      5000,
      'delivery',
    );
    expect((await topics.getSubscription(topic, 'flaky')).stats).toMatchObject({
      failedAttempts: 2,
      droppedCount: 0,
      pendingCount: 0,
    });
  });

  it('honours Retry-After from a 429 before pushing again', async () => {
    const topics = server.app.topics;
    const topic = `push-${++n}`;
    const throttled = await sink({
      kind: 'flap',
      steps: [{ kind: '429', retryAfter: '2' }, 200],
      then: 'repeat-last',
    });
    await topics.createTopic(topic, {});
    await topics.subscribe(topic, 'throttled', 'http', throttled.url, {});
    await topics.publishMessages(topic, [{ body: 'x', tags: [], routingKey: undefined }]);
    const requests = await throttled.waitForRequests(2, 10_000);
    expect(requests[1]!.receivedAtMs - requests[0]!.receivedAtMs).toBeGreaterThanOrEqual(1900);
  });

  it('signs pushes with the subscription secret when one is set', async () => {
    const topics = server.app.topics;
    const topic = `push-${++n}`;
    const signed = await sink('ok');
    await topics.createTopic(topic, {});
    await topics.subscribe(topic, 'signed', 'http', signed.url, {
      signingSecret: 's3cret',
      notifyContentFormat: 'SIMPLIFIED',
    });
    await topics.publishMessages(topic, [{ body: 'authentic', tags: [], routingKey: undefined }]);
    const [request] = await signed.waitForRequests(1);
    expect(verifyPushSignature('s3cret', request!.headers, request!.body, Date.now(), 300)).toMatchObject({
      ok: true,
    });
    expect(verifyPushSignature('other', request!.headers, request!.body, Date.now(), 300)).toMatchObject({
      ok: false,
    });
  });

  it('stops pushing to a subscription once it is removed', async () => {
    const topics = server.app.topics;
    const topic = `push-${++n}`;
    // Always 500: without the removal, its message would be pushed again after 1 s (EXPONENTIAL_DECAY_RETRY).
    const target = await sink({ kind: 'flap', steps: [500], then: 'repeat-last' });
    await topics.createTopic(topic, {});
    // Subscriptions of earlier tests have workers too: count from a settled refresh.
    await server.app.dispatcher.refresh();
    const before = server.app.dispatcher.workerCount;
    await topics.subscribe(topic, 'gone', 'http', target.url, { notifyStrategy: 'EXPONENTIAL_DECAY_RETRY' });
    await waitFor(() => server.app.dispatcher.workerCount === before + 1, 5000, 'a worker');
    await topics.publishMessages(topic, [{ body: 'x', tags: [], routingKey: undefined }]);
    await target.waitForRequests(1, 5000);
    await topics.unsubscribe(topic, 'gone');
    await waitFor(() => server.app.dispatcher.workerCount === before, 5000, 'the worker to stop');
    const pushed = target.requests.length;
    await delay(2500);
    expect(target.requests.length).toBe(pushed);
  });
});
