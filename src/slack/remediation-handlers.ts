/**
 * The buttons that change hosts: an action button on a report asks for the action; Approve and
 * Reject on the approval message decide. Every click is acknowledged first; the decision itself is
 * made by Approvals (policy, expiry, exactly-once, cooldown) and only rendered here.
 */
import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { AuditLog } from '../audit/index.js';
import type { Inventory } from '../config/inventory.js';
import type { ConfigPatch } from '../fixes/index.js';
import type { Actor } from '../policy/rules.js';
import { redact } from '../redact/redact.js';
import type { Approvals, ApproveOutcome } from '../remediation/approvals.js';
import { type ActionRequest, FINAL_STATES, type RequestHost } from '../remediation/request.js';
import type { RequestStore } from '../remediation/request-store.js';
import type { ReportFinding } from '../report/host-report.js';
import type { StuckWorker } from '../report/named-workers.js';
import type { ReportStore } from '../store/report-store.js';
import type { Logger } from '../util/logger.js';
import { interactionActor } from './actor.js';
import {
  ACTION_ID_PREFIX,
  APPROVE_ACTION_ID,
  GROUP_ACTION_ID_PREFIX,
  parseActionValue,
  parseGroupActionValue,
  parseRequestValue,
  REJECT_ACTION_ID,
} from './blocks/action-value.js';
import { alreadyMessage, approvalMessage } from './blocks/approval.js';
import type { SlackMessage } from './blocks/elements.js';
import { errorMessage } from './blocks/progress.js';

export interface RemediationHandlerDeps {
  inventory: Inventory;
  approvals: Approvals;
  requests: RequestStore;
  store: ReportStore;
  audit: AuditLog;
  logger: Logger;
}

interface Click {
  userId: string;
  channelId: string;
  /** The clicker's own workspace (src/slack/actor.ts). */
  teamId?: string;
  /** The clicked message, and the thread it is in (a report posted under an alert is a reply). */
  messageTs?: string;
  threadTs?: string;
}

function clickOf(body: unknown): Click {
  const b = body as {
    container?: { message_ts?: string; thread_ts?: string };
    message?: { ts?: string; thread_ts?: string };
  };
  const messageTs = b.message?.ts ?? b.container?.message_ts;
  const threadTs = b.message?.thread_ts ?? b.container?.thread_ts ?? messageTs;
  return {
    ...interactionActor(body),
    ...(messageTs ? { messageTs } : {}),
    ...(threadTs ? { threadTs } : {}),
  };
}

/** The policy's view of a click: who, where, and from which workspace. */
function actorOf(click: Click): Actor {
  return {
    userId: click.userId,
    channelId: click.channelId,
    ...(click.teamId ? { teamId: click.teamId } : {}),
  };
}

export function registerRemediationHandlers(app: App, deps: RemediationHandlerDeps): void {
  const say = async (client: WebClient, click: Click, message: SlackMessage): Promise<void> => {
    await client.chat
      .postEphemeral({ channel: click.channelId, user: click.userId, ...message })
      .catch((err) => {
        deps.logger.warn({ err }, 'could not answer a click');
      });
  };
  const refuse = (client: WebClient, click: Click, reason: string) =>
    say(client, click, errorMessage({ kind: 'not-allowed', what: reason }));

  app.action(new RegExp(`^${ACTION_ID_PREFIX}`), async ({ ack, body, action, client }) => {
    await ack();
    const click = clickOf(body);
    const actor = actorOf(click);
    try {
      const value = action.type === 'button' ? parseActionValue(action.value ?? '') : null;
      if (!value) {
        await deps.audit.refused(
          { kind: 'refusal', who: { ...actor, source: 'slack' }, what: 'action button' },
          'malformed button value',
        );
        return refuse(client, click, "this button is not one of fpm-medic's: nothing was done");
      }
      const stored = await deps.store.get(value.reportId);
      const finding = stored?.report.findings.find(
        (f) => f.runbook === value.runbook && f.actions.includes(value.action),
      );
      if (!stored || stored.report.host !== value.host || !finding) {
        await deps.audit.refused(
          {
            kind: 'refusal',
            who: { ...actor, source: 'slack' },
            what: `request ${value.action}`,
            host: value.host,
            detail: { reportId: value.reportId },
          },
          'the report is no longer stored (kept a day) or does not offer this action',
        );
        return refuse(
          client,
          click,
          `that report has expired or does not offer ${value.action}: run /fpm diagnose ${value.host} again`,
        );
      }
      const outcome = await deps.approvals.ask({
        actor,
        source: 'slack',
        action: value.action,
        runbook: value.runbook,
        target: value.host,
        hosts: [
          {
            host: value.host,
            reportId: value.reportId,
            reportAt: Date.parse(stored.report.collectedAt),
            ...workersOf(finding),
            ...patchOf(finding),
          },
        ],
        ...(click.threadTs ? { threadTs: click.threadTs } : {}),
      });
      switch (outcome.kind) {
        case 'refused':
          return refuse(client, click, outcome.reason);
        case 'exists':
          return say(client, click, alreadyMessage(outcome.request));
        case 'created':
          return created(client, click, outcome.request, outcome.selfApprove);
      }
    } catch (err) {
      deps.logger.error({ err }, 'action request failed');
      await say(client, click, errorMessage({ kind: 'failed', detail: redact((err as Error).message) }));
    }
  });

  /** Posts a new request in the thread; where the asker's click is the approval, approves it. */
  async function created(client: WebClient, click: Click, request: ActionRequest, selfApprove: boolean) {
    const posted = await postRequest(client, request, deps);
    if (!selfApprove) return;
    const approved = await deps.approvals.approve(request.id, actorOf(click));
    if (approved.kind === 'refused') {
      // Nobody else can approve a request whose asker alone could: close it.
      const t = await deps.requests.transition(request.id, ['pending'], 'refused', {
        reason: approved.reason,
        finishedAt: Date.now(),
      });
      if (t.request) await updateRequest(client, { ...t.request, ...posted }, deps);
    }
    await renderApproval(client, click, approved, deps);
  }

  app.action(new RegExp(`^${GROUP_ACTION_ID_PREFIX}`), async ({ ack, body, action, client }) => {
    await ack();
    const click = clickOf(body);
    const actor = actorOf(click);
    try {
      const value = action.type === 'button' ? parseGroupActionValue(action.value ?? '') : null;
      const members = value ? membersOf(deps.inventory, value.target) : undefined;
      if (!value || !members)
        return refuse(client, click, "this button is not one of fpm-medic's: nothing was done");
      const hosts: RequestHost[] = [];
      const runbooks: string[] = [];
      for (const reportId of value.reportIds) {
        const stored = await deps.store.get(reportId);
        const finding = stored?.report.findings.find((f) => f.rootCause && f.actions.includes(value.action));
        if (!stored || !finding || !members.includes(stored.report.host)) {
          return refuse(
            client,
            click,
            `a report of this group has expired or no longer offers ${value.action}: run /fpm diagnose ${value.target} again`,
          );
        }
        runbooks.push(finding.runbook);
        hosts.push({
          host: stored.report.host,
          reportId,
          reportAt: Date.parse(stored.report.collectedAt),
          ...workersOf(finding),
          ...patchOf(finding),
        });
      }
      const outcome = await deps.approvals.ask({
        actor,
        source: 'slack',
        action: value.action,
        runbook: mostCommon(runbooks),
        target: value.target,
        hosts,
        ...(click.threadTs ? { threadTs: click.threadTs } : {}),
      });
      if (outcome.kind === 'refused') return refuse(client, click, outcome.reason);
      if (outcome.kind === 'exists') return say(client, click, alreadyMessage(outcome.request));
      return created(client, click, outcome.request, outcome.selfApprove);
    } catch (err) {
      deps.logger.error({ err }, 'group action request failed');
      await say(client, click, errorMessage({ kind: 'failed', detail: redact((err as Error).message) }));
    }
  });

  app.action(APPROVE_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const click = clickOf(body);
    try {
      const value = action.type === 'button' ? parseRequestValue(action.value ?? '') : null;
      if (!value) return refuse(client, click, "this button is not one of fpm-medic's: nothing was done");
      const outcome = await deps.approvals.approve(value.requestId, actorOf(click));
      await renderApproval(client, click, outcome, deps);
    } catch (err) {
      deps.logger.error({ err }, 'approval failed');
      await say(client, click, errorMessage({ kind: 'failed', detail: redact((err as Error).message) }));
    }
  });

  app.action(REJECT_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const click = clickOf(body);
    try {
      const value = action.type === 'button' ? parseRequestValue(action.value ?? '') : null;
      if (!value) return refuse(client, click, "this button is not one of fpm-medic's: nothing was done");
      const outcome = await deps.approvals.reject(value.requestId, actorOf(click));
      if (outcome.kind === 'refused') return refuse(client, click, outcome.reason);
      if (outcome.kind === 'already') return say(client, click, alreadyMessage(outcome.request));
      await updateRequest(client, outcome.request, deps);
    } catch (err) {
      deps.logger.error({ err }, 'rejection failed');
      await say(client, click, errorMessage({ kind: 'failed', detail: redact((err as Error).message) }));
    }
  });
}

/** An inventory group's hosts, or "a+b" naming inventory hosts (an alert about part of a group). */
function membersOf(inventory: Inventory, target: string): readonly string[] | undefined {
  const group = inventory.groups.get(target);
  if (group) return group;
  const hosts = target.split('+');
  return hosts.length > 1 && hosts.every((h) => inventory.hosts.has(h)) ? hosts : undefined;
}

function mostCommon(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
}

/** kill-stuck-workers acts only on the workers the report named, never on a fresh guess. */
function workersOf(finding: ReportFinding): { workers?: StuckWorker[] } {
  return finding.workers?.length ? { workers: finding.workers } : {};
}

/** apply-config applies exactly the patch the report showed for this finding. */
function patchOf(finding: ReportFinding): { patch?: ConfigPatch } {
  return finding.patch?.changes.length ? { patch: finding.patch } : {};
}

async function renderApproval(
  client: WebClient,
  click: Click,
  outcome: ApproveOutcome,
  deps: RemediationHandlerDeps,
): Promise<void> {
  const say = (m: SlackMessage) =>
    client.chat.postEphemeral({ channel: click.channelId, user: click.userId, ...m }).catch(() => {});
  switch (outcome.kind) {
    case 'refused':
      await say(errorMessage({ kind: 'not-allowed', what: outcome.reason }));
      return;
    case 'already':
      await say(alreadyMessage(outcome.request));
      return;
    case 'expired':
    case 'cooldown':
      await updateRequest(client, outcome.request, deps);
      await say(errorMessage({ kind: 'not-allowed', what: outcome.reason }));
      return;
    case 'approved':
      await updateRequest(client, outcome.request, deps);
  }
}

/** Posts a new request in its report's thread and remembers the message, to update it later. */
async function postRequest(
  client: WebClient,
  request: ActionRequest,
  deps: Pick<RemediationHandlerDeps, 'requests'>,
): Promise<Pick<ActionRequest, 'messageTs'>> {
  const res = await client.chat.postMessage({
    channel: request.channelId,
    ...(request.threadTs ? { thread_ts: request.threadTs } : {}),
    ...approvalMessage(request),
  });
  if (!res.ts) return {};
  await deps.requests.annotate(request.id, { messageTs: res.ts });
  return { messageTs: res.ts };
}

/** Shows the request's current state in its approval message (re-read: a worker may be ahead). */
export async function updateRequest(
  client: WebClient,
  request: ActionRequest,
  deps: Pick<RemediationHandlerDeps, 'requests'>,
): Promise<void> {
  await showRequest(client, (await deps.requests.get(request.id)) ?? request);
}

async function showRequest(client: WebClient, request: ActionRequest): Promise<void> {
  if (!request.messageTs) return;
  await client.chat.update({
    channel: request.channelId,
    ts: request.messageTs,
    ...approvalMessage(request),
  });
}

/**
 * The worker's side: the approval message follows the request (posted first if nobody has, as for
 * auto-remediation), and a final outcome is also posted as a reply, so everyone following the
 * thread is notified with its numbers.
 */
export function slackRequestNotifier(client: WebClient, requests: RequestStore) {
  return async (request: ActionRequest): Promise<void> => {
    const latest = (await requests.get(request.id)) ?? request;
    if (!latest.messageTs) {
      await postRequest(client, latest, { requests });
      return;
    }
    await showRequest(client, latest);
    if (FINAL_STATES.has(latest.state) && latest.state !== 'rejected' && latest.state !== 'expired') {
      await client.chat.postMessage({
        channel: latest.channelId,
        ...(latest.threadTs ? { thread_ts: latest.threadTs } : {}),
        text: approvalMessage(latest).text,
      });
    }
  };
}
