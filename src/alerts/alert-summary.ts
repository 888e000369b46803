import type { AlertSummary, NormalizedAlert } from './types.js';

const SUMMARY_MAX = 500;

/** What the alert message shows of an alert; stored with its incident. */
export function alertSummary(alert: NormalizedAlert): AlertSummary {
  const a = alert.annotations;
  const text = a['summary'] ?? a['description'] ?? a['message'] ?? a['title'];
  const severity = alert.labels['severity'] ?? alert.labels['priority'];
  return {
    alertname: alert.alertname,
    source: alert.source,
    ...(text ? { summary: text.slice(0, SUMMARY_MAX) } : {}),
    ...(severity ? { severity: severity.slice(0, 64) } : {}),
    ...(alert.generatorURL ? { generatorURL: alert.generatorURL.slice(0, 1000) } : {}),
  };
}
