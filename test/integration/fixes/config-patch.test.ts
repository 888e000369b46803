/**
 * Issue 14, part 2: a lab state with a config-class cause carries a patch that, applied with
 * `patch -d / -p0` and a graceful reload, makes the next diagnosis of that state free of that
 * finding. Real FPM, nginx and sshd; the patch is applied by GNU patch, as an engineer would.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../../src/diagnosis/diagnose.js';
import { waitFor } from '../../lab/wait.js';
import { type DiagnosisHarness, startDiagnosisHarness, summary } from '../diagnose/lab-diagnosis-harness.js';

let h: DiagnosisHarness;
beforeAll(async () => {
  h = await startDiagnosisHarness('nginx');
});
afterAll(async () => {
  await h?.stop();
});

const diagnose = (sinceMs: number): Promise<Diagnosis> => h.diagnosePinned(sinceMs);

/** What an engineer does with `fpm-medic diagnose HOST --patch`: GNU patch, from /. */
function applyPatch(d: Diagnosis): string {
  const diff = d.report.patch?.files.map((f) => f.diff).join('') ?? '';
  return execFileSync('patch', ['-d', '/', '-p0', '--forward', '--batch'], { input: diff, encoding: 'utf8' });
}

/** SIGUSR2 to the master, then FPM's own "ready to handle connections" in its log. */
async function reloadFpm(): Promise<void> {
  const log = h.lab.paths.fpmLog;
  const from = readFileSync(log).length;
  process.kill(h.lab.fpmMasterPid!, 'SIGUSR2');
  await waitFor(
    'FPM reloaded',
    () => /ready to handle connections/.test(h.lab.readLog(log, from)) || undefined,
    {
      timeoutMs: 20_000,
    },
  );
}

/** Applies the report's patch, reloads FPM, and diagnoses again: `runbook` is no longer found. */
async function expectFixedByReload(d: Diagnosis, runbook: string): Promise<Diagnosis> {
  applyPatch(d);
  await reloadFpm();
  const after = await diagnose(Date.now());
  expect(
    after.report.findings.map((x) => x.runbook),
    summary(after),
  ).not.toContain(runbook);
  return after;
}

describe('the patch in the report fixes the config for good', () => {
  it('max-children-oversized: max_children to what memory holds; after patch and reload the finding is gone', async () => {
    const since = Date.now();
    const s = await h.lab.induce('max-children-oversized', { maxChildren: 5000 });
    const d = await diagnose(since);
    const f = d.report.findings.find((x) => x.runbook === 'max-children-oversized');
    expect(f?.patch, summary(d)).toBeDefined();
    const change = f!.patch!.changes.find((c) => c.directive === 'pm.max_children' && c.scope === 'odpool');
    expect(change).toMatchObject({ from: '5000', reload: 'fpm' });
    expect(Number(change!.to)).toBeLessThan(5000);
    expect(change!.reasons.join(' ')).toMatch(/floor\(budget \d+ MB × 80% \/ p95 worker RSS \d+ MB\)/);
    // The other pools keep what they have.
    expect(f!.patch!.changes.filter((c) => c.directive === 'pm.max_children').map((c) => c.scope)).toEqual([
      'odpool',
    ]);
    expect(f!.patch!.files[0]!.diff).toContain(`--- ${change!.file}\n+++ ${change!.file}\n`);
    expect(d.report.capacity?.map((c) => c.pool).sort()).toEqual(['odpool', 'tcppool', 'unixpool']);

    expect(applyPatch(d)).toContain(`patching file ${change!.file}`);
    expect(readFileSync(change!.file, 'utf8')).toContain(`pm.max_children = ${change!.to}\n`);
    await reloadFpm();
    const after = await diagnose(Date.now());
    expect(
      after.report.findings.map((x) => x.runbook),
      summary(after),
    ).not.toContain('max-children-oversized');
    expect(after.collected.facts.fpm.pools.find((p) => p.name === 'odpool')?.maxChildren).toBe(
      Number(change!.to),
    );
    await s.end();
  }, 180_000);

  it('timeout-chain-misaligned (terminate off): request_terminate_timeout between max_execution_time and nginx; then clean', async () => {
    const since = Date.now();
    const s = await h.lab.induce('timeout-chain-misaligned', { variant: 'terminate-zero' });
    const d = await diagnose(since);
    const f = d.report.findings.find((x) => x.runbook === 'timeout-chain-misaligned');
    const rtt = f?.patch?.changes.find((c) => c.directive === 'request_terminate_timeout');
    expect(rtt, summary(d)).toMatchObject({ from: '0', reload: 'fpm' });
    const read = s.details.webReadTimeoutSec;
    expect(Number.parseInt(rtt!.to, 10)).toBeGreaterThan(s.details.maxExecutionTimeSec);
    expect(Number.parseInt(rtt!.to, 10)).toBeLessThan(read);
    expect(rtt!.reasons.join(' ')).toContain('max_execution_time');

    expect(d.report.patch!.changes.some((c) => c.reload === 'nginx')).toBe(false);
    await expectFixedByReload(d, 'timeout-chain-misaligned');
    await s.end();
  }, 180_000);

  it('timeout-chain-misaligned (nginx gives up first): the pools fit under the nginx read timeout, nginx is left alone; then clean', async () => {
    const since = Date.now();
    const s = await h.lab.induce('timeout-chain-misaligned', { variant: 'terminate-exceeds-web' });
    const d = await diagnose(since);
    const f = d.report.findings.find((x) => x.runbook === 'timeout-chain-misaligned');
    const changes = f?.patch?.changes ?? [];
    const read = s.details.webReadTimeoutSec;
    const rtts = changes.filter((c) => c.directive === 'request_terminate_timeout');
    expect(rtts.map((c) => c.scope).sort(), summary(d)).toEqual(['odpool', 'tcppool', 'unixpool']);
    for (const c of rtts) expect(Number.parseInt(c.to, 10)).toBeLessThan(read);
    const execs = changes.filter((c) => c.directive === 'php_admin_value[max_execution_time]');
    for (const c of execs) {
      const rtt = rtts.find((r) => r.scope === c.scope)!;
      expect(Number(c.to)).toBeLessThan(Number.parseInt(rtt.to, 10));
    }
    // nginx's own timeout is what users get today: kept.
    expect(changes.some((c) => c.reload === 'nginx')).toBe(false);

    await expectFixedByReload(d, 'timeout-chain-misaligned');
    await s.end();
  }, 180_000);

  it('listen-backlog-overflow: listen.backlog to somaxconn; after patch and an FPM restart the queue has room', async () => {
    const since = Date.now();
    const s = await h.lab.induce('listen-backlog-overflow', { pool: 'unixpool', backlog: 2, holdMs: 30_000 });
    const d = await diagnose(since);
    const f = d.report.findings.find((x) => x.runbook === 'listen-backlog-overflow');
    const change = f?.patch?.changes.find((c) => c.directive === 'listen.backlog' && c.scope === 'unixpool');
    const somaxconn = d.collected.facts.kernel.somaxconn!;
    expect(change, summary(d)).toMatchObject({ from: '2', to: String(somaxconn), reload: 'fpm-restart' });
    expect(change!.reasons.join(' ')).toContain('takes effect when FPM restarts');

    applyPatch(d);
    // A reload keeps the inherited socket and its backlog: listen.* needs a restart.
    await h.lab.restartFpmAsConfigured();
    // nginx logs whole seconds: the new window starts at the next one, after the old socket's EAGAINs.
    const restarted = Math.floor(Date.now() / 1000);
    const fresh = await waitFor('the next second', () =>
      Date.now() >= (restarted + 1) * 1000 ? Date.now() : undefined,
    );
    const after = await diagnose(fresh);
    const listener = after.collected.facts.listeners.find((l) => l.address === s.details.socket);
    expect(listener?.sendQ, summary(after)).toBe(somaxconn);
    expect(
      after.report.findings.map((x) => x.runbook),
      summary(after),
    ).not.toContain('listen-backlog-overflow');
    await s.end();
  }, 180_000);

  it('a reload where process_control_timeout is 0: the patch sets 10s; after it the report says the reload is graceful', async () => {
    const since = Date.now();
    const s = await h.lab.induce('max-children-oversized', { maxChildren: 5000 });
    const d = await diagnose(since);
    expect(d.report.processControlTimeoutSec, summary(d)).toBe(0);
    const pct = d.report.patch?.changes.find((c) => c.directive === 'process_control_timeout');
    expect(pct).toMatchObject({ scope: 'global', to: '10s', file: h.lab.paths.fpmConf });
    applyPatch(d);
    await reloadFpm();
    const after = await diagnose(Date.now());
    expect(after.report.processControlTimeoutSec).toBe(10);
    expect(after.report.patch?.changes.some((c) => c.directive === 'process_control_timeout') ?? false).toBe(
      false,
    );
    await s.end();
  }, 180_000);
});
