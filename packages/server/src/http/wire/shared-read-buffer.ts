import { Socket } from 'node:net';

/** What a read hands on: a view of the shared buffer, valid only until the callback returns. */
export type OnBytes = (bytes: Buffer) => void;

/** The parts of an accepted socket's libuv handle this module relies on (net.Socket's `_handle`). */
interface StreamHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

/**
 * Reads every connection of a server into one buffer (docs/decisions/0016). A net.Socket reads each chunk
 * into a fresh 64 KiB allocation, copies it into an ArrayBuffer of its own and pushes it through the
 * Readable machinery; with `onread` (a documented net.Socket option) libuv reads into the buffer given and
 * the callback sees it directly. Reads run one at a time on the event loop, so one buffer serves all
 * connections, as long as no callback keeps a view of it after returning.
 *
 * net.Server has no `onread` for the sockets it accepts, so the server listens with `pauseOnConnect` and
 * each accepted socket's handle moves to a new Socket built with `onread`: the accepted one gives up its
 * handle and is destroyed (which takes it off the server's connection count; the caller tracks its
 * connections itself). Where the handle cannot be moved (a Node without `_handle.useUserBuffer`), the
 * accepted socket is resumed and read the ordinary way, through 'data' events, with the same callback.
 */
export class SharedReadBuffer {
  readonly #buffer: Buffer;

  constructor(bytes = 64 * 1024) {
    this.#buffer = Buffer.allocUnsafe(bytes);
  }

  /** The socket to use from now on for a connection accepted paused; `onBytes` gets what it reads. */
  adopt(accepted: Socket, onBytes: OnBytes): Socket {
    const holder = accepted as unknown as { _handle?: unknown };
    const handle = holder._handle;
    if (!isStreamHandle(handle)) {
      accepted.on('data', onBytes);
      accepted.resume();
      return accepted;
    }
    holder._handle = null;
    accepted.destroy();
    const buffer = this.#buffer;
    return new Socket({
      handle,
      readable: true,
      writable: true,
      onread: {
        buffer,
        callback: (length: number) => {
          onBytes(buffer.subarray(0, length));
          return true;
        },
      },
    } as ConstructorParameters<typeof Socket>[0]);
  }
}

function isStreamHandle(value: unknown): value is StreamHandle {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<StreamHandle>).useUserBuffer === 'function'
  );
}
