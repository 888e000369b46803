/**
 * A group's diagnosis in one message: a line per host, worst first, each with its root cause.
 * A fleet does not fit in a message, and would not be read if it did: after `maxLines` lines (or
 * the character budget) the rest is counted by verdict, "…and 460 more healthy".
 */
import type { HostReport } from '../../diagnosis/report.js';
import { context, header, type SlackMessage, section } from './elements.js';
import { fitMessage, SLACK_LIMITS } from './limits.js';
import { packLines, takeLines } from './lines.js';
import { code, escapeMrkdwn, oneLine, plural, truncate, userMention } from './mrkdwn.js';
import { VERDICT_EMOJI, VERDICT_ORDER } from './verdict.js';

export interface GroupMessageOptions {
  /** The group (or target) name, from the inventory. */
  target: string;
  requestedBy?: string;
  /** Host lines shown before the rest is summarised. */
  maxLines?: number;
}

const LINE_MAX = 200;
const LINES_BUDGET = 6000;
/** The one line naming the healthy hosts when there are too many for a line each. */
const HEALTHY_MAX = 800;
const VERDICTS = ['critical', 'unknown', 'warning', 'healthy'] as const;

export function groupMessage(reports: readonly HostReport[], options: GroupMessageOptions): SlackMessage {
  const sorted = reports
    .map((r, i) => ({ r, i }))
    .sort((a, b) => VERDICT_ORDER[a.r.verdict] - VERDICT_ORDER[b.r.verdict] || a.i - b.i)
    .map(({ r }) => r);
  const counts = VERDICTS.map((v) => [v, reports.filter((r) => r.verdict === v).length] as const).filter(
    ([, n]) => n > 0,
  );
  const worst = sorted[0]?.verdict ?? 'unknown';
  const needAttention = reports.length - reports.filter((r) => r.verdict === 'healthy').length;

  const lines = hostLines(sorted, options.maxLines ?? 40);

  const summary = counts.map(([v, n]) => `${n} ${v}`).join(', ') || 'no hosts';
  const head = [
    header(
      `${VERDICT_EMOJI[worst]} ${options.target}: ${needAttention} of ${plural(reports.length, 'host')} need attention`,
      'group-head',
    ),
    context(
      [
        [
          `*${escapeMrkdwn(summary)}*`,
          options.requestedBy ? `requested by ${userMention(options.requestedBy)}` : '',
        ]
          .filter(Boolean)
          .join(' · '),
      ],
      'group-summary',
    ),
  ];
  const body = packLines(lines, SLACK_LIMITS.sectionText - 100).map((text, i) =>
    section(text, `group-hosts-${i}`),
  );
  const foot = context([`Full report for one host: ${code('/fpm diagnose HOST')}`], 'group-foot');
  return fitMessage({
    text: `${escapeMrkdwn(options.target)}: ${escapeMrkdwn(summary)}`,
    parts: [{ blocks: head }, { blocks: body }, { blocks: [foot] }],
  });
}

/**
 * Every host that needs attention gets a line, as far as they fit. Healthy hosts get lines only
 * when everything fits; otherwise they are one line of names, which is all anyone reads of them.
 */
function hostLines(sorted: readonly HostReport[], maxLines: number): string[] {
  if (sorted.length <= maxLines) {
    const all = takeLines(sorted.map(hostLine), maxLines, LINES_BUDGET);
    if (!all.omitted) return all.shown;
  }
  const attention = sorted.filter((r) => r.verdict !== 'healthy');
  const healthy = sorted.filter((r) => r.verdict === 'healthy');
  const taken = takeLines(attention.map(hostLine), maxLines, LINES_BUDGET - HEALTHY_MAX);
  const lines = taken.shown;
  if (taken.omitted) lines.push(tailLine(attention.slice(lines.length)));
  if (healthy.length) lines.push(healthyLine(healthy));
  return lines;
}

function healthyLine(healthy: readonly HostReport[]): string {
  const names: string[] = [];
  let used = 0;
  for (const r of healthy) {
    const name = escapeMrkdwn(r.host);
    if (used + name.length + 2 > HEALTHY_MAX - 80) break;
    names.push(name);
    used += name.length + 2;
  }
  const rest = healthy.length - names.length;
  return (
    `${VERDICT_EMOJI.healthy} ${healthy.length} healthy: ${names.join(', ')}` +
    (rest ? ` …and ${rest} more healthy` : '')
  );
}

function hostLine(r: HostReport): string {
  const roots = r.findings.filter((f) => f.rootCause);
  let what: string;
  if (roots.length) {
    what = escapeMrkdwn(oneLine(roots[0]!.title));
    if (roots.length > 1) what += ` _(+${roots.length - 1} more)_`;
  } else if (r.verdict === 'healthy') {
    what = 'healthy';
  } else {
    const failed = r.probes.filter((p) => !p.ok).length;
    what = failed ? `could not look: ${plural(failed, 'probe')} failed` : 'could not look at everything';
  }
  return truncate(`${VERDICT_EMOJI[r.verdict]} *${escapeMrkdwn(r.host)}* — ${what}`, LINE_MAX);
}

function tailLine(rest: readonly HostReport[]): string {
  const byVerdict = VERDICTS.map((v) => [v, rest.filter((r) => r.verdict === v).length] as const).filter(
    ([, n]) => n > 0,
  );
  if (byVerdict.length === 1) return `…and ${rest.length} more ${byVerdict[0]![0]}`;
  return `…and ${rest.length} more: ${byVerdict.map(([v, n]) => `${n} ${v}`).join(', ')}`;
}
