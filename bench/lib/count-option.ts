/**
 * A command-line count (`--requests 200000`) as a positive whole number; anything else ends the process
 * with status 2 and a message naming the option.
 */
export function countOption(option: string, raw: string | undefined): number {
  const count = Number(raw);
  if (raw !== undefined && raw.trim() !== '' && Number.isSafeInteger(count) && count > 0) return count;
  process.stderr.write(`--${option} must be a positive whole number, got ${raw}\n`);
  process.exit(2);
}
