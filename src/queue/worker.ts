import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type RedisConnection, workerClient } from './connection.js';
import { isTransientError } from './errors.js';
import { DEFAULT_PREFIX, DEFAULT_QUEUE_NAME, dedupIdOf, repliesKey } from './keys.js';
import { DEFAULT_TIMINGS, type WorkerTimings } from './options.js';
import { drainReplies } from './replies.js';
import type { DiagnoseJob, FinishedJob, JobOutcome, ReplyTarget } from './types.js';

export interface ProcessContext {
  jobId: string;
  /** 1 on the first run; counts every start, so a run after a crashed worker counts too. */
  attempt: number;
  /** Aborted when shutdown hands the job back to the queue: stop, the result will be ignored. */
  signal: AbortSignal;
}

export interface DiagnosisWorkerOptions<R> {
  connection: RedisConnection;
  prefix?: string;
  queueName?: string;
  concurrency?: number;
  /**
   * Runs one diagnosis. A report of any verdict is a success. Throw TransientError (or let a
   * socket error through) when another attempt may succeed; anything else fails the job at once.
   */
  process: (data: DiagnoseJob, ctx: ProcessContext) => Promise<R>;
  /** Answers every asker of a finished job, once, on the worker that finished it. */
  onDone: (outcome: JobOutcome<R>, replies: ReplyTarget[], job: FinishedJob) => Promise<void>;
  isTransient?: (err: unknown) => boolean;
  onError?: (err: Error) => void;
  timings?: Partial<WorkerTimings>;
}

export interface DiagnosisWorker {
  readonly worker: Worker<DiagnoseJob>;
  /**
   * For SIGTERM: stop taking jobs, let running ones finish for `graceMs`, then hand the rest back
   * to the queue (another worker starts them at once), abort them and close. `abortGraceMs` bounds
   * the wait for aborted processors; connections are dropped after it either way.
   */
  close(opts?: { graceMs?: number; abortGraceMs?: number }): Promise<void>;
}

const toError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      p.then(
        () => true as const,
        () => true as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function startDiagnosisWorker<R>(options: DiagnosisWorkerOptions<R>): DiagnosisWorker {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
  const timings = { ...DEFAULT_TIMINGS, ...options.timings };
  const isTransient = options.isTransient ?? isTransientError;
  const onError = options.onError ?? (() => {});
  const redis: Redis = workerClient(options.connection);
  redis.on('error', onError);

  const running = new Map<string, { job: Job<DiagnoseJob>; token: string }>();
  const answering = new Set<Promise<void>>();

  const worker = new Worker<DiagnoseJob, R>(
    queueName,
    async (job, token, signal) => {
      const jobId = job.id!;
      if (token) running.set(jobId, { job, token });
      try {
        return await options.process(job.data, {
          jobId,
          attempt: job.attemptsStarted,
          signal: signal ?? new AbortController().signal,
        });
      } catch (err) {
        if (isTransient(err)) throw err;
        // Not worth another attempt (a bug, a bad inventory): fail now, tell the askers why.
        const e = toError(err);
        throw Object.assign(new UnrecoverableError(e.message), { cause: e });
      } finally {
        running.delete(jobId);
      }
    },
    {
      connection: redis,
      prefix,
      concurrency: options.concurrency ?? 4,
      lockDuration: timings.lockDurationMs,
      stalledInterval: timings.stalledIntervalMs,
      maxStalledCount: timings.maxStalledCount,
    },
  );
  worker.on('error', onError);

  // Runs only once the job has left its dedup key (BullMQ emits after moveToFinished), which is
  // what makes draining here race-free: see src/queue/README.md.
  function answer(job: Job<DiagnoseJob>, outcome: JobOutcome<R>): void {
    const done = (async () => {
      const replies = await drainReplies(
        redis,
        repliesKey(prefix, queueName, dedupIdOf(job.data.target, job.data.windowSec)),
      );
      await options.onDone(outcome, replies, { id: job.id!, data: job.data, attemptsMade: job.attemptsMade });
    })()
      .catch((e) => onError(toError(e)))
      .finally(() => answering.delete(done));
    answering.add(done);
  }

  worker.on('completed', (job, result) => answer(job, { ok: true, result }));
  worker.on('failed', (job, err) => {
    // A failed attempt that will be retried keeps its askers for the retry's outcome.
    if (job && job.finishedOn !== undefined) answer(job, { ok: false, error: err });
  });

  // Defaults fit compose's stop_grace_period of 60 s with room to spare.
  async function close({ graceMs = 40_000, abortGraceMs = 5_000 } = {}): Promise<void> {
    const closing = worker.close();
    if (!(await settlesWithin(closing, graceMs))) {
      // Moving a job back to wait releases its lock, so the late result of the aborted run
      // cannot complete it: BullMQ refuses to finish a job whose lock it no longer holds.
      await Promise.allSettled([...running.values()].map(({ job, token }) => job.moveToWait(token)));
      worker.cancelAllJobs('worker shutting down: job handed back to the queue');
      // A processor deaf to its signal would hold close() for ever and the process with it.
      if (!(await settlesWithin(closing, abortGraceMs))) await worker.disconnect().catch(onError);
    }
    await settlesWithin(Promise.allSettled([...answering]), 10_000);
    redis.disconnect();
  }

  return { worker, close };
}
