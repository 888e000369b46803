/**
 * A group's diagnosis in one message: a line per host, worst first, each with its root cause.
 * A fleet does not fit in a message, and would not be read if it did: after `maxLines` lines (or
 * the character budget) the rest is counted by verdict, "…and 460 more healthy".
 */
import { actionSpec } from '../../remediation/actions.js';
import type { HostReport } from '../../report/host-report.js';
import type { ActionId } from '../../runbooks/ids.js';
import { BUTTON_VALUE_MAX, encodeGroupActionValue, GROUP_ACTION_ID_PREFIX } from './action-value.js';
import { actions, button, confirmDialog, context, header, type SlackMessage, section } from './elements.js';
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
  /** Report id per host: with it, actions offered on several hosts become group buttons. */
  reportIds?: ReadonlyMap<string, string>;
  /** Actions the policy lets someone approve (as in the host report). */
  enabledActions?: readonly ActionId[];
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
  const buttons = groupButtons(reports, options);
  return fitMessage({
    text: `${escapeMrkdwn(options.target)}: ${escapeMrkdwn(summary)}`,
    parts: [
      { blocks: head },
      { blocks: body },
      { blocks: buttons.length ? [actions(buttons, 'group-actions'), foot] : [foot] },
    ],
  });
}

/**
 * One button per action that root causes offer on two or more hosts: the same fix across the
 * group, approved once, run at most `maxHostsAtOnce` hosts at a time and stopped at the first host
 * where it does not go as planned (docs/remediation.md).
 */
function groupButtons(reports: readonly HostReport[], options: GroupMessageOptions) {
  if (!options.reportIds) return [];
  const byAction = new Map<ActionId, string[]>();
  for (const r of reports) {
    const id = options.reportIds.get(r.host);
    if (!id) continue;
    const offered = new Set(r.findings.filter((f) => f.rootCause).flatMap((f) => f.actions));
    for (const a of offered) byAction.set(a, [...(byAction.get(a) ?? []), id]);
  }
  const buttons = [];
  for (const [action, reportIds] of byAction) {
    if (reportIds.length < 2) continue;
    const spec = actionSpec(action);
    const value = encodeGroupActionValue({ target: options.target, action, reportIds });
    if (value.length > BUTTON_VALUE_MAX) continue; // per-host buttons remain: /fpm diagnose HOST
    const enabled = options.enabledActions ? options.enabledActions.includes(action) : true;
    buttons.push(
      button({
        text: `${spec.label} on ${reportIds.length} hosts`,
        actionId: `${GROUP_ACTION_ID_PREFIX}${action}`,
        value,
        ...(spec.danger ? { style: 'danger' as const } : {}),
        confirm: confirmDialog({
          title: truncate(`${spec.label} on ${reportIds.length} hosts?`, 100),
          text:
            `Asks for ${action} on the ${reportIds.length} hosts of ${options.target} whose report offers it, ` +
            'a few hosts at a time; the first host where it does not go as planned stops the rest.' +
            (enabled
              ? ' It runs only after someone the policy allows approves it.'
              : ` The access policy does not enable ${action}.`),
          confirm: 'Request',
          danger: spec.danger,
        }),
      }),
    );
  }
  return buttons;
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
