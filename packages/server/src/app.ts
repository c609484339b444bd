import { LIMITS } from '@opencmq/protocol';
import { resolveRootCredential, type ResolvedCredential } from './auth/credentials.js';
import { SignatureVerifier } from './auth/verify-signature.js';
import type { Config } from './config/schema.js';
import { systemClock, type Clock } from './domain/clock.js';
import { AdminApi } from './http/admin/admin-api.js';
import { CmqHttpServer } from './http/cmq-server.js';
import { CmqDispatcher } from './http/cmq/dispatch.js';
import { createLogger, type Logger } from './log.js';
import { Maintenance } from './service/maintenance.js';
import { QueueService } from './service/queue-service.js';
import { createMemoryStore } from './store/memory/memory-store.js';
import { openSqliteStore } from './store/sqlite/open-sqlite-store.js';
import type { Store } from './store/store.js';
import type { TopicStore } from './store/topic-store.js';
import { createGuardedLookup, resolveAllowedTarget } from './delivery/endpoint-policy.js';
import { PushDispatcher } from './delivery/push-dispatcher.js';
import { DomainError } from './domain/errors.js';
import { TopicService } from './service/topic-service.js';
import { OWNER_UIN } from './domain/topic-defaults.js';

export interface App {
  readonly queues: QueueService;
  readonly topics: TopicService;
  readonly dispatcher: PushDispatcher;
  /** The root credential; undefined when signature verification is off (--no-auth). */
  readonly credential: ResolvedCredential | undefined;
  /** Starts listening; resolves with the bound address. */
  start(): Promise<{ host: string; port: number }>;
  /** Graceful: stops accepting, answers long polls, lets requests finish, closes the store. */
  close(): Promise<void>;
}

export interface AppDependencies {
  readonly clock?: Clock;
  readonly log?: Logger;
}

/** The composition root: the only module that knows the concrete engines. */
export function createApp(config: Config, dependencies: AppDependencies = {}): App {
  const clock = dependencies.clock ?? systemClock;
  const log = dependencies.log ?? createLogger(config.logLevel);
  const store: Store & TopicStore =
    config.engine === 'memory'
      ? createMemoryStore()
      : openSqliteStore({ dataDir: config.dataDir, statementTimingFile: config.sqlTimingFile });
  const credential = !config.auth
    ? undefined
    : resolveRootCredential({
        configured:
          config.secretId !== undefined && config.secretKey !== undefined
            ? { secretId: config.secretId, secretKey: config.secretKey }
            : undefined,
        dataDir: config.engine === 'memory' ? undefined : config.dataDir,
      });
  const queues = new QueueService(store, clock, {
    maxQueues: config.maxQueues,
    batchTotalBytes: LIMITS.batchTotalBytes,
    longPollBackstopMs: config.longPollBackstopMs,
  });
  const verifier = config.auth
    ? new SignatureVerifier({
        credentials: credential === undefined ? [] : [credential.credential],
        timestampWindowSeconds: config.timestampWindowSeconds,
        replayProtection: config.replayProtection,
        replayCacheMaxEntries: config.replayCacheMaxEntries,
      })
    : undefined;
  const admin = new AdminApi(queues, credential?.credential, log);
  const targetPolicy = { allowPrivateTargets: config.allowPrivatePushTargets };
  const topics = new TopicService(
    store,
    clock,
    {
      maxTopics: config.maxTopics,
      maxSubscriptionsPerTopic: config.maxSubscriptionsPerTopic,
      batchTotalBytes: LIMITS.batchTotalBytes,
    },
    async (url) => {
      if (config.allowPrivatePushTargets) return;
      const check = await resolveAllowedTarget(url, targetPolicy);
      if (!check.ok) {
        throw new DomainError('ENDPOINT_NOT_ALLOWED', {
          detail:
            check.reason === 'private-address'
              ? `${url.hostname} resolves to the private address ${check.address}`
              : `${url.hostname} does not resolve`,
        });
      }
    },
  );
  const dispatcher = new PushDispatcher(store, clock, log, {
    pushTimeoutMs: config.pushTimeoutMs,
    backstopMs: config.longPollBackstopMs,
    topicOwner: String(OWNER_UIN),
    lookup: config.allowPrivatePushTargets ? undefined : createGuardedLookup(targetPolicy),
    allowPrivateTargets: config.allowPrivatePushTargets,
    random: Math.random,
    refreshMs: 5000,
  });
  topics.onSubscriptionsChanged(() => void dispatcher.refresh());
  const http = new CmqHttpServer(new CmqDispatcher({ queues, topics }, verifier, log), admin, clock, log, {
    maxRequestBytes: config.maxRequestBytes,
    maxParams: config.maxParams,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
  });
  const maintenance = new Maintenance(store, clock, log, {
    intervalMs: config.maintenanceIntervalMs,
    chunk: 10_000,
    traceRetentionMs: config.traceRetentionSeconds * 1000,
    traceMaxEvents: config.traceMaxEvents,
  });
  let closing: Promise<void> | undefined;

  return {
    queues,
    topics,
    dispatcher,
    credential,
    async start() {
      await dispatcher.start();
      const address = await http.listen(config.port, config.host);
      return { host: address.address, port: address.port };
    },
    close() {
      closing ??= (async () => {
        queues.stopWaiting();
        await http.close(config.shutdownTimeoutMs);
        await dispatcher.close();
        await maintenance.close();
        await store.close();
      })();
      return closing;
    },
  };
}
