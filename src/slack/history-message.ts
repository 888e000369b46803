import type { KnownBlock } from '@slack/types';
import type { AuditEvent } from '../audit/index.js';
import type { HistoryEntry } from '../report/history.js';
import { context, type SlackMessage, section } from './blocks/elements.js';
import { fitMessage } from './blocks/limits.js';
import { escapeMrkdwn, oneLine, truncate, userMention } from './blocks/mrkdwn.js';
import { VERDICT_EMOJI } from './blocks/verdict.js';

const PHASE_EMOJI: Record<string, string> = {
  completed: ':white_check_mark:',
  failed: ':x:',
  refused: ':no_entry:',
  started: ':hourglass_flowing_sand:',
};

function when(epochSec: number): string {
  return `<!date^${Math.floor(epochSec)}^{date_short_pretty} {time}|${new Date(epochSec * 1000).toISOString()}>`;
}

/**
 * `/fpm history HOST`: the recent diagnoses and actions on one host, then the audit log's record
 * of what was asked, approved, refused and done there (newest first).
 */
export function historyMessage(
  host: string,
  entries: readonly HistoryEntry[],
  audit: readonly AuditEvent[] = [],
): SlackMessage {
  const lines = entries.map((e) => {
    const by = e.by ? ` by ${userMention(e.by)}` : '';
    if (e.kind === 'action') return `${when(e.time)} :wrench: ${escapeMrkdwn(e.text ?? 'action')}${by}`;
    const emoji = VERDICT_EMOJI[e.verdict as keyof typeof VERDICT_EMOJI] ?? '';
    const causes = e.rootCauses?.length ? `: ${e.rootCauses.map(escapeMrkdwn).join(', ')}` : '';
    return `${when(e.time)} ${emoji} ${escapeMrkdwn(e.verdict ?? '')}${causes}${by}`;
  });
  const auditLines = [...audit].reverse().map(auditLine);
  const blocks: KnownBlock[] = [
    lines.length
      ? section(lines.join('\n'), 'history')
      : context(['No diagnosis in the last day. Run `/fpm diagnose` to make one.'], 'history-empty'),
  ];
  const parts = [
    { blocks: [section(`*Recent diagnoses and actions on ${escapeMrkdwn(host)}*`, 'history-head')] },
    { blocks },
  ];
  if (auditLines.length) {
    parts.push({
      blocks: [section(`*Audit log* (newest first)\n${auditLines.join('\n')}`, 'history-audit')],
    });
  }
  return fitMessage({ text: `History of ${escapeMrkdwn(host)}`, parts });
}

function auditLine({ started, closed }: AuditEvent): string {
  const r = (started ?? closed)!;
  const phase = closed?.phase ?? 'started';
  const who = r.who?.userId
    ? userMention(r.who.userId)
    : r.who?.source === 'alert'
      ? 'alert'
      : (r.who?.source ?? '');
  const outcome = closed?.outcome
    ? `: ${escapeMrkdwn(truncate(oneLine(closed.outcome), 160))}`
    : closed
      ? ''
      : ' (no completion recorded)';
  return `${when(Date.parse(r.time) / 1000)} ${PHASE_EMOJI[phase] ?? ''} ${r.kind} ${escapeMrkdwn(truncate(oneLine(r.what), 80))} · ${who}${outcome}`;
}
