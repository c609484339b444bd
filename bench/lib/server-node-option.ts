/**
 * Whether `option` is one Node or V8 option for the OpenCMQ server's process (`--server-node-option`):
 * `--name` or `--name=value`, no spaces (it is passed as one argument, never through a shell). `--cpu-prof`
 * and its siblings are refused: `--cpu-prof` of the harness sets them and also times the server's SQL.
 */
export function isServerNodeOption(option: string): boolean {
  return /^--[a-z0-9][a-z0-9_-]*(=\S+)?$/i.test(option) && !option.startsWith('--cpu-prof');
}
