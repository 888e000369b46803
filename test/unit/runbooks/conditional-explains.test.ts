import { describe, expect, it } from 'vitest';
import { evaluateRunbooks } from '../../../src/runbooks/engine.js';
import { compileRunbooks } from '../../../src/runbooks/loader.js';
import { diagnose, loadProblems, minimalFrontMatter, runbookText } from './helpers.js';
import { healthySignals, signalsWith } from './signals-builder.js';

const cause = (explains: string) =>
  runbookText([...minimalFrontMatter('cause', { when: 'when: fpm.masters > 5' }), explains]);
const effect = runbookText(minimalFrontMatter('effect', { when: 'when: fpm.masters > 4' }));

describe('explains with a condition (operator runbooks)', () => {
  const runbooks = compileRunbooks([
    { file: 'cause.md', text: cause('explains:\n  - { runbook: effect, when: "fpm.reloads > 0" }') },
    { file: 'effect.md', text: effect },
  ]);
  const roots = (reloads: number) =>
    evaluateRunbooks(runbooks, {
      signals: signalsWith({ fpm: { ...healthySignals().fpm, masters: 6, reloads } }),
      evidence: {},
    }).map((f) => [f.runbook, f.rootCause, f.explainedBy]);

  it('the link holds only where its condition is true on this host', () => {
    expect(roots(1)).toEqual([
      ['cause', true, []],
      ['effect', false, ['cause']],
    ]);
    expect(roots(0)).toEqual([
      ['cause', true, []],
      ['effect', true, []],
    ]);
  });

  it('a bad condition, an unknown key or a cycle through a conditional link fails at start-up with file and line', () => {
    expect(
      loadProblems([
        { file: 'cause.md', text: cause('explains:\n  - { runbook: effect, when: "fpm.bogus > 0" }') },
        { file: 'effect.md', text: effect },
      ]),
    ).toEqual([expect.stringMatching(/^cause\.md:\d+: explains\[0\]\.when: .*bogus.*: fpm\.bogus > 0$/)]);
    expect(
      loadProblems([
        { file: 'cause.md', text: cause('explains:\n  - { runbook: effect, if: "fpm.reloads > 0" }') },
        { file: 'effect.md', text: effect },
      ]),
    ).toEqual([expect.stringContaining('cause.md:')]);
    expect(
      loadProblems([
        { file: 'cause.md', text: cause('explains:\n  - { runbook: effect, when: "fpm.reloads > 0" }') },
        {
          file: 'effect.md',
          text: runbookText([...minimalFrontMatter('effect'), 'explains: [cause]']),
        },
      ]),
    ).toEqual([expect.stringContaining('is a cycle')]);
  });
});

describe('shipped: who explains FPM killing requests at request_terminate_timeout', () => {
  const kills = (beforePhpLimit: number, violations: string[]) =>
    signalsWith({
      requestTimeouts: { kills: 3, matchedWebErrors: 3, beforePhpLimit },
      slowRequests: {
        count: 3,
        topScript: '/srv/app/report.php',
        topScriptCount: 3,
        topFrames: ['sleep()'],
      },
      timeoutChain: { ok: violations.length === 0, violations },
      web: { total: 3, reset: 3 },
    });

  it('a sound chain: the slow requests explain the kills', async () => {
    const findings = await diagnose(kills(0, []));
    expect(findings[0]).toMatchObject({ runbook: 'slow-requests', severity: 'critical' });
    expect(findings[0]!.symptoms).toContain('request-timeout-kill');
  });

  it('terminate below max_execution_time: the chain heads the report with the kills as its symptom', async () => {
    const findings = await diagnose(
      kills(3, ['pool www: max_execution_time 30s (php.ini) is not below request_terminate_timeout 2s']),
    );
    expect(findings[0]).toMatchObject({
      runbook: 'timeout-chain-misaligned',
      severity: 'critical',
      symptoms: ['request-timeout-kill'],
    });
    expect(findings.find((f) => f.runbook === 'slow-requests')).toMatchObject({
      rootCause: true,
      symptoms: [],
    });
    expect(findings.find((f) => f.runbook === 'request-timeout-kill')?.explainedBy).toEqual([
      'timeout-chain-misaligned',
    ]);
  });
});
