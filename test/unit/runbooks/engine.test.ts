import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../../src/analysis/signals.js';
import { CONFIDENCE, evaluateRunbooks, verdictOf } from '../../../src/runbooks/engine.js';
import { RunbookEvaluationError } from '../../../src/runbooks/errors.js';
import { compileRunbooks } from '../../../src/runbooks/loader.js';
import { diagnose, minimalFrontMatter, runbookText, shippedRunbooks } from './helpers.js';
import { SCENARIOS } from './scenarios.js';
import { exhaustedPool, healthySignals, signalsWith } from './signals-builder.js';

const deadlock = signalsWith({
  pools: [exhaustedPool()],
  poolsExhausted: 1,
  selfRequest: { workers: 6, targets: ['127.0.0.1:80', '203.0.113.10:443'], pids: [2911, 2912] },
  web: { total: 20, readTimeout: 14, eagain: 6 },
});

describe('root cause and symptoms', () => {
  it('self-request-deadlock is the root cause; pool exhaustion and the overflow it causes are its symptoms', async () => {
    const findings = await diagnose(deadlock);
    expect(findings.map((f) => [f.runbook, f.rootCause])).toEqual([
      ['self-request-deadlock', true],
      ['pool-exhausted', false],
      ['listen-backlog-overflow', false],
    ]);
    const [root, ...symptoms] = findings;
    expect(root?.symptoms.sort()).toEqual(['listen-backlog-overflow', 'pool-exhausted']);
    expect(root?.explainedBy).toEqual([]);
    for (const symptom of symptoms) {
      expect(symptom.symptoms).toEqual([]);
      expect(symptom.explainedBy).toEqual(['self-request-deadlock']);
    }
  });

  it('the summary and fix are filled from the signals', async () => {
    const [root] = await diagnose(deadlock);
    expect(root?.summary).toBe(
      "6 busy workers are waiting on this host's own web listener (127.0.0.1:80, 203.0.113.10:443) while the " +
        'pool is full (www: 10/10 busy, 37 queued)',
    );
    expect(root?.fix).toContain('pids 2911, 2912');
    expect(root?.actions).toEqual(['kill-stuck-workers', 'fpm-reload']);
  });

  it('a warning root cause takes the severity of the critical symptom it explains', async () => {
    const slow = signalsWith({
      ...SCENARIOS['slow-requests'],
      pools: [exhaustedPool()],
      poolsExhausted: 1,
    });
    const findings = await diagnose(slow);
    expect(findings.map((f) => [f.runbook, f.severity, f.rootCause])).toEqual([
      ['slow-requests', 'critical', true],
      ['pool-exhausted', 'critical', false],
    ]);
  });

  it('in a chain, symptoms name the root cause at its top', async () => {
    const chain = signalsWith({
      ...SCENARIOS['slow-external-call'],
      slowRequests: SCENARIOS['slow-requests'].slowRequests,
      pools: [exhaustedPool()],
      poolsExhausted: 1,
    });
    const findings = await diagnose(chain);
    expect(findings.map((f) => [f.runbook, f.rootCause])).toEqual([
      ['slow-external-call', true],
      ['pool-exhausted', false],
      ['slow-requests', false],
    ]);
    expect(findings[0]?.symptoms.sort()).toEqual(['pool-exhausted', 'slow-requests']);
    expect(findings.find((f) => f.runbook === 'pool-exhausted')?.explainedBy).toEqual(['slow-external-call']);
  });

  it('two independent root causes may explain the same symptom', async () => {
    const both = signalsWith({
      ...SCENARIOS['slow-external-call'],
      selfRequest: deadlock.selfRequest,
      pools: [exhaustedPool()],
      poolsExhausted: 1,
    });
    const findings = await diagnose(both);
    expect(findings.filter((f) => f.rootCause).map((f) => f.runbook)).toEqual([
      'self-request-deadlock',
      'slow-external-call',
    ]);
    expect(findings.find((f) => f.runbook === 'pool-exhausted')?.explainedBy.sort()).toEqual([
      'self-request-deadlock',
      'slow-external-call',
    ]);
  });

  it('max-children-oversized explains the OOM kills, which explain FPM being down', async () => {
    const findings = await diagnose(
      signalsWith({
        ...SCENARIOS['max-children-oversized'],
        oom: SCENARIOS['worker-oom-killed'].oom,
        fpm: { running: false, masters: 0, masterAgeSec: -1 },
        web: { total: 30, enoent: 28, reset: 2 },
      }),
    );
    expect(findings.map((f) => [f.runbook, f.rootCause, f.severity])).toEqual([
      ['max-children-oversized', true, 'critical'],
      ['worker-oom-killed', false, 'critical'],
      ['fpm-down', false, 'critical'],
    ]);
    expect(findings[0]?.symptoms.sort()).toEqual(['fpm-down', 'worker-oom-killed']);
  });
});

describe('independent problems', () => {
  it('OOM kills while the pool is exhausted, plus a misaligned chain: all reported, worst first', async () => {
    const findings = await diagnose(
      signalsWith({
        pools: [exhaustedPool()],
        poolsExhausted: 1,
        oom: SCENARIOS['worker-oom-killed'].oom,
        web: { total: 14, readTimeout: 12, reset: 2 },
        timeoutChain: SCENARIOS['timeout-chain-misaligned'].timeoutChain,
      }),
    );
    expect(findings.every((f) => f.rootCause)).toBe(true);
    expect(findings.map((f) => f.runbook)).toEqual([
      'pool-exhausted',
      'worker-oom-killed',
      'timeout-chain-misaligned',
    ]);
    expect(findings.map((f) => f.severity)).toEqual(['critical', 'critical', 'warning']);
    // Same severity: the better-supported finding first.
    expect(findings[0]!.confidence).toBeGreaterThan(findings[1]!.confidence);
    expect(verdictOf(findings)).toBe('critical');
  });

  it('a healthy host has no finding and a healthy verdict', async () => {
    const findings = await diagnose(healthySignals());
    expect(findings).toEqual([]);
    expect(verdictOf(findings)).toBe('healthy');
  });

  it('verdict: the worst severity; info alone stays healthy', () => {
    expect(verdictOf([{ severity: 'warning' }, { severity: 'info' }])).toBe('warning');
    expect(verdictOf([{ severity: 'info' }])).toBe('healthy');
    expect(verdictOf([{ severity: 'warning' }, { severity: 'critical' }])).toBe('critical');
  });
});

describe('confidence', () => {
  it(`base ${CONFIDENCE.base}, raised by supporting conditions, halved per failed needed probe`, async () => {
    const signals = SCENARIOS['pool-exhausted'];
    const full = (await diagnose(signals)).find((f) => f.runbook === 'pool-exhausted')!;
    // queue measured, read timeouts in the web log, "max_children reached" logged: all three support it.
    expect(full.confidence).toBe(1);
    expect(full.missingProbes).toEqual([]);

    const blind = (await diagnose(signals, ['runtime'])).find((f) => f.runbook === 'pool-exhausted')!;
    expect(blind.confidence).toBe(0.5);
    expect(blind.missingProbes).toEqual(['runtime']);
  });

  it('probes listed in signals.probes.missing lower it too', async () => {
    const signals = signalsWith({ ...SCENARIOS['worker-crashed'], probes: { failed: 1, missing: ['logs'] } });
    const finding = (await diagnose(signals)).find((f) => f.runbook === 'worker-crashed')!;
    expect(finding.missingProbes).toEqual(['logs']);
    // 1 of 2 supporting true: 0.7 + 0.15 = 0.85, halved.
    expect(finding.confidence).toBe(0.43);
  });

  it('only a few supporting conditions true: between base and 1', async () => {
    const finding = (await diagnose(SCENARIOS['socket-permission'])).find(
      (f) => f.runbook === 'socket-permission',
    )!;
    expect(finding.confidence).toBe(1);
    const one = signalsWith({ web: { total: 1, eacces: 1 } });
    expect((await diagnose(one))[0]?.confidence).toBe(0.9);
  });
});

describe('evidence, body and errors', () => {
  const line = (source: Evidence['source'], text: string): Evidence => ({ source, text });

  it('takes the listed analyzers in order, a few each, without duplicates', async () => {
    const evidence = {
      selfRequest: [1, 2, 3, 4, 5, 6].map((n) =>
        line('ss', `worker ${n} -> 127.0.0.1:80 (own nginx listener)`),
      ),
      pools: [
        line('fpm-status', 'pool www: 10/10 busy, 37 queued'),
        line('fpm-status', 'pool www: 10/10 busy, 37 queued'),
      ],
      web: [line('nginx', 'upstream timed out ×14 since 03:41:12')],
      oom: [line('kernel', 'not listed by this runbook')],
    };
    const findings = evaluateRunbooks(await shippedRunbooks(), { signals: deadlock, evidence });
    expect(findings[0]?.evidence.map((e) => e.text)).toEqual([
      'worker 1 -> 127.0.0.1:80 (own nginx listener)',
      'worker 2 -> 127.0.0.1:80 (own nginx listener)',
      'worker 3 -> 127.0.0.1:80 (own nginx listener)',
      'worker 4 -> 127.0.0.1:80 (own nginx listener)',
      'pool www: 10/10 busy, 37 queued',
      'upstream timed out ×14 since 03:41:12',
    ]);
  });

  it('renders every shipped body with the host numbers when asked', async () => {
    for (const [id, signals] of Object.entries(SCENARIOS)) {
      const findings = evaluateRunbooks(
        await shippedRunbooks(),
        { signals, evidence: {} },
        { withBody: true },
      );
      const finding = findings.find((f) => f.runbook === id)!;
      expect(finding.body, id).toBeDefined();
      expect(finding.body, id).not.toContain('{{');
      expect(finding.summary, id).not.toContain('{{');
    }
    const oversized = evaluateRunbooks(
      await shippedRunbooks(),
      { signals: SCENARIOS['max-children-oversized'], evidence: {} },
      { withBody: true },
    )[0]!;
    expect(oversized.body).toContain('+pm.max_children = 27');
    expect(oversized.summary).toContain('100 workers in total');
    const chain = evaluateRunbooks(await shippedRunbooks(), {
      signals: SCENARIOS['timeout-chain-misaligned'],
      evidence: {},
    })[0]!;
    expect(chain.fix).toBe(
      'Set max_execution_time = 30, request_terminate_timeout = 50s and fastcgi_read_timeout 60s, then reload FPM and the web server',
    );
    expect(
      evaluateRunbooks(await shippedRunbooks(), { signals: deadlock, evidence: {} })[0]?.body,
    ).toBeUndefined();
  });

  it('a condition failing at evaluation is thrown, or handed to onError and read as not matched', () => {
    const runbooks = compileRunbooks([
      {
        file: 'ratio.md',
        text: runbookText(minimalFrontMatter('ratio', { when: 'when: windowSec / fpm.masters > 1' })),
      },
    ]);
    const signals = signalsWith({ fpm: { masters: 0 } });
    expect(() => evaluateRunbooks(runbooks, { signals, evidence: {} })).toThrow(RunbookEvaluationError);
    const errors: RunbookEvaluationError[] = [];
    expect(evaluateRunbooks(runbooks, { signals, evidence: {} }, { onError: (e) => errors.push(e) })).toEqual(
      [],
    );
    expect(errors[0]?.message).toMatch(/^ratio\.md: runbook ratio: "windowSec \/ fpm\.masters > 1" failed: /);
    expect(errors[0]?.code).toBe('RUNBOOK_EVALUATION_FAILED');
  });
});
