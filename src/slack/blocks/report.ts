/**
 * One host's diagnosis as a Slack message (issue 4, "The report"). Verdict and root cause come
 * first; each root cause carries its summary, its strongest evidence, the fix in one sentence with
 * the runbook, and its actions as buttons; symptoms are folded into one line under the root cause
 * that explains them. Whatever does not fit is counted in a note, never silently dropped.
 */
import type { KnownBlock } from '@slack/types';
import { evidenceBody } from '../../analysis/evidence.js';
import type { ConfigPatch } from '../../fixes/index.js';
import { actionSpec } from '../../remediation/actions.js';
import type { HostReport, ReportFinding } from '../../report/host-report.js';
import { APPLY_CONFIG, SEVERITY_RANK } from '../../runbooks/ids.js';
import type { ActionId } from '../../runbooks/index.js';
import {
  actionIdFor,
  encodeActionValue,
  encodeRawEvidenceValue,
  isReportId,
  RAW_EVIDENCE_ACTION_ID,
} from './action-value.js';
import { actions, button, confirmDialog, context, header, type SlackMessage, section } from './elements.js';
import { fitMessage, type MessagePart } from './limits.js';
import {
  code,
  codeBlock,
  codeBlockFits,
  escapeMrkdwn,
  link,
  oneLine,
  plural,
  truncate,
  truncateMrkdwn,
  userMention,
} from './mrkdwn.js';
import { SEVERITY_EMOJI, VERDICT_EMOJI } from './verdict.js';

export interface ReportMessageOptions {
  /** Made by the bot; the buttons carry it so a click finds this report (raw evidence, approvals). */
  reportId: string;
  /** The runbook's page. Without it, or when it returns undefined, the file is named instead. */
  runbookUrl?: (runbookId: string) => string | undefined;
  /** Slack user id of whoever asked. */
  requestedBy?: string;
  /**
   * false when no policy lets anyone approve (DESIGN.md: the default). The buttons stay, so the
   * engineer sees what could be done, and a line says how to enable them.
   */
  approvalsEnabled?: boolean;
  /** Actions the policy lets someone approve; the others' buttons say nobody can. */
  enabledActions?: readonly ActionId[];
  /** Evidence lines per finding; the rest are behind "Raw evidence" and the CLI. */
  evidenceLines?: number;
}

const SUMMARY_MAX = 500;
const FIX_MAX = 300;
const EVIDENCE_LINE_MAX = 160;
const FAILURES_SHOWN = 5;
const PATCH_MAX = 1500;
const PATCH_LINE_MAX = 240;

export function reportMessage(report: HostReport, options: ReportMessageOptions): SlackMessage {
  if (!isReportId(options.reportId)) throw new TypeError(`invalid report id: ${options.reportId}`);
  const ordered = orderFindings(report.findings);
  const parts: MessagePart[] = [{ blocks: headBlocks(report, ordered.shown, options) }];
  for (const f of ordered.shown) {
    parts.push({ blocks: findingBlocks(f, report, ordered.symptomsOf(f), options), unit: 'finding' });
  }
  parts.push({ blocks: footBlocks(report, options) });
  const lead = ordered.shown[0];
  return fitMessage({
    text: `${report.verdict.toUpperCase()} ${escapeMrkdwn(report.host)}: ${escapeMrkdwn(oneLine(headline(report, lead)))}`,
    parts,
    moreHint: `see ${code(`fpm-medic diagnose ${report.host}`)} or Raw evidence`,
  });
}

/**
 * Root causes, worst first, each with the symptoms it explains. A symptom whose explaining root
 * cause is not in the report (a partial report) is shown on its own rather than lost.
 */
function orderFindings(findings: readonly ReportFinding[]) {
  const byId = new Map(findings.map((f) => [f.runbook, f]));
  const rootIds = new Set(findings.filter((f) => f.rootCause).map((f) => f.runbook));
  const shown = findings
    .filter((f) => f.rootCause || !f.explainedBy.some((id) => rootIds.has(id)))
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_RANK[b.f.severity] - SEVERITY_RANK[a.f.severity] || a.i - b.i)
    .map(({ f }) => f);
  return {
    shown,
    symptomsOf: (f: ReportFinding) =>
      f.symptoms.map((id) => byId.get(id) ?? { runbook: id, title: undefined }),
  };
}

function headline(report: HostReport, lead: ReportFinding | undefined): string {
  if (lead) return lead.title;
  return report.verdict === 'healthy' ? 'no problem found' : 'could not look at everything';
}

function headBlocks(report: HostReport, shown: readonly ReportFinding[], options: ReportMessageOptions) {
  const lead = shown[0];
  const blocks: KnownBlock[] = [
    header(
      `${VERDICT_EMOJI[report.verdict]} ${report.host} — ${oneLine(headline(report, lead))}`,
      'report-head',
    ),
  ];
  const roots = shown.filter((f) => f.rootCause).length;
  const facts = [
    `*${report.verdict.toUpperCase()}*`,
    roots > 1 ? plural(roots, 'root cause') : '',
    options.requestedBy ? `requested by ${userMention(options.requestedBy)}` : '',
  ].filter(Boolean);
  blocks.push(context([facts.join(' · ')], 'report-verdict'));
  if (report.verdict === 'healthy' && !lead) {
    blocks.push(section('No problem found: every probe ran and no runbook matched.', 'report-healthy'));
  } else if (!lead) {
    blocks.push(
      section(
        'No runbook matched, but some probes could not run, so this is *not* a clean bill of health: ' +
          'see what could not be read below.',
        'report-unknown',
      ),
    );
  }
  return blocks;
}

function findingBlocks(
  f: ReportFinding,
  report: HostReport,
  symptoms: readonly { runbook: string; title: string | undefined }[],
  options: ReportMessageOptions,
): KnownBlock[] {
  const id = f.runbook;
  const evidence = f.evidence
    .slice(0, options.evidenceLines ?? 3)
    .map((e) => `${e.source}: ${oneLine(evidenceBody(e))}`);
  const more = f.evidence.length - evidence.length;
  const url = options.runbookUrl?.(id);
  const runbook = url ? link(url, `Runbook: ${id}`) : `Runbook: ${code(`runbooks/${id}.md`)}`;
  const lines = [
    `${SEVERITY_EMOJI[f.severity]} *${escapeMrkdwn(oneLine(f.title))}* · ${f.severity} · ${code(id)}`,
    escapeMrkdwn(truncate(oneLine(f.summary), SUMMARY_MAX)),
  ];
  if (evidence.length) lines.push(codeBlock(evidence, 1200, EVIDENCE_LINE_MAX));
  if (more > 0) lines.push(`_${plural(more, 'more evidence line')} in Raw evidence_`);
  lines.push(`*Fix:* ${escapeMrkdwn(truncate(firstSentence(f.fix), FIX_MAX))}`, `:book: ${runbook}`);
  const blocks: KnownBlock[] = [section(lines.join('\n'), `finding:${id}`)];
  if (f.patch) blocks.push(section(patchText(f.patch, report.host), `patch:${id}`));

  const notes: string[] = [];
  if (symptoms.length) {
    const named = symptoms.map((s) =>
      s.title ? `${escapeMrkdwn(oneLine(s.title))} (${code(s.runbook)})` : code(s.runbook),
    );
    notes.push(`Explains: ${truncateMrkdwn(named.join('; '), 600)}`);
  }
  if (f.missingProbes.length) {
    notes.push(
      `:warning: may be incomplete: could not run ${truncateMrkdwn(f.missingProbes.map((p) => code(p)).join(', '), 400)}`,
    );
  }
  notes.push(`confidence ${Math.round(f.confidence * 100)}%`);
  blocks.push(context(notes, `finding-notes:${id}`));

  const buttons = [...new Set(f.actions)].map((action) => actionButton(action, f, report, options));
  if (buttons.length) blocks.push(actions(buttons, `actions:${id}`));
  return blocks;
}

/**
 * The finding's config fix as a diff. One too long for the code block is cut there and follows
 * the report in its thread as a file (patchSnippet); the CLI prints it too.
 */
function patchText(patch: ConfigPatch, host: string): string {
  const whole = fitsCodeBlock(patch)
    ? ''
    : `it is cut here: the whole patch is in this thread as ${code(patchFilename(host))}, or `;
  return [
    `*Fix for good* (${plural(patch.changes.length, 'change')}; ${whole}the whole patch: ${code(`fpm-medic diagnose ${host} --patch`)}, applied on the host with ${code('patch -d / -p0')}):`,
    codeBlock(diffLines(patch), PATCH_MAX, PATCH_LINE_MAX),
  ].join('\n');
}

const diffLines = (patch: ConfigPatch) => patch.files.flatMap((f) => f.diff.trimEnd().split('\n'));
const fitsCodeBlock = (patch: ConfigPatch) => codeBlockFits(diffLines(patch), PATCH_MAX, PATCH_LINE_MAX);
/** Host names are the inventory's, but a file name is safer with nothing a shell or Slack reads. */
const patchFilename = (host: string) => `fpm-medic-${host.replace(/[^A-Za-z0-9._-]/g, '_')}.patch`;

/** The host's whole patch as a file, Slack showing it as a diff snippet. */
export interface PatchSnippet {
  filename: string;
  title: string;
  content: string;
  comment: string;
}

/**
 * The file to post in the report's thread when a code block cannot show a patch whole (the
 * host's, or a finding's share of it): the exact text `fpm-medic diagnose --patch` prints.
 */
export function patchSnippet(report: HostReport): PatchSnippet | undefined {
  const { patch } = report;
  if (!patch) return undefined;
  if (fitsCodeBlock(patch) && report.findings.every((f) => !f.patch || fitsCodeBlock(f.patch)))
    return undefined;
  return {
    filename: patchFilename(report.host),
    title: `Config fix for ${report.host} (${plural(patch.changes.length, 'change')} in ${plural(patch.files.length, 'file')})`,
    content: patch.files.map((f) => f.diff).join(''),
    comment: `The whole patch for ${report.host}: review it, then apply it on the host with \`patch -d / -p0\` and a reload, or ask for ${actionSpec(APPLY_CONFIG).label} under the finding.`,
  };
}

function actionButton(action: ActionId, f: ReportFinding, report: HostReport, options: ReportMessageOptions) {
  const spec = actionSpec(action);
  const enabled = options.enabledActions
    ? options.enabledActions.includes(action)
    : options.approvalsEnabled !== false;
  const gate =
    options.approvalsEnabled === false
      ? ' Nobody may approve actions until FPM_MEDIC_POLICY allows it.'
      : !enabled
        ? ` The access policy does not enable ${action}: nobody can approve it.`
        : ' It runs only after someone the policy allows approves it.';
  return button({
    text: spec.label,
    actionId: actionIdFor(action),
    value: encodeActionValue({ host: report.host, runbook: f.runbook, action, reportId: options.reportId }),
    ...(spec.danger ? { style: 'danger' as const } : {}),
    confirm: confirmDialog({
      title: truncate(`${spec.label} on ${report.host}?`, 100),
      text: truncate(`${spec.confirm(f, report)}${gate}`, 300),
      confirm: 'Request',
      danger: spec.danger,
    }),
  });
}

/** What the click will do on this host, from this report (the action's registry entry says). */
export function confirmText(action: ActionId, f: ReportFinding, report: HostReport): string {
  return actionSpec(action).confirm(f, report);
}

function footBlocks(report: HostReport, options: ReportMessageOptions): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (report.failures.length) {
    const shown = report.failures
      .slice(0, FAILURES_SHOWN)
      .map(
        (x) =>
          `:warning: could not read ${code(x.target, 80)} (${escapeMrkdwn(x.probe)}): ${x.reason}, ` +
          `${escapeMrkdwn(truncate(oneLine(x.detail), 80))} — ${escapeMrkdwn(truncate(oneLine(x.fix), 120))}`,
      );
    const rest = report.failures.length - shown.length;
    if (rest > 0) shown.push(`…and ${rest} more could-not-read (Raw evidence)`);
    blocks.push(context(shown, 'report-failures'));
  }
  const blind = report.coverage?.blind ?? [];
  if (blind.length) {
    // One line: which diagnoses this report could not rule out (the why is in the lines above).
    const names = blind.map((b) => b.runbook).join(', ');
    blocks.push(context([`:mag: could not check: ${escapeMrkdwn(truncate(names, 300))}`], 'report-coverage'));
  }
  const ok = report.probes.filter((p) => p.ok).length;
  const failed = report.probes.filter((p) => !p.ok).map((p) => p.id);
  const window =
    report.windowSeconds > 0 && report.windowSeconds < 60
      ? `${report.windowSeconds} s`
      : `${report.windowMinutes} min`;
  const stats = [
    `${ok}/${report.probes.length} probes ok${failed.length ? ` (failed: ${escapeMrkdwn(truncate(failed.join(', '), 200))})` : ''}`,
    `${report.durationMs} ms`,
    `last ${window} of logs`,
  ];
  blocks.push(context([stats.join(' · ')], 'report-probes'));
  if (options.approvalsEnabled === false && report.findings.some((f) => f.actions.length)) {
    blocks.push(
      context(
        [
          ':lock: Actions need an approver, and no policy names one yet: set `FPM_MEDIC_POLICY` (see README).',
        ],
        'report-approvals',
      ),
    );
  }
  blocks.push(
    actions(
      [
        button({
          text: 'Raw evidence',
          actionId: RAW_EVIDENCE_ACTION_ID,
          value: encodeRawEvidenceValue({ host: report.host, reportId: options.reportId }),
        }),
      ],
      'report-tools',
    ),
  );
  return blocks;
}

/** Runbook fixes may go on to explain; the report shows the first step, the runbook the rest. */
export function firstSentence(text: string): string {
  const flat = oneLine(text);
  const m = /^(.+?[.!?])\s+(?=[A-Z])/.exec(flat);
  return m ? m[1]! : flat;
}
