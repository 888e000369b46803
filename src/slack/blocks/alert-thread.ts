/**
 * The alert message fpm-medic posts in the routed channel (the triage report goes in its thread),
 * and the lines it adds to that thread as alerts resolve or fire again. Everything an alert says
 * (labels, summaries: written by whoever configured the monitor) is redacted and escaped.
 */
import type { AlertThreadEvent } from '../../alerts/types.js';
import { redact } from '../../redact/redact.js';
import { context, type SlackMessage, section } from './elements.js';
import { fitMessage } from './limits.js';
import { code, escapeMrkdwn, link, oneLine, plural, truncate } from './mrkdwn.js';

export interface AlertHostView {
  host: string;
  /** Alert notifications counted for this host. */
  alerts: number;
  /** Distinct alerts (fingerprints) firing now, and resolved. */
  firing: number;
  resolved: number;
}

export interface AlertThreadView {
  /** "web-1", or "web (lab-1, lab-2)" for part of a group. */
  label: string;
  state: 'firing' | 'resolved';
  /** The first alert's name and summary. */
  alertname: string;
  summary?: string;
  severity?: string;
  source: string;
  generatorURL?: string;
  /** Notifications counted, and how many of each alert name (most first). */
  alerts: number;
  names: readonly (readonly [string, number])[];
  hosts: readonly AlertHostView[];
  /** What became of the triage: posted in the thread once the diagnosis ends. */
  triage: 'queued' | 'joined' | 'pending';
}

const NAMES_SHOWN = 8;
const HOSTS_SHOWN = 20;

const clean = (text: string, max: number) => escapeMrkdwn(truncate(oneLine(redact(text)), max));

export function alertNamesText(names: AlertThreadView['names']): string {
  const shown = names.slice(0, NAMES_SHOWN).map(([name, n]) => `${clean(name, 80)} ×${n}`);
  if (names.length > NAMES_SHOWN) shown.push(`…${names.length - NAMES_SHOWN} more`);
  return shown.join(', ');
}

export function alertThreadMessage(view: AlertThreadView): SlackMessage {
  const firing = view.state === 'firing';
  const mark = firing ? '🔥 FIRING' : '✅ RESOLVED';
  const summary = view.summary ? ` — ${clean(view.summary, 300)}` : '';
  const distinctFiring = view.hosts.reduce((n, h) => n + h.firing, 0);
  const distinctResolved = view.hosts.reduce((n, h) => n + h.resolved, 0);
  const facts = [
    `*${plural(view.alerts, 'alert')}* (${alertNamesText(view.names)})`,
    `${distinctFiring} firing, ${distinctResolved} resolved`,
    view.severity ? `severity ${code(redact(view.severity), 40)}` : '',
    `from ${clean(view.source, 40)}`,
    view.generatorURL ? link(redact(view.generatorURL), 'source') : '',
  ].filter(Boolean);
  const triage =
    view.triage === 'pending'
      ? 'gathering alerts before the triage'
      : firing
        ? 'triage report in the thread :thread:'
        : 'all alerts resolved; triage report in the thread';
  const parts = [
    {
      blocks: [
        section(
          `*${mark}* ${code(view.alertname, 100)} on *${clean(view.label, 200)}*${summary}`,
          'alert-head',
        ),
        context([facts.join(' · '), triage], 'alert-facts'),
      ],
    },
  ];
  if (view.hosts.length > 1) {
    const lines = view.hosts
      .slice(0, HOSTS_SHOWN)
      .map(
        (h) =>
          `• *${clean(h.host, 80)}*: ${plural(h.alerts, 'alert')}, ${h.firing} firing, ${h.resolved} resolved`,
      );
    if (view.hosts.length > HOSTS_SHOWN)
      lines.push(`…and ${plural(view.hosts.length - HOSTS_SHOWN, 'more host')}`);
    parts.push({ blocks: [section(lines.join('\n'), 'alert-hosts')] });
  }
  // The fallback (notifications) is mrkdwn too: escaped like the blocks.
  const text = `${mark} ${clean(view.alertname, 100)} on ${clean(view.label, 200)}${summary} · ${plural(view.alerts, 'alert')}`;
  return fitMessage({ text, parts });
}

const EVENTS_SHOWN = 20;

export function alertEventLine(e: AlertThreadEvent): string {
  switch (e.kind) {
    case 'resolved':
      return `✅ RESOLVED ${code(e.alertname, 100)} on *${clean(e.host, 80)}*`;
    case 'refiring':
      return `🔥 ${code(e.alertname, 100)} is firing again on *${clean(e.host, 80)}*`;
    case 'host-resolved':
      return `✅ every alert of *${clean(e.host, 80)}* is resolved (${plural(e.alerts, 'alert')} received)`;
    case 'all-resolved':
      return `✅ *All alerts of this incident are resolved* on ${clean(e.label, 200)}: ${plural(e.alerts, 'alert')} received over ${plural(e.minutes, 'minute')}.`;
  }
}

/** One thread reply for the events of one update, so a storm's resolution is one message. */
export function alertEventsMessage(events: readonly AlertThreadEvent[]): SlackMessage {
  const lines = events.slice(0, EVENTS_SHOWN).map(alertEventLine);
  if (events.length > EVENTS_SHOWN) lines.push(`…and ${plural(events.length - EVENTS_SHOWN, 'more change')}`);
  const text = lines.join('\n');
  return fitMessage({
    text: text.replace(/[*`]/g, ''),
    parts: [{ blocks: [section(text, 'alert-events')] }],
  });
}
