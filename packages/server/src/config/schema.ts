import { LOG_LEVELS } from '../log.js';

/**
 * Every setting, once: its type, default, environment variable, command-line flag and meaning.
 * `--help` and docs/config.md are generated from this table (a test keeps the doc in step).
 */
export interface Setting {
  readonly key: string;
  readonly type: 'string' | 'integer' | 'boolean' | 'enum';
  readonly default: string | number | boolean | undefined;
  readonly env?: string;
  readonly flag?: string;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly secret?: boolean;
  readonly description: string;
}

export const SETTINGS = [
  {
    key: 'host',
    type: 'string',
    default: '127.0.0.1',
    env: 'OPENCMQ_HOST',
    flag: '--host',
    description: 'Address the HTTP server listens on.',
  },
  {
    key: 'port',
    type: 'integer',
    default: 9720,
    min: 0,
    max: 65535,
    env: 'OPENCMQ_PORT',
    flag: '--port',
    description: 'TCP port of the CMQ v2 HTTP API (0 picks a free port).',
  },
  {
    key: 'engine',
    type: 'enum',
    values: ['sqlite', 'memory'],
    default: 'sqlite',
    env: 'OPENCMQ_ENGINE',
    flag: '--engine',
    description: 'Storage engine: sqlite (durable, embedded) or memory (nothing survives a restart).',
  },
  {
    key: 'ephemeral',
    type: 'boolean',
    default: false,
    env: 'OPENCMQ_EPHEMERAL',
    flag: '--ephemeral',
    description: 'Shorthand for --engine memory; conflicts with --engine sqlite.',
  },
  {
    key: 'dataDir',
    type: 'string',
    default: './data',
    env: 'OPENCMQ_DATA_DIR',
    flag: '--data-dir',
    description: 'Directory of the embedded database and the generated credential.',
  },
  {
    key: 'secretId',
    type: 'string',
    default: undefined,
    env: 'OPENCMQ_SECRET_ID',
    description:
      'Root credential id. With secretKey; when neither is set the first start generates one in the data dir.',
  },
  {
    key: 'secretKey',
    type: 'string',
    default: undefined,
    env: 'OPENCMQ_SECRET_KEY',
    secret: true,
    description: 'Root credential key (HMAC secret).',
  },
  {
    key: 'auth',
    type: 'boolean',
    default: true,
    env: 'OPENCMQ_AUTH',
    flag: '--no-auth',
    description:
      'Verify request signatures. --no-auth accepts unsigned requests: for local development only.',
  },
  {
    key: 'timestampWindowSeconds',
    type: 'integer',
    default: 300,
    min: 0,
    max: 86_400,
    env: 'OPENCMQ_TIMESTAMP_WINDOW_SECONDS',
    description:
      'Largest accepted difference between a request Timestamp and the server clock; 0 turns the check off.',
  },
  {
    key: 'replayProtection',
    type: 'boolean',
    default: false,
    env: 'OPENCMQ_REPLAY_PROTECTION',
    description:
      'Refuse a signed request seen before within the timestamp window (same signature). Off by default: cmq-sdk draws Nonce from 0..9999, so its identical requests in one second collide (docs/decisions/0005).',
  },
  {
    key: 'replayCacheMaxEntries',
    type: 'integer',
    default: 1_000_000,
    min: 1000,
    max: 100_000_000,
    env: 'OPENCMQ_REPLAY_CACHE_MAX_ENTRIES',
    description:
      'Signatures remembered for replay protection; past it the oldest seconds are forgotten first.',
  },
  {
    key: 'maxRequestBytes',
    type: 'integer',
    default: 3_211_264,
    min: 65_536,
    max: 67_108_864,
    env: 'OPENCMQ_MAX_REQUEST_BYTES',
    description:
      'Largest request body; bigger ones are refused before they are read (4000/10420). The default fits a 1 MiB message percent-encoded.',
  },
  {
    key: 'maxParams',
    type: 'integer',
    default: 256,
    min: 32,
    max: 4096,
    env: 'OPENCMQ_MAX_PARAMS',
    description: 'Most parameters one request may carry.',
  },
  {
    key: 'keepAliveTimeoutMs',
    type: 'integer',
    default: 600_000,
    min: 1000,
    max: 3_600_000,
    env: 'OPENCMQ_KEEP_ALIVE_TIMEOUT_MS',
    description:
      'How long an idle keep-alive connection stays open. Longer than client pools keep theirs (Go 90 s, OkHttp 5 min), so the client closes first: the official Python SDK reuses its connection however long it was idle and fails the first request after the server closed it.',
  },
  {
    key: 'maxQueues',
    type: 'integer',
    default: 10_000,
    min: 1,
    max: 10_000_000,
    env: 'OPENCMQ_MAX_QUEUES',
    description: 'Most queues the server holds (4450/10220 past it).',
  },
  {
    key: 'longPollBackstopMs',
    type: 'integer',
    default: 1000,
    min: 10,
    max: 30_000,
    env: 'OPENCMQ_LONG_POLL_BACKSTOP_MS',
    description:
      'How often a queue with long-polling receivers is looked at without a wake-up signal (its oldest waiting receiver looks); also the longest a push worker sleeps with nothing due.',
  },
  {
    key: 'maintenanceIntervalMs',
    type: 'integer',
    default: 1000,
    min: 10,
    max: 3_600_000,
    env: 'OPENCMQ_MAINTENANCE_INTERVAL_MS',
    description: 'How often expired messages are removed in the background.',
  },
  {
    key: 'sqlTimingFile',
    type: 'string',
    default: undefined,
    env: 'OPENCMQ_SQL_TIMING_FILE',
    description:
      'Profiling: time every SQL statement (sqlite engine) and write a table of them to this file at shutdown.',
  },
  {
    key: 'shutdownTimeoutMs',
    type: 'integer',
    default: 10_000,
    min: 0,
    max: 600_000,
    env: 'OPENCMQ_SHUTDOWN_TIMEOUT_MS',
    description: 'On SIGTERM or SIGINT, how long in-flight requests may take before connections are closed.',
  },
  {
    key: 'maxTopics',
    type: 'integer',
    default: 10_000,
    min: 1,
    max: 10_000_000,
    env: 'OPENCMQ_MAX_TOPICS',
    description: 'Most topics the server holds (4450/10610 past it).',
  },
  {
    key: 'maxSubscriptionsPerTopic',
    type: 'integer',
    default: 1000,
    min: 1,
    max: 100_000,
    env: 'OPENCMQ_MAX_SUBSCRIPTIONS_PER_TOPIC',
    description: 'Most subscriptions one topic holds (4500/10480 past it).',
  },
  {
    key: 'allowPrivatePushTargets',
    type: 'boolean',
    default: true,
    env: 'OPENCMQ_ALLOW_PRIVATE_PUSH_TARGETS',
    description:
      'Allow HTTP subscriptions to endpoints in private, loopback or link-local ranges. On by default: a self-hosted server usually pushes to services on its own network. Turn it off when untrusted users can subscribe (it stops the server being used to reach internal hosts).',
  },
  {
    key: 'pushTimeoutMs',
    type: 'integer',
    default: 15_000,
    min: 100,
    max: 120_000,
    env: 'OPENCMQ_PUSH_TIMEOUT_MS',
    description:
      'How long one HTTP push may take before it counts as failed (CMQ: about 15 s). A delivery being pushed is leased for this plus 5 s.',
  },
  {
    key: 'traceRetentionSeconds',
    type: 'integer',
    default: 259_200,
    min: 60,
    max: 31_536_000,
    env: 'OPENCMQ_TRACE_RETENTION_SECONDS',
    description: 'How long message trace events are kept (queues with trace on).',
  },
  {
    key: 'traceMaxEvents',
    type: 'integer',
    default: 1_000_000,
    min: 1000,
    max: 1_000_000_000,
    env: 'OPENCMQ_TRACE_MAX_EVENTS',
    description: 'Most message trace events kept; past it the oldest go first.',
  },
  {
    key: 'logLevel',
    type: 'enum',
    values: LOG_LEVELS,
    default: 'info',
    env: 'OPENCMQ_LOG_LEVEL',
    flag: '--log-level',
    description: 'Least severe log level written to stderr.',
  },
] as const satisfies readonly Setting[];

type SettingType<S> = S extends { type: 'integer' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'enum'; values: readonly (infer V)[] }
      ? V
      : string;

type Entry = (typeof SETTINGS)[number];

export type Config = {
  readonly [S in Entry as S['key']]: S['default'] extends undefined
    ? SettingType<S> | undefined
    : SettingType<S>;
};
