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
 * The lab's states behind Apache (mod_proxy_fcgi), diagnosed with discovery only: the web server,
 * its error log and its ProxyTimeout are discovered as for nginx. Apache answers 503 where nginx
 * says 502 and logs AH codes (REFERENCE §5): the same root causes must come out, with Apache's
 * lines as evidence. One table, run as root (diagnose-apache.test.ts) and as a non-root user with
 * become (diagnose-become.test.ts).
 *
 * Not here: listen-backlog-overflow. Apache's blocking connect() to a full unix socket waits in the
 * kernel until there is room (measured: a 200 after ~30 s) and logs nothing, so the state has no
 * web-side symptom behind Apache (test/lab/README.md).
 */
const finding = (d: Diagnosis, runbook: string) => d.report.findings.find((f) => f.runbook === runbook);
const evidenceText = (d: Diagnosis, runbook: string) =>
  finding(d, runbook)
    ?.evidence.map((e) => e.text)
    .join('\n') ?? '';
const sorted = (xs: string[]) => [...xs].sort();
const sock = (h: DiagnosisHarness) => h.lab.pools.unixpool.socket!;
const tcpListen = (h: DiagnosisHarness) => `127.0.0.1:${h.lab.ports.tcppool}`;
const TCP_POOL = 'tcppool' as const;

export const APACHE_STATES: readonly LabStateCase[] = [
  {
    name: 'healthy: verdict healthy, no finding at all',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      await h.lab.induce('healthy');
      const d = await h.diagnose(since);
      expect(runbooksFound(d)).toEqual([]);
      expect(d.report.verdict).toBe('healthy');
      expect(d.report.probes.every((p) => p.ok)).toBe(true);
    },
  },
  {
    name: 'fpm-down: no master, AH02454 (2) on the socket, 503; the fix offered is to start FPM',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('fpm-down');
      expect(s.details.response.status).toBe(503);
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['fpm-down']);
      expect(runbooksFound(d)).toEqual(['fpm-down']);
      const root = d.report.findings[0]!;
      expect(root.actions).toEqual(['fpm-start']);
      expect(root.summary).toMatch(/0 master\(s\) running.*Apache logged 1 "No such file"/);
      expect(evidenceText(d, 'fpm-down')).toContain(
        `apache: (2)No such file or directory: AH02454: FCGI: attempt to connect to Unix domain socket ${sock(h)}`,
      );
      await s.end();
    },
  },
  {
    name: 'socket-permission: AH02454 (13), 503',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('socket-permission');
      expect(s.details.response.status).toBe(503);
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['socket-permission']);
      expect(runbooksFound(d)).toEqual(['socket-permission']);
      expect(d.report.findings[0]!.summary).toMatch(/^Apache got "13: Permission denied" .*Apache 503/);
      expect(evidenceText(d, 'socket-permission')).toContain(
        `apache: (13)Permission denied: AH02454: FCGI: attempt to connect to Unix domain socket ${sock(h)}`,
      );
      await s.end();
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
      expect(finding(d, 'pool-exhausted')).toMatchObject({
        rootCause: false,
        explainedBy: ['slow-requests'],
      });
      expect(finding(d, 'slow-requests')?.summary).toContain('sleep.php');
      expect(evidenceText(d, 'pool-exhausted')).toMatch(/pool unixpool \(pm dynamic\): 3\/3 workers busy/);
      expect(evidenceText(d, 'pool-exhausted')).toContain('server reached pm.max_children setting (3)');
      await s.end();
    },
  },
  {
    name: 'request-timeout-kill: the kill matched to AH01067, and the broken timeout chain behind it',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('request-timeout-kill');
      expect(s.details.response.status).toBe(503);
      const d = await h.diagnose(since);
      // As behind nginx: terminate 2s under max_execution_time 10s is a misalignment, and the killed
      // request is in the slow log; both explain the kill.
      expect(sorted(rootCauses(d))).toEqual(['slow-requests', 'timeout-chain-misaligned']);
      expect(finding(d, 'request-timeout-kill')).toMatchObject({ rootCause: false });
      const kill = evidenceText(d, 'request-timeout-kill');
      expect(kill).toContain(`[pool unixpool] child ${s.details.killedPid}`);
      expect(kill).toMatch(/↔ apache: AH01067: Failed to read FastCGI header/);
      expect(finding(d, 'timeout-chain-misaligned')?.summary).toContain('ProxyTimeout 30s');
      await s.end();
    },
  },
  {
    name: 'worker-crashed: the SIGSEGV matched to Apache’s AH01067 or (32)/(104) AH01075',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('worker-crashed');
      expect(s.details.response.status).toBe(503);
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['worker-crashed']);
      expect(runbooksFound(d)).toEqual(['worker-crashed']);
      const crash = evidenceText(d, 'worker-crashed');
      expect(crash).toContain(`[pool unixpool] child ${s.details.crashedPid} exited on signal 11`);
      // Which of the two Apache signatures depends on a race inside mod_proxy_fcgi (test/lab/README.md).
      expect(crash).toMatch(/↔ apache: .*(AH01067|AH01075)/);
      await s.end();
    },
  },
  {
    name: 'self-request-deadlock: workers waiting on Apache’s own listener are the root cause',
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
        expect(evidenceText(d, 'self-request-deadlock')).toContain(
          `worker ${pid} (pool unixpool) -> ${s.details.ownListener} (own apache listener)`,
        );
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
      for (const pid of s.details.workerPids)
        expect(evidenceText(d, 'slow-external-call')).toContain(String(pid));
      await s.end();
    },
  },
  {
    name: 'timeout-chain-misaligned (terminate-zero): request_terminate_timeout off, ProxyTimeout named',
    async check(h: DiagnosisHarness) {
      const s = await h.lab.induce('timeout-chain-misaligned', { variant: 'terminate-zero' });
      const d = await h.diagnose(Date.now());
      expect(rootCauses(d)).toEqual(['timeout-chain-misaligned']);
      expect(runbooksFound(d)).toEqual(['timeout-chain-misaligned']);
      expect(d.report.findings[0]!.summary).toMatch(/request_terminate_timeout 0 .*ProxyTimeout 30s/);
      await s.end();
    },
  },
  {
    name: 'timeout-chain-misaligned (terminate-exceeds-web): ProxyTimeout 3 below request_terminate_timeout 20s, a 504',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('timeout-chain-misaligned', { variant: 'terminate-exceeds-web' });
      expect(s.details.response?.status).toBe(504);
      const d = await h.diagnose(since);
      // The 5 s request is in the slow log, and the 504 came from it: slow-requests stands next to the
      // misaligned chain (which turned it into a 504 instead of FPM's own kill), as with a kill.
      expect(sorted(rootCauses(d))).toEqual(['slow-requests', 'timeout-chain-misaligned']);
      expect(finding(d, 'timeout-chain-misaligned')?.summary).toMatch(
        /request_terminate_timeout 20s, ProxyTimeout 3s/,
      );
      expect(evidenceText(d, 'timeout-chain-misaligned')).toContain(
        'apache: (70007)The timeout specified has expired: AH01075',
      );
      await s.end();
    },
  },
  {
    name: 'max-children-oversized: 5000 children cannot fit this machine',
    async check(h: DiagnosisHarness) {
      const s = await h.lab.induce('max-children-oversized');
      const d = await h.diagnose(Date.now());
      expect(rootCauses(d)).toEqual(['max-children-oversized']);
      expect(runbooksFound(d)).toEqual(['max-children-oversized']);
      await s.end();
    },
  },
  {
    name: 'restart-window: AH02454 (2) clustered at a restart, FPM up again (not fpm-down)',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('restart-window');
      expect(s.details.failures.every((f) => f.status === 503)).toBe(true);
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['restart-window']);
      expect(runbooksFound(d)).toEqual(['restart-window']);
      // Its 502/503s are in the window: the verdict follows the users (issue 11).
      expect(d.report.verdict).toBe('critical');
      expect(evidenceText(d, 'restart-window')).toContain(
        `around the start: apache: (2)No such file or directory: AH02454`,
      );
      await s.end();
    },
  },
];

/** On the TCP pool (/tcp/ → proxy:fcgi://127.0.0.1:port). */
export const APACHE_TCP_STATES: readonly LabStateCase[] = [
  {
    name: 'fpm-down: AH00957 (111) refused on the port, 503',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('fpm-down', { pool: TCP_POOL });
      expect(s.details.response.status).toBe(503);
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['fpm-down']);
      expect(runbooksFound(d)).toEqual(['fpm-down']);
      expect(d.report.findings[0]!.summary).toMatch(
        /Apache logged 0 "No such file" and 1 "Connection refused"/,
      );
      expect(evidenceText(d, 'fpm-down')).toContain(
        `apache: (111)Connection refused: AH00957: FCGI: attempt to connect to ${tcpListen(h)}`,
      );
      await s.end();
    },
  },
  {
    name: 'pool-exhausted: the static pool full, requests queued on the port; slow requests are the cause',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('pool-exhausted', { pool: TCP_POOL });
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['slow-requests']);
      expect(finding(d, 'pool-exhausted')).toMatchObject({
        rootCause: false,
        explainedBy: ['slow-requests'],
      });
      expect(evidenceText(d, 'pool-exhausted')).toMatch(
        new RegExp(`pool tcppool \\(pm static\\): 2/2 workers busy .*queued on ${tcpListen(h)}`),
      );
      await s.end();
    },
  },
  {
    name: 'worker-crashed: the SIGSEGV on tcppool matched to Apache’s error',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('worker-crashed', { pool: TCP_POOL });
      expect(s.details.response.status).toBe(503);
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['worker-crashed']);
      expect(runbooksFound(d)).toEqual(['worker-crashed']);
      const crash = evidenceText(d, 'worker-crashed');
      expect(crash).toContain(`[pool tcppool] child ${s.details.crashedPid} exited on signal 11`);
      expect(crash).toMatch(/↔ apache: .*(AH01067|AH01075)/);
      await s.end();
    },
  },
  {
    name: 'restart-window: AH00957 (111) clustered at a restart',
    async check(h: DiagnosisHarness) {
      const since = Date.now();
      const s = await h.lab.induce('restart-window', { pool: TCP_POOL });
      const d = await h.diagnose(since);
      expect(rootCauses(d)).toEqual(['restart-window']);
      expect(runbooksFound(d)).toEqual(['restart-window']);
      expect(evidenceText(d, 'restart-window')).toContain(
        `around the start: apache: (111)Connection refused: AH00957: FCGI: attempt to connect to ${tcpListen(h)}`,
      );
      await s.end();
    },
  },
];
