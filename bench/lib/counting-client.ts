import { CmqBenchClient, type CmqEnvelope } from './cmq-client.js';

/**
 * For the workers' tests: a client that counts its calls, its calls in flight and the most there ever
 * were, and awaits `before` ahead of each call (to hold an action back).
 */
export class CountingClient extends CmqBenchClient {
  inFlight = 0;
  maxInFlight = 0;
  calls = 0;
  /** Awaited before each call goes out. */
  before: (action: string) => Promise<void> = () => Promise.resolve();

  override async call(
    action: string,
    params?: Readonly<Record<string, string | number>>,
  ): Promise<CmqEnvelope> {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.before(action);
      return await super.call(action, params);
    } finally {
      this.inFlight--;
    }
  }
}
