/** The audit log's record (DESIGN.md rule 5): one JSON object per line of the file. */
/** `view`: someone was shown what a host said (its raw probe output: configs, logs, processes). */
export type AuditKind = 'command' | 'diagnosis' | 'approval' | 'refusal' | 'action' | 'view';

/**
 * `started` is written (and fsynced) before the thing runs; `completed` or `failed` after it, with
 * the same id. A `refused` record stands alone: nothing ran.
 */
export type AuditPhase = 'started' | 'completed' | 'failed' | 'refused';

export type AuditSource = 'slack' | 'cli' | 'alert';

export interface AuditWho {
  userId?: string;
  channelId?: string;
  /** The Slack workspace (or Enterprise Grid org) of the user: a Slack Connect guest's is not ours. */
  teamId?: string;
  /** Its Enterprise Grid org, where Slack says. */
  enterpriseId?: string;
  source: AuditSource;
}

export interface AuditRecord {
  id: string;
  /** ISO 8601, UTC. */
  time: string;
  kind: AuditKind;
  phase: AuditPhase;
  who: AuditWho;
  /** What was asked or done: "/fpm diagnose web-1", "diagnose web", an action id. */
  what: string;
  /** The one inventory host concerned, when there is one. */
  host?: string;
  /** The host or group named by the command. */
  target?: string;
  /** queued, joined, refused, critical, the error's message... */
  outcome?: string;
  detail?: Record<string, unknown>;
}

/** What a caller says about something about to run; the log adds id, time and phase. */
export type AuditEntryInput = Pick<AuditRecord, 'kind' | 'who' | 'what' | 'host' | 'target' | 'detail'>;
