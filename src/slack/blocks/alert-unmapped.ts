/**
 * An alert that names no inventory host: posted once per alert (fingerprint) per window, with its
 * labels and what was tried, so someone can fix the mapping (inventory address, `fpm_medic_host`
 * label, or alerts.hostLabels).
 */
import { redact } from '../../redact/redact.js';
import { context, type SlackMessage, section } from './elements.js';
import { fitMessage } from './limits.js';
import { code, codeBlock, escapeMrkdwn, oneLine, truncate } from './mrkdwn.js';

export interface UnmappedAlertView {
  alertname: string;
  status: 'firing' | 'resolved';
  source: string;
  summary?: string;
  labels: Readonly<Record<string, string>>;
  /** "instance=10.0.0.99:9253". */
  tried: readonly string[];
  ambiguous: readonly string[];
  hostLabels: readonly string[];
}

const MAX_LABELS = 30;

export function unmappedAlertMessage(view: UnmappedAlertView): SlackMessage {
  const labels = Object.entries(view.labels)
    .slice(0, MAX_LABELS)
    .map(([k, v]) => `${k}="${oneLine(redact(v))}"`);
  const tried = view.tried.length
    ? `Tried ${view.tried.map((t) => code(redact(t), 120)).join(', ')}; none is an inventory host's name or address.`
    : `It has none of the labels that name a host (${view.hostLabels.map((l) => code(l, 60)).join(', ')}).`;
  const ambiguous = view.ambiguous.length
    ? ` Ambiguous: ${view.ambiguous.map((a) => escapeMrkdwn(a)).join('; ')}.`
    : '';
  const head = `⚠️ *Unmapped alert* ${code(view.alertname, 100)} (${view.status}, from ${escapeMrkdwn(view.source)})${
    view.summary ? ` — ${escapeMrkdwn(truncate(oneLine(redact(view.summary)), 300))}` : ''
  }`;
  return fitMessage({
    text: `Unmapped alert ${escapeMrkdwn(truncate(oneLine(redact(view.alertname)), 100))}: no inventory host matches its labels`,
    parts: [
      {
        blocks: [
          section(`${head}\n${tried}${ambiguous}`, 'unmapped-head'),
          section(codeBlock(labels, 2500, 300), 'unmapped-labels'),
          context(
            [
              'Add the host to the inventory (its `address` or `selfAddresses`), give the alert a `fpm_medic_host` label, or list the label that names hosts in the policy’s `alerts.hostLabels`. Shown once per alert per window.',
            ],
            'unmapped-hint',
          ),
        ],
      },
    ],
  });
}
