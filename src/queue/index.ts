export type { RedisConnection } from './connection.js';
export {
  InvalidDiagnosisRequestError,
  isTransientError,
  QueueUnavailableError,
  TransientError,
} from './errors.js';
export { DEFAULT_PREFIX, DEFAULT_QUEUE_NAME } from './keys.js';
export { DEFAULT_JOB_OPTIONS, DEFAULT_TIMINGS, type WorkerTimings } from './options.js';
export {
  type CreateQueuesOptions,
  createQueues,
  type DiagnosisQueues,
  type QueueConfig,
} from './producer.js';
export type {
  DiagnoseJob,
  DiagnosisRequest,
  Enqueued,
  FinishedJob,
  JobOutcome,
  ReplyTarget,
  Requester,
} from './types.js';
export {
  type DiagnosisWorker,
  type DiagnosisWorkerOptions,
  type ProcessContext,
  startDiagnosisWorker,
} from './worker.js';
