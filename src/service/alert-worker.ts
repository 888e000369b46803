/**
 * Runs in every `serve` process: takes due work from the alert state (leased, so each item is done
 * by one process, and by another if that one dies) and does what needs Slack or the queue:
 *   gather:<id>    a gathering window closed: its incidents become threads (gather-plan.ts)
 *   announce:<id>  post the alert message, write the audit record, queue the triage
 *   update:<id>    refresh the alert message's counts; post resolutions in the thread
 *   unmapped:<fp>  post an alert that names no inventory host, once
 */
import type { WebClient } from '@slack/web-api';
import { parseDueMember } from '../alerts/alert-keys.js';
import type { AlertState, Claimed, ThreadState } from '../alerts/alert-state.js';
import { planThreads, triageTarget, triageWindowSec } from '../alerts/gather-plan.js';
import { newId } from '../alerts/intake.js';
import type { AuditLog } from '../audit/index.js';
import type { Inventory } from '../config/inventory.js';
import type { Metrics } from '../http/metrics.js';
import type { AlertRouting } from '../policy/alert-routing.js';
import type { DiagnosisQueues } from '../queue/index.js';
import { alertEventsMessage, alertThreadMessage } from '../slack/blocks/alert-thread.js';
import { threadEvents, threadView } from '../slack/blocks/alert-thread-view.js';
import { type UnmappedAlertView, unmappedAlertMessage } from '../slack/blocks/alert-unmapped.js';
import type { Logger } from '../util/logger.js';

export interface AlertWorkerDeps {
  state: AlertState;
  routing: AlertRouting;
  inventory: Pick<Inventory, 'hosts' | 'groups'>;
  slack: WebClient;
  queue: Pick<DiagnosisQueues, 'enqueueDiagnosis'>;
  audit: AuditLog;
  metrics: Metrics;
  logger: Logger;
  /** How often the due set is looked at when idle. */
  pollMs?: number;
  /** Resolves once Redis accepts commands: the first round waits for it. */
  ready?: Promise<void>;
  /** A work item that failed this many times is dropped (logged as an error); six times this for triages. */
  maxAttempts?: number;
  now?: () => number;
}

export interface AlertWorker {
  /** One round: claims due work and does it; resolves with how many items were taken. */
  tick(): Promise<number>;
  stop(): Promise<void>;
}

const BATCH = 32;
const PARALLEL = 8;

/** Slack errors that no retry fixes: the bot is not in the channel, or the message is gone. */
const CHANNEL_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'message_not_found',
  'cant_update_message',
  'restricted_action',
]);

function isChannelError(err: unknown): boolean {
  const code = (err as { data?: { error?: unknown } } | null)?.data?.error;
  return typeof code === 'string' && CHANNEL_ERRORS.has(code);
}

export function startAlertWorker(deps: AlertWorkerDeps): AlertWorker {
  const now = deps.now ?? Date.now;
  const pollMs = deps.pollMs ?? 200;
  const maxAttempts = deps.maxAttempts ?? 5;
  const { state, logger } = deps;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let lastIdleError = 0;

  async function handle(item: Claimed): Promise<void> {
    const due = parseDueMember(item.member);
    let version: number | undefined;
    try {
      if (due?.kind === 'gather') await gather(due.id);
      else if (due?.kind === 'announce') await announce(due.id);
      else if (due?.kind === 'update') version = await update(due.id);
      else if (due?.kind === 'unmapped') await unmapped(due.id);
      await state.done(item, now(), version);
    } catch (err) {
      // What carries a triage (gather, announce) is tried for longer: about half an hour.
      const limit = due?.kind === 'gather' || due?.kind === 'announce' ? maxAttempts * 6 : maxAttempts;
      if (item.attempts >= limit) {
        logger.error(
          { err, item: item.member, attempts: item.attempts },
          'alert work failed for good; dropped',
        );
        await state.done(item, now()).catch(() => {});
      } else {
        // Left leased: taken again when the lease ends.
        logger.warn({ err, item: item.member, attempts: item.attempts }, 'alert work failed; will retry');
      }
    }
  }

  async function gather(gatherId: string): Promise<void> {
    const pending = (await state.gathered(gatherId)).filter((i) => i.thread === '');
    const plan = planThreads(pending, deps.inventory).map((t) => ({
      id: newId(),
      channel: t.channel,
      incidents: t.incidents,
      ...(t.group ? { group: t.group } : {}),
    }));
    await state.commitGather(gatherId, plan, now());
  }

  const hostsOf = (thread: ThreadState) => [...new Set(thread.incidents.map((i) => i.host))];

  async function announce(threadId: string): Promise<void> {
    const thread = await state.thread(threadId);
    if (!thread || thread.incidents.length === 0) return;
    const hosts = hostsOf(thread);
    const { target, label } = triageTarget(hosts, thread.group || undefined, deps.inventory);
    let ts = thread.ts;
    if (!ts) {
      // Posted as "triage in the thread": queueing follows at once (or is retried).
      const message = alertThreadMessage({ ...threadView(thread, label), triage: 'queued' });
      let channel = thread.channel;
      let posted: { ts?: string };
      try {
        posted = await deps.slack.chat.postMessage({ channel, ...message });
      } catch (err) {
        // A routed channel the bot cannot post in must not lose the incident: the default one.
        if (!isChannelError(err) || channel === deps.routing.defaultChannel) throw err;
        logger.error(
          { err, channel, threadId },
          'cannot post in the routed channel; using alerts.defaultChannel',
        );
        channel = deps.routing.defaultChannel;
        posted = await deps.slack.chat.postMessage({ channel, ...message });
      }
      if (!posted.ts) throw new Error('Slack returned no ts for the alert message');
      ts = posted.ts;
      thread.channel = channel;
      await state.setThread(threadId, { ts, target, label, channel });
    }
    if (!thread.queued) {
      const at = now();
      const startsAt = Math.min(...thread.incidents.map((i) => i.startsAt ?? i.createdAt));
      const windowSec = triageWindowSec(startsAt, at, deps.routing.diagnosisWindowSec);
      const view = threadView(thread, label);
      const alertnames = view.names.map(([n]) => n).slice(0, 20);
      // On record before it is queued (DESIGN.md rule 5), as a slash command is.
      const entry = await deps.audit.begin({
        kind: 'command',
        who: { channelId: thread.channel, source: 'alert' },
        what: `alert ${view.alertname} -> diagnose ${label}`,
        target,
        ...(hosts.length === 1 ? { host: hosts[0]! } : {}),
        detail: { threadId, alerts: view.alerts, alertnames, hosts, windowSec },
      });
      try {
        const enqueued = await deps.queue.enqueueDiagnosis({
          target,
          windowSec,
          requestedBy: { userId: '', channelId: thread.channel },
          reply: { channelId: thread.channel, userId: '', threadTs: ts, alert: { threadId } },
          requestedAt: at,
          source: 'alert',
          alert: {
            threadId,
            channelId: thread.channel,
            threadTs: ts,
            label,
            alerts: view.alerts,
            alertnames,
          },
        });
        const outcome = enqueued.deduplicated ? 'joined' : 'queued';
        await entry.complete(outcome, { jobId: enqueued.jobId });
        await state.setThread(threadId, { queued: outcome });
        deps.metrics.alertTriages.inc({ hosts: hosts.length === 1 ? 'one' : 'group' });
      } catch (err) {
        await entry.fail(err);
        throw err;
      }
    }
    // Alerts that arrived while this was posted and queued, or an incident already resolved
    // while it gathered: an update now shows it and says so in the thread.
    const settled = thread.incidents.every((i) => i.firing === 0);
    if (settled || (await state.version(threadId)) !== thread.ver) await state.touchThread(threadId, now());
  }

  /** Returns the version rendered, so a change made meanwhile brings another round. */
  async function update(threadId: string): Promise<number | undefined> {
    const thread = await state.thread(threadId);
    if (!thread?.ts) return undefined; // not announced yet: announcing renders it
    const label = thread.label || thread.incidents[0]?.host || 'alert';
    try {
      await deps.slack.chat.update({
        channel: thread.channel,
        ts: thread.ts,
        ...alertThreadMessage(threadView(thread, label)),
      });
    } catch (err) {
      // Someone deleted the alert message, say: the thread lines below still matter.
      if (!isChannelError(err)) throw err;
      logger.warn({ err, threadId }, 'could not update the alert message');
    }
    const { events, allResolved } = threadEvents(thread, label, now());
    if (events.length > 0) {
      await deps.slack.chat.postMessage({
        channel: thread.channel,
        thread_ts: thread.ts,
        ...alertEventsMessage(events),
      });
    }
    await state.takeEvents(threadId, thread.events.length);
    if (allResolved) await state.setThread(threadId, { allResolved: String(now()) });
    return thread.ver;
  }

  async function unmapped(fingerprint: string): Promise<void> {
    const text = await state.unmapped(fingerprint);
    if (!text) return;
    const view = JSON.parse(text) as UnmappedAlertView & { channel: string };
    await deps.slack.chat.postMessage({ channel: view.channel, ...unmappedAlertMessage(view) });
  }

  async function tick(): Promise<number> {
    const items = await state.claim(now(), BATCH);
    for (let i = 0; i < items.length; i += PARALLEL) {
      await Promise.all(items.slice(i, i + PARALLEL).map(handle));
    }
    return items.length;
  }

  function schedule(delay: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().then(
        (n) => schedule(n >= BATCH ? 0 : pollMs),
        (err) => {
          // Redis away: say so now and then, keep trying.
          if (now() - lastIdleError > 60_000) {
            lastIdleError = now();
            logger.warn({ err }, 'alert worker cannot reach Redis; retrying');
          }
          schedule(pollMs * 5);
        },
      );
    }, delay);
  }
  void (deps.ready ?? Promise.resolve()).then(
    () => schedule(0),
    () => schedule(pollMs),
  );

  return {
    tick,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running.catch(() => {});
    },
  };
}
