import { describe, expect, it } from 'vitest';
import { compileCondition, signalsToCel } from '../../../src/runbooks/cel-env.js';
import { endpoint, signalsWith } from './signals-builder.js';

const run = (expr: string, signals = signalsWith({})) => {
  const result = compileCondition(expr);
  if (!result.ok) throw new Error(result.reason);
  return result.condition.evaluate(signalsToCel(signals));
};

describe('CEL environment over Signals', () => {
  it('ints become BigInt and doubles stay numbers, so `> 0` works for counts and ratios alike', () => {
    const signals = signalsWith({
      web: { total: 3, eagain: 3 },
      external: { endpoints: [endpoint({ avgCpu: 3 })], topAvgCpu: 3, topMaxDurationSec: 0.5 },
    });
    const cel = signalsToCel(signals) as { web: { eagain: unknown }; external: { topAvgCpu: unknown } };
    expect(cel.web.eagain).toBe(3n);
    expect(cel.external.topAvgCpu).toBe(3);
    expect(run('web.eagain > 0', signals)).toBe(true);
    expect(run('external.topAvgCpu > 0 && external.topAvgCpu < 10.0', signals)).toBe(true);
    expect(run('external.topMaxDurationSec > 0', signals)).toBe(true);
    expect(run('external.endpoints.exists(e, e.avgCpu < 5 && 2911 in e.pids)', signals)).toBe(true);
  });

  it('an analyzer producing a fractional count does not break an int comparison', () => {
    const signals = signalsWith({ memory: { avgWorkerRssKb: 61_440.7 } });
    expect(run('memory.avgWorkerRssKb == 61441', signals)).toBe(true);
  });

  it('list macros see typed records', () => {
    expect(run('pools.exists(p, p.name == "www" && p.busy < p.maxChildren)')).toBe(true);
    expect(run('size(timeoutChain.violations) == 0 && !("runtime" in probes.missing)')).toBe(true);
  });

  it('rejects unknown names at any depth and non-boolean results when compiling', () => {
    expect(compileCondition('fpm.mastrs > 0')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('"masters"'),
    });
    expect(compileCondition('pools.exists(p, p.queue > 0)')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('"queued"'),
    });
    expect(compileCondition('oomz.kernelKills > 0')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('did you mean "oom"'),
    });
    expect(compileCondition('host')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('type string'),
    });
    expect(compileCondition('web.eagain >')).toMatchObject({ ok: false });
  });
});
