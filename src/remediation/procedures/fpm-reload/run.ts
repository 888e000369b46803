/**
 * fpm-reload: a graceful reload, never a restart. Fresh discovery (precheck), `php-fpm -t`
 * (config-test: a failure refuses the reload), the reload itself (the inventory's fpm.reload, else
 * systemd's reload for a master that is a service's main process, else SIGUSR2), and a
 * verification that polls until every old worker is gone, the pools have workers again, each pool
 * answers its ping and the health URL answers. Bounded by ~20 s plus process_control_timeout.
 */
import type { ProcedureResult, StepOutcome } from '../../types.js';
import { checkPools, type VerifyOutcome } from '../steps/check.js';
import { configTestStep } from '../steps/config-test.js';
import { discoverForRun } from '../steps/discover.js';
import { type BeforeReload, type CommandRun, parseReloadRun } from '../steps/parse-command-run.js';
import { pingPlan } from '../steps/ping-targets.js';
import { clip, commandLimitSec, type ProcedureRun, pause, seconds } from '../steps/procedure-run.js';
import { parseMasterState } from './parse.js';
import { type ReloadProgress, reloadProgress } from './progress.js';
import { pickReloadTarget, type ReloadTarget } from './target.js';

/** The verification's own share of the bound: the rest is process_control_timeout. */
const VERIFY_BASE_MS = 20_000;
const POLL_MS = 250;
const STATE_TIMEOUT_MS = 10_000;

function how(run: CommandRun, masterPid: number, words: readonly string[] | undefined): string {
  if (run.method === 'signal') return `SIGUSR2 to master ${masterPid}`;
  if (run.method === 'systemd') return `systemctl reload ${run.unit ?? ''}`.trim();
  return `\`${(words ?? []).join(' ')}\``;
}

export function describeProgress(p: ReloadProgress, before: BeforeReload, logReadable: boolean): string {
  const parts: string[] = [];
  const gone = before.workers.length - p.oldLeft.length;
  parts.push(`${gone} old worker${gone === 1 ? '' : 's'} gone, ${p.workers.length} new up`);
  // A daemonized master forks again after its re-exec: a new pid is normal there. Without FPM's
  // "Reloading in progress" it was something else (a reload command that restarts).
  if (p.masterReplaced) parts.push(`master pid ${before.masterPid} -> ${p.master}`);
  if (p.masterReplaced && logReadable && !p.logged.reloading) {
    parts.push('FPM logged no reload: the reload command seems to restart FPM');
  }
  return parts.join('; ');
}

function progressFailure(p: ReloadProgress | undefined, before: BeforeReload, error?: string): string {
  const parts: string[] = [];
  if (!p) return `could not read the master's state: ${error ?? 'no answer'}`;
  if (p.master === undefined)
    parts.push(`no FPM master serves the config any more (master ${before.masterPid} gone)`);
  if (p.oldLeft.length > 0) {
    parts.push(
      `${p.oldLeft.length} old worker${p.oldLeft.length === 1 ? '' : 's'} still running (pids ${p.oldLeft.map((w) => w.pid).join(', ')})`,
    );
  }
  for (const pool of p.poolsWithoutWorkers) parts.push(`pool ${pool} has no worker`);
  if (parts.length === 0) parts.push('FPM never logged the reload');
  return parts.join('; ');
}

export async function verifyReload(
  run: ProcedureRun,
  target: ReloadTarget,
  before: BeforeReload,
): Promise<VerifyOutcome> {
  const { signal } = run.ctx;
  const started = Date.now();
  const deadline = started + VERIFY_BASE_MS + target.processControlTimeoutSec * 1000;
  let progress: ReloadProgress | undefined;
  let logReadable = false;
  let error: string | undefined;
  const stateArgs = [String(before.masterPid), target.errorLog ?? 'none', String(before.logSize)];
  for (;;) {
    const r = await run.phase('state', stateArgs, STATE_TIMEOUT_MS);
    const state = r.ok ? parseMasterState(r.sections) : undefined;
    if (state) {
      progress = reloadProgress(before, state, target);
      logReadable = state.log.readable;
    } else error = r.error ?? 'the state phase printed nothing';
    if (progress?.done || Date.now() >= deadline || signal?.aborted) break;
    await pause(POLL_MS, signal);
  }
  const back =
    progress !== undefined &&
    progress.master !== undefined &&
    progress.oldLeft.length === 0 &&
    progress.poolsWithoutWorkers.length === 0;
  if (!back || !progress) {
    return {
      ok: false,
      nothingToCheck: false,
      summary: `reload not verified after ${seconds(Date.now() - started)}: ${progressFailure(progress, before, error)}`,
      detail: { oldLeft: progress?.oldLeft.map((w) => w.pid) ?? [], master: progress?.master ?? null },
    };
  }
  const plan = pingPlan(target.pools);
  const progressed = describeProgress(progress, before, logReadable);
  const check = await checkPools(run, plan, deadline);
  if (!check.asked) {
    // The workers were replaced, but whether the site answers was not asked: not "verified".
    return {
      ok: false,
      nothingToCheck: true,
      summary: `${progressed}; ${check.text}`,
      detail: { master: progress.master, nothingToCheck: true, unchecked: plan.unchecked.map((u) => u.pool) },
    };
  }
  return {
    ok: check.ok,
    nothingToCheck: false,
    summary: `${progressed}; ${check.text}`,
    detail: {
      master: progress.master,
      oldWorkers: before.workers.map((w) => w.pid),
      newWorkers: progress.workers.map((w) => w.pid),
      logged: progress.logged,
      ...check.detail,
    },
  };
}

/** The script's reload phase for `t` (not a step of its own: the caller's step audits it). */
export async function sendReload(run: ProcedureRun, t: ReloadTarget) {
  const { host } = run.ctx;
  const limit = commandLimitSec(host.commandTimeoutMs);
  const r = await run.phase(
    'reload',
    [String(t.masterPid), t.errorLog ?? 'none', String(limit), ...(host.fpm.reload ?? [])],
    (limit + 10) * 1000,
  );
  return { r, parsed: parseReloadRun(r.sections) };
}

/** What went out, once the reload step got past the script's own checks. */
export interface SentReload {
  before: BeforeReload;
  sent: CommandRun;
}

/**
 * The audited reload of `target`: the inventory's fpm.reload, systemd's reload or SIGUSR2, with
 * the workers right before it (what the verification compares with). fpm-reload and apply-config
 * both run it, after their config test.
 */
export async function reloadStep(
  run: ProcedureRun,
  target: ReloadTarget,
): Promise<{ outcome: StepOutcome; sent?: SentReload }> {
  const { host } = run.ctx;
  const t = target;
  let before: BeforeReload | undefined;
  let sent: CommandRun | undefined;
  const outcome = await run.step('reload', async () => {
    const { r, parsed } = await sendReload(run, t);
    before = parsed.before;
    sent = parsed.run;
    // Once the script got past its own check, the signal or command may have gone out even if we
    // never heard back: count the host as changed.
    if (sent || (parsed.before && !r.ok)) run.changed = true;
    if (!sent) {
      return { ok: false, summary: `reload not sent: ${r.error ?? parsed.problem ?? 'no answer'}` };
    }
    const said = sent.output.length > 0 ? `: ${clip(sent.output.slice(-3).join(' | '))}` : '';
    const what = how(sent, t.masterPid, host.fpm.reload);
    if (sent.rc !== 0) {
      return {
        ok: false,
        summary: `${what} failed (exit ${sent.rc}${sent.rc === 124 ? ', cut off at its time limit' : ''})${said}`,
        detail: { method: sent.method, rc: sent.rc },
      };
    }
    return {
      ok: true,
      summary: `reloaded with ${what} (${before?.workers.length ?? 0} workers before)`,
      detail: {
        method: sent.method,
        ...(sent.unit ? { unit: sent.unit } : {}),
        master: t.masterPid,
        workersBefore: before?.workers.map((w) => w.pid) ?? [],
      },
    };
  });
  const done = outcome.ok && before && sent ? { before, sent } : undefined;
  return done ? { outcome, sent: done } : { outcome };
}

/** The audited verification of a reload: `unchecked` when there was nothing to ask. */
export async function verifyStep(
  run: ProcedureRun,
  target: ReloadTarget,
  sent: SentReload,
): Promise<{ outcome: StepOutcome; unchecked: boolean }> {
  let unchecked = false;
  const outcome = await run.step('verify', async () => {
    const v = await verifyReload(run, target, sent.before);
    unchecked = v.nothingToCheck;
    return v;
  });
  return { outcome, unchecked };
}

/** "systemctl reload php8.2-fpm", "SIGUSR2": how the reload went out, for summaries. */
export function reloadHow(run: ProcedureRun, sent: SentReload, target: ReloadTarget): string {
  return how(sent.sent, target.masterPid, run.ctx.host.fpm.reload).replace(/ to master \d+$/, '');
}

export async function fpmReload(run: ProcedureRun): Promise<ProcedureResult> {
  const { ctx } = run;
  const { host } = ctx;

  let target: ReloadTarget | undefined;
  const pre = await run.step('precheck', async () => {
    const d = await discoverForRun(run, host.fpm.config);
    const picked = pickReloadTarget(d, host);
    // Whoever approves should see what calls itself FPM on this host and was not counted.
    const ignored = d.failures.filter((f) => f.reason === 'untrusted').map((f) => f.detail);
    const noted = ignored.length > 0 ? ` (${ignored.join('; ')})` : '';
    if (!picked.ok) return { ok: false, summary: `${picked.summary}${noted}` };
    target = picked.target;
    const t = picked.target;
    return {
      ok: true,
      summary: `master ${t.masterPid} (${t.config}), ${t.pools.length} pool${t.pools.length === 1 ? '' : 's'}: ${t.pools.map((p) => p.name).join(', ')}; process_control_timeout ${t.processControlTimeoutSec}s${noted}`,
      detail: {
        master: t.masterPid,
        exe: t.exe,
        config: t.config,
        pools: t.pools.map((p) => p.name),
        ignored,
      },
    };
  });
  if (!target) return run.finish('refused', `${pre.summary}; nothing changed`);

  const { test, outcome: tested } = await configTestStep(run, target.exe, target.config);
  if (!test.ok) return run.finish('refused', `${tested.summary}; reload refused, nothing changed`);

  const t = target;
  const reloaded = await reloadStep(run, t);
  if (!reloaded.sent) return run.finish('failed', `${tested.summary}; ${reloaded.outcome.summary}`);

  const verified = await verifyStep(run, t, reloaded.sent);
  const pct =
    t.processControlTimeoutSec === 0
      ? '; process_control_timeout is 0, so in-flight requests were cut off (set process_control_timeout = 10s in [global])'
      : '';
  const summary = `config test passed; reloaded with ${reloadHow(run, reloaded.sent, t)}; ${verified.outcome.summary}; ${run.elapsed()}${pct}`;
  return run.finish(verified.outcome.ok ? 'done' : verified.unchecked ? 'unverified' : 'failed', summary);
}
