/**
 * An action someone asked for from a report, and its life: pending → approved → running → a final
 * state. The record is the single source of truth for "did it already run, and how did it end":
 * every click, replay and retried job reads it and moves it on only by compare-and-set.
 */
import { createHash } from 'node:crypto';
import type { ConfigPatch } from '../fixes/index.js';
import type { StuckWorker } from '../report/named-workers.js';
import type { ActionId } from '../runbooks/ids.js';
import type { ProcedureResult } from './types.js';

export type RequestState =
  | 'pending'
  | 'approved'
  | 'running'
  | 'done'
  /** It ran, but nothing could be checked afterwards (ProcedureResult's outcome). */
  | 'unverified'
  | 'failed'
  | 'refused'
  | 'rejected'
  | 'expired'
  /** The worker running it died mid-action: not re-run (a change may be half made). */
  | 'interrupted';

export const FINAL_STATES: ReadonlySet<RequestState> = new Set([
  'done',
  'unverified',
  'failed',
  'refused',
  'rejected',
  'expired',
  'interrupted',
]);

/** One host an action is asked for, from the report that offered it. */
export interface RequestHost {
  host: string;
  reportId: string;
  /** The report's collectedAt, epoch ms: approvals expire with the evidence they rest on. */
  reportAt: number;
  /** kill-stuck-workers: the workers this report named. */
  workers?: StuckWorker[];
  /** apply-config: the finding's patch in this report, exactly as the approver is shown it. */
  patch?: ConfigPatch;
}

export interface HostOutcome {
  host: string;
  outcome: ProcedureResult['outcome'] | 'not-run';
  summary: string;
  steps?: ProcedureResult['steps'];
}

export interface ActionRequest {
  id: string;
  action: ActionId;
  runbook: string;
  /** The host, or the group a group report offered the action for. */
  target: string;
  hosts: RequestHost[];
  source: 'slack' | 'alert';
  /** Slack user id of the person who asked; `auto` for policy-driven auto-remediation. */
  requestedBy: string;
  channelId: string;
  /** The report message; the approval and the outcome go in its thread. */
  threadTs?: string;
  /** The approval message, updated as the request moves on. */
  messageTs?: string;
  requestedAt: number;
  /** No approval after this (epoch ms): the oldest report's time + the policy's TTL. */
  expiresAt: number;
  state: RequestState;
  approvedBy?: string;
  approvedAt?: number;
  /** Which rule allowed the approval, for the audit record. */
  approvalRule?: string;
  finishedAt?: number;
  /** Why it was refused, rejected or expired; or the outcome's one line. */
  reason?: string;
  results?: HostOutcome[];
}

/**
 * Clicking the same button of the same report twice (or replaying its payload) names the same
 * request: the id is derived from what was asked, not from the click.
 */
export function requestIdFor(action: ActionId, reportIds: readonly string[]): string {
  const h = createHash('sha256');
  h.update(action);
  for (const id of [...reportIds].sort()) h.update(`\0${id}`);
  return `rq-${h.digest('hex').slice(0, 24)}`;
}

/**
 * One entry per host: an action runs at most once on a host per request, whatever the request was
 * built from (a group button naming two reports of one host, a replayed or hand-made payload, a
 * record stored before this rule). Of several reports of one host the newest is kept: its evidence
 * is the freshest, and kill-stuck-workers re-checks the workers it names before acting anyway.
 */
export function oneEntryPerHost(hosts: readonly RequestHost[]): RequestHost[] {
  const byHost = new Map<string, RequestHost>();
  for (const h of hosts) {
    const kept = byHost.get(h.host);
    if (!kept || h.reportAt > kept.reportAt) byHost.set(h.host, h);
  }
  // First-seen order of the hosts, as the request listed them.
  return [...byHost.values()].sort(
    (a, b) => hosts.findIndex((h) => h.host === a.host) - hosts.findIndex((h) => h.host === b.host),
  );
}

/** The audit record's host (one host) and target (the host or group) of a request. */
export function auditWhere(r: { target: string; hosts: readonly RequestHost[] }): {
  host?: string;
  target: string;
} {
  const names = new Set(r.hosts.map((h) => h.host));
  return names.size === 1 ? { host: r.hosts[0]!.host, target: r.target } : { target: r.target };
}

export const REQUEST_ID_RE = /^rq-[0-9a-f]{24}$/;
