import type { DefaultJobOptions } from 'bullmq';

/**
 * One retry, a few seconds later: enough to ride out a worker's dropped connection without
 * making the asker wait minutes. Only TransientError-like failures are retried (see worker.ts).
 */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 2,
  backoff: { type: 'exponential', delay: 5_000 },
  // Finished jobs are trimmed by count and age; the reports themselves live in the report store.
  removeOnComplete: { count: 1_000, age: 3_600 },
  removeOnFail: { count: 1_000, age: 7 * 24 * 3_600 },
  stackTraceLimit: 5,
} satisfies DefaultJobOptions;

export interface WorkerTimings {
  /**
   * How long a lock outlives its worker. Locks are renewed every half of it while the job runs, so
   * it bounds recovery time after a crash, not the length of a diagnosis.
   */
  lockDurationMs: number;
  /** How often each worker looks for jobs whose worker vanished. */
  stalledIntervalMs: number;
  /** A job whose worker dies this many times is failed rather than run again. */
  maxStalledCount: number;
}

// A worker killed mid-job hands its job to another within lockDuration + 2 × stalledInterval
// (one check marks a job suspect, the next moves it) ≈ 60 s.
export const DEFAULT_TIMINGS: WorkerTimings = {
  lockDurationMs: 30_000,
  stalledIntervalMs: 15_000,
  maxStalledCount: 2,
};
