import type { Credential } from '../../auth/credentials.js';
import type { SignatureVerifierOptions } from '../../auth/verify-signature.js';
import type { ErrorCode } from '../../domain/errors.js';
import type { LogLevel } from '../../log.js';
import type { CmqRequest } from '../cmq/dispatch.js';

/** What the HTTP thread needs to listen, parse and verify on its own (plain data: it crosses threads). */
export interface FrontOptions {
  readonly port: number;
  readonly host: string;
  readonly maxRequestBytes: number;
  readonly maxParams: number;
  readonly logLevel: LogLevel;
  /** Undefined when signature verification is off. */
  readonly verifier: SignatureVerifierOptions | undefined;
  /** The admin API's Basic credential; undefined when auth is off. */
  readonly adminCredential: Credential | undefined;
}

/** A request the HTTP thread has parsed and (when auth is on) verified, for the main thread to run. */
export type FrontCall =
  | { readonly id: number; readonly kind: 'cmq'; readonly request: CmqRequest }
  | { readonly id: number; readonly kind: 'get-message'; readonly queueName: string; readonly msgId: string };

export type FrontAnswer =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: {
        readonly code: ErrorCode | undefined;
        readonly message: string;
        readonly detail?: string;
      };
    };

export type ToMain =
  | { readonly kind: 'listening'; readonly address: { address: string; port: number } }
  | { readonly kind: 'listen-failed'; readonly code: string | undefined; readonly message: string }
  | { readonly kind: 'calls'; readonly batch: FrontCall[] }
  | { readonly kind: 'closed' };

export type ToFront =
  | { readonly kind: 'answers'; readonly batch: FrontAnswer[] }
  | { readonly kind: 'close'; readonly timeoutMs: number };
