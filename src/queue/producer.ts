import { type DefaultJobOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { NAME_RE } from '../config/values.js';
import { producerClient, type RedisConnection } from './connection.js';
import { InvalidDiagnosisRequestError, QueueUnavailableError } from './errors.js';
import {
  DEFAULT_PREFIX,
  DEFAULT_QUEUE_NAME,
  dedupIdOf,
  JOB_NAME,
  multiHostNames,
  newJobId,
  repliesKey,
} from './keys.js';
import { DEFAULT_JOB_OPTIONS } from './options.js';
import { pushReply, withdrawReply } from './replies.js';
import type { DiagnoseJob, DiagnosisRequest, Enqueued } from './types.js';

export interface QueueConfig {
  connection: RedisConnection;
  prefix?: string;
  queueName?: string;
}

export interface CreateQueuesOptions extends QueueConfig {
  /** Overrides of attempts, backoff and trimming (tests shorten the backoff). */
  jobOptions?: DefaultJobOptions;
  /** No single Redis command of the command path may take longer. */
  commandTimeoutMs?: number;
  onError?: (err: Error) => void;
}

export interface DiagnosisQueues {
  enqueueDiagnosis(request: DiagnosisRequest): Promise<Enqueued>;
  /** For health checks: whether a command would be accepted right now. */
  readonly available: boolean;
  /**
   * Resolves once connected (and BullMQ's scripts are loaded). Commands before that are refused,
   * not queued, so start-up and tests wait here; a service may also start without it.
   */
  ready(): Promise<void>;
  /** The BullMQ queue, for admin and tests (counts, pause, obliterate). */
  readonly queue: Queue<DiagnoseJob>;
  close(): Promise<void>;
}

const MAX_WINDOW_SEC = 7 * 24 * 3600;
/** A multi-host target (an alert storm on part of a group) names at most this many hosts. */
const MAX_MULTI_HOSTS = 100;

function validate(request: DiagnosisRequest): void {
  const names = multiHostNames(request.target) ?? [request.target];
  if (names.length > MAX_MULTI_HOSTS || !names.every((n) => NAME_RE.test(n))) {
    throw new InvalidDiagnosisRequestError(`not an inventory name: ${JSON.stringify(request.target)}`);
  }
  const w = request.windowSec;
  if (!Number.isInteger(w) || w < 1 || w > MAX_WINDOW_SEC) {
    throw new InvalidDiagnosisRequestError(`window must be 1..${MAX_WINDOW_SEC} whole seconds, got ${w}`);
  }
}

export function createQueues(options: CreateQueuesOptions): DiagnosisQueues {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
  const onError = options.onError ?? (() => {});
  const redis: Redis = producerClient(options.connection, options.commandTimeoutMs ?? 2_000);
  // Without listeners an outage would print "Unhandled error event" for every reconnect attempt.
  redis.on('error', onError);
  // BullMQ's connection set-up runs once: if Redis drops between "ready" and its first commands,
  // that Queue stays broken for good. Open a new one on the next command (lazily: a Redis that
  // keeps refusing must not turn this into a busy loop).
  let broken = false;
  const open = () => {
    const q = new Queue<DiagnoseJob>(queueName, {
      connection: redis,
      prefix,
      defaultJobOptions: { ...DEFAULT_JOB_OPTIONS, ...options.jobOptions },
      streams: { events: { maxLen: 1_000 } },
    });
    q.on('error', onError);
    q.waitUntilReady().catch(() => {
      if (queue === q) broken = true;
    });
    return q;
  };
  let queue = open();

  async function enqueueDiagnosis(request: DiagnosisRequest): Promise<Enqueued> {
    validate(request);
    // Refuse at once rather than wait for a reconnect: the Slack handler has 3 s in all.
    if (redis.status !== 'ready') {
      throw new QueueUnavailableError(
        `the job queue is unavailable (Redis ${redis.status}); try again shortly`,
      );
    }
    if (broken) {
      broken = false;
      const old = queue;
      queue = open();
      void old.close().catch(onError);
    }
    const dedupId = dedupIdOf(request.target, request.windowSec);
    const requestedAt = request.requestedAt ?? Date.now();
    const jobId = newJobId(dedupId, requestedAt);
    const data: DiagnoseJob = {
      target: request.target,
      windowSec: request.windowSec,
      requestedBy: request.requestedBy,
      requestedAt,
      ...(request.source ? { source: request.source } : {}),
      ...(request.alert ? { alert: request.alert } : {}),
    };
    const key = repliesKey(prefix, queueName, dedupId);
    let pushed = false;
    try {
      // Order matters (src/queue/README.md): the reply target is pushed before the add, and
      // a job drains its askers only after it has left the dedup key, so every asker is answered.
      await pushReply(redis, key, request.reply);
      pushed = true;
      const job = await queue.add(JOB_NAME, data, { jobId, deduplication: { id: dedupId } });
      if (job.id === undefined) throw new Error('BullMQ returned no job id');
      return { jobId: job.id, deduplicated: job.id !== jobId };
    } catch (err) {
      if (pushed) await withdrawReply(redis, key, request.reply);
      // Everything past validation is Redis: down, timed out, OOM or read-only are all "not now".
      throw new QueueUnavailableError(
        `the job queue is unavailable (${err instanceof Error ? err.message : String(err)}); try again shortly`,
        { cause: err },
      );
    }
  }

  return {
    enqueueDiagnosis,
    get available() {
      return redis.status === 'ready';
    },
    ready: () => queue.waitUntilReady(),
    get queue() {
      return queue;
    },
    async close() {
      await queue.close().catch(onError);
      redis.disconnect();
    },
  };
}
