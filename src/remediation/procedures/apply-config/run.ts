/**
 * apply-config: the patch a report computed (src/fixes), approved as the diff it is, written and
 * put in effect. Steps, each audited: precheck (fresh discovery: every file is one the FPM master
 * or the web server reads now, unchanged since the diagnosis and writable by root alone), backup
 * (next to each file), write, config test (php-fpm -t, nginx -t, apache2 -t: a failure restores
 * the backups before anything reloads), graceful reload of what changed with its verification (the
 * pools answer, php-fpm -tt shows the new values, the health URL answers), and on any failure after
 * the first write: rollback (the backups put back, what was reloaded reloaded again), reported as
 * "rolled back" with the error. listen.* is written but takes effect only when FPM restarts: a
 * reload keeps the listening socket, and a restart cuts requests, so it is left to people.
 */

import type { WebServerConfig } from '../../../facts/types.js';
import { FPM_GLOBAL_DIRECTIVES, FPM_POOL_DIRECTIVES, fpmNumber } from '../../../fixes/directives.js';
import type { ConfigChange, ConfigPatch } from '../../../fixes/index.js';
import type { ProcedureResult, StepOutcome } from '../../types.js';
import { reloadStep, sendReload, verifyReload, verifyStep } from '../fpm-reload/run.js';
import { pickReloadTarget, type ReloadTarget } from '../fpm-reload/target.js';
import { checkUntil, describeHealth } from '../steps/check.js';
import { configTestStep } from '../steps/config-test.js';
import { type Discovery, discoverForRun, discoveryProblem } from '../steps/discover.js';
import { pingPlan } from '../steps/ping-targets.js';
import { clip, commandLimitSec, type ProcedureRun, pause } from '../steps/procedure-run.js';
import { type FileWrite, planWrites } from './edits.js';
import { fileResult, parseWebReload, parseWebState, parseWebTest, type WebReload } from './parse.js';

const FILE_TIMEOUT_MS = 15_000;
const WEB_TEST_TIMEOUT_MS = 30_000;
const WEB_VERIFY_MS = 15_000;
const POLL_MS = 250;

/** 20261203T150405Z: the backups' suffix, one per run. */
export function utcStamp(now = new Date()): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
const isFpm = (c: ConfigChange) => c.reload === 'fpm' || c.reload === 'fpm-restart';

/** The web server the patch changes, as discovery found it now: it must be the kind and running. */
function webTarget(d: Discovery, kind: 'nginx' | 'apache'): WebServerConfig | string {
  const w = d.web;
  if (!w || w.kind !== kind) return `no ${kind} master found now, whose config the patch changes`;
  if (w.pid === undefined || !w.configPath) return `the ${kind} master's pid or config could not be read`;
  return w;
}

/** -tt's value for each FPM change that is not what it was set to. */
function valuesNotInEffect(target: ReloadTarget, changes: readonly ConfigChange[]): string[] {
  const off: string[] = [];
  for (const c of changes.filter(isFpm)) {
    const want = fpmNumber(c.to);
    let now: number | undefined;
    if (c.scope === 'global') {
      now = FPM_GLOBAL_DIRECTIVES[c.directive] ? target.processControlTimeoutSec : undefined;
    } else {
      const pool = target.pools.find((p) => p.name === c.scope);
      const read = FPM_POOL_DIRECTIVES[c.directive];
      now = pool && read ? read(pool) : undefined;
    }
    if (now !== want) off.push(`${c.scope} ${c.directive} is ${now ?? 'not set'}, not ${c.to}`);
  }
  return off;
}

export async function applyConfig(
  run: ProcedureRun,
  patch: ConfigPatch | undefined,
): Promise<ProcedureResult> {
  const { host } = run.ctx;
  const plan = planWrites(patch);
  const changes = patch?.changes ?? [];
  const fpmChanged = changes.some(isFpm);
  const webKind = changes.find((c) => c.reload === 'nginx' || c.reload === 'apache')?.reload as
    | 'nginx'
    | 'apache'
    | undefined;
  let fpm: ReloadTarget | undefined;
  let web: WebServerConfig | undefined;

  const pre = await run.step('precheck', async (): Promise<StepOutcome> => {
    if (!plan.ok) return { ok: false, summary: plan.problem };
    const d = await discoverForRun(run, host.fpm.config, { web: webKind !== undefined });
    if (d.unreachable) return { ok: false, summary: `could not look at the host: ${discoveryProblem(d)}` };
    const readBy = new Map<string, 'fpm' | 'web'>();
    if (fpmChanged) {
      const picked = pickReloadTarget(d, host);
      if (!picked.ok) return { ok: false, summary: picked.summary };
      fpm = picked.target;
      const master = fpm.masterPid;
      for (const f of d.configFiles)
        if (f.masterPid === master && f.role === 'fpm') readBy.set(f.path, 'fpm');
    }
    if (webKind) {
      const w = webTarget(d, webKind);
      if (typeof w === 'string') return { ok: false, summary: w };
      web = w;
      for (const f of w.files ?? []) if (!readBy.has(f.path)) readBy.set(f.path, 'web');
    }
    // Only a file the master or the web server reads now, for a change of that server.
    for (const c of changes) {
      const by = readBy.get(c.file);
      if (by !== (isFpm(c) ? 'fpm' : 'web')) {
        return {
          ok: false,
          summary: `${c.file} is not a config file ${isFpm(c) ? 'the FPM master' : `the ${webKind} master`} reads now: nothing written`,
        };
      }
    }
    const r = await run.phase(
      'precheck',
      plan.files.flatMap((f) => [f.path, f.sha256]),
      FILE_TIMEOUT_MS,
    );
    for (const f of plan.files) {
      const got = fileResult(r.sections, 'file', f.path);
      if (!got.ok) return { ok: false, summary: got.problem || r.error || `${f.path} could not be checked` };
    }
    const servers = [
      ...(fpm ? [`FPM master ${fpm.masterPid}`] : []),
      ...(web ? [`${web.kind} master ${web.pid}`] : []),
    ];
    return {
      ok: true,
      summary: `${plural(plan.files.length, 'file')} unchanged since the diagnosis and writable by root alone (${plan.files.map((f) => f.path).join(', ')}); ${servers.join(', ')}`,
      detail: {
        files: plan.files.map((f) => ({ path: f.path, sha256: f.sha256 })),
        fpm: fpm?.masterPid ?? null,
        web: web?.pid ?? null,
      },
    };
  });
  if (!pre.ok || !plan.ok) return run.finish('refused', `${pre.summary}; nothing changed`);

  const stamp = utcStamp();
  const backups: string[] = [];
  const backed = await run.step('backup', async () => {
    for (const f of plan.files) {
      const r = await run.phase('backup', [stamp, f.path, f.sha256], FILE_TIMEOUT_MS);
      const got = fileResult(r.sections, 'backup', f.path);
      if (!got.ok) return { ok: false, summary: `backup of ${f.path} failed: ${got.problem || r.error}` };
      backups.push(got.attrs['backup'] ?? '');
    }
    return { ok: true, summary: `backed up to ${backups.join(', ')}`, detail: { backups } };
  });
  if (!backed.ok) return run.finish('refused', `${backed.summary}; nothing written`);

  // Files that were (or may have been) written: what a rollback puts back. A file the script
  // refused to write (changed since the diagnosis) is not, or someone else's edit would be lost.
  const written: FileWrite[] = [];
  const reloaded = { fpm: false, web: false };
  const rollBack = (why: string) => rollback(run, { stamp, written, reloaded, web, backups }, why);

  const wrote = await run.step('write', async () => {
    for (const f of plan.files) {
      const r = await run.phase('write', [stamp, f.path, f.sha256, ...f.edits], FILE_TIMEOUT_MS);
      const got = fileResult(r.sections, 'write', f.path);
      if (!got.ok) {
        const refused = r.sections.some((s) => s.kind === 'error' && s.name === 'write');
        if (!refused) {
          written.push(f);
          run.changed = true;
        }
        return { ok: false, summary: `${f.path} not written: ${got.problem || r.error}` };
      }
      written.push(f);
      run.changed = true;
    }
    return {
      ok: true,
      summary: `${plural(changes.length, 'change')} written to ${plan.files.map((f) => f.path).join(', ')}`,
      detail: { changes: changes.map((c) => `${c.file}: ${c.newText.trim()}`) },
    };
  });
  if (!wrote.ok) {
    if (written.length === 0) return run.finish('refused', `${wrote.summary}; nothing changed`);
    return rollBack(wrote.summary);
  }

  if (fpm) {
    const { test, outcome } = await configTestStep(run, fpm.exe, fpm.config);
    if (!test.ok) return rollBack(outcome.summary);
  }
  if (web) {
    const w = web;
    const tested = await run.step('config-test', async () => {
      const r = await run.phase(
        'web-test',
        [w.kind, String(w.pid), w.configPath ?? '', w.startDir ?? 'none'],
        WEB_TEST_TIMEOUT_MS,
      );
      const t = parseWebTest(r.sections);
      const name = w.kind === 'nginx' ? 'nginx -t' : 'apache2 -t';
      if (t.ok) return { ok: true, summary: `${w.kind} config test passed (${name}, ${t.ms ?? 0} ms)` };
      if (!t.ran)
        return { ok: false, summary: `${w.kind} config test could not run: ${r.ok ? t.problem : r.error}` };
      const said = t.output.filter((l) => !/syntax is ok|Syntax OK/i.test(l)).slice(-3);
      return {
        ok: false,
        summary: `${w.kind} config test failed (exit ${t.rc}): ${clip(said.join(' | ') || `${name} gave no reason`, 400)}`,
        detail: { rc: t.rc ?? null, output: t.output.slice(-20) },
      };
    });
    if (!tested.ok) return rollBack(tested.summary);
  }

  const notes: string[] = [];
  let unchecked = false;
  if (fpm) {
    const t = fpm;
    const r = await reloadStep(run, t);
    reloaded.fpm = r.sent !== undefined || run.changed;
    if (!r.sent) return rollBack(r.outcome.summary);
    const v = await verifyStep(run, t, r.sent);
    unchecked = v.unchecked;
    if (!v.outcome.ok && !v.unchecked) return rollBack(v.outcome.summary);
    const values = await run.step('verify', async () => {
      const d = await discoverForRun(run, host.fpm.config);
      const now = pickReloadTarget(d, host);
      if (!now.ok)
        return { ok: false, summary: `php-fpm -tt could not be read after the reload: ${now.summary}` };
      const off = valuesNotInEffect(now.target, changes);
      if (off.length > 0) return { ok: false, summary: `not in effect in php-fpm -tt: ${off.join('; ')}` };
      return {
        ok: true,
        summary: `in effect in php-fpm -tt: ${changes
          .filter(isFpm)
          .map((c) => `${c.scope} ${c.directive} = ${c.to}`)
          .join(', ')}`,
      };
    });
    if (!values.ok) return rollBack(values.summary);
    notes.push(v.outcome.summary);
  }
  if (web) {
    const w = web;
    let sent: WebReload | undefined;
    const wr = await run.step('reload', async () => {
      const limit = commandLimitSec(host.commandTimeoutMs);
      const r = await run.phase(
        'web-reload',
        [w.kind, String(w.pid), String(limit), ...(host.web.reload ?? [])],
        (limit + 10) * 1000,
      );
      sent = parseWebReload(r.sections);
      if (sent.run || (sent.before && !r.ok)) reloaded.web = true;
      const cmd = sent.run;
      if (!cmd) return { ok: false, summary: `${w.kind} reload not sent: ${r.error ?? sent.problem}` };
      const how =
        cmd.method === 'signal'
          ? `${w.kind === 'nginx' ? 'SIGHUP' : 'SIGUSR1 (graceful)'} to master ${w.pid}`
          : cmd.method === 'systemd'
            ? `systemctl reload ${cmd.unit ?? ''}`
            : `\`${(host.web.reload ?? []).join(' ')}\``;
      if (cmd.rc !== 0)
        return {
          ok: false,
          summary: `${how} failed (exit ${cmd.rc}): ${clip(cmd.output.slice(-3).join(' | '))}`,
        };
      return { ok: true, summary: `${w.kind} reloaded with ${how}` };
    });
    if (!wr.ok || !sent?.before) return rollBack(wr.summary);
    const before = sent.before;
    const wv = await run.step('verify', () => verifyWebReload(run, w, before));
    if (!wv.ok) return rollBack(wv.summary);
    notes.push(wv.summary);
  }
  if (changes.some((c) => c.reload === 'fpm-restart')) {
    const names = [...new Set(changes.filter((c) => c.reload === 'fpm-restart').map((c) => c.directive))];
    notes.push(
      `${names.join(', ')} take${names.length === 1 ? 's' : ''} effect when FPM restarts (a reload keeps the listening socket): restart it in a quiet moment`,
    );
  }
  const summary = `${plural(changes.length, 'change')} applied to ${plural(plan.files.length, 'file')} (backups: ${backups.join(', ')}); ${notes.join('; ')}; ${run.elapsed()}`;
  return run.finish(unchecked ? 'unverified' : 'done', summary);
}

/** The web server's master is still there and has replaced its workers; then the health URL answers. */
async function verifyWebReload(
  run: ProcedureRun,
  web: WebServerConfig,
  before: NonNullable<WebReload['before']>,
): Promise<StepOutcome> {
  const deadline = Date.now() + WEB_VERIFY_MS;
  const old = new Set(before.children.map((c) => `${c.pid}:${c.ticks}`));
  let fresh = 0;
  let alive = false;
  for (;;) {
    const r = await run.phase('web-state', [web.kind, String(web.pid)], 10_000);
    const s = parseWebState(r.sections);
    alive = s?.alive === true && s.ticks === before.ticks;
    fresh = s ? s.children.filter((c) => !old.has(`${c.pid}:${c.ticks}`)).length : 0;
    if ((alive && fresh > 0) || !alive || Date.now() >= deadline || run.aborted) break;
    await pause(POLL_MS, run.ctx.signal);
  }
  if (!alive) return { ok: false, summary: `the ${web.kind} master ${web.pid} is gone after its reload` };
  if (fresh === 0)
    return {
      ok: false,
      summary: `${web.kind} started no new worker within ${WEB_VERIFY_MS / 1000} s of its reload`,
    };
  const url = run.ctx.host.web.healthUrl;
  const check = await checkUntil(run, pingPlan([]), url, Date.now() + 10_000);
  const health = describeHealth(check, url);
  return {
    ok: url === undefined || check.ok,
    summary: `${web.kind} master ${web.pid} runs ${plural(fresh, 'new worker')}; ${health}`,
  };
}

interface RollbackState {
  stamp: string;
  written: readonly FileWrite[];
  reloaded: { fpm: boolean; web: boolean };
  web: WebServerConfig | undefined;
  backups: readonly string[];
}

/** The backups back in place and, where a server had reloaded the patched files, reloaded again. */
async function rollback(run: ProcedureRun, s: RollbackState, why: string): Promise<ProcedureResult> {
  const { host } = run.ctx;
  const rb = await run.step('rollback', async () => {
    const problems: string[] = [];
    for (const f of s.written) {
      const r = await run.phase('restore', [s.stamp, f.path, f.sha256], FILE_TIMEOUT_MS);
      const got = fileResult(r.sections, 'restore', f.path);
      if (!got.ok) problems.push(`${f.path} not restored: ${got.problem || r.error}`);
    }
    const again: string[] = [];
    if (problems.length === 0 && s.reloaded.fpm) {
      const d = await discoverForRun(run, host.fpm.config);
      const picked = pickReloadTarget(d, host);
      if (!picked.ok) problems.push(`FPM not reloaded again: ${picked.summary}`);
      else {
        const t = picked.target;
        const { r, parsed } = await sendReload(run, t);
        if (parsed.run?.rc !== 0 || !parsed.before) {
          problems.push(`FPM not reloaded again: ${r.error ?? parsed.problem ?? `exit ${parsed.run?.rc}`}`);
        } else {
          const v = await verifyReload(run, t, parsed.before);
          if (!v.ok && !v.nothingToCheck) problems.push(`FPM reloaded again, but: ${v.summary}`);
          else again.push('FPM');
        }
      }
    }
    if (problems.length === 0 && s.reloaded.web && s.web) {
      const w = s.web;
      const limit = commandLimitSec(host.commandTimeoutMs);
      const r = await run.phase(
        'web-reload',
        [w.kind, String(w.pid), String(limit), ...(host.web.reload ?? [])],
        (limit + 10) * 1000,
      );
      const p = parseWebReload(r.sections);
      if (p.run?.rc !== 0)
        problems.push(`${w.kind} not reloaded again: ${r.error ?? p.problem ?? `exit ${p.run?.rc}`}`);
      else again.push(w.kind);
    }
    if (problems.length > 0) {
      return {
        ok: false,
        summary: `ROLLBACK INCOMPLETE: ${problems.join('; ')}; the originals are in ${s.backups.join(', ')}`,
      };
    }
    const files = s.written.map((f) => f.path).join(', ');
    return {
      ok: true,
      summary: `restored ${files} from their backups${again.length > 0 ? `; reloaded ${again.join(' and ')} again` : ''}`,
    };
  });
  return run.finish('failed', rb.ok ? `rolled back: ${why}; ${rb.summary}` : `${why}; ${rb.summary}`);
}
