/** The alert webhooks fpm-medic serves: POST /alerts/<source>. */
export const ALERT_SOURCES = ['alertmanager', 'grafana', 'generic'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export type AlertStatus = 'firing' | 'resolved';

/**
 * One alert as every webhook format is reduced to: what the storm logic, host mapping and
 * routing need, nothing more. Values are as received (redacted only when shown).
 */
export interface NormalizedAlert {
  source: AlertSource;
  status: AlertStatus;
  /** The alert's identity: the sender's fingerprint, or a hash of its sorted labels. */
  fingerprint: string;
  /** labels.alertname, or the generic form's title; "alert" when neither says. */
  alertname: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /** An inventory host name or address the sender named outright (the generic form's `host`). */
  host?: string;
  /** Epoch milliseconds; undefined when the sender gave none (or Go's zero time). */
  startsAt?: number;
  endsAt?: number;
  generatorURL?: string;
}

/** What a message needs of an alert: kept on the incident in Redis, so it stays small. */
export interface AlertSummary {
  alertname: string;
  source: AlertSource;
  /** annotations.summary, else .description, else .message; cut to a line. */
  summary?: string;
  severity?: string;
  generatorURL?: string;
}

/** A change told in an alert's thread: kept with the thread's state in Redis until it is posted. */
export type AlertThreadEvent =
  | { kind: 'resolved'; host: string; alertname: string }
  | { kind: 'refiring'; host: string; alertname: string }
  | { kind: 'host-resolved'; host: string; alerts: number }
  | { kind: 'all-resolved'; label: string; alerts: number; minutes: number };
