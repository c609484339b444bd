import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes of the regular files directly in `dir` (an OpenCMQ data directory: the database, WAL, …). */
export function directoryBytes(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) bytes += statSync(join(dir, entry.name)).size;
  }
  return bytes;
}
