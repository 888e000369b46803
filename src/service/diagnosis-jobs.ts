import { randomUUID } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import { type AuditLog, becomeDetail, diagnosisOutcome } from '../audit/index.js';
import type { Inventory } from '../config/inventory.js';
import { resolveTargets } from '../config/inventory.js';
import { diagnoseHosts } from '../diagnosis/diagnose.js';
import type { HostFacts } from '../facts/types.js';
import type { Metrics } from '../http/metrics.js';
import type { DiscoveryCache } from '../probes/discovery-cache.js';
import type { DiagnoseJob, JobOutcome, ProcessContext, ReplyTarget } from '../queue/index.js';
import { multiHostNames } from '../queue/keys.js';
import { redact, redactDeep } from '../redact/redact.js';
import type { HostReport } from '../report/host-report.js';
import type { ActionId } from '../runbooks/ids.js';
import type { Runbook } from '../runbooks/index.js';
import type { SlackMessage } from '../slack/blocks/elements.js';
import { groupMessage } from '../slack/blocks/group.js';
import { errorMessage } from '../slack/blocks/progress.js';
import { type PatchSnippet, patchSnippet, reportMessage } from '../slack/blocks/report.js';
import { statusMessage } from '../slack/blocks/status.js';
import { channelUnreachable, postToResponseUrl } from '../slack/response-url.js';
import type { ReportStore } from '../store/report-store.js';
import type { Logger } from '../util/logger.js';

/** What a finished diagnosis job hands to the reply step (kept in memory on the worker). */
export interface DiagnosisResult {
  target: string;
  group: boolean;
  reports: { id: string; report: HostReport; facts: HostFacts }[];
}

/** What the auto-remediation hook gets for each host report posted in an alert's thread. */
export interface AlertReportContext {
  reportId: string;
  report: HostReport;
  channelId: string;
  threadTs: string;
}

export interface DiagnosisJobDeps {
  inventory: Inventory;
  runbooks: readonly Runbook[];
  store: ReportStore;
  metrics: Metrics;
  logger: Logger;
  slack: WebClient;
  audit: AuditLog;
  runbookUrl?: (id: string) => string | undefined;
  approvalsEnabled: boolean;
  /** Actions the policy lets someone approve (their buttons say so; the others say nobody can). */
  enabledActions?: readonly ActionId[];
  /**
   * Called once per host report after an alert-triggered report is posted in its thread (the
   * auto-remediation hook). Its errors are logged; they never fail the job or other replies.
   */
  onAlertReport?: (ctx: AlertReportContext) => Promise<void>;
  /** Each host's discovery dumps, reused while the host says they hold (shared by every worker). */
  discoveryCache?: DiscoveryCache;
}

/** A job's hosts: a host, a group's members, or the hosts of a multi-host alert target. */
function jobHosts(inventory: Inventory, target: string) {
  const names = multiHostNames(target);
  return names ? names.flatMap((n) => resolveTargets(inventory, n)) : resolveTargets(inventory, target);
}

/** The worker's job: one diagnosis of a host or group, each report stored for later clicks. */
export function processDiagnosis(deps: DiagnosisJobDeps) {
  return async (job: DiagnoseJob, ctx: ProcessContext): Promise<DiagnosisResult> => {
    const hosts = jobHosts(deps.inventory, job.target);
    const group = hosts.length > 1 || hosts[0]?.name !== job.target;
    const fromAlert = job.source === 'alert';
    // Written before any host is contacted; a worker killed mid-diagnosis leaves this line.
    const entry = await deps.audit.begin({
      kind: 'diagnosis',
      who: {
        ...(job.requestedBy.userId ? { userId: job.requestedBy.userId } : {}),
        channelId: job.requestedBy.channelId,
        source: fromAlert ? 'alert' : 'slack',
      },
      what: `diagnose ${job.target}`,
      target: job.target,
      ...(group ? {} : { host: job.target }),
      detail: {
        jobId: ctx.jobId,
        attempt: ctx.attempt,
        windowSec: job.windowSec,
        ...becomeDetail(hosts),
        ...(job.alert ? { threadId: job.alert.threadId, alerts: job.alert.alerts } : {}),
      },
    });
    try {
      const diagnoses = await diagnoseHosts(hosts, deps.runbooks, {
        windowSec: job.windowSec,
        signal: ctx.signal,
        ...(deps.discoveryCache ? { discoveryCache: deps.discoveryCache } : {}),
      });
      const reports = [];
      for (const d of diagnoses) {
        const id = randomUUID();
        await deps.store.save({
          id,
          report: d.report,
          raw: d.collected.raw,
          ...(job.requestedBy.userId ? { requestedBy: job.requestedBy.userId } : {}),
        });
        deps.metrics.recordReport(d.report);
        reports.push({ id, report: d.report, facts: d.collected.facts });
      }
      await entry.complete(...diagnosisOutcome(reports.map((r) => ({ ...r.report, reportId: r.id }))));
      // An alert's part of a group reads "web (lab-1, lab-2)", not "lab-1+lab-2".
      return { target: job.alert?.label ?? job.target, group, reports };
    } catch (err) {
      await entry.fail(err);
      throw err;
    }
  };
}

/**
 * Evidence quotes logs and configs (request URIs with tokens, DSNs): the outcome is redacted once,
 * before any asker's message is built from it.
 */
export function redactOutcome(outcome: JobOutcome<DiagnosisResult>): JobOutcome<DiagnosisResult> {
  return outcome.ok
    ? { ok: true, result: redactDeep(outcome.result) }
    : { ok: false, error: new Error(redact(outcome.error.message)) };
}

/** The message one asker gets for a finished job, built from a redacted outcome. */
export function replyMessage(
  outcome: JobOutcome<DiagnosisResult>,
  reply: ReplyTarget,
  deps: Pick<DiagnosisJobDeps, 'runbookUrl' | 'approvalsEnabled' | 'enabledActions'>,
): SlackMessage {
  if (!outcome.ok) return errorMessage({ kind: 'failed', detail: outcome.error.message });
  const { result } = outcome;
  const first = result.reports[0];
  // Alert threads have no asker to name.
  const requestedBy = reply.userId ? { requestedBy: reply.userId } : {};
  if (reply.view === 'status' && first) return statusMessage(first.facts);
  const single = singleReport(result, reply);
  if (!single)
    return groupMessage(
      result.reports.map((r) => r.report),
      {
        target: result.target,
        ...requestedBy,
        reportIds: new Map(result.reports.map((r) => [r.report.host, r.id])),
        ...(deps.enabledActions ? { enabledActions: deps.enabledActions } : {}),
      },
    );
  return reportMessage(single.report, {
    reportId: single.id,
    ...requestedBy,
    approvalsEnabled: deps.approvalsEnabled,
    ...(deps.enabledActions ? { enabledActions: deps.enabledActions } : {}),
    ...(deps.runbookUrl ? { runbookUrl: deps.runbookUrl } : {}),
  });
}

/** The one host report an asker is shown in full, if that is what they get (not a group, not status). */
function singleReport(
  result: DiagnosisResult,
  reply: ReplyTarget,
): DiagnosisResult['reports'][number] | undefined {
  if (reply.view === 'status' || result.group) return undefined;
  return result.reports[0];
}

/**
 * A patch too long for the report's code block follows the report in its thread as a diff file.
 * The report is out already: a failed upload is logged, and the report still names the CLI.
 */
async function attachPatch(
  deps: DiagnosisJobDeps,
  channel: string,
  threadTs: string,
  snippet: PatchSnippet,
): Promise<void> {
  try {
    await deps.slack.filesUploadV2({
      channel_id: channel,
      thread_ts: threadTs,
      content: snippet.content,
      filename: snippet.filename,
      title: snippet.title,
      snippet_type: 'diff',
      initial_comment: snippet.comment,
    });
  } catch (err) {
    deps.logger.warn({ err, channel }, 'could not attach the patch to a report');
  }
}

/**
 * Answers every asker: replaces their "diagnosis started" message, posts in an alert's thread, or
 * posts a new message. After a report lands in an alert thread, onAlertReport runs per host.
 */
export function answerAskers(deps: DiagnosisJobDeps) {
  return async (outcome: JobOutcome<DiagnosisResult>, replies: ReplyTarget[]): Promise<void> => {
    deps.metrics.jobs.inc({ kind: 'diagnose', outcome: outcome.ok ? 'done' : 'failed' });
    const shown = redactOutcome(outcome);
    for (const reply of replies) {
      const message = replyMessage(shown, reply, deps);
      // The thread the report is in, or starts: where a file that belongs to it goes.
      let thread: string | undefined;
      try {
        if (reply.messageTs) {
          await deps.slack.chat.update({ channel: reply.channelId, ts: reply.messageTs, ...message });
          thread = reply.messageTs;
        } else if (reply.threadTs) {
          await deps.slack.chat.postMessage({
            channel: reply.channelId,
            thread_ts: reply.threadTs,
            ...message,
          });
          thread = reply.threadTs;
        } else {
          const posted = await deps.slack.chat.postMessage({ channel: reply.channelId, ...message });
          thread = posted.ts;
        }
      } catch (err) {
        // One asker's channel failing (bot removed, message deleted) must not starve the others.
        deps.logger.warn({ err, channel: reply.channelId }, 'could not deliver a diagnosis');
        await tellUnreachable(deps, reply, err);
        continue;
      }
      const shownReport = shown.ok ? singleReport(shown.result, reply) : undefined;
      const snippet = shownReport && patchSnippet(shownReport.report);
      if (snippet && thread) await attachPatch(deps, reply.channelId, thread, snippet);
      if (reply.alert && reply.threadTs && outcome.ok)
        await alertHook(deps, outcome.result, reply, reply.threadTs);
    }
  };
}

/** The bot cannot post in the asker's channel: say why through the command's response_url. */
async function tellUnreachable(deps: DiagnosisJobDeps, reply: ReplyTarget, err: unknown): Promise<void> {
  const error = channelUnreachable(err);
  if (!error || !reply.responseUrl) return;
  const message = errorMessage({ kind: 'channel-unreachable', channel: reply.channelId, error });
  const told = await postToResponseUrl(reply.responseUrl, message, { apiUrl: deps.slack.slackApiUrl });
  if (!told) deps.logger.warn({ channel: reply.channelId, error }, 'could not tell the asker either');
}

/** The auto-remediation hook, once per host report; it sees the reports unredacted, as stored. */
async function alertHook(
  deps: DiagnosisJobDeps,
  result: DiagnosisResult,
  reply: ReplyTarget,
  threadTs: string,
): Promise<void> {
  if (!deps.onAlertReport) return;
  for (const r of result.reports) {
    try {
      await deps.onAlertReport({ reportId: r.id, report: r.report, channelId: reply.channelId, threadTs });
    } catch (err) {
      deps.logger.error({ err, reportId: r.id, host: r.report.host }, 'alert report hook failed');
    }
  }
}
