/**
 * The approval message posted in a report's thread when someone asks for an action, and what it
 * becomes: approved and running, then the outcome with its numbers. It is updated in place, so
 * the thread shows one message per request whatever happens to it.
 */
import type { KnownBlock } from '@slack/types';
import { actionSpec } from '../../remediation/actions.js';
import type { ActionRequest } from '../../remediation/request.js';
import { APPROVE_ACTION_ID, encodeRequestValue, REJECT_ACTION_ID } from './action-value.js';
import { actions, button, confirmDialog, context, type SlackMessage, section } from './elements.js';
import { fitMessage } from './limits.js';
import { code, escapeMrkdwn, oneLine, truncate, userMention } from './mrkdwn.js';

const STATE_EMOJI: Record<ActionRequest['state'], string> = {
  pending: ':raised_hand:',
  approved: ':hourglass_flowing_sand:',
  running: ':gear:',
  done: ':white_check_mark:',
  unverified: ':grey_question:',
  failed: ':x:',
  refused: ':no_entry:',
  rejected: ':no_entry_sign:',
  expired: ':hourglass:',
  interrupted: ':warning:',
};

const OUTCOME_EMOJI = {
  done: ':white_check_mark:',
  unverified: ':grey_question:',
  failed: ':x:',
  refused: ':no_entry:',
  'not-run': ':double_vertical_bar:',
};

function date(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `<!date^${s}^{time}|${new Date(ms).toISOString()}>`;
}

function who(userId: string): string {
  return userId === 'auto' ? 'auto-remediation (policy)' : userMention(userId);
}

function subject(r: ActionRequest): string {
  const where =
    r.hosts.length === 1
      ? `*${escapeMrkdwn(r.hosts[0]!.host)}*`
      : `*${escapeMrkdwn(r.target)}* (${r.hosts.length} hosts)`;
  return `*${actionSpec(r.action).label}* on ${where} (${code(r.runbook)})`;
}

/** What the request is about, for the approver: which workers, which hosts. */
function scopeLines(r: ActionRequest): string[] {
  if (actionSpec(r.action).targets !== 'workers') return [];
  return r.hosts.flatMap((h) =>
    (h.workers ?? []).slice(0, 10).map((w) => {
      const req = w.request ? `, ${escapeMrkdwn(truncate(oneLine(w.request), 80))}` : '';
      return `• ${r.hosts.length > 1 ? `${escapeMrkdwn(h.host)} ` : ''}worker ${w.pid} (pool ${escapeMrkdwn(w.pool)}${req}, ${Math.round(w.durationSec)} s)`;
    }),
  );
}

/**
 * apply-config: the exact diff that will be written, per host, whole (Approvals refuses a patch
 * too long to show), in code blocks of at most one section each.
 */
function patchBlocks(r: ActionRequest): KnownBlock[] {
  if (actionSpec(r.action).targets !== 'patch') return [];
  const blocks: KnownBlock[] = [];
  for (const h of r.hosts) {
    const lines = (h.patch?.files ?? []).flatMap((f) => f.diff.trimEnd().split('\n'));
    let chunk: string[] = [];
    let size = 0;
    const flush = () => {
      if (chunk.length === 0) return;
      blocks.push(section(`\`\`\`\n${chunk.join('\n')}\n\`\`\``, `approval-diff-${blocks.length}`));
      chunk = [];
      size = 0;
    };
    if (r.hosts.length > 1)
      blocks.push(section(`*${escapeMrkdwn(h.host)}*`, `approval-diff-host-${blocks.length}`));
    for (const line of lines) {
      const safe = escapeMrkdwn(line).replace(/`(?=`)/g, '`\u200b');
      if (size + safe.length + 1 > DIFF_SECTION_CHARS) flush();
      chunk.push(safe);
      size += safe.length + 1;
    }
    flush();
  }
  return blocks;
}

/** A section's text is at most 3,000 characters: the fences and some room aside. */
const DIFF_SECTION_CHARS = 2_900;

export function approvalMessage(r: ActionRequest): SlackMessage {
  const head = `${STATE_EMOJI[r.state]} ${who(r.requestedBy)} asks to ${subject(r)}`;
  const lines = [head, ...scopeLines(r)];
  const blocks: KnownBlock[] = [section(lines.join('\n'), 'approval-head'), ...patchBlocks(r)];
  const notes: string[] = [];
  switch (r.state) {
    case 'pending':
      notes.push(
        `Waiting for an approver the policy allows${r.requestedBy === 'auto' ? '' : ' (not the requester)'} · expires at ${date(r.expiresAt)}`,
      );
      blocks.push(context(notes, 'approval-state'));
      return fitMessage({
        text: `${actionSpec(r.action).label} on ${r.target}: waiting for approval`,
        parts: [
          {
            blocks: [
              ...blocks,
              actions(
                [
                  button({
                    text: 'Approve',
                    actionId: APPROVE_ACTION_ID,
                    value: encodeRequestValue(r.id),
                    style: 'primary',
                    confirm: confirmDialog({
                      title: truncate(`Approve ${actionSpec(r.action).label}?`, 100),
                      text: `${actionSpec(r.action).label} on ${r.hosts.map((h) => h.host).join(', ')} runs as soon as you confirm.`,
                      confirm: 'Approve',
                    }),
                  }),
                  button({ text: 'Reject', actionId: REJECT_ACTION_ID, value: encodeRequestValue(r.id) }),
                ],
                'approval-buttons',
              ),
            ],
          },
        ],
      });
    default:
      blocks.push(section(stateText(r), 'approval-outcome'));
      for (const res of r.results ?? []) {
        if (r.hosts.length === 1 && res.steps?.length) {
          blocks.push(
            context(
              res.steps.map(
                (s) =>
                  `${s.ok ? ':white_check_mark:' : ':x:'} ${s.name}: ${escapeMrkdwn(truncate(oneLine(s.summary), 250))}`,
              ),
              'approval-steps',
            ),
          );
        }
      }
      return fitMessage({ text: statusLine(r), parts: [{ blocks }] });
  }
}

function stateText(r: ActionRequest): string {
  const by = r.approvedBy
    ? ` · approved by ${who(r.approvedBy)}${r.approvedAt ? ` at ${date(r.approvedAt)}` : ''}`
    : '';
  const reason = r.reason ? escapeMrkdwn(truncate(oneLine(r.reason), 1500)) : '';
  const perHost =
    r.hosts.length > 1
      ? (r.results ?? []).map(
          (x) =>
            `${OUTCOME_EMOJI[x.outcome]} ${escapeMrkdwn(x.host)}: ${escapeMrkdwn(truncate(oneLine(x.summary), 200))}`,
        )
      : [];
  const head: Record<ActionRequest['state'], string> = {
    pending: 'waiting for approval',
    approved: `*Approved*${by}: queued`,
    running: `*Running*${by}…`,
    done: `*Done*${by}: ${reason}`,
    unverified: `*Done, not verified*${by} (nothing to check): ${reason}`,
    failed: `*Failed*${by}: ${reason}`,
    refused: `*Not run*${by}: ${reason}`,
    rejected: `*Rejected*: ${reason}`,
    expired: `*Expired*: ${reason}`,
    interrupted: `*Interrupted*${by}: ${reason}`,
  };
  return [`${STATE_EMOJI[r.state]} ${head[r.state]}`, ...perHost].join('\n');
}

/** One line: for the notification text and for "it already ran" answers. */
export function statusLine(r: ActionRequest): string {
  const by = r.approvedBy
    ? `, approved by ${r.approvedBy === 'auto' ? 'auto-remediation' : `<@${r.approvedBy}>`}`
    : '';
  const reason = r.reason ? `: ${truncate(oneLine(r.reason), 300)}` : '';
  const where = r.hosts.length === 1 ? r.hosts[0]!.host : r.target;
  const state = r.state === 'unverified' ? 'done, not verified' : r.state;
  return `${actionSpec(r.action).label} on ${escapeMrkdwn(where)} — ${state}${by}${escapeMrkdwn(reason)}`;
}

/** The ephemeral answer to a click that came after the request had moved on. */
export function alreadyMessage(r: ActionRequest): SlackMessage {
  const text =
    r.state === 'pending'
      ? `${STATE_EMOJI.pending} Already requested by ${who(r.requestedBy)}: waiting for approval in the thread.`
      : r.state === 'approved' || r.state === 'running'
        ? `${STATE_EMOJI[r.state]} Already approved${r.approvedBy ? ` by ${who(r.approvedBy)}` : ''} and ${r.state === 'running' ? 'running' : 'queued'}: the thread will show the result.`
        : `${STATE_EMOJI[r.state]} Already handled: ${statusLine(r)}`;
  return fitMessage({ text, parts: [{ blocks: [section(text, 'already')] }] });
}
