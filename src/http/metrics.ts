import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { HostReport } from '../report/host-report.js';

/** Prometheus metrics served at /metrics: jobs, durations, probe failures, findings by runbook. */
export class Metrics {
  readonly registry = new Registry();
  readonly commands = new Counter({
    name: 'fpm_medic_commands_total',
    help: 'Slash commands and alerts received, by command and outcome',
    labelNames: ['command', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly jobs = new Counter({
    name: 'fpm_medic_jobs_total',
    help: 'Jobs finished, by kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly diagnosisSeconds = new Histogram({
    name: 'fpm_medic_diagnosis_duration_seconds',
    help: 'Wall time of one host diagnosis',
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly probeFailures = new Counter({
    name: 'fpm_medic_probe_failures_total',
    help: 'Probes that could not read something, by probe and reason',
    labelNames: ['probe', 'reason'] as const,
    registers: [this.registry],
  });
  readonly findings = new Counter({
    name: 'fpm_medic_findings_total',
    help: 'Findings reported, by runbook, severity and whether root cause',
    labelNames: ['runbook', 'severity', 'root_cause'] as const,
    registers: [this.registry],
  });

  /** Slack Web API calls that failed for good (after the retries of src/slack/channel-client.ts). */
  readonly slackFailures = new Counter({
    name: 'fpm_medic_slack_failures_total',
    help: 'Slack Web API calls given up on, by method and error (rate limits are waited out, not counted)',
    labelNames: ['method', 'error'] as const,
    registers: [this.registry],
  });

  /** Approved actions (src/remediation) as they end: done, unverified, failed, refused, interrupted... */
  readonly actions = new Counter({
    name: 'fpm_medic_actions_total',
    help: 'Approved actions a worker ended, by action and final state (done, unverified, failed, refused, interrupted)',
    labelNames: ['action', 'state'] as const,
    registers: [this.registry],
  });

  // Alert webhooks (src/alerts): every alert received is counted here, whatever became of it.
  readonly alertRequests = new Counter({
    name: 'fpm_medic_alert_requests_total',
    help: 'Alert webhook requests, by source and outcome (accepted, unauthorized, invalid, ...)',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly alertsReceived = new Counter({
    name: 'fpm_medic_alerts_received_total',
    help: 'Alerts received, by source and status (firing, resolved)',
    labelNames: ['source', 'status'] as const,
    registers: [this.registry],
  });
  readonly alertsDeduplicated = new Counter({
    name: 'fpm_medic_alerts_deduplicated_total',
    help: 'Alerts that joined an open incident instead of starting a triage',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly alertsUnmapped = new Counter({
    name: 'fpm_medic_alerts_unmapped_total',
    help: 'Alerts that name no inventory host',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly alertTriages = new Counter({
    name: 'fpm_medic_alert_triages_total',
    help: 'Diagnoses queued for alert threads, by hosts (one or group)',
    labelNames: ['hosts'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  recordReport(report: HostReport): void {
    this.diagnosisSeconds.observe(report.durationMs / 1000);
    for (const f of report.failures) this.probeFailures.inc({ probe: f.probe, reason: f.reason });
    for (const f of report.findings) {
      this.findings.inc({ runbook: f.runbook, severity: f.severity, root_cause: String(f.rootCause) });
    }
  }
}
