import { createApp, type App } from './app.js';
import type { Config } from './config/schema.js';
import { isDomainError } from './domain/errors.js';
import { ConfigError, loadConfig } from './config/load.js';
import { createLogger } from './log.js';

/** Process entry: configuration, signals and exit codes. */
async function main(): Promise<number> {
  let loaded;
  try {
    loaded = loadConfig({ argv: process.argv.slice(2), env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`opencmq: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (loaded.kind === 'help') {
    process.stdout.write(`${loaded.text}\n`);
    return 0;
  }
  const config = loaded.config;
  const log = createLogger(config.logLevel);
  let app: App | undefined;
  let address: { host: string; port: number };
  try {
    app = createApp(config, { log });
    address = await app.start();
  } catch (error) {
    await app?.close().catch(() => undefined);
    const reason = startFailure(error, config);
    if (reason === undefined) throw error;
    process.stderr.write(`opencmq: ${reason}\n`);
    return 1;
  }
  if (app.credential?.source === 'generated') {
    const where =
      config.engine === 'memory'
        ? 'for this run only (memory engine)'
        : `and stored in ${config.dataDir}/credentials.json`;
    process.stdout.write(
      [
        `Generated a root credential ${where}. It is shown once:`,
        `  SecretId  ${app.credential.credential.secretId}`,
        `  SecretKey ${app.credential.credential.secretKey}`,
        '',
      ].join('\n'),
    );
  }
  if (!config.auth) log.warn('signature verification is off (--no-auth): any client can do anything');
  log.info('opencmq listening', {
    url: `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}/v2/index.php`,
    engine: config.engine,
    dataDir: config.engine === 'memory' ? undefined : config.dataDir,
  });
  process.stdout.write(`opencmq listening on ${address.host}:${address.port}\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info('shutting down', { signal });
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await app.close();
  log.info('stopped');
  return 0;
}

/** A one-line reason for the failures an operator can fix; undefined for anything else (logged in full). */
function startFailure(error: unknown, config: Config): string | undefined {
  if (isDomainError(error, 'STORE_UNAVAILABLE')) {
    return `cannot open the data directory ${config.dataDir}: another opencmq server may be using it, or it is not writable (${error.detail ?? error.message})`;
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE')
    return `port ${config.port} on ${config.host} is already in use (choose another with --port)`;
  if (code === 'EACCES') return `not allowed to listen on ${config.host}:${config.port}`;
  return undefined;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    createLogger('error').error('fatal', { error });
    process.exitCode = 1;
  },
);
