/**
 * Runs an approved request on its hosts: the worker side of "exactly once". The request moves
 * approved → running by compare-and-set before anything touches a host, so a retried or
 * duplicated job finds it running (or finished) and does not act again. A job found "running" is
 * one whose worker died mid-action: it is marked interrupted and NOT re-run, since a reload or a
 * kill may be half done; people are told to look (the audit log has the step that was started).
 */

import { type AuditLog, type AuditWho, becomeDetail } from '../audit/index.js';
import type { Inventory, ResolvedHost } from '../config/inventory.js';
import type { Policy } from '../policy/access-policy.js';
import type { DiscoveryCache } from '../probes/discovery-cache.js';
import { redact } from '../redact/redact.js';
import type { HistoryEntry } from '../report/history.js';
import type { Transport } from '../transport/transport.js';
import { actionParams } from './actions.js';
import { AUTO_DEFAULTS } from './approvals.js';
import type { ActionGuards } from './guards.js';
import {
  type ActionRequest,
  auditWhere,
  type HostOutcome,
  oneEntryPerHost,
  type RequestHost,
  type RequestState,
} from './request.js';
import type { RequestStore } from './request-store.js';
import type { ActionParams, ProcedureContext, ProcedureResult, StepRunner } from './types.js';

export interface ExecuteDeps {
  inventory: Inventory;
  policy: Policy;
  requests: RequestStore;
  guards: ActionGuards;
  audit: AuditLog;
  runProcedure: (params: ActionParams, ctx: ProcedureContext) => Promise<ProcedureResult>;
  transportFor: (host: ResolvedHost) => Transport;
  addHistory: (entry: HistoryEntry) => Promise<void>;
  /** The host's kept discovery is dropped once an action ran there (it may have changed it). */
  discoveryCache?: DiscoveryCache;
  /** Tells the channel (the approval message and its thread) where the request now stands. */
  notify: (request: ActionRequest) => Promise<void>;
  now?: () => number;
}

/** A host's action must finish within this; the lease on the host outlives a dead worker by it. */
const HOST_LEASE_MS = 10 * 60_000;
/** A live run renews its lease every third of this; a dead one's lapses within it. */
const RUN_LEASE_MS = 15_000;

export async function executeRequest(
  requestId: string,
  deps: ExecuteDeps,
  opts: { signal?: AbortSignal } = {},
): Promise<ActionRequest | undefined> {
  const now = deps.now ?? Date.now;
  if (!(await takeRunOrSettle(requestId, deps))) {
    // Another executor is still on it (a duplicate delivery): it will report.
    return deps.requests.get(requestId);
  }
  const renew = setInterval(() => {
    deps.guards.renewRun(requestId, RUN_LEASE_MS).catch(() => {});
  }, RUN_LEASE_MS / 3);
  renew.unref();
  try {
    return await execute(requestId, deps, opts, now);
  } finally {
    clearInterval(renew);
    await deps.guards.releaseRun(requestId).catch(() => {});
  }
}

/**
 * Waits for the run lease. A live executor finishes (the request is then final: nothing to do
 * here); a dead one's lease lapses within RUN_LEASE_MS, and this executor takes over only to mark
 * the request interrupted. Gives up after two leases' time if a live run is still going.
 */
async function takeRunOrSettle(requestId: string, deps: ExecuteDeps): Promise<boolean> {
  const deadline = Date.now() + 2 * RUN_LEASE_MS;
  for (;;) {
    if (await deps.guards.takeRun(requestId, RUN_LEASE_MS)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function execute(
  requestId: string,
  deps: ExecuteDeps,
  opts: { signal?: AbortSignal },
  now: () => number,
): Promise<ActionRequest | undefined> {
  const start = await deps.requests.transition(requestId, ['approved'], 'running', {});
  if (!start.moved) {
    const r = start.request;
    if (r?.state !== 'running') return r; // finished already, or never approved: nothing to do
    const reason =
      'the worker running this action stopped before it finished (see `fpm-medic audit` for the step it ' +
      `had started); it was not run again because a change may be half made: run /fpm diagnose ${r.target} to see the state`;
    const t = await deps.requests.transition(requestId, ['running'], 'interrupted', {
      reason,
      finishedAt: now(),
    });
    if (t.moved) {
      await deps.audit.refused(
        { kind: 'action', who: whoOf(r), what: r.action, ...auditWhere(r), detail: { requestId } },
        `interrupted: ${reason}`,
      );
      await deps.notify(t.request!).catch(() => {});
    }
    return t.request;
  }
  const request = start.request!;
  const settings = deps.policy.approvalSettings(request.action) ?? AUTO_DEFAULTS;
  const maxAtOnce = Math.max(1, settings.maxHostsAtOnce);
  // Each host once, even in a record that lists one twice (stored before requests were built
  // one entry per host, or by hand): a second reload or kill on the same host is never intended.
  const hosts = oneEntryPerHost(request.hosts);
  const skipped = new Set((request.results ?? []).map((r) => r.host));
  const todo = hosts.filter((h) => !skipped.has(h.host));

  const entry = await deps.audit.begin({
    kind: 'action',
    who: whoOf(request),
    what: request.action,
    ...auditWhere(request),
    detail: {
      requestId,
      approvedBy: request.approvedBy,
      rule: request.approvalRule,
      hosts: todo.map((h) => h.host),
    },
  });
  await deps.notify(request).catch(() => {});

  const results = new Map<string, HostOutcome>((request.results ?? []).map((r) => [r.host, r]));
  let stopAfter: string | undefined;
  try {
    // Blast radius: K hosts at a time, and nothing new starts once one has not gone as planned.
    const queue = [...todo];
    const lanes = Array.from({ length: Math.min(maxAtOnce, queue.length) }, async () => {
      for (let h = queue.shift(); h; h = queue.shift()) {
        if (stopAfter || opts.signal?.aborted) {
          results.set(h.host, {
            host: h.host,
            outcome: 'not-run',
            summary: stopAfter
              ? `not run: stopped after ${stopAfter}`
              : 'not run: the worker is shutting down',
          });
          continue;
        }
        const outcome = await runOnHost(request, h, deps, maxAtOnce);
        results.set(h.host, outcome);
        // Not verified is not "gone as planned": the next hosts would be as blind.
        if (outcome.outcome !== 'done') stopAfter ??= `${h.host} ${STOP_WORDS[outcome.outcome]}`;
        if (outcome.outcome === 'refused') {
          await deps.guards.releaseCooldown(request.action, h.host, requestId).catch(() => {});
        }
      }
    });
    await Promise.all(lanes);
  } catch (err) {
    await entry.fail(err);
    const t = await deps.requests.transition(requestId, ['running'], 'failed', {
      reason: redact((err as Error).message),
      results: hosts.map(
        (h) => results.get(h.host) ?? { host: h.host, outcome: 'not-run', summary: 'not run' },
      ),
      finishedAt: now(),
    });
    await deps.notify(t.request ?? request).catch(() => {});
    return t.request;
  }

  const ordered = hosts.map(
    (h) => results.get(h.host) ?? { host: h.host, outcome: 'not-run' as const, summary: 'not run' },
  );
  const { state, reason } = finalState(ordered, stopAfter);
  await (state === 'failed'
    ? entry.fail(new Error(reason), { results: ordered })
    : entry.complete(`${state}: ${reason}`, { results: ordered }));
  const t = await deps.requests.transition(requestId, ['running'], state, {
    reason,
    results: ordered,
    finishedAt: now(),
  });
  await deps.notify(t.request ?? request).catch(() => {});
  return t.request;
}

async function runOnHost(
  request: ActionRequest,
  h: RequestHost,
  deps: ExecuteDeps,
  maxAtOnce: number,
): Promise<HostOutcome> {
  const host = deps.inventory.hosts.get(h.host);
  if (!host) return { host: h.host, outcome: 'refused', summary: `${h.host} is no longer in the inventory` };
  const busy = await deps.guards.lockHost(host.name, request.id, HOST_LEASE_MS);
  if (busy) {
    return {
      host: host.name,
      outcome: 'refused',
      summary: `another action (${busy}) is running on ${host.name}`,
    };
  }
  const slots: string[] = [];
  try {
    for (const group of host.groups) {
      const holders = await deps.guards.acquireGroupSlot(group, host.name, maxAtOnce, HOST_LEASE_MS);
      if (holders.length) {
        return {
          host: host.name,
          outcome: 'refused',
          summary: `${holders.length} host(s) of group ${group} are being acted on already (${holders.join(', ')}); at most ${maxAtOnce} at once`,
        };
      }
      slots.push(group);
    }
    const step: StepRunner = async (name, run) => {
      const e = await deps.audit.begin({
        kind: 'action',
        who: whoOf(request),
        what: `${request.action} ${name}`,
        host: host.name,
        target: request.target,
        detail: { requestId: request.id, step: name, ...becomeDetail([host]) },
      });
      try {
        const out = await run();
        await e.complete(out.ok ? 'ok' : 'not ok', { summary: out.summary, ...(out.detail ?? {}) });
        return out;
      } catch (err) {
        await e.fail(err);
        throw err;
      }
    };
    const params = actionParams(request.action, h);
    const transport = deps.transportFor(host);
    let result: ProcedureResult;
    try {
      result = await deps.runProcedure(params, { transport, host, step });
    } catch (err) {
      result = {
        action: request.action,
        host: host.name,
        outcome: 'failed',
        changed: true,
        summary: `the procedure stopped with an error: ${redact((err as Error).message)}`,
        steps: [],
        durationMs: 0,
      };
    } finally {
      await transport.close().catch(() => {});
      // Whatever the outcome: a reload, a start or a rolled-back write all change what discovery sees.
      await deps.discoveryCache?.invalidate(host.name).catch(() => {});
    }
    await deps
      .addHistory({
        time: Math.floor(Date.now() / 1000),
        kind: 'action',
        host: host.name,
        text: `${request.action} ${result.outcome}: ${result.summary}`,
        ...(request.approvedBy ? { by: request.approvedBy } : {}),
      })
      .catch(() => {});
    return { host: host.name, outcome: result.outcome, summary: result.summary, steps: result.steps };
  } finally {
    for (const g of slots) await deps.guards.releaseGroupSlot(g, host.name).catch(() => {});
    await deps.guards.unlockHost(host.name, request.id).catch(() => {});
  }
}

const STOP_WORDS: Record<Exclude<HostOutcome['outcome'], 'done'>, string> = {
  failed: 'failed',
  refused: 'was refused',
  unverified: 'could not be verified',
  'not-run': 'was not run',
};

export function finalState(
  results: readonly HostOutcome[],
  stopAfter: string | undefined,
): { state: RequestState; reason: string } {
  const count = (o: HostOutcome['outcome']) => results.filter((r) => r.outcome === o).length;
  const one = results.length === 1 ? results[0] : undefined;
  if (one) {
    const state: RequestState = one.outcome === 'not-run' ? 'refused' : one.outcome;
    return { state, reason: one.summary };
  }
  const parts = (['done', 'unverified', 'failed', 'refused', 'not-run'] as const)
    .filter((o) => count(o) > 0)
    .map((o) => `${count(o)} ${o === 'unverified' ? 'not verified (nothing to check)' : o}`);
  const text = `${parts.join(', ')}${stopAfter ? ` (stopped after ${stopAfter})` : ''}`;
  const acted = count('done') + count('unverified');
  if (count('done') === results.length) return { state: 'done', reason: text };
  // Every host acted on, some without anything to check: not "done", not a failure either.
  if (acted === results.length) return { state: 'unverified', reason: text };
  if (count('failed') > 0 || acted > 0) return { state: 'failed', reason: text };
  return { state: 'refused', reason: text };
}

function whoOf(r: ActionRequest): AuditWho {
  return {
    ...(r.approvedBy ? { userId: r.approvedBy } : {}),
    ...(r.channelId ? { channelId: r.channelId } : {}),
    source: r.source,
  };
}
