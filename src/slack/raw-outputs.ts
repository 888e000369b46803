import { splitSections } from '../probes/sections.js';
import { redact } from '../redact/redact.js';

/**
 * The stored raw probe output, as the "Raw evidence" view shows it: each log file on its own
 * (the web server's error log first: in a 502 it is the first thing to read), then the status
 * pages and the snapshot, the long config dumps last — Slack's size budget cuts from the end.
 * Everything is redacted here, at the last step before Slack.
 */
const LOG_ORDER = ['nginx-error', 'apache-error', 'fpm-error', 'fpm-slow', 'fpm-access'];
const PROBE_ORDER = ['fpm-status', 'runtime', 'kernel', 'discover-fpm', 'discover-web'];

export function rawOutputsForSlack(raw: Readonly<Record<string, string>>): { probe: string; text: string }[] {
  const logs = splitSections(raw.logs ?? '')
    .filter((s) => s.kind === 'section' && s.body.trim() !== '')
    .map((s) => ({
      kind: s.attrs.kind ?? 'log',
      probe: `log ${s.attrs.kind ?? ''} ${s.attrs.path ?? ''}`.trim(),
      text: s.body,
    }))
    .sort((a, b) => rank(LOG_ORDER, a.kind) - rank(LOG_ORDER, b.kind));
  const others = Object.entries(raw)
    .filter(([probe]) => probe !== 'logs')
    .sort(([a], [b]) => rank(PROBE_ORDER, a) - rank(PROBE_ORDER, b))
    .map(([probe, text]) => ({ probe, text }));
  return [...logs, ...others].map(({ probe, text }) => ({ probe, text: redact(text) }));
}

function rank(order: readonly string[], key: string): number {
  const i = order.indexOf(key);
  return i === -1 ? order.length : i;
}
