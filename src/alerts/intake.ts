/**
 * A parsed delivery into the alert state: each alert mapped to its host, routed to a channel,
 * and counted, in one Redis round trip. Nothing here waits for Slack or SSH: the webhook answers
 * as soon as this returns, and the alert worker (alert-worker.ts) does the rest.
 */
import { randomBytes } from 'node:crypto';
import type { Inventory } from '../config/inventory.js';
import type { Metrics } from '../http/metrics.js';
import { type AlertRouting, routeAlert, unmappedChannel } from '../policy/alert-routing.js';
import type { AlertState, IngestInput, IngestKind } from './alert-state.js';
import { alertSummary } from './alert-summary.js';
import { type HostIndex, mapAlertHost } from './host-mapping.js';
import type { AlertSource, NormalizedAlert } from './types.js';

export interface IntakeDeps {
  state: AlertState;
  routing: AlertRouting;
  index: HostIndex;
  inventory: Pick<Inventory, 'hosts'>;
  metrics: Metrics;
  now?: () => number;
  ids?: () => string;
}

/** What the webhook answers (202), and what the bench adds up. */
export interface IntakeSummary {
  alerts: number;
  /** Alerts that opened a host's incident (a triage follows, alone or with its group). */
  created: number;
  /** Alerts that joined an open incident: counted in its thread, no new triage. */
  joined: number;
  unmapped: number;
  /** Resolutions of alerts no open incident knows (already expired, or never seen firing). */
  orphaned: number;
}

export const newId = (): string => randomBytes(8).toString('hex');

export function toIngestInput(
  alert: NormalizedAlert,
  deps: Pick<IntakeDeps, 'routing' | 'index' | 'inventory'>,
): IngestInput {
  const mapping = mapAlertHost(alert, deps.routing.hostLabels, deps.index);
  const summary = alertSummary(alert);
  const base = {
    status: alert.status,
    fingerprint: alert.fingerprint,
    alertname: alert.alertname,
    summary,
    ...(alert.startsAt !== undefined ? { startsAt: alert.startsAt } : {}),
  };
  if (mapping.mapped) {
    const labels = deps.inventory.hosts.get(mapping.host)?.labels ?? {};
    return { ...base, host: mapping.host, channel: routeAlert(deps.routing, alert.labels, labels).channel };
  }
  const channel = unmappedChannel(deps.routing, alert.labels);
  return {
    ...base,
    host: undefined,
    channel,
    unmapped: JSON.stringify({
      channel,
      alertname: alert.alertname,
      status: alert.status,
      source: alert.source,
      ...(summary.summary ? { summary: summary.summary } : {}),
      labels: alert.labels,
      tried: mapping.tried,
      ambiguous: mapping.ambiguous,
      hostLabels: deps.routing.hostLabels,
    }),
  };
}

const TALLY: Record<IngestKind, keyof Omit<IntakeSummary, 'alerts'>> = {
  created: 'created',
  joined: 'joined',
  late: 'joined',
  orphan: 'orphaned',
  'unmapped-new': 'unmapped',
  'unmapped-seen': 'unmapped',
};

export async function ingestAlerts(
  source: AlertSource,
  alerts: readonly NormalizedAlert[],
  deps: IntakeDeps,
): Promise<IntakeSummary> {
  const inputs = alerts.map((a) => toIngestInput(a, deps));
  const results = await deps.state.ingest(inputs, (deps.now ?? Date.now)(), deps.ids ?? newId);
  const summary: IntakeSummary = { alerts: alerts.length, created: 0, joined: 0, unmapped: 0, orphaned: 0 };
  const m = deps.metrics;
  results.forEach((r, i) => {
    summary[TALLY[r.kind]]++;
    m.alertsReceived.inc({ source, status: alerts[i]!.status });
    if (r.kind === 'joined' || r.kind === 'late') m.alertsDeduplicated.inc({ source });
    if (r.kind === 'unmapped-new' || r.kind === 'unmapped-seen') m.alertsUnmapped.inc({ source });
  });
  return summary;
}
