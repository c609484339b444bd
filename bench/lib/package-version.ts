import { readFileSync } from 'node:fs';

/** The `version` field of a package.json (a client library, the server package); `unknown` if unreadable. */
export function packageVersion(path: URL): string {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
