import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../../src/analysis/analyze.js';
import type { Diagnosis } from '../../../src/diagnosis/diagnose.js';
import type { PoolName } from '../../lab/fpm-config.js';
import {
  type DiagnosisHarness,
  rootCauses,
  startDiagnosisHarness,
  summary,
} from './lab-diagnosis-harness.js';

/**
 * States where the answer used to be wrong (issue 11, part 1), put into place for real behind nginx
 * and Apache, on the unix and the TCP pool. The host pins the lab's own FPM config and web server,
 * so other labs running on the same machine are not judged instead.
 */
describe.each(['nginx', 'apache'] as const)('real states behind %s', (web) => {
  let h: DiagnosisHarness;
  beforeAll(async () => {
    h = await startDiagnosisHarness(web);
  });
  afterAll(async () => {
    await h?.stop();
  });

  const diagnose = (sinceMs: number): Promise<Diagnosis> => h.diagnosePinned(sinceMs);

  describe.each(['tcppool', 'unixpool'] as const)('clients that gave up (%s)', (pool: PoolName) => {
    it('every worker still inside its request is busy; the pool is exhausted; the verdict is critical', async () => {
      const since = Date.now();
      const s = await h.lab.induce('clients-gave-up', { pool });
      const d = await diagnose(since);
      const signal = analyze(d.collected.facts).signals.pools.find((p) => p.listen === s.details.socket);
      // The status page queues behind the busy workers: busy comes from the workers themselves.
      expect(signal, summary(d)).toMatchObject({
        busy: s.details.maxChildren,
        maxChildren: s.details.maxChildren,
        exhausted: true,
      });
      expect(signal!.queued).toBeGreaterThanOrEqual(s.details.listenQueue.recvQ - 2);
      const exhausted = d.report.findings.find((f) => f.runbook === 'pool-exhausted');
      expect(exhausted, summary(d)).toBeDefined();
      expect(d.report.verdict).toBe('critical');
      // Whatever heads the report, it is critical and the pool's exhaustion is part of it.
      const head = d.report.findings[0]!;
      expect(head.severity).toBe('critical');
      expect([head.runbook, ...head.symptoms]).toContain('pool-exhausted');
      const poolLine = exhausted!.evidence.map((e) => e.text).find((t) => t.includes(`pool ${pool} `));
      expect(poolLine).toContain(`${s.details.maxChildren}/${s.details.maxChildren} workers busy`);
      await s.end();
    }, 120_000);
  });

  describe.each(['unixpool', 'tcppool'] as const)('FPM kills requests (%s)', (pool: PoolName) => {
    it('terminate timeout below max_execution_time: the chain heads the report, the kills are its symptom; critical', async () => {
      const since = Date.now();
      // request_terminate_timeout 2s, max_execution_time 10s (the lab's), requests of 6s.
      const s = await h.lab.induce('request-timeout-kill', { pool });
      const d = await diagnose(since);
      expect(d.report.verdict, summary(d)).toBe('critical');
      const head = d.report.findings[0]!;
      expect(head.runbook, summary(d)).toBe('timeout-chain-misaligned');
      expect(head.symptoms).toContain('request-timeout-kill');
      expect(head.severity).toBe('critical');
      expect(head.fix).toMatch(/request_terminate_timeout = \d+s/);
      expect(head.evidence.map((e) => e.text).join('\n')).toContain(String(s.details.killedPid));
      const kill = d.report.findings.find((f) => f.runbook === 'request-timeout-kill');
      expect(kill).toMatchObject({ rootCause: false, explainedBy: ['timeout-chain-misaligned'] });
      // The slow requests contribute, but do not explain the kills.
      const slow = d.report.findings.find((f) => f.runbook === 'slow-requests');
      if (slow) expect(slow.symptoms).not.toContain('request-timeout-kill');
      await s.end();
    }, 120_000);
  });

  describe.each(['earlier-master', 'same-master'] as const)(
    'FPM stopped cleanly after an OOM kill (%s)',
    (variant) => {
      it('the stop is the cause, the OOM kill is history, and the action is to start FPM', async () => {
        const since = Date.now();
        const s = await h.lab.induce('fpm-stopped-after-oom', { variant });
        const d = await diagnose(since);
        expect(rootCauses(d), summary(d)).toEqual(['fpm-down']);
        expect(d.report.findings.map((f) => f.runbook)).not.toContain('worker-oom-killed');
        expect(d.report.verdict).toBe('critical');
        const down = d.report.findings[0]!;
        expect(down.actions).toEqual(['fpm-start']);
        expect(down.summary).toMatch(/stopped cleanly at \d\d:\d\d:\d\d \(SIGTERM or SIGINT\)/);
        const evidence = down.evidence.map((e) => e.text).join('\n');
        expect(evidence).toMatch(/history, before FPM was stopped cleanly at .*Killed process/);
        expect(evidence).toContain(String(s.details.killedPid));
        for (const f of d.report.findings) expect(f.actions).not.toContain('fpm-reload');
        await s.end();
      }, 120_000);
    },
  );

  it('terminate timeout above max_execution_time (a sound chain): the slow requests explain the kills', async () => {
    const since = Date.now();
    // max_execution_time 10s < request_terminate_timeout 12s < read timeout 30s; a 15 s sleep is killed.
    const s = await h.lab.induce('request-timeout-kill', { terminateTimeoutSec: 12, sleepSec: 15 });
    const d = await diagnose(since);
    expect(d.report.verdict, summary(d)).toBe('critical');
    expect(rootCauses(d)).toContain('slow-requests');
    expect(rootCauses(d)).not.toContain('timeout-chain-misaligned');
    const kill = d.report.findings.find((f) => f.runbook === 'request-timeout-kill');
    expect(kill).toMatchObject({ rootCause: false, explainedBy: ['slow-requests'] });
    await s.end();
  }, 120_000);
});
