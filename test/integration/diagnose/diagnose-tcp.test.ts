import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../../src/diagnosis/diagnose.js';
import {
  type DiagnosisHarness,
  rootCauses,
  runbooksFound,
  startDiagnosisHarness,
} from './lab-diagnosis-harness.js';

/**
 * The lab's failure states on its TCP pool (tcppool: pm static, 2 children, 127.0.0.1:<port>,
 * listen.backlog 3, reached under /tcp/), behind nginx, diagnosed over SSH with an address-only
 * inventory. As in diagnose-nginx.test.ts: the exact root causes, so no false one, and the evidence
 * that proves them. socket-permission has no TCP form.
 */
describe('diagnose the real lab behind nginx, states on the TCP pool (discovery only)', () => {
  let h: DiagnosisHarness;
  beforeAll(async () => {
    h = await startDiagnosisHarness('nginx');
  });
  afterAll(async () => {
    await h?.stop();
  });

  const pool = 'tcppool' as const;
  const listen = () => `127.0.0.1:${h.lab.ports.tcppool}`;
  const finding = (d: Diagnosis, runbook: string) => d.report.findings.find((f) => f.runbook === runbook);
  const evidenceText = (d: Diagnosis, runbook: string) =>
    finding(d, runbook)
      ?.evidence.map((e) => e.text)
      .join('\n') ?? '';
  const sorted = (xs: string[]) => [...xs].sort();

  it('pool-exhausted: the static pool is full (status page timed out, requests queued on the port); slow requests are the cause', async () => {
    const since = Date.now();
    const s = await h.lab.induce('pool-exhausted', { pool });
    const d = await h.diagnose(since);
    expect(d.report.verdict).toBe('critical');
    expect(rootCauses(d)).toEqual(['slow-requests']);
    expect(finding(d, 'pool-exhausted')).toMatchObject({ rootCause: false, explainedBy: ['slow-requests'] });
    expect(finding(d, 'slow-requests')?.summary).toContain('sleep.php');
    // A static pool never logs max_children: busy workers and the queue on the port tell.
    const poolEvidence = evidenceText(d, 'pool-exhausted');
    expect(poolEvidence).toMatch(
      new RegExp(`pool tcppool \\(pm static\\): 2/2 workers busy .*queued on ${listen()}`),
    );
    expect(poolEvidence).toContain('pool tcppool: status page did not answer');
    await s.end();
  });

  it('self-request-deadlock: both tcppool workers wait on the own listener', async () => {
    const since = Date.now();
    const s = await h.lab.induce('self-request-deadlock', { pool });
    const d = await h.diagnose(since);
    expect(rootCauses(d)).toEqual(['self-request-deadlock']);
    const root = d.report.findings[0]!;
    expect(root.symptoms).toContain('pool-exhausted');
    expect(root.summary).toContain(s.details.ownListener);
    expect(root.summary).toContain('tcppool: 2/2 busy');
    expect(root.actions).toContain('kill-stuck-workers');
    for (const pid of s.details.workerPids)
      expect(evidenceText(d, 'self-request-deadlock')).toContain(`worker ${pid} (pool tcppool)`);
    await s.end();
  });

  it('slow-external-call: both tcppool workers blocked on the black hole (the status page cannot answer)', async () => {
    const since = Date.now();
    // Both workers: with one, a 2-worker pool has no "several workers waiting on one endpoint".
    const s = await h.lab.induce('slow-external-call', { pool, concurrency: 2 });
    const d = await h.diagnoseUntil(since, (x) => rootCauses(x).includes('slow-external-call'));
    expect(rootCauses(d)).toEqual(['slow-external-call']);
    const root = d.report.findings[0]!;
    expect(root.summary).toContain(s.details.endpoint);
    expect(root.symptoms).toContain('pool-exhausted');
    for (const pid of s.details.workerPids)
      expect(evidenceText(d, 'slow-external-call')).toContain(String(pid));
    await s.end();
  });

  it('request-timeout-kill: the kill on tcppool, its slow script and the broken timeout chain', async () => {
    const since = Date.now();
    const s = await h.lab.induce('request-timeout-kill', { pool });
    const d = await h.diagnose(since);
    // request_terminate_timeout 2s under max_execution_time 10s is a misalignment; the killed
    // request is also in the slow log, and the kill is explained by both.
    expect(sorted(rootCauses(d))).toEqual(['slow-requests', 'timeout-chain-misaligned']);
    expect(finding(d, 'request-timeout-kill')).toMatchObject({ rootCause: false });
    const kill = evidenceText(d, 'request-timeout-kill');
    expect(kill).toContain(`[pool tcppool] child ${s.details.killedPid}`);
    expect(kill).toContain(`(upstream ${listen()})`);
    expect(finding(d, 'timeout-chain-misaligned')?.summary).toContain('pool tcppool');
    await s.end();
  });

  it('worker-oom-killed: the kernel kill of a tcppool worker, matched by pid; the oversized pools explain it', async () => {
    const since = Date.now();
    const s = await h.lab.induce('worker-oom-killed', { pool });
    const d = await h.diagnose(since);
    expect(rootCauses(d)).toEqual(['max-children-oversized']);
    expect(finding(d, 'worker-oom-killed')).toMatchObject({ rootCause: false });
    const oom = evidenceText(d, 'worker-oom-killed');
    expect(oom).toContain(`Killed process ${s.details.killedPid} (php-fpm8.2)`);
    expect(oom).toContain(`[pool tcppool] child ${s.details.killedPid} exited on signal 9`);
    expect(oom).toContain(`(upstream ${listen()})`);
    await s.end();
  });

  it('worker-crashed: the SIGSEGV on tcppool matched to the reset', async () => {
    const since = Date.now();
    const s = await h.lab.induce('worker-crashed', { pool });
    const d = await h.diagnose(since);
    expect(rootCauses(d)).toEqual(['worker-crashed']);
    expect(runbooksFound(d)).toEqual(['worker-crashed']);
    const crash = evidenceText(d, 'worker-crashed');
    expect(crash).toContain(`[pool tcppool] child ${s.details.crashedPid} exited on signal 11`);
    expect(crash).toContain(`(upstream ${listen()})`);
    await s.end();
  });

  it('fpm-down: no master, nginx gets 111 refused on the port; the fix offered is to start FPM', async () => {
    const since = Date.now();
    const s = await h.lab.induce('fpm-down', { pool });
    const d = await h.diagnose(since);
    expect(rootCauses(d)).toEqual(['fpm-down']);
    expect(runbooksFound(d)).toEqual(['fpm-down']);
    const root = d.report.findings[0]!;
    expect(root.actions).toEqual(['fpm-start']);
    expect(root.summary).toMatch(/0 master\(s\) running.*1 "Connection refused"/);
    expect(evidenceText(d, 'fpm-down')).toContain(`connect() failed (111: Connection refused)`);
    expect(evidenceText(d, 'fpm-down')).toContain(`(upstream ${listen()})`);
    await s.end();
  });

  it('listen-backlog-overflow: the full TCP queue drops SYNs (connect timeouts, 504) behind slow requests', async () => {
    const since = Date.now();
    const s = await h.lab.induce('listen-backlog-overflow', { pool });
    const d = await h.diagnose(since);
    // The same chain as on a unix socket, with TCP's symptom: slow sleep.php requests hold both
    // workers, the 2-deep queue fills, new SYNs are dropped and nginx gives up connecting.
    expect(rootCauses(d)).toEqual(['slow-requests']);
    const overflow = finding(d, 'listen-backlog-overflow');
    expect(overflow).toMatchObject({ rootCause: false });
    expect(overflow?.summary).toMatch(
      /0 "11: Resource temporarily unavailable" \(unix\) and [1-9]\d* connect timeouts \(TCP\)/,
    );
    expect(d.report.findings[0]!.symptoms).toEqual(
      expect.arrayContaining(['pool-exhausted', 'listen-backlog-overflow']),
    );
    const ev = evidenceText(d, 'listen-backlog-overflow');
    expect(ev).toContain(
      `ss: ${listen()} accept queue 3 waiting, backlog 2 (full: new connections are dropped`,
    );
    expect(ev).toContain('upstream timed out (110: Connection timed out) while connecting to upstream');
    await s.end();
  });

  it('slow-requests: the tcppool slow log names the script', async () => {
    const since = Date.now();
    const s = await h.lab.induce('slow-requests', { pool, requests: 3 });
    const d = await h.diagnose(since);
    expect(rootCauses(d)).toEqual(['slow-requests']);
    expect(runbooksFound(d)).toEqual(['slow-requests']);
    expect(d.report.findings[0]!.summary).toContain('sleep.php');
    expect(evidenceText(d, 'slow-requests')).toContain('(pool tcppool)');
    await s.end();
  });

  it('restart-window: 111 refused on the port clustered at a restart, FPM up again (not fpm-down)', async () => {
    const since = Date.now();
    const s = await h.lab.induce('restart-window', { pool });
    const d = await h.diagnose(since);
    expect(rootCauses(d)).toEqual(['restart-window']);
    expect(runbooksFound(d)).toEqual(['restart-window']);
    // Its 502/503s are in the window: the verdict follows the users (issue 11).
    expect(d.report.verdict).toBe('critical');
    const ev = evidenceText(d, 'restart-window');
    expect(ev).toContain(`FPM master ${s.details.newMasterPid}`);
    expect(ev).toMatch(
      new RegExp(
        `around the start: nginx: connect\\(\\) failed \\(111: Connection refused\\) .*\\(upstream ${listen()}\\)`,
      ),
    );
    await s.end();
  });
});
