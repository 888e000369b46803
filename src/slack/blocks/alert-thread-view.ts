/**
 * What a thread's alert message and lines show, from its state in Redis. Pure.
 */

import type { ThreadState } from '../../alerts/alert-state.js';
import type { AlertThreadEvent } from '../../alerts/types.js';
import type { AlertThreadView } from './alert-thread.js';

export function threadView(thread: ThreadState, label: string): AlertThreadView {
  const incidents = [...thread.incidents].sort((a, b) => a.createdAt - b.createdAt);
  const first = incidents[0]?.summary;
  const names = new Map<string, number>();
  for (const inc of incidents) {
    for (const [name, n] of Object.entries(inc.names)) names.set(name, (names.get(name) ?? 0) + n);
  }
  const firing = incidents.reduce((n, i) => n + i.firing, 0);
  const hostOrder = thread.incidents.map((i) => i.host);
  const hosts = new Map<string, { host: string; alerts: number; firing: number; resolved: number }>();
  for (const inc of incidents) {
    const h = hosts.get(inc.host) ?? { host: inc.host, alerts: 0, firing: 0, resolved: 0 };
    h.alerts += inc.count;
    h.firing += inc.firing;
    h.resolved += inc.resolved;
    hosts.set(inc.host, h);
  }
  return {
    label,
    state: firing > 0 ? 'firing' : 'resolved',
    alertname: first?.alertname ?? 'alert',
    ...(first?.summary ? { summary: first.summary } : {}),
    ...(first?.severity ? { severity: first.severity } : {}),
    source: first?.source ?? 'alert',
    ...(first?.generatorURL ? { generatorURL: first.generatorURL } : {}),
    alerts: incidents.reduce((n, i) => n + i.count, 0),
    names: [...names].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    hosts: [...hosts.values()].sort((a, b) => hostOrder.indexOf(a.host) - hostOrder.indexOf(b.host)),
    triage: thread.queued === 'joined' ? 'joined' : thread.queued ? 'queued' : 'pending',
  };
}

/**
 * The lines to add to the thread now: resolutions and re-firings in order, a host's "all
 * resolved" only when the thread covers several hosts, and the incident's "all resolved" once,
 * when nothing is firing any more.
 */
export function threadEvents(
  thread: ThreadState,
  label: string,
  now: number,
): { events: AlertThreadEvent[]; allResolved: boolean } {
  const multi = new Set(thread.incidents.map((i) => i.host)).size > 1;
  const events = thread.events.filter((e) => e.kind !== 'host-resolved' || multi);
  const firing = thread.incidents.reduce((n, i) => n + i.firing, 0);
  const allResolved = firing === 0 && thread.incidents.length > 0 && thread.allResolved === '';
  if (allResolved) {
    const started = Math.min(...thread.incidents.map((i) => i.startsAt ?? i.createdAt));
    events.push({
      kind: 'all-resolved',
      label,
      alerts: thread.incidents.reduce((n, i) => n + i.count, 0),
      minutes: Math.max(1, Math.round((now - started) / 60_000)),
    });
  }
  return { events, allResolved };
}
