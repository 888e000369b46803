import { expect } from 'vitest';
import type { Diagnosis } from '../../../src/diagnosis/diagnose.js';
import {
  type DiagnosisHarness,
  type LabStateCase,
  rootCauses,
  runbooksFound,
  waitForStatus,
} from './lab-diagnosis-harness.js';

/**
 * Every lab state behind nginx, put into place for real and diagnosed: the root cause must be
 * named with its evidence, and nothing else may be claimed as a root cause. One table, run as
 * root (diagnose-nginx.test.ts) and as a non-root user with become (diagnose-become.test.ts).
 */
const evidenceText = (d: Diagnosis, runbook: string) =>
  d.report.findings
    .find((f) => f.runbook === runbook)
    ?.evidence.map((e) => e.text)
    .join('\n') ?? '';

export const NGINX_STATES: readonly LabStateCase[] = [
  {
    name: 'healthy: verdict healthy, no finding at all',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      await h.lab.induce('healthy');
      const d = await h.diagnose(since);
      expect(d.report.findings.map((f) => f.runbook)).toEqual([]);
      expect(d.report.verdict).toBe('healthy');
      expect(d.report.probes.every((p) => p.ok)).toBe(true);
    },
  },
  {
    name: 'pool-exhausted: slow requests fill the pool; the pool exhaustion is their symptom',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('pool-exhausted');
      const d = await h.diagnose(since);
      expect(d.report.verdict).toBe('critical');
      expect(rootCauses(d)).toEqual(['slow-requests']);
      const pool = d.report.findings.find((f) => f.runbook === 'pool-exhausted');
      expect(pool).toMatchObject({ rootCause: false, explainedBy: ['slow-requests'] });
      expect(d.report.findings.find((f) => f.runbook === 'slow-requests')?.summary).toContain('sleep.php');
      expect(evidenceText(d, 'slow-requests')).toContain(s.details.pool);
      await s.end();
    },
  },
  {
    name: 'self-request-deadlock: workers waiting on the own listener are the root cause',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('self-request-deadlock');
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['self-request-deadlock']);
      const root = d.report.findings[0]!;
      expect(root.symptoms).toContain('pool-exhausted');
      expect(root.summary).toContain(s.details.ownListener);
      expect(root.actions).toContain('kill-stuck-workers');
      for (const pid of s.details.workerPids)
        expect(evidenceText(d, 'self-request-deadlock')).toContain(String(pid));
      await s.end();
    },
  },
  {
    name: 'slow-external-call: names the black-hole endpoint the workers wait on',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('slow-external-call');
      // The finding is about requests stuck for a while: wait until FPM reports them running 5 s.
      await waitForStatus(
        h,
        (procs) =>
          procs.filter((p) => p.script.endsWith('api.php') && p.requestDurationUs >= 5e6).length >=
          s.details.workerPids.length,
      );
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['slow-external-call']);
      expect(d.report.findings[0]!.summary).toContain(s.details.endpoint);
      await s.end();
    },
  },
  {
    name: 'request-timeout-kill: the kill is found, and the broken timeout chain behind it',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('request-timeout-kill');
      const d = await h.diagnose(since);
      expect(runbooksFound(d)).toContain('request-timeout-kill');
      expect(evidenceText(d, 'request-timeout-kill')).toContain(String(s.details.killedPid));
      // request_terminate_timeout 2s under max_execution_time 10s is itself a misalignment.
      expect(rootCauses(d)).toContain('timeout-chain-misaligned');
      await s.end();
    },
  },
  {
    name: 'worker-oom-killed: the kernel kill matched to the FPM exit by pid',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('worker-oom-killed');
      const d = await h.diagnose(since);
      expect(runbooksFound(d)).toContain('worker-oom-killed');
      expect(evidenceText(d, 'worker-oom-killed')).toContain(String(s.details.killedPid));
      // 7 workers of ~11 MB do not fit the 64 MiB cgroup: the oversized pool explains the kill.
      expect(rootCauses(d)).toEqual(['max-children-oversized']);
      await s.end();
    },
  },
  {
    name: 'worker-crashed: SIGSEGV exits matched to the resets',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('worker-crashed');
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['worker-crashed']);
      expect(evidenceText(d, 'worker-crashed')).toContain(String(s.details.crashedPid));
      await s.end();
    },
  },
  {
    name: 'fpm-down (stopped): no master, ENOENT; the fix offered is to start FPM',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('fpm-down', { variant: 'stopped' });
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['fpm-down']);
      expect(d.report.findings[0]!.actions).toEqual(['fpm-start']);
      await s.end();
    },
  },
  {
    name: 'fpm-down (stale socket): connection refused on a socket file nobody listens on',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('fpm-down', { variant: 'stale-socket' });
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['fpm-down']);
      await s.end();
    },
  },
  {
    name: 'socket-permission: 13 Permission denied',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('socket-permission');
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['socket-permission']);
      await s.end();
    },
  },
  {
    name: 'listen-backlog-overflow: EAGAIN once slow requests fill the pool and its tiny backlog',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('listen-backlog-overflow');
      const d = await h.diagnose(since);
      // The chain an engineer would name: slow sleep.php requests hold every worker (pool-exhausted),
      // so the 2-deep accept queue overflows and nginx answers 502 at once (EAGAIN).
      expect(rootCauses(d)).toEqual(['slow-requests']);
      const overflow = d.report.findings.find((f) => f.runbook === 'listen-backlog-overflow');
      expect(overflow).toMatchObject({ rootCause: false });
      expect(overflow?.summary).toMatch(/Resource temporarily unavailable/);
      expect(d.report.findings[0]!.symptoms).toEqual(
        expect.arrayContaining(['pool-exhausted', 'listen-backlog-overflow']),
      );
      expect(evidenceText(d, 'listen-backlog-overflow')).toContain(s.details.socket);
      await s.end();
    },
  },
  {
    name: 'restart-window: errors clustered at a restart, FPM up again (not fpm-down)',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('restart-window');
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['restart-window']);
      // Its 502/503s are in the window: the verdict follows the users (issue 11).
      expect(d.report.verdict).toBe('critical');
      await s.end();
    },
  },
  {
    name: 'timeout-chain-misaligned: request_terminate_timeout off',
    async check(h: DiagnosisHarness) {
      const s = await h.lab.induce('timeout-chain-misaligned', { variant: 'terminate-zero' });
      const d = await h.diagnose(Date.now());
      expect(rootCauses(d)).toEqual(['timeout-chain-misaligned']);
      expect(d.report.findings[0]!.summary).toMatch(/request_terminate_timeout 0/);
      await s.end();
    },
  },
  {
    name: 'max-children-oversized: 5000 children cannot fit this machine',
    async check(h: DiagnosisHarness) {
      const s = await h.lab.induce('max-children-oversized');
      const d = await h.diagnose(Date.now());
      expect(rootCauses(d)).toEqual(['max-children-oversized']);
      await s.end();
    },
  },
  {
    name: 'slow-requests: the slow log names the script',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('slow-requests', { requests: 3 });
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['slow-requests']);
      expect(d.report.findings[0]!.summary).toContain('sleep.php');
      await s.end();
    },
  },
  {
    name: 'two problems at once: OOM kills while the pool is exhausted are both reported',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('worker-oom-killed');
      // Then fill the pool with slow requests, without resetting the lab (bounded: 6 requests, 15 s).
      const inflight = Array.from({ length: 6 }, () => h.lab.get('/sleep.php?s=8', { timeoutMs: 15_000 }));
      const d = await h.diagnoseUntil(since, (x) => runbooksFound(x).includes('pool-exhausted'));
      expect(runbooksFound(d)).toEqual(expect.arrayContaining(['worker-oom-killed', 'pool-exhausted']));
      expect(rootCauses(d).length).toBeGreaterThanOrEqual(2);
      await Promise.all(inflight);
      await s.end();
    },
  },
];
