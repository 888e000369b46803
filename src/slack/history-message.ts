import type { HistoryEntry } from '../store/report-store.js';
import { context, type SlackMessage, section } from './blocks/elements.js';
import { fitMessage } from './blocks/limits.js';
import { escapeMrkdwn, userMention } from './blocks/mrkdwn.js';
import { VERDICT_EMOJI } from './blocks/verdict.js';

/** `/fpm history HOST`: the recent diagnoses (and, with remediation, actions) on one host. */
export function historyMessage(host: string, entries: readonly HistoryEntry[]): SlackMessage {
  const lines = entries.map((e) => {
    const when = `<!date^${Math.floor(e.time)}^{date_short_pretty} {time}|${new Date(e.time * 1000).toISOString()}>`;
    const by = e.by ? ` by ${userMention(e.by)}` : '';
    if (e.kind === 'action') return `${when} :wrench: ${escapeMrkdwn(e.text ?? 'action')}${by}`;
    const emoji = VERDICT_EMOJI[e.verdict as keyof typeof VERDICT_EMOJI] ?? '';
    const causes = e.rootCauses?.length ? `: ${e.rootCauses.map(escapeMrkdwn).join(', ')}` : '';
    return `${when} ${emoji} ${escapeMrkdwn(e.verdict ?? '')}${causes}${by}`;
  });
  return fitMessage({
    text: `History of ${escapeMrkdwn(host)}`,
    parts: [
      { blocks: [section(`*Recent diagnoses of ${escapeMrkdwn(host)}*`, 'history-head')] },
      {
        blocks: [
          lines.length
            ? section(lines.join('\n'), 'history')
            : context(['No diagnosis in the last day. Run `/fpm diagnose` to make one.'], 'history-empty'),
        ],
      },
    ],
  });
}
