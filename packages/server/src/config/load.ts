import { readFileSync } from 'node:fs';
import { SETTINGS, type Config, type Setting } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ConfigSources {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

export type LoadResult = { kind: 'help'; text: string } | { kind: 'config'; config: Config };

/**
 * defaults <- file (--config FILE, JSON with the keys of SETTINGS) <- environment <- flags, validated
 * once, frozen. The only module that reads the environment.
 */
export function loadConfig(sources: ConfigSources): LoadResult {
  const flags = parseFlags(sources.argv);
  if (flags.help) return { kind: 'help', text: helpText() };
  const values = new Map<string, unknown>();
  /** Keys set by any source (file, environment or flag), as opposed to defaults. */
  const explicit = new Set<string>(flags.explicitKeys);
  for (const s of SETTINGS) values.set(s.key, s.default);
  if (flags.configFile !== undefined) {
    for (const [key, value] of Object.entries(readConfigFile(flags.configFile))) {
      const setting = SETTINGS.find((s) => s.key === key);
      if (!setting) throw new ConfigError(`unknown setting "${key}" in ${flags.configFile}`);
      values.set(key, coerce(setting, value, `${key} in ${flags.configFile}`));
      explicit.add(key);
    }
  }
  for (const s of SETTINGS as readonly Setting[]) {
    const raw = s.env === undefined ? undefined : sources.env[s.env];
    if (raw !== undefined && raw !== '') {
      values.set(s.key, coerce(s, raw, s.env!));
      explicit.add(s.key);
    }
  }
  for (const [key, value] of flags.values) values.set(key, value);

  checkConflicts(Object.fromEntries(values) as Config, explicit);
  if (values.get('ephemeral') === true) values.set('engine', 'memory');
  const config = Object.fromEntries(values) as Config;
  return { kind: 'config', config: Object.freeze(config) };
}

function checkConflicts(config: Config, explicit: ReadonlySet<string>): void {
  if (config.ephemeral && config.engine === 'sqlite' && explicit.has('engine')) {
    throw new ConfigError(
      'ephemeral (--ephemeral, OPENCMQ_EPHEMERAL) conflicts with engine sqlite (--engine, OPENCMQ_ENGINE): choose one',
    );
  }
  if (config.replayProtection && config.timestampWindowSeconds === 0) {
    throw new ConfigError(
      'replayProtection needs timestampWindowSeconds > 0: signatures are remembered for the window, so with no window a replay could not be recognised',
    );
  }
  if ((config.secretId === undefined) !== (config.secretKey === undefined)) {
    throw new ConfigError('OPENCMQ_SECRET_ID and OPENCMQ_SECRET_KEY must be set together');
  }
}

function parseFlags(argv: readonly string[]) {
  const values = new Map<string, unknown>();
  const explicitKeys = new Set<string>();
  let help = false;
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const takeValue = () => {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--')))
        throw new ConfigError(`${name} needs a value`);
      return value;
    };
    if (name === '--config') {
      configFile = takeValue();
      continue;
    }
    const setting = (SETTINGS as readonly Setting[]).find((s) => s.flag === name);
    if (setting === undefined) throw new ConfigError(`unknown option ${name} (see --help)`);
    explicitKeys.add(setting.key);
    if (setting.type === 'boolean') {
      if (inline !== undefined) throw new ConfigError(`${name} takes no value`);
      values.set(setting.key, !name.startsWith('--no-'));
    } else {
      values.set(setting.key, coerce(setting, takeValue(), name));
    }
  }
  return { values, explicitKeys, help, configFile };
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid: ${(error as Error).message}`);
  }
}

function coerce(setting: Setting, value: unknown, source: string): unknown {
  switch (setting.type) {
    case 'integer': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && /^-?\d+$/.test(value.trim())
            ? Number(value)
            : NaN;
      if (!Number.isSafeInteger(n))
        throw new ConfigError(`${source} must be an integer, got ${JSON.stringify(value)}`);
      if ((setting.min !== undefined && n < setting.min) || (setting.max !== undefined && n > setting.max)) {
        throw new ConfigError(`${source} must be between ${setting.min} and ${setting.max}, got ${n}`);
      }
      return n;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      throw new ConfigError(`${source} must be true or false, got ${JSON.stringify(value)}`);
    }
    case 'enum':
      if (typeof value !== 'string' || !setting.values!.includes(value)) {
        throw new ConfigError(
          `${source} must be one of ${setting.values!.join(', ')}, got ${JSON.stringify(value)}`,
        );
      }
      return value;
    case 'string':
      if (typeof value !== 'string' || value.length === 0)
        throw new ConfigError(`${source} must be a non-empty string`);
      return value;
  }
}

export function helpText(): string {
  const lines = [
    'Usage: npm start -- [options]',
    '',
    'OpenCMQ: a self-hosted message queue server speaking Tencent Cloud CMQ’s v2 HTTP API.',
    '',
    'Options:',
    '  --config FILE           JSON file with any of the settings below (by key)',
  ];
  for (const s of SETTINGS as readonly Setting[]) {
    if (s.flag === undefined) continue;
    const arg =
      s.type === 'boolean'
        ? s.flag
        : `${s.flag} ${s.type === 'enum' ? s.values!.join('|') : s.type === 'integer' ? 'N' : 'VALUE'}`;
    lines.push(
      `  ${arg.padEnd(23)} ${s.description}${s.default !== undefined && s.type !== 'boolean' ? ` (default ${String(s.default)})` : ''}`,
    );
  }
  lines.push('  --help                  Show this text', '', 'Environment:');
  const envWidth = Math.max(...(SETTINGS as readonly Setting[]).map((s) => s.env?.length ?? 0)) + 2;
  for (const s of SETTINGS as readonly Setting[]) {
    if (s.env !== undefined) lines.push(`  ${s.env.padEnd(envWidth)}${s.key}`);
  }
  lines.push('', 'Every setting, its default and meaning: docs/config.md');
  return lines.join('\n');
}
