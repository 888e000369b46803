/** Who asked, as Slack names them: kept on the job for audit and the report header. */
export interface Requester {
  userId: string;
  channelId: string;
}

/** What a worker needs to run one diagnosis; small JSON, stored on the BullMQ job. */
export interface DiagnoseJob {
  /** An inventory host or group name, already resolved by the caller. */
  target: string;
  windowSec: number;
  requestedBy: Requester;
  /** Epoch milliseconds of the first ask. */
  requestedAt: number;
}

/** Where one asker wants the answer: the completion handler answers every asker of a job. */
export interface ReplyTarget {
  channelId: string;
  userId: string;
  /** The "diagnosis started" message to replace with the report. */
  messageTs?: string;
  /** A slash command's response_url, when replying that way. */
  responseUrl?: string;
  /** What this asker wants shown: the full report, or `/fpm status`'s pool summary. */
  view?: 'report' | 'status';
}

export interface DiagnosisRequest {
  target: string;
  windowSec: number;
  requestedBy: Requester;
  reply: ReplyTarget;
  requestedAt?: number;
}

export interface Enqueued {
  jobId: string;
  /** True when an identical diagnosis was already waiting or running: this asker joined it. */
  deduplicated: boolean;
}

/** The final outcome of a job, after retries: a report (any verdict) or the error that ended it. */
export type JobOutcome<R> = { ok: true; result: R } | { ok: false; error: Error };

export interface FinishedJob {
  id: string;
  data: DiagnoseJob;
  attemptsMade: number;
}
