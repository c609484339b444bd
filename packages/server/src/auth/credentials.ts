import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Credential {
  readonly secretId: string;
  readonly secretKey: string;
}

export interface ResolvedCredential {
  readonly credential: Credential;
  /** Where it came from; 'generated' means it was created by this start and must be shown once. */
  readonly source: 'config' | 'data-dir' | 'generated';
}

const FILE = 'credentials.json';

/**
 * The root credential: from configuration (OPENCMQ_SECRET_ID/KEY) when set, else the one stored in the
 * data dir, else a new one generated and stored there (file mode 0600). With no data dir (memory engine)
 * a new one is generated for this run only.
 */
export function resolveRootCredential(options: {
  configured: Credential | undefined;
  dataDir: string | undefined;
}): ResolvedCredential {
  if (options.configured) return { credential: options.configured, source: 'config' };
  if (options.dataDir !== undefined) {
    const stored = readStored(join(options.dataDir, FILE));
    if (stored) return { credential: stored, source: 'data-dir' };
  }
  const credential = generateCredential();
  if (options.dataDir !== undefined) {
    mkdirSync(options.dataDir, { recursive: true });
    writeFileSync(join(options.dataDir, FILE), `${JSON.stringify(credential, null, 2)}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  }
  return { credential, source: 'generated' };
}

/** Ids start with AKID like Tencent's (some clients check); keys are 32 characters like Tencent's. */
export function generateCredential(): Credential {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const pick = (n: number) => [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('');
  return { secretId: `AKID${pick(32)}`, secretKey: pick(32) };
}

function readStored(path: string): Credential | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<Credential>;
  if (typeof parsed.secretId !== 'string' || typeof parsed.secretKey !== 'string') {
    throw new Error(`${path} does not hold a secretId and a secretKey`);
  }
  return { secretId: parsed.secretId, secretKey: parsed.secretKey };
}
