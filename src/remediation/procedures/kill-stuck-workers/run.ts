/**
 * kill-stuck-workers: ends exactly the workers the diagnosis named, each only while it is still
 * the same process (pid, parent master, start time) busy on the same request (the connection it
 * accepted it on): the script checks all of it right before the signal. SIGTERM, then SIGKILL
 * after ~3 s. Workers that moved on are skipped and said so; if every one was, nothing changed and
 * the action is refused. Then the pools of the killed workers must answer their ping.
 */
import type { FpmPoolConfig } from '../../../facts/types.js';
import type { StuckWorker } from '../../../report/named-workers.js';
import type { ProcedureResult } from '../../types.js';
import { checkUntil, describePings, nothingToCheck, nothingToCheckText } from '../steps/check.js';
import { type Discovery, discoverForRun, discoveryProblem } from '../steps/discover.js';
import { pingPlan } from '../steps/ping-targets.js';
import type { ProcedureRun } from '../steps/procedure-run.js';
import { parseKill, type WorkerOutcome } from './parse.js';
import { killArgs } from './target.js';

/** Workers per script run: 5 arguments each, below the transport's 256-argument cap. */
const CHUNK = 40;
/** Per worker: ~3 s for SIGTERM, ~2 s for SIGKILL, plus the checks. */
const PER_WORKER_MS = 7_000;
const VERIFY_MS = 10_000;

export type Outcome = WorkerOutcome | { pid: number; result: 'skipped'; reason: 'invalid'; detail: string };

export function describeOutcome(o: Outcome, named?: StuckWorker): string {
  if (o.result === 'killed') return `${o.pid} killed (SIG${o.signal}, ${o.ms} ms)`;
  switch (o.reason) {
    case 'gone':
      return `${o.pid} gone (it exited since the diagnosis)`;
    case 'not-a-worker':
      return `${o.pid} is not a worker of master ${named?.masterPid ?? '?'} any more${o.ppid !== undefined ? ` (parent ${o.ppid}${o.title ? `, "${o.title}"` : ''})` : ''}`;
    case 'restarted': {
      const off = named && o.started !== undefined ? Math.round(o.started - named.startedAt) : undefined;
      return `${o.pid} restarted (this process started ${off === undefined ? 'at another time' : `${Math.abs(off)} s ${off > 0 ? 'after' : 'before'}`} the worker diagnosed: not the same one)`;
    }
    case 'moved-on':
      return `${o.pid} moved on (its request ended: it is idle or serving another one now)`;
    case 'survived':
      return `${o.pid} survived SIGTERM and SIGKILL`;
    case 'invalid':
      return `${o.pid} not checked: ${o.detail}`;
    default:
      return `${o.pid} not killed: ${o.detail ?? 'kill failed'}`;
  }
}

/** "killed 2 of 2 named workers (4102, 4103)", with what happened to the others. */
export function describeKills(outcomes: readonly Outcome[], named: readonly StuckWorker[]): string {
  const killed = outcomes.filter((o) => o.result === 'killed');
  const byPid = new Map(named.map((w) => [w.pid, w]));
  const skipped = outcomes.filter((o) => o.result !== 'killed');
  let text = `killed ${killed.length} of ${named.length} named worker${named.length === 1 ? '' : 's'}`;
  if (killed.length > 0) text += ` (${killed.map((o) => o.pid).join(', ')})`;
  if (skipped.length > 0)
    text += `; skipped ${skipped.map((o) => describeOutcome(o, byPid.get(o.pid))).join('; ')}`;
  return text;
}

/** The pools to ping afterwards: those of the killed workers, as discovery found them. */
export function poolsToVerify(
  killed: readonly StuckWorker[],
  pools: readonly FpmPoolConfig[],
): { pools: FpmPoolConfig[]; missing: string[] } {
  const out: FpmPoolConfig[] = [];
  const missing: string[] = [];
  for (const key of new Set(killed.map((w) => `${w.masterPid} ${w.pool}`))) {
    const [master, name] = key.split(' ') as [string, string];
    const p = pools.find((x) => x.name === name && x.masterPid === Number(master));
    if (p) out.push(p);
    else missing.push(name);
  }
  return { pools: out, missing };
}

export async function killStuckWorkers(
  run: ProcedureRun,
  workers: readonly StuckWorker[],
): Promise<ProcedureResult> {
  const { host } = run.ctx;
  const outcomes: Outcome[] = [];
  const valid: { worker: StuckWorker; args: string[] }[] = [];
  let discovery: Discovery | undefined;

  const pre = await run.step('precheck', async () => {
    if (workers.length === 0) return { ok: false, summary: 'no workers named: nothing to kill' };
    for (const w of workers) {
      const a = killArgs(w);
      if (a.ok) valid.push({ worker: w, args: a.args });
      else outcomes.push({ pid: w.pid, result: 'skipped', reason: 'invalid', detail: a.why });
    }
    if (valid.length === 0) {
      return {
        ok: false,
        summary: `no named worker can be checked: ${outcomes.map((o) => describeOutcome(o)).join('; ')}`,
      };
    }
    // For the verification afterwards: where the pools listen and what answers their ping.
    discovery = await discoverForRun(run, host.fpm.config);
    const masters = [...new Set(valid.map((v) => v.worker.masterPid))];
    const running = masters.filter((m) => discovery!.masters.some((x) => x.pid === m));
    const note = discovery.unreachable
      ? `; discovery failed (${discoveryProblem(discovery)}), the pools cannot be pinged afterwards`
      : running.length < masters.length
        ? `; master ${masters.filter((m) => !running.includes(m)).join(', ')} not running any more`
        : '';
    return {
      ok: true,
      summary: `${valid.length} worker${valid.length === 1 ? '' : 's'} to check: ${valid.map((v) => `${v.worker.pid} (pool ${v.worker.pool}, ${v.worker.conn})`).join(', ')}${note}`,
      detail: { workers: valid.map((v) => v.worker.pid), masters },
    };
  });
  if (!pre.ok) return run.finish('refused', `${pre.summary}; nothing changed`);

  const killStep = await run.step('kill', async () => {
    const errors: string[] = [];
    for (let i = 0; i < valid.length; i += CHUNK) {
      const chunk = valid.slice(i, i + CHUNK);
      const r = await run.phase(
        'kill',
        chunk.flatMap((c) => c.args),
        chunk.length * PER_WORKER_MS + 10_000,
      );
      const got = parseKill(r.sections);
      outcomes.push(...got);
      if (got.some((o) => o.result === 'killed')) run.changed = true;
      if (!r.ok) {
        // A signal may have gone out for a worker we never heard back about.
        const unheard = chunk.filter((c) => !got.some((o) => o.pid === c.worker.pid));
        if (unheard.length > 0) run.changed = true;
        errors.push(
          `${r.error ?? 'the kill step did not finish'} (no answer for ${unheard.map((c) => c.worker.pid).join(', ') || 'none'})`,
        );
        break;
      }
    }
    const summary = describeKills(outcomes, workers) + (errors.length > 0 ? `; ${errors.join('; ')}` : '');
    return {
      ok: errors.length === 0,
      summary,
      detail: {
        killed: outcomes.filter((o) => o.result === 'killed').map((o) => o.pid),
        skipped: outcomes.filter((o) => o.result !== 'killed').map((o) => ({ pid: o.pid, reason: o.reason })),
      },
    };
  });

  const killedPids = new Set(outcomes.filter((o) => o.result === 'killed').map((o) => o.pid));
  if (killedPids.size === 0) {
    if (!killStep.ok) return run.finish('failed', killStep.summary);
    return run.finish('refused', `nothing killed: ${describeKills(outcomes, workers)}; nothing changed`);
  }
  if (!killStep.ok) return run.finish('failed', killStep.summary);

  const killed = workers.filter((w) => killedPids.has(w.pid));
  let unchecked = false;
  const verified = await run.step('verify', async () => {
    const target = poolsToVerify(killed, discovery?.pools ?? []);
    const plan = pingPlan(target.pools);
    if (target.missing.length === 0 && nothingToCheck(plan, undefined)) {
      // The pools are known and none can be asked: the kill happened, whether the pool serves
      // again is not known. A pool discovery did not find is a failure, below.
      unchecked = true;
      return {
        ok: false,
        summary: nothingToCheckText(plan, run.ctx.host.name, false),
        detail: { nothingToCheck: true, unchecked: plan.unchecked.map((u) => u.pool) },
      };
    }
    for (const name of target.missing) plan.unchecked.push({ pool: name, why: 'not found by discovery' });
    if (plan.pools.length === 0) {
      return {
        ok: false,
        summary: `cannot verify: no pool to ping (${plan.unchecked.map((u) => `${u.pool}: ${u.why}`).join('; ')})`,
      };
    }
    const check = await checkUntil(run, plan, undefined, Date.now() + VERIFY_MS);
    const pings = check.result?.pings ?? [];
    const summary =
      check.ok && plan.unchecked.length === 0
        ? pings.map((p) => `pool ${p.pool} answers ping in ${p.ms} ms`).join(', ')
        : describePings(check, plan);
    return {
      ok: check.ok && plan.unchecked.length === 0,
      summary,
      detail: { pings: pings.map((p) => ({ pool: p.pool, ok: p.ok, ms: p.ms })) },
    };
  });
  return run.finish(
    verified.ok ? 'done' : unchecked ? 'unverified' : 'failed',
    `${killStep.summary}; ${verified.summary}`,
  );
}
