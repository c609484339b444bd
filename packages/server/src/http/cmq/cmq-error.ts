import { WIRE_ERRORS, formatWireMessage, type WireErrorName } from '@opencmq/protocol';

/** An error that goes on the wire as it is: a WIRE_ERRORS entry and the words that fill its message. */
export class CmqError extends Error {
  readonly wire: WireErrorName;
  readonly args: readonly string[];

  constructor(wire: WireErrorName, ...args: string[]) {
    super(formatWireMessage(WIRE_ERRORS[wire], args));
    this.name = 'CmqError';
    this.wire = wire;
    this.args = args;
  }
}
