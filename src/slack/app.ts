import { App, type SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Inventory, ResolvedHost } from '../config/inventory.js';
import type { Metrics } from '../http/metrics.js';
import type { Route } from '../http/routes.js';
import type { Policy } from '../policy/access-policy.js';
import type { GroupMembership } from '../policy/membership.js';
import { type DiagnosisQueues, QueueUnavailableError } from '../queue/index.js';
import type { ReportStore } from '../store/report-store.js';
import type { Logger } from '../util/logger.js';
import { parseRawEvidenceValue, RAW_EVIDENCE_ACTION_ID } from './blocks/action-value.js';
import type { SlackMessage } from './blocks/elements.js';
import { helpMessage, usageMessage } from './blocks/help.js';
import { hostsMessage } from './blocks/hosts.js';
import { diagnosisStartedMessage, errorMessage } from './blocks/progress.js';
import { rawEvidenceMessage } from './blocks/raw-evidence.js';
import { parseSlackCommand } from './command.js';
import { historyMessage } from './history-message.js';
import { rawOutputsForSlack } from './raw-outputs.js';

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
  defaultWindowSec: number;
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
    try {
      await handleCommand(args, deps);
    } catch (err) {
      deps.logger.error({ err }, 'slash command failed');
      await ephemeral(
        args.client,
        args.command.channel_id,
        args.command.user_id,
        errorMessage({ kind: 'failed', detail: (err as Error).message }),
      ).catch(() => {});
    }
  });

  app.action(RAW_EVIDENCE_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const userId = body.user.id;
    const channelId = body.channel?.id ?? '';
    const value = action.type === 'button' ? parseRawEvidenceValue(action.value ?? '') : null;
    const stored = value ? await deps.store.get(value.reportId) : undefined;
    if (!stored) {
      await ephemeral(
        client,
        channelId,
        userId,
        errorMessage({ kind: 'failed', detail: 'that report has expired; run the diagnosis again' }),
      );
      return;
    }
    const host = deps.inventory.hosts.get(stored.report.host);
    const decision = host
      ? await deps.policy.canDiagnose({ userId, channelId }, host, deps.membership)
      : undefined;
    if (!decision?.allowed) {
      await ephemeral(
        client,
        channelId,
        userId,
        errorMessage({ kind: 'not-allowed', what: decision?.reason ?? 'unknown host' }),
      );
      return;
    }
    // The clicker alone sees it, and only redacted: configs and logs carry secrets.
    const outputs = rawOutputsForSlack(stored.raw);
    await ephemeral(client, channelId, userId, rawEvidenceMessage({ host: stored.report.host, outputs }));
  });

  app.action(/^fpm-action:/, async ({ ack, body, client }) => {
    await ack();
    await ephemeral(
      client,
      body.channel?.id ?? '',
      body.user.id,
      errorMessage({
        kind: 'not-allowed',
        what: 'remediation actions are not enabled in this version: run the fix by hand (see the runbook)',
      }),
    );
  });

  app.error(async (err) => {
    deps.logger.error({ err }, 'slack app error');
  });
  return app;
}

type CommandArgs = SlackCommandMiddlewareArgs & { client: WebClient };

async function ephemeral(
  client: WebClient,
  channel: string,
  user: string,
  message: SlackMessage,
): Promise<void> {
  await client.chat.postEphemeral({ channel, user, ...message });
}

async function handleCommand({ command, client }: CommandArgs, deps: SlackAppDeps): Promise<void> {
  const actor = { userId: command.user_id, channelId: command.channel_id };
  const reply = (m: SlackMessage) => ephemeral(client, actor.channelId, actor.userId, m);
  const parsed = parseSlackCommand(command.text ?? '', deps.inventory);
  deps.metrics.commands.inc({ command: parsed.kind, outcome: 'received' });

  switch (parsed.kind) {
    case 'help':
      return reply(helpMessage());
    case 'usage-error':
      return reply(usageMessage(parsed.message));
    case 'unknown-target':
      return reply(
        errorMessage({ kind: 'unknown-target', target: parsed.target, suggestions: parsed.suggestions }),
      );
    case 'hosts':
      return reply(hostsMessage(deps.inventory));
    case 'history': {
      const host = deps.inventory.hosts.get(parsed.host)!;
      const decision = await deps.policy.canDiagnose(actor, host, deps.membership);
      if (!decision.allowed) return reply(errorMessage({ kind: 'not-allowed', what: decision.reason }));
      return reply(historyMessage(parsed.host, await deps.store.history(parsed.host)));
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
          return reply(errorMessage({ kind: 'not-allowed', what: decision.reason, user: actor.userId }));
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
            ...(progress.ts ? { messageTs: progress.ts } : {}),
            view: parsed.kind === 'status' ? 'status' : 'report',
          },
        });
        deps.metrics.commands.inc({
          command: parsed.kind,
          outcome: enqueued.deduplicated ? 'joined' : 'queued',
        });
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
      }
      return;
    }
  }
}
