/**
 * The remediate queue: approved requests, one job each, with the request id as the job id so that
 * queueing the same approval twice makes one job. Jobs are never retried on error (an action is
 * not something to try again blindly); a job whose worker died is picked up again only to be
 * marked interrupted (executeRequest).
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { producerClient, type RedisConnection, workerClient } from '../queue/connection.js';
import { DEFAULT_PREFIX } from '../queue/keys.js';
import { DEFAULT_TIMINGS, type WorkerTimings } from '../queue/options.js';

export const REMEDIATE_QUEUE = 'remediate';

interface RemediateJob {
  requestId: string;
}

export interface RemediationQueue {
  enqueue(requestId: string): Promise<void>;
  close(): Promise<void>;
  readonly queue: Queue<RemediateJob>;
}

export function createRemediationQueue(options: {
  connection: RedisConnection;
  prefix?: string;
  onError?: (err: Error) => void;
}): RemediationQueue {
  const redis: Redis = producerClient(options.connection, 2_000);
  const onError = options.onError ?? (() => {});
  redis.on('error', onError);
  const queue = new Queue<RemediateJob>(REMEDIATE_QUEUE, {
    connection: redis,
    prefix: options.prefix ?? DEFAULT_PREFIX,
    defaultJobOptions: {
      attempts: 1,
      removeOnComplete: { count: 1_000, age: 7 * 24 * 3_600 },
      removeOnFail: { count: 1_000, age: 7 * 24 * 3_600 },
    },
  });
  queue.on('error', onError);
  return {
    queue,
    async enqueue(requestId) {
      await queue.add('remediate', { requestId }, { jobId: requestId });
    },
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}

export interface RemediationWorker {
  close(): Promise<void>;
}

export function startRemediationWorker(options: {
  connection: RedisConnection;
  prefix?: string;
  concurrency?: number;
  process: (requestId: string, signal: AbortSignal) => Promise<unknown>;
  /** A job that ended without its processor finishing (stalled too often): settle its request. */
  onAbandoned: (requestId: string) => Promise<unknown>;
  onError?: (err: Error) => void;
  timings?: Partial<WorkerTimings>;
}): RemediationWorker {
  const onError = options.onError ?? (() => {});
  const timings = { ...DEFAULT_TIMINGS, ...options.timings };
  const redis = workerClient(options.connection);
  redis.on('error', onError);
  const worker = new Worker<RemediateJob>(
    REMEDIATE_QUEUE,
    async (job, _token, signal) => {
      await options.process(job.data.requestId, signal ?? new AbortController().signal);
    },
    {
      connection: redis,
      prefix: options.prefix ?? DEFAULT_PREFIX,
      concurrency: options.concurrency ?? 4,
      lockDuration: timings.lockDurationMs,
      stalledInterval: timings.stalledIntervalMs,
      // One more run after a crash, only to find the request "running" and mark it interrupted.
      maxStalledCount: Math.max(1, timings.maxStalledCount),
    },
  );
  worker.on('error', onError);
  worker.on('failed', (job) => {
    if (job) options.onAbandoned(job.data.requestId).catch((e) => onError(e as Error));
  });
  return {
    async close() {
      // Running actions finish: handing one back mid-reload would only get it marked interrupted.
      await worker.close();
      redis.disconnect();
    },
  };
}
