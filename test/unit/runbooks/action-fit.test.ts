import { describe, expect, it } from 'vitest';
import { diagnose } from './helpers.js';
import { SCENARIOS } from './scenarios.js';
import { healthySignals, signalsWith } from './signals-builder.js';

const stopped = { ...healthySignals().fpm, running: false, masters: 0, masterAgeSec: -1 };

describe('the actions offered fit the state', () => {
  it('an OOM kill while FPM is stopped cleanly: no reload for a stopped FPM, the stop heads with fpm-start', async () => {
    const signals = signalsWith({
      ...SCENARIOS['worker-oom-killed'],
      fpm: { ...stopped, stoppedCleanly: true, stoppedAt: '07:41:12', stopSignal: 'SIGTERM or SIGINT' },
      web: { total: 4, enoent: 4 },
    });
    const findings = await diagnose(signals);
    for (const f of findings) expect(f.actions, f.runbook).not.toContain('fpm-reload');
    const down = findings.find((f) => f.runbook === 'fpm-down')!;
    expect(down).toMatchObject({ rootCause: true, actions: ['fpm-start'] });
    expect(down.summary).toContain('stopped cleanly at 07:41:12 (SIGTERM or SIGINT)');
  });

  it('FPM gone without a clean shutdown: the OOM kill explains it', async () => {
    const signals = signalsWith({
      ...SCENARIOS['worker-oom-killed'],
      fpm: stopped,
      web: { total: 4, enoent: 4 },
    });
    const findings = await diagnose(signals);
    expect(findings.find((f) => f.runbook === 'fpm-down')).toMatchObject({
      explainedBy: ['worker-oom-killed'],
    });
  });

  it('a running FPM is never offered a start', async () => {
    const findings = await diagnose(SCENARIOS['worker-oom-killed']);
    expect(findings[0]!.actions).toEqual(['fpm-reload']);
  });
});
