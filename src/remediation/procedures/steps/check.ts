/**
 * The verification every action ends with: each pool answers its ping over FastCGI, and (where the
 * inventory names one) the web server's health URL answers 2xx/3xx. Asked again until it holds or
 * the deadline passes: a pool that was just reloaded or freed may need a moment.
 */
import type { StepOutcome } from '../../types.js';
import { type CheckResult, parseCheck } from './parse-check.js';
import type { PingPlan } from './ping-targets.js';
import { type ProcedureRun, pause } from './procedure-run.js';

/** Per ping and for the health URL: a pool that cannot answer in 3 s is not healthy. */
export const CHECK_TIMEOUT_SEC = 3;
const RETRY_MS = 500;

export interface CheckOutcome {
  ok: boolean;
  result?: CheckResult;
  /** The check itself could not run (connection lost, timeout). */
  error?: string;
  attempts: number;
}

/** A verify step's outcome, and whether it had nothing at all to check (then: "unverified"). */
export type VerifyOutcome = StepOutcome & { nothingToCheck: boolean };

export function checkPassed(r: CheckResult, healthUrl: string | undefined): boolean {
  return r.pings.every((p) => p.ok) && (healthUrl === undefined || r.health?.ok === true);
}

export async function checkUntil(
  run: ProcedureRun,
  plan: PingPlan,
  healthUrl: string | undefined,
  deadline: number,
): Promise<CheckOutcome> {
  const perCall = (plan.pools.length + 1) * (CHECK_TIMEOUT_SEC + 2) * 1000 + 5_000;
  let attempts = 0;
  let last: CheckOutcome = { ok: false, attempts, error: 'not run' };
  for (;;) {
    attempts++;
    const r = await run.phase(
      'check',
      [String(CHECK_TIMEOUT_SEC), healthUrl ?? 'none', ...plan.args],
      perCall,
    );
    if (r.ok) {
      const result = parseCheck(r.sections);
      last = { ok: checkPassed(result, healthUrl), result, attempts };
    } else {
      last = { ok: false, attempts, error: r.error ?? 'the check did not run' };
    }
    if (last.ok || Date.now() >= deadline || run.aborted) return last;
    await pause(RETRY_MS, run.ctx.signal);
  }
}

/**
 * The verification has nothing to ask: no pool can be pinged (no ping.path or pm.status_path, or
 * not safely) and, where the action uses one, there is no health URL. Such a run is never called
 * verified: a "check" of nothing always passes.
 */
export function nothingToCheck(plan: PingPlan, healthUrl: string | undefined): boolean {
  return plan.pools.length === 0 && healthUrl === undefined;
}

/**
 * "not verified: nothing to check (…why per pool…); to verify, set …": the outcome's words, with
 * the fix. `withHealth`: the action also checks the inventory's web.healthUrl.
 */
export function nothingToCheckText(plan: PingPlan, host: string, withHealth: boolean): string {
  const why = [
    ...plan.unchecked.map((u) => `pool ${u.pool}: ${u.why}`),
    ...(withHealth ? [`no web.healthUrl for ${host} in the inventory`] : []),
  ];
  const pools = plan.unchecked.map((u) => u.pool);
  const where = pools.length > 0 ? `pool${pools.length === 1 ? '' : 's'} ${pools.join(', ')}` : 'its pools';
  const fix =
    `set ping.path (e.g. ping.path = /ping) or pm.status_path in ${where}` +
    (withHealth ? `, or web.healthUrl for ${host} in the inventory` : '');
  return `not verified: nothing to check (${why.join('; ') || 'no pool found'}); to verify, ${fix}`;
}

/** "ping unixpool 4 ms, tcppool 3 ms", or which pool did not answer and why. */
export function describePings(c: CheckOutcome, plan: PingPlan): string {
  if (!c.result) return `check did not run: ${c.error ?? 'unknown error'}`;
  const parts: string[] = [];
  const good = c.result.pings.filter((p) => p.ok);
  if (good.length > 0) parts.push(`ping ${good.map((p) => `${p.pool} ${p.ms} ms`).join(', ')}`);
  for (const p of c.result.pings.filter((x) => !x.ok))
    parts.push(`ping ${p.pool} failed: ${p.detail ?? 'no answer'}`);
  for (const u of plan.unchecked) parts.push(`pool ${u.pool} not pinged: ${u.why}`);
  return parts.join('; ');
}

/** "health 200 in 12 ms", or why not. */
export function describeHealth(c: CheckOutcome, healthUrl: string | undefined): string {
  if (healthUrl === undefined) return 'health not checked (set web.healthUrl in the inventory)';
  const h = c.result?.health;
  if (!h) return `health not checked: ${c.error ?? 'no answer'}`;
  if (h.ok) return `health ${h.code} in ${h.ms} ms`;
  return `health failed: ${h.code ? `HTTP ${h.code}` : 'no answer'}${h.detail ? ` (${h.detail})` : ''}`;
}

/** "ping unixpool 4 ms, tcppool 3 ms; health 200 in 12 ms", or what did not answer. */
export function describeCheck(c: CheckOutcome, plan: PingPlan, healthUrl: string | undefined): string {
  if (!c.result) return `check did not run: ${c.error ?? 'unknown error'}`;
  return [describePings(c, plan), describeHealth(c, healthUrl)].filter(Boolean).join('; ');
}

/** What a reload or start verification asked the pools and the health URL, for its summary. */
export type PoolsCheck =
  | { asked: false; text: string }
  | {
      asked: true;
      ok: boolean;
      text: string;
      detail: {
        pings: { pool: string; ok: boolean; ms: number | undefined }[];
        health: { code: number | undefined; ms: number | undefined } | null;
      };
    };

/**
 * Each pool's ping and the host's health URL, asked until they answer or `deadline` (at least 5 s
 * from now) passes; `asked: false` when there is nothing to ask (never reported as verified).
 */
export async function checkPools(run: ProcedureRun, plan: PingPlan, deadline: number): Promise<PoolsCheck> {
  const { host } = run.ctx;
  const healthUrl = host.web.healthUrl;
  if (nothingToCheck(plan, healthUrl))
    return { asked: false, text: nothingToCheckText(plan, host.name, true) };
  const check = await checkUntil(run, plan, healthUrl, Math.max(deadline, Date.now() + 5_000));
  return {
    asked: true,
    ok: check.ok,
    text: describeCheck(check, plan, healthUrl),
    detail: {
      pings: check.result?.pings.map((p) => ({ pool: p.pool, ok: p.ok, ms: p.ms })) ?? [],
      health: check.result?.health ? { code: check.result.health.code, ms: check.result.health.ms } : null,
    },
  };
}
