import { createApp } from './app.js';
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
  const app = createApp(config, { log });
  const address = await app.start();
  if (app.credential.source === 'generated') {
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

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    createLogger('error').error('fatal', { error });
    process.exitCode = 1;
  },
);
