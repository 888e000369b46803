import { App, type SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import {
  type AuditEntry,
  type AuditEntryInput,
  type AuditLog,
  pairAudit,
  readAudit,
} from '../audit/index.js';
import type { Inventory, ResolvedHost } from '../config/inventory.js';
import type { Metrics } from '../http/metrics.js';
import type { Route } from '../http/routes.js';
import type { Policy } from '../policy/access-policy.js';
import type { GroupMembership } from '../policy/membership.js';
import { type DiagnosisQueues, QueueUnavailableError } from '../queue/index.js';
import { redact } from '../redact/redact.js';
import type { ReportStore } from '../store/report-store.js';
import type { Logger } from '../util/logger.js';
import { commandActor, interactionActor } from './actor.js';
import { parseRawEvidenceValue, RAW_EVIDENCE_ACTION_ID } from './blocks/action-value.js';
import type { SlackMessage } from './blocks/elements.js';
import { helpMessage, usageMessage } from './blocks/help.js';
import { hostsMessage } from './blocks/hosts.js';
import { diagnosisStartedMessage, errorMessage } from './blocks/progress.js';
import { rawEvidenceMessage } from './blocks/raw-evidence.js';
import { parseSlackCommand, type SlackCommand } from './command.js';
import { historyMessage } from './history-message.js';
import { rawOutputsForSlack } from './raw-outputs.js';
import { type RemediationHandlerDeps, registerRemediationHandlers } from './remediation-handlers.js';
import { channelUnreachable, postToResponseUrl } from './response-url.js';

export interface SlackAppDeps {
  botToken: string;
  signingSecret?: string;
  /** Socket Mode when set. */
  appToken?: string;
  apiUrl?: string;
  port: number;
  routes: Route[];
  inventory: Inventory;
  policy: Policy;
  membership: GroupMembership;
  queue: DiagnosisQueues;
  store: ReportStore;
  metrics: Metrics;
  logger: Logger;
  /** Every command and refusal is written here before it is answered (DESIGN.md rule 5). */
  audit: AuditLog;
  defaultWindowSec: number;
  /** The approval flow behind the action buttons (issue 5). */
  remediation?: Pick<RemediationHandlerDeps, 'approvals' | 'requests'>;
}

/**
 * The Slack side of `fpm-medic serve`. Every command is acknowledged before anything else (Slack
 * allows 3 s; the ack must not wait on Redis or SSH), then parsed into a validated command — chat
 * text goes no further than that parser — checked against the policy, and queued.
 */
export function createSlackApp(deps: SlackAppDeps): App {
  const app = new App({
    token: deps.botToken,
    ...(deps.appToken
      ? { socketMode: true, appToken: deps.appToken }
      : { signingSecret: deps.signingSecret ?? '' }),
    port: deps.port,
    customRoutes: deps.routes,
    processBeforeResponse: false,
    ...(deps.apiUrl ? { clientOptions: { slackApiUrl: deps.apiUrl } } : {}),
    // The bot's identity is not needed to answer commands; skipping auth.test keeps start-up free
    // of a network round trip that would fail a start with Slack unreachable.
    tokenVerificationEnabled: false,
  });

  app.command('/fpm', async (args) => {
    await args.ack();
    let entry: AuditEntry | undefined;
    try {
      // Parsing is pure; the command is on record before anything is queued or answered.
      const parsed = parseSlackCommand(args.command.text ?? '', deps.inventory);
      entry = await deps.audit.begin({
        kind: 'command',
        who: { ...commandActor(args.command), source: 'slack' },
        what: `/fpm ${(args.command.text ?? '').trim()}`.trim(),
        ...commandWhere(parsed),
        detail: { command: parsed.kind },
      });
      await entry.complete(await handleCommand(args, parsed, deps));
    } catch (err) {
      await entry?.fail(err);
      deps.logger.error({ err }, 'slash command failed');
      const unreachable = channelUnreachable(err);
      if (unreachable) {
        // Not invited (or archived): an ephemeral message would fail the same way.
        const message = errorMessage({
          kind: 'channel-unreachable',
          channel: args.command.channel_id,
          error: unreachable,
        });
        await postToResponseUrl(args.command.response_url, message, { apiUrl: args.client.slackApiUrl });
        return;
      }
      await ephemeral(
        args.client,
        args.command.channel_id,
        args.command.user_id,
        errorMessage({ kind: 'failed', detail: redact((err as Error).message) }),
      ).catch(() => {});
    }
  });

  app.action(RAW_EVIDENCE_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const actor = interactionActor(body);
    const { userId, channelId } = actor;
    const who = { ...actor, source: 'slack' as const };
    const value = action.type === 'button' ? parseRawEvidenceValue(action.value ?? '') : null;
    /** A click that shows nothing is on record too, with why; the clicker is told. */
    const refuse = async (reason: string, told: SlackMessage, hostName?: string): Promise<void> => {
      await deps.audit.refused(
        {
          kind: 'refusal',
          who,
          what: 'raw-evidence',
          ...(hostName ? { host: hostName } : {}),
          detail: { reportId: value?.reportId },
        },
        reason,
      );
      await ephemeral(client, channelId, userId, told);
    };
    const stored = value ? await deps.store.get(value.reportId) : undefined;
    if (!stored) {
      await refuse(
        value ? 'the report is no longer stored (kept a day)' : 'malformed button value',
        errorMessage({ kind: 'failed', detail: 'that report has expired; run the diagnosis again' }),
        value?.host,
      );
      return;
    }
    const host = deps.inventory.hosts.get(stored.report.host);
    const decision = host ? await deps.policy.canDiagnose(actor, host, deps.membership) : undefined;
    if (!host || !decision?.allowed) {
      const reason = decision?.reason ?? 'unknown host';
      await refuse(reason, errorMessage({ kind: 'not-allowed', what: reason }), host?.name);
      return;
    }
    // The clicker alone sees it, and only redacted: configs and logs carry secrets.
    const outputs = rawOutputsForSlack(stored.raw);
    // Who saw which host's output is on record before it is shown (DESIGN.md rule 5); an audit
    // log that cannot be written shows nothing.
    const entry = await deps.audit.begin({
      kind: 'view',
      who,
      what: 'raw-evidence',
      host: host.name,
      target: host.name,
      detail: {
        reportId: value?.reportId,
        collectedAt: stored.report.collectedAt,
        probes: outputs.map((o) => o.probe),
        rule: decision.rule ? (decision.rule.name ?? decision.rule.path) : undefined,
      },
    });
    try {
      await ephemeral(client, channelId, userId, rawEvidenceMessage({ host: stored.report.host, outputs }));
      await entry.complete('shown', { outputs: outputs.length });
    } catch (err) {
      await entry.fail(err);
      throw err;
    }
  });

  if (deps.remediation) {
    registerRemediationHandlers(app, {
      ...deps.remediation,
      inventory: deps.inventory,
      store: deps.store,
      audit: deps.audit,
      logger: deps.logger,
    });
  } else {
    // A `serve` without the remediation wiring (tests of the diagnosis path alone) still answers.
    app.action(/^fpm-(action:|group-action:|approve$|reject$)/, async ({ ack, body, client }) => {
      await ack();
      await ephemeral(
        client,
        body.channel?.id ?? '',
        body.user.id,
        errorMessage({ kind: 'not-allowed', what: 'actions are not enabled on this bot' }),
      );
    });
  }

  app.error(async (err) => {
    deps.logger.error({ err }, 'slack app error');
  });
  return app;
}

/** `/fpm history` shows the last day of the audit log, read from its end. */
const HISTORY_AUDIT_MS = 24 * 3600 * 1000;
const HISTORY_AUDIT_BYTES = 4 * 1024 * 1024;
const HISTORY_AUDIT_EVENTS = 20;

type CommandArgs = SlackCommandMiddlewareArgs & { client: WebClient };

async function ephemeral(
  client: WebClient,
  channel: string,
  user: string,
  message: SlackMessage,
): Promise<void> {
  await client.chat.postEphemeral({ channel, user, ...message });
}

/** The host (or group) a command is about, for the audit record. */
function commandWhere(parsed: SlackCommand): Pick<AuditEntryInput, 'host' | 'target'> {
  switch (parsed.kind) {
    case 'status':
    case 'history':
      return { host: parsed.host, target: parsed.host };
    case 'diagnose':
      return parsed.group ? { target: parsed.target } : { host: parsed.target, target: parsed.target };
    case 'unknown-target':
      return { target: parsed.target };
    default:
      return {};
  }
}

/** Answers one command; returns its outcome for the audit log (queued, joined, refused, help...). */
async function handleCommand(
  { command, client }: CommandArgs,
  parsed: SlackCommand,
  deps: SlackAppDeps,
): Promise<string> {
  const actor = commandActor(command);
  const reply = (m: SlackMessage) => ephemeral(client, actor.channelId, actor.userId, m);
  const refuse = (host: ResolvedHost, reason: string) =>
    deps.audit.refused(
      {
        kind: 'refusal',
        who: { ...actor, source: 'slack' },
        what: `${parsed.kind} ${host.name}`,
        host: host.name,
        ...commandWhere(parsed),
      },
      reason,
    );
  deps.metrics.commands.inc({ command: parsed.kind, outcome: 'received' });

  switch (parsed.kind) {
    case 'help':
      await reply(helpMessage());
      return 'help';
    case 'usage-error':
      await reply(usageMessage(parsed.message));
      return 'usage-error';
    case 'unknown-target':
      await reply(
        errorMessage({ kind: 'unknown-target', target: parsed.target, suggestions: parsed.suggestions }),
      );
      return 'unknown-target';
    case 'hosts':
      await reply(hostsMessage(deps.inventory));
      return 'hosts';
    case 'history': {
      const host = deps.inventory.hosts.get(parsed.host)!;
      const decision = await deps.policy.canDiagnose(actor, host, deps.membership);
      if (!decision.allowed) {
        await refuse(host, decision.reason);
        await reply(errorMessage({ kind: 'not-allowed', what: decision.reason }));
        return 'refused';
      }
      const [entries, audit] = await Promise.all([
        deps.store.history(parsed.host),
        readAudit(deps.audit.path, {
          host: parsed.host,
          since: Date.now() - HISTORY_AUDIT_MS,
          tailBytes: HISTORY_AUDIT_BYTES,
        }).catch((err) => {
          deps.logger.warn({ err }, 'could not read the audit log for /fpm history');
          return [];
        }),
      ]);
      await reply(historyMessage(parsed.host, entries, pairAudit(audit).slice(-HISTORY_AUDIT_EVENTS)));
      return 'history';
    }
    case 'status':
    case 'diagnose': {
      const target = parsed.kind === 'status' ? parsed.host : parsed.target;
      const hosts: ResolvedHost[] =
        parsed.kind === 'status'
          ? [deps.inventory.hosts.get(parsed.host)!]
          : parsed.hosts.map((h) => deps.inventory.hosts.get(h)!);
      // Every host of a group must be allowed: a group is not a way around a host's rule.
      for (const host of hosts) {
        const decision = await deps.policy.canDiagnose(actor, host, deps.membership);
        if (!decision.allowed) {
          deps.metrics.commands.inc({ command: parsed.kind, outcome: 'refused' });
          await refuse(host, decision.reason);
          await reply(errorMessage({ kind: 'not-allowed', what: decision.reason, user: actor.userId }));
          return 'refused';
        }
      }
      const windowSec = (parsed.kind === 'diagnose' ? parsed.windowSec : undefined) ?? deps.defaultWindowSec;
      const progress = await client.chat.postMessage({
        channel: actor.channelId,
        ...diagnosisStartedMessage({
          target,
          hostCount: hosts.length,
          state: 'queued',
          requestedBy: actor.userId,
          windowSec,
        }),
      });
      try {
        const enqueued = await deps.queue.enqueueDiagnosis({
          target,
          windowSec,
          requestedBy: actor,
          reply: {
            channelId: actor.channelId,
            userId: actor.userId,
            responseUrl: command.response_url,
            ...(progress.ts ? { messageTs: progress.ts } : {}),
            view: parsed.kind === 'status' ? 'status' : 'report',
          },
        });
        const outcome = enqueued.deduplicated ? 'joined' : 'queued';
        deps.metrics.commands.inc({ command: parsed.kind, outcome });
        return outcome;
      } catch (err) {
        if (!(err instanceof QueueUnavailableError)) throw err;
        deps.metrics.commands.inc({ command: parsed.kind, outcome: 'queue-unavailable' });
        // Nothing was queued: say so in place of the progress message, so nobody waits for nothing.
        if (progress.ts) {
          await client.chat.update({
            channel: actor.channelId,
            ts: progress.ts,
            ...errorMessage({ kind: 'queue-unavailable' }),
          });
        } else {
          await reply(errorMessage({ kind: 'queue-unavailable' }));
        }
        return 'queue-unavailable';
      }
    }
  }
}
