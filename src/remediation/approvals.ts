/**
 * Asking for an action, approving, rejecting: the decisions between a button click and a queued
 * action (DESIGN.md rule 3: nothing changes a host without an approval the policy allows). Slack
 * handlers and auto-remediation call this; it decides, records, and says what happened, and the
 * caller renders it. Every decision is in the audit log before its effect (rule 5).
 */

import type { AuditLog, AuditWho } from '../audit/index.js';
import type { Inventory, ResolvedHost } from '../config/inventory.js';
import { type ApprovalSettings, DEFAULT_APPROVAL_SETTINGS, type Policy } from '../policy/access-policy.js';
import type { GroupMembership } from '../policy/membership.js';
import type { Actor } from '../policy/rules.js';
import { redact } from '../redact/redact.js';
import type { ActionId } from '../runbooks/ids.js';
import { actionSpec } from './actions.js';
import type { ActionGuards } from './guards.js';
import {
  type ActionRequest,
  auditWhere,
  type HostOutcome,
  oneEntryPerHost,
  type RequestHost,
  requestIdFor,
} from './request.js';
import type { RequestStore } from './request-store.js';

export interface ApprovalDeps {
  inventory: Inventory;
  policy: Policy;
  membership: GroupMembership;
  requests: RequestStore;
  guards: ActionGuards;
  audit: AuditLog;
  /** Queues the approved request (job id = request id, so a repeat is a no-op). */
  enqueue: (requestId: string) => Promise<void>;
  now?: () => number;
}

export interface ActionAsk {
  actor: Actor;
  source: 'slack' | 'alert';
  action: ActionId;
  runbook: string;
  target: string;
  hosts: RequestHost[];
  threadTs?: string;
}

export type AskOutcome =
  | { kind: 'refused'; reason: string }
  /** Someone already asked for this action from this report: here is where it stands. */
  | { kind: 'exists'; request: ActionRequest }
  | { kind: 'created'; request: ActionRequest; selfApprove: boolean };

export type ApproveOutcome =
  | { kind: 'refused'; reason: string; request?: ActionRequest }
  | { kind: 'already'; request: ActionRequest }
  | { kind: 'expired'; request: ActionRequest; reason: string }
  | { kind: 'cooldown'; request: ActionRequest; reason: string }
  | { kind: 'approved'; request: ActionRequest };

export type RejectOutcome =
  | { kind: 'refused'; reason: string }
  | { kind: 'already'; request: ActionRequest }
  | { kind: 'rejected'; request: ActionRequest };

/**
 * Auto-remediation is enabled by its own policy entry; an action with no `actions:` entry of its
 * own still gets the defaults' expiry, cooldown and blast radius.
 */
export const AUTO_DEFAULTS: ApprovalSettings = { ...DEFAULT_APPROVAL_SETTINGS, requireSecondPerson: false };

/** The longest diff an approval message shows whole (Slack: 10,000 characters a message, with room). */
export const REVIEWABLE_DIFF_CHARS = 8_000;

const minutesText = (ms: number) => `${Math.max(1, Math.round(ms / 60_000))} min`;

export class Approvals {
  private readonly now: () => number;

  constructor(private readonly deps: ApprovalDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * A click on a report's action button (or an alert's auto-remediation, with `auto`). A created
   * request is pending; `selfApprove` says the asker's click may also be its approval (the action
   * does not require a second person, or the policy's auto-remediation approves it): the caller
   * then calls approve() with the same actor once the request is posted.
   */
  async ask(asked: ActionAsk, auto?: { rule: string }): Promise<AskOutcome> {
    const { policy } = this.deps;
    // The targets are decided here, once: each host once (its newest report), so nothing after
    // this (cooldown, execution, the request's id) can see a host twice.
    const ask: ActionAsk = { ...asked, hosts: oneEntryPerHost(asked.hosts) };
    const kept = new Set(ask.hosts.map((h) => h.reportId));
    const superseded = asked.hosts.map((h) => h.reportId).filter((id) => !kept.has(id));
    const who = whoOf(ask.actor, ask.source);
    const base = { kind: 'approval' as const, who, what: `request ${ask.action}`, ...auditWhere(ask) };
    const refuse = async (reason: string): Promise<AskOutcome> => {
      await this.deps.audit.refused({ ...base, kind: 'refusal', detail: { runbook: ask.runbook } }, reason);
      return { kind: 'refused', reason };
    };

    const settings = policy.approvalSettings(ask.action) ?? (auto ? AUTO_DEFAULTS : undefined);
    const hosts = this.hostsOf(ask.hosts);
    if (!hosts) return refuse(`${ask.target} is no longer in the inventory`);
    if (!settings) {
      // The policy's own words: "nobody may approve ... (set FPM_MEDIC_POLICY ...)".
      const d = await policy.canApprove(ask.actor, hosts[0]!, this.deps.membership, {
        action: ask.action,
        requestedBy: ask.actor.userId,
      });
      return refuse(d.reason);
    }
    const targets = actionSpec(ask.action).targets;
    if (targets === 'workers' && ask.hosts.every((h) => !h.workers?.length)) {
      return refuse(
        'the report names no stuck worker that can be checked again before killing it: run a fresh diagnosis',
      );
    }
    if (targets === 'patch') {
      // A person reads the diff and approves it: never the policy's auto-remediation.
      if (auto) return refuse(`${ask.action} is never automatic: a person approves each config diff`);
      if (ask.hosts.some((h) => !h.patch?.changes.length)) {
        return refuse('the report computed no config patch for this finding: nothing to apply');
      }
      const chars = ask.hosts.reduce(
        (n, h) => n + (h.patch?.files ?? []).reduce((m, f) => m + f.diff.length, 0),
        0,
      );
      if (chars > REVIEWABLE_DIFF_CHARS) {
        return refuse(
          `the patch is ${chars} characters, more than an approval message shows whole: review it with \`fpm-medic diagnose ${ask.target} --patch\` and apply it by hand`,
        );
      }
    }
    const now = this.now();
    const oldest = Math.min(...ask.hosts.map((h) => h.reportAt));
    const ttlMs = settings.approvalTtlMinutes * 60_000;
    if (now - oldest > ttlMs) {
      return refuse(
        `this report is ${minutesText(now - oldest)} old and ${ask.action} needs one under ` +
          `${settings.approvalTtlMinutes} min: run /fpm diagnose ${ask.target} again and use its buttons`,
      );
    }
    if (!auto) {
      for (const host of hosts) {
        const d = await policy.canDiagnose(ask.actor, host, this.deps.membership);
        if (!d.allowed) return refuse(d.reason);
      }
    }

    const request: ActionRequest = {
      id: requestIdFor(
        ask.action,
        ask.hosts.map((h) => h.reportId),
      ),
      action: ask.action,
      runbook: ask.runbook,
      target: ask.target,
      hosts: ask.hosts,
      source: ask.source,
      requestedBy: ask.actor.userId,
      channelId: ask.actor.channelId,
      ...(ask.threadTs ? { threadTs: ask.threadTs } : {}),
      requestedAt: now,
      expiresAt: oldest + ttlMs,
      state: 'pending',
    };
    const entry = await this.deps.audit.begin({
      ...base,
      detail: {
        requestId: request.id,
        runbook: ask.runbook,
        reports: ask.hosts.map((h) => h.reportId),
        ...(superseded.length ? { superseded } : {}),
      },
    });
    const created = await this.deps.requests.create(request);
    if (!created.created) {
      await entry.complete(`exists: ${created.request.state}`, { requestId: request.id });
      return { kind: 'exists', request: created.request };
    }
    await entry.complete('pending', { requestId: request.id });
    // The caller posts the request where people see it before approving it on the asker's behalf,
    // so the message exists before any worker reports on it.
    return {
      kind: 'created',
      request: created.request,
      selfApprove: auto !== undefined || !settings.requireSecondPerson,
    };
  }

  /** A click on Approve. `auto`: the policy's autoRemediation entry approves, no person does. */
  async approve(requestId: string, actor: Actor, auto?: { rule: string }): Promise<ApproveOutcome> {
    const { requests, audit } = this.deps;
    const request = await requests.get(requestId);
    const source = request?.source ?? 'slack';
    const who = whoOf(actor, source);
    const base = {
      kind: 'approval' as const,
      who,
      what: `approve ${request?.action ?? 'action'}`,
      ...(request ? auditWhere(request) : {}),
    };
    const refuse = async (reason: string, r?: ActionRequest): Promise<ApproveOutcome> => {
      await audit.refused({ ...base, kind: 'refusal', detail: { requestId } }, reason);
      return r ? { kind: 'refused', reason, request: r } : { kind: 'refused', reason };
    };
    if (!request)
      return refuse('this request is no longer known (requests are kept a week): run a fresh diagnosis');
    if (request.state !== 'pending') return { kind: 'already', request };

    if (this.now() > request.expiresAt) {
      const oldest = Math.min(...request.hosts.map((h) => h.reportAt));
      const reason =
        `the report is ${minutesText(this.now() - oldest)} old, past the approval limit: ` +
        `run /fpm diagnose ${request.target} again and request the action from the new report`;
      const t = await requests.transition(requestId, ['pending'], 'expired', { reason });
      if (!t.moved) return { kind: 'already', request: t.request ?? request };
      await audit.refused({ ...base, kind: 'refusal', detail: { requestId } }, `expired: ${reason}`);
      return { kind: 'expired', request: t.request!, reason };
    }

    const hosts = this.hostsOf(request.hosts);
    if (!hosts) return refuse(`${request.target} is no longer in the inventory`, request);
    let rule = auto?.rule;
    if (!auto) {
      for (const host of hosts) {
        const d = await this.deps.policy.canApprove(actor, host, this.deps.membership, {
          action: request.action,
          requestedBy: request.requestedBy,
        });
        if (!d.allowed) return refuse(d.reason, request);
        rule ??= d.rule ? (d.rule.name ?? d.rule.path) : undefined;
      }
    }

    const entry = await audit.begin({ ...base, detail: { requestId, rule } });
    const now = this.now();
    const t = await requests.transition(requestId, ['pending'], 'approved', {
      approvedBy: actor.userId,
      approvedAt: now,
      ...(rule ? { approvalRule: rule } : {}),
    });
    if (!t.moved) {
      await entry.complete(`already ${t.request?.state ?? 'gone'}`);
      return { kind: 'already', request: t.request ?? request };
    }
    const approved = t.request!;

    // Cooldown: of concurrent approvals for one host and action, one proceeds.
    const settings = this.deps.policy.approvalSettings(request.action) ?? AUTO_DEFAULTS;
    const minutes = settings.cooldownMinutes;
    const held: string[] = [];
    const cooling: HostOutcome[] = [];
    for (const h of oneEntryPerHost(request.hosts)) {
      const c = await this.deps.guards.acquireCooldown(request.action, h.host, minutes, {
        requestId,
        by: actor.userId,
        at: now,
      });
      if (c.acquired) held.push(h.host);
      else
        cooling.push({
          host: h.host,
          outcome: 'not-run',
          summary:
            `cooldown: ${request.action} was approved on ${h.host} ${minutesText(now - c.holder.at)} ago ` +
            `(request ${c.holder.requestId}); allowed again at ${new Date(c.untilMs).toISOString()}`,
        });
    }
    if (held.length === 0) {
      const reason = cooling.map((c) => c.summary).join('; ');
      const r = await requests.transition(requestId, ['approved'], 'refused', {
        reason,
        results: cooling,
        finishedAt: this.now(),
      });
      await entry.complete('refused: cooldown', { reason });
      return { kind: 'cooldown', request: r.request ?? approved, reason };
    }
    if (cooling.length) await requests.transition(requestId, ['approved'], 'approved', { results: cooling });

    try {
      await this.deps.enqueue(requestId);
    } catch (err) {
      const reason = `could not queue the action: ${redact((err as Error).message)}`;
      await requests.transition(requestId, ['approved'], 'failed', { reason, finishedAt: this.now() });
      for (const host of held) await this.deps.guards.releaseCooldown(request.action, host, requestId);
      await entry.fail(err);
      return { kind: 'refused', reason, request: approved };
    }
    await entry.complete('approved', { requestId, hosts: held });
    return { kind: 'approved', request: (await requests.get(requestId)) ?? approved };
  }

  async reject(requestId: string, actor: Actor): Promise<RejectOutcome> {
    const { requests, audit } = this.deps;
    const request = await requests.get(requestId);
    if (!request) return { kind: 'refused', reason: 'this request is no longer known' };
    if (request.state !== 'pending') return { kind: 'already', request };
    const hosts = this.hostsOf(request.hosts);
    // Rejecting is the requester's own right, and anyone's who could approve.
    if (actor.userId !== request.requestedBy && hosts) {
      for (const host of hosts) {
        const d = await this.deps.policy.canApprove(actor, host, this.deps.membership, {
          action: request.action,
          requestedBy: '',
        });
        if (!d.allowed) {
          await audit.refused(
            {
              kind: 'refusal',
              who: whoOf(actor, request.source),
              what: `reject ${request.action}`,
              ...auditWhere(request),
            },
            d.reason,
          );
          return { kind: 'refused', reason: d.reason.replace(/^approving/, 'rejecting') };
        }
      }
    }
    const entry = await audit.begin({
      kind: 'approval',
      who: whoOf(actor, request.source),
      what: `reject ${request.action}`,
      ...auditWhere(request),
      detail: { requestId },
    });
    const t = await requests.transition(requestId, ['pending'], 'rejected', {
      reason: `rejected by ${actor.userId}`,
      finishedAt: this.now(),
    });
    await entry.complete(t.moved ? 'rejected' : `already ${t.request?.state}`);
    return t.moved
      ? { kind: 'rejected', request: t.request! }
      : { kind: 'already', request: t.request ?? request };
  }

  private hostsOf(hosts: readonly RequestHost[]): ResolvedHost[] | undefined {
    const out: ResolvedHost[] = [];
    for (const h of hosts) {
      const r = this.deps.inventory.hosts.get(h.host);
      if (!r) return undefined;
      out.push(r);
    }
    return out.length ? out : undefined;
  }
}

function whoOf(actor: Actor, source: 'slack' | 'alert'): AuditWho {
  return {
    ...(actor.userId ? { userId: actor.userId } : {}),
    ...(actor.channelId ? { channelId: actor.channelId } : {}),
    ...(actor.teamId ? { teamId: actor.teamId } : {}),
    source,
  };
}
