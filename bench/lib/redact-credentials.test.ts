import { describe, expect, it } from 'vitest';
import { redactCredentials } from './redact-credentials.js';

describe('redactCredentials', () => {
  it('hides the password of every URL in a text and keeps the rest', () => {
    expect(
      redactCredentials(
        'npm run bench -- longpoll --rabbitmq-url amqp://bench:s3cr%40t@10.0.0.2:5672/vh --nats-url nats://u:p@h:4222',
      ),
    ).toBe(
      'npm run bench -- longpoll --rabbitmq-url amqp://bench:***@10.0.0.2:5672/vh --nats-url nats://u:***@h:4222',
    );
  });

  it('leaves URLs without a password alone', () => {
    const text = 'RabbitMQ at amqp://127.0.0.1:5672 is not reachable; nats://user@h:4222; http://h:80/a:b@c';
    expect(redactCredentials(text)).toBe(text);
  });
});
