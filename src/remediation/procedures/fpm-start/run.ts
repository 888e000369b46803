/**
 * fpm-start: starts a stopped FPM. Precheck (refused while a master for the config runs: that is
 * a reload's job), config test (refused on failure), start, then a verification: a master for the
 * config runs, its pools listen, each answers its ping, and the health URL answers.
 */
import { parseEndpoint, reaches } from '../../../analysis/address.js';
import type { FpmPoolConfig, SocketListener } from '../../../facts/types.js';
import type { ProcedureResult } from '../../types.js';
import { checkPools, type VerifyOutcome } from '../steps/check.js';
import { configTestStep } from '../steps/config-test.js';
import { discoverForRun, discoveryProblem } from '../steps/discover.js';
import { type CommandRun, parseCommandRun } from '../steps/parse-command-run.js';
import { pingPlan } from '../steps/ping-targets.js';
import { clip, commandLimitSec, type ProcedureRun, pause, seconds } from '../steps/procedure-run.js';
import { parseStartPrecheck } from './parse.js';
import { pickStart, type StartPlan } from './target.js';

const PRECHECK_TIMEOUT_MS = 30_000;
const STATE_TIMEOUT_MS = 10_000;
const VERIFY_MS = 20_000;
const POLL_MS = 250;

/** Pools with no listener on their address (unix path or host:port). */
export function poolsNotListening(
  pools: readonly FpmPoolConfig[],
  listeners: readonly SocketListener[],
): string[] {
  return pools
    .filter(
      (p) =>
        !listeners.some((l) => {
          const addr = parseEndpoint(l.address);
          return addr !== undefined && reaches(addr, p.listen);
        }),
    )
    .map((p) => p.name);
}

async function verifyStart(run: ProcedureRun, plan: StartPlan): Promise<VerifyOutcome> {
  const { signal } = run.ctx;
  const started = Date.now();
  const deadline = started + VERIFY_MS;
  let master: number | undefined;
  let error: string | undefined;
  for (;;) {
    const r = await run.phase('state', [], STATE_TIMEOUT_MS);
    const state = r.ok ? parseStartPrecheck(r.sections) : undefined;
    if (!state) error = r.error ?? 'the state phase printed nothing';
    const fresh = state?.masters.filter((m) => !plan.runningBefore.includes(m.pid)) ?? [];
    // The title names the config it was started with; a custom start command may spell it otherwise.
    master = (fresh.find((m) => m.config === plan.config) ?? (fresh.length === 1 ? fresh[0] : undefined))
      ?.pid;
    if (master !== undefined || Date.now() >= deadline || signal?.aborted) break;
    await pause(POLL_MS, signal);
  }
  if (master === undefined) {
    return {
      ok: false,
      nothingToCheck: false,
      summary: `no FPM master for ${plan.config} after ${seconds(Date.now() - started)}${error ? ` (${error})` : ''}`,
    };
  }
  const d = await discoverForRun(run, plan.config);
  const pools = d.pools.filter((p) => p.masterPid === master);
  if (pools.length === 0) {
    return {
      ok: false,
      nothingToCheck: false,
      summary: `master ${master} runs, but its pools could not be read: ${discoveryProblem(d)}`,
      detail: { master },
    };
  }
  const silent = poolsNotListening(pools, d.listeners);
  const ping = pingPlan(pools);
  const listening = `master ${master}, ${pools.length - silent.length} of ${pools.length} pools listening${silent.length > 0 ? ` (not: ${silent.join(', ')})` : ''}`;
  const check = await checkPools(run, ping, deadline);
  if (!check.asked) {
    // Listening is not answering: without a ping, status path or health URL nothing was asked.
    return {
      ok: false,
      nothingToCheck: silent.length === 0,
      summary: `${listening}; ${check.text}`,
      detail: { master, pools: pools.map((p) => p.name), notListening: silent, nothingToCheck: true },
    };
  }
  return {
    ok: silent.length === 0 && check.ok,
    nothingToCheck: false,
    summary: `${listening}; ${check.text}`,
    detail: { master, pools: pools.map((p) => p.name), notListening: silent, ...check.detail },
  };
}

export async function fpmStart(run: ProcedureRun): Promise<ProcedureResult> {
  const { host } = run.ctx;

  let plan: StartPlan | undefined;
  const pre = await run.step('precheck', async () => {
    const r = await run.phase('precheck', [host.fpm.config ?? 'none'], PRECHECK_TIMEOUT_MS);
    const found = r.ok ? parseStartPrecheck(r.sections) : undefined;
    if (!found) return { ok: false, summary: `could not look at the host: ${r.error ?? 'no answer'}` };
    const picked = pickStart(found, host);
    // Whoever approves should see what calls itself FPM on this host and was not counted.
    const ignored = found.ignored.length > 0 ? ` (${found.ignored.join('; ')})` : '';
    if (!picked.ok)
      return {
        ok: false,
        summary: `${picked.summary}${ignored}`,
        detail: { running: found.masters.map((m) => m.pid), ignored: found.ignored },
      };
    plan = picked.target;
    return {
      ok: true,
      summary: `FPM is not running for ${plan.config}; will start it with ${plan.label}${ignored}`,
      detail: { config: plan.config, exe: plan.exe, method: plan.method, ignored: found.ignored },
    };
  });
  if (!plan) return run.finish('refused', `${pre.summary}; nothing changed`);

  const p = plan;
  const { test, outcome: tested } = await configTestStep(run, p.exe, p.config);
  if (!test.ok) return run.finish('refused', `${tested.summary}; start refused, nothing changed`);

  let started: CommandRun | undefined;
  const start = await run.step('start', async () => {
    const limit = commandLimitSec(host.commandTimeoutMs);
    const r = await run.phase('start', [String(limit), ...p.args], (limit + 10) * 1000);
    started = parseCommandRun(r.sections, 'start');
    // The command ran (or may have, if we never heard back): the host may have changed.
    run.changed = true;
    if (!started) return { ok: false, summary: `start did not report back: ${r.error ?? 'no answer'}` };
    const said = started.output.length > 0 ? `: ${clip(started.output.slice(-3).join(' | '))}` : '';
    if (started.rc !== 0) {
      return {
        ok: false,
        summary: `${p.label} failed (exit ${started.rc}${started.rc === 124 ? ', cut off at its time limit' : ''})${said}`,
        detail: { method: p.method, rc: started.rc },
      };
    }
    return {
      ok: true,
      summary: `started with ${p.label} (${started.ms} ms)`,
      detail: { method: p.method, rc: 0 },
    };
  });
  if (!start.ok) return run.finish('failed', `${tested.summary}; ${start.summary}`);

  let unchecked = false;
  const verified = await run.step('verify', async () => {
    const v = await verifyStart(run, p);
    unchecked = v.nothingToCheck;
    return v;
  });
  return run.finish(
    verified.ok ? 'done' : unchecked ? 'unverified' : 'failed',
    `config test passed; started with ${p.label}; ${verified.summary}; ${run.elapsed()}`,
  );
}
