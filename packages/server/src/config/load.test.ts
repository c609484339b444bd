import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type ConfigSources } from './load.js';
import { SETTINGS, type Config, type Setting } from './schema.js';

const load = (argv: string[] = [], env: ConfigSources['env'] = {}): Config => {
  const result = loadConfig({ argv, env });
  if (result.kind !== 'config') throw new Error('expected a configuration, got help');
  return result.config;
};

/** The ConfigError message, failing the test when loading does not throw one. */
const configError = (argv: string[] = [], env: ConfigSources['env'] = {}): string => {
  try {
    loadConfig({ argv, env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify({ argv, env })}`);
};

describe('loadConfig', () => {
  let dir: string;
  const writeConfigFile = (content: unknown): string => {
    const path = join(dir, 'opencmq.json');
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'opencmq-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('defaults', () => {
    it('returns the default of every setting when nothing is given', () => {
      const expected = Object.fromEntries(SETTINGS.map((s) => [s.key, s.default]));
      expect(load()).toEqual(expected);
    });

    it('returns the documented headline defaults when nothing is given', () => {
      const config = load();
      expect(config.host).toBe('127.0.0.1');
      expect(config.port).toBe(9720);
      expect(config.engine).toBe('sqlite');
      expect(config.auth).toBe(true);
      expect(config.secretId).toBeUndefined();
      expect(config.secretKey).toBeUndefined();
    });

    it('ignores environment variables when they are set but empty', () => {
      expect(load([], { OPENCMQ_PORT: '', OPENCMQ_HOST: '' }).port).toBe(9720);
    });

    it('ignores environment variables when they are not OpenCMQ settings', () => {
      expect(load([], { PORT: '1', HOST: 'x' })).toEqual(load());
    });
  });

  describe('precedence', () => {
    it('lets the file override defaults, env override the file and flags override env', () => {
      const file = writeConfigFile({ port: 1000, host: 'file-host', logLevel: 'warn', maxQueues: 7 });
      const config = load(['--config', file, '--port', '3000'], {
        OPENCMQ_PORT: '2000',
        OPENCMQ_HOST: 'env-host',
        OPENCMQ_MAX_QUEUES: '8',
      });
      expect(config.port).toBe(3000);
      expect(config.host).toBe('env-host');
      expect(config.maxQueues).toBe(8);
      expect(config.logLevel).toBe('warn');
      expect(config.dataDir).toBe('./data');
    });

    it('lets env override the file when no flag is given', () => {
      const file = writeConfigFile({ port: 1000 });
      expect(load(['--config', file], { OPENCMQ_PORT: '2000' }).port).toBe(2000);
    });

    it('takes the file value when neither env nor flags set it', () => {
      const file = writeConfigFile({ port: 1000, auth: false, engine: 'memory' });
      const config = load([`--config=${file}`]);
      expect(config.port).toBe(1000);
      expect(config.auth).toBe(false);
      expect(config.engine).toBe('memory');
    });

    it('accepts integers as strings when the file quotes them', () => {
      expect(load(['--config', writeConfigFile({ port: '1234' })]).port).toBe(1234);
    });

    it('lets the later flag win when a flag is repeated', () => {
      expect(load(['--port', '1', '--port', '2']).port).toBe(2);
    });
  });

  describe('flags', () => {
    it('reads the value when given as --port=123', () => {
      expect(load(['--port=123']).port).toBe(123);
    });

    it('reads the value when given as --port 123', () => {
      expect(load(['--port', '123']).port).toBe(123);
    });

    it('keeps everything after the first = when the value contains =', () => {
      expect(load(['--data-dir=/tmp/a=b']).dataDir).toBe('/tmp/a=b');
    });

    it('turns auth off when given --no-auth', () => {
      expect(load(['--no-auth']).auth).toBe(false);
    });

    it('sets the engine to memory when given --ephemeral', () => {
      const config = load(['--ephemeral']);
      expect(config.ephemeral).toBe(true);
      expect(config.engine).toBe('memory');
    });

    it('sets the engine to memory when OPENCMQ_EPHEMERAL is true', () => {
      expect(load([], { OPENCMQ_EPHEMERAL: 'true' }).engine).toBe('memory');
      expect(load([], { OPENCMQ_EPHEMERAL: '1' }).engine).toBe('memory');
    });

    it('accepts --ephemeral with --engine memory when both agree', () => {
      expect(load(['--ephemeral', '--engine', 'memory']).engine).toBe('memory');
    });

    it('reads the root credential when both halves are set in the environment', () => {
      const config = load([], { OPENCMQ_SECRET_ID: 'AKIDx', OPENCMQ_SECRET_KEY: 'key' });
      expect(config.secretId).toBe('AKIDx');
      expect(config.secretKey).toBe('key');
    });
  });

  describe('conflicts', () => {
    it('fails naming both settings when --ephemeral is given with --engine sqlite', () => {
      const message = configError(['--ephemeral', '--engine', 'sqlite']);
      expect(message).toContain('--ephemeral');
      expect(message).toContain('--engine');
    });

    it('fails naming both settings whatever the order of --engine sqlite and --ephemeral', () => {
      const message = configError(['--engine', 'sqlite', '--ephemeral']);
      expect(message).toContain('--ephemeral');
      expect(message).toContain('--engine');
    });

    it('fails when a config file sets both ephemeral and engine sqlite', () => {
      const message = configError(['--config', writeConfigFile({ ephemeral: true, engine: 'sqlite' })]);
      expect(message).toContain('ephemeral');
      expect(message).toContain('engine');
    });

    it('fails when replay protection is on with a timestamp window of 0', () => {
      const message = configError([], {
        OPENCMQ_REPLAY_PROTECTION: 'true',
        OPENCMQ_TIMESTAMP_WINDOW_SECONDS: '0',
      });
      expect(message).toContain('replayProtection');
      expect(message).toContain('timestampWindowSeconds');
    });

    it('fails naming both settings when OPENCMQ_EPHEMERAL is set with OPENCMQ_ENGINE=sqlite', () => {
      const message = configError([], { OPENCMQ_EPHEMERAL: 'true', OPENCMQ_ENGINE: 'sqlite' });
      expect(message).toContain('ephemeral');
      expect(message).toContain('OPENCMQ_ENGINE');
    });

    it('fails naming both variables when only OPENCMQ_SECRET_ID is set', () => {
      const message = configError([], { OPENCMQ_SECRET_ID: 'AKIDx' });
      expect(message).toContain('OPENCMQ_SECRET_ID');
      expect(message).toContain('OPENCMQ_SECRET_KEY');
    });

    it('fails naming both variables when only OPENCMQ_SECRET_KEY is set', () => {
      const message = configError([], { OPENCMQ_SECRET_KEY: 'key' });
      expect(message).toContain('OPENCMQ_SECRET_ID');
      expect(message).toContain('OPENCMQ_SECRET_KEY');
    });
  });

  describe('invalid input', () => {
    it('fails naming the flag when the flag is unknown', () => {
      expect(configError(['--prot', '1'])).toContain('--prot');
    });

    it('fails naming the argument when a positional argument is given', () => {
      expect(configError(['serve'])).toContain('serve');
    });

    it('fails naming the flag when an integer flag has no value', () => {
      expect(configError(['--port'])).toContain('--port');
      expect(configError(['--port', '--host', 'x'])).toContain('--port');
    });

    it('fails naming the flag when a boolean flag is given a value', () => {
      expect(configError(['--ephemeral=true'])).toContain('--ephemeral');
    });

    it.each(['abc', '12x', '1.5', '', ' '])('fails naming the flag when --port is %j', (value) => {
      expect(configError([`--port=${value}`])).toContain('--port');
    });

    it('fails naming the variable when an env integer is not a number', () => {
      expect(configError([], { OPENCMQ_PORT: 'eighty' })).toContain('OPENCMQ_PORT');
    });

    it('fails naming the flag and the range when an integer is out of range', () => {
      const message = configError(['--port', '65536']);
      expect(message).toContain('--port');
      expect(message).toContain('between 0 and 65535');
      expect(configError(['--port', '-1'])).toContain('--port');
    });

    it('accepts integers at both ends of the range when on the boundary', () => {
      expect(load(['--port', '0']).port).toBe(0);
      expect(load(['--port', '65535']).port).toBe(65535);
    });

    it('fails naming the variable when an env integer is out of range', () => {
      expect(configError([], { OPENCMQ_MAX_PARAMS: '31' })).toContain('OPENCMQ_MAX_PARAMS');
    });

    it('fails naming the flag and the choices when an enum value is unknown', () => {
      const message = configError(['--engine', 'postgres']);
      expect(message).toContain('--engine');
      expect(message).toContain('sqlite, memory');
    });

    it('fails naming the variable when an env enum value is unknown', () => {
      expect(configError([], { OPENCMQ_LOG_LEVEL: 'loud' })).toContain('OPENCMQ_LOG_LEVEL');
    });

    it('fails naming the variable when an env boolean is not true or false', () => {
      expect(configError([], { OPENCMQ_AUTH: 'yes' })).toContain('OPENCMQ_AUTH');
    });

    it('fails naming the key when the file holds an unknown setting', () => {
      const file = writeConfigFile({ port: 1, prot: 2 });
      const message = configError(['--config', file]);
      expect(message).toContain('prot');
      expect(message).toContain(file);
    });

    it('fails naming the key when a file value has the wrong type', () => {
      expect(configError(['--config', writeConfigFile({ port: 'abc' })])).toContain('port');
      expect(configError(['--config', writeConfigFile({ auth: 'maybe' })])).toContain('auth');
      expect(configError(['--config', writeConfigFile({ port: 1.5 })])).toContain('port');
    });

    it('fails naming the file when it is not a JSON object', () => {
      expect(configError(['--config', writeConfigFile('{"port": ')])).toContain('opencmq.json');
      expect(configError(['--config', writeConfigFile([1, 2])])).toContain('opencmq.json');
    });

    it('fails naming the file when it does not exist', () => {
      const missing = join(dir, 'missing.json');
      expect(configError(['--config', missing])).toContain(missing);
    });
  });

  describe('help', () => {
    it('returns help text listing every flagged setting when given --help', () => {
      const result = loadConfig({ argv: ['--port', '1', '--help'], env: {} });
      expect(result.kind).toBe('help');
      const text = result.kind === 'help' ? result.text : '';
      const flags = (SETTINGS as readonly Setting[]).flatMap((s) => (s.flag === undefined ? [] : [s.flag]));
      expect(flags.length).toBeGreaterThan(0);
      for (const flag of flags) expect(text).toContain(flag);
      expect(text).toContain('--config');
      expect(text).toContain('--help');
    });

    it('lists every environment variable when given -h', () => {
      const result = loadConfig({ argv: ['-h'], env: {} });
      const text = result.kind === 'help' ? result.text : '';
      for (const s of SETTINGS as readonly Setting[]) if (s.env !== undefined) expect(text).toContain(s.env);
    });
  });

  describe('result', () => {
    it('is frozen when returned', () => {
      const config = load();
      expect(Object.isFrozen(config)).toBe(true);
      expect(() => {
        (config as { port: number }).port = 1;
      }).toThrow(TypeError);
      expect(config.port).toBe(9720);
    });
  });
});
