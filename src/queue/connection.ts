import { Redis, type RedisOptions } from 'ioredis';

/** A redis:// URL (REDIS_URL) or ioredis options. */
export type RedisConnection = string | RedisOptions;

function create(connection: RedisConnection, overrides: RedisOptions): Redis {
  return typeof connection === 'string'
    ? new Redis(connection, overrides)
    : new Redis({ ...connection, ...overrides });
}

/**
 * The command path's connection fails fast instead of queueing commands while Redis is away:
 * a Slack command must be answered in 3 s, and "try again" beats a silent 30 s hang.
 */
export function producerClient(connection: RedisConnection, commandTimeoutMs: number): Redis {
  return create(connection, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2_000,
    // Keep reconnecting for ever, soon: commands are refused meanwhile, never queued.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
}

/**
 * Workers wait out an outage instead: their commands queue until Redis is back (BullMQ requires
 * maxRetriesPerRequest null on its blocking connections).
 */
export function workerClient(connection: RedisConnection): Redis {
  return create(connection, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
}
