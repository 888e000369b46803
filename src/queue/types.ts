/** Who asked, as Slack names them: kept on the job for audit and the report header. */
export interface Requester {
  userId: string;
  channelId: string;
}

/** Who started a diagnosis: a person in Slack (the default) or a monitoring alert. */
export type DiagnosisSource = 'slack' | 'alert';

/**
 * What an alert-triggered diagnosis is about (src/alerts): the incident thread it answers in and
 * the alerts it covers. Kept small: it travels on the BullMQ job.
 */
export interface AlertContext {
  /** The alert thread (src/alerts/alert-state.ts): one per incident of a host or group of hosts. */
  threadId: string;
  channelId: string;
  /** The alert message the report is posted under. */
  threadTs: string;
  /** How the target reads in messages: "web-1", or "web (lab-1, lab-2)" for part of a group. */
  label: string;
  /** Alert notifications counted when the diagnosis was queued, and their alert names. */
  alerts: number;
  alertnames: string[];
}

/** What a worker needs to run one diagnosis; small JSON, stored on the BullMQ job. */
export interface DiagnoseJob {
  /**
   * An inventory host or group name, already resolved by the caller; or, for an alert about part
   * of a group, several inventory host names joined by "+" ("lab-1+lab-2": keys.ts multiHostTarget).
   */
  target: string;
  windowSec: number;
  requestedBy: Requester;
  /** Epoch milliseconds of the first ask. */
  requestedAt: number;
  /** Absent means 'slack' (jobs queued before alerts existed). */
  source?: DiagnosisSource;
  /** Set when source is 'alert'. */
  alert?: AlertContext;
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
  /** Post the answer as a reply in this thread (an alert message) instead of a new message. */
  threadTs?: string;
  /** Set for an alert thread: the worker calls DiagnosisJobDeps.onAlertReport after posting. */
  alert?: { threadId: string };
}

export interface DiagnosisRequest {
  target: string;
  windowSec: number;
  requestedBy: Requester;
  reply: ReplyTarget;
  requestedAt?: number;
  source?: DiagnosisSource;
  alert?: AlertContext;
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
