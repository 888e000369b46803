import { describe, expect, it } from 'vitest';
import { analyzeMemory } from '../../../src/analysis/memory.js';
import { baseFacts, pool, webCapture, worker } from './helpers.js';

describe('memory from the captured snapshot', () => {
  const facts = webCapture();
  const workers = facts.processes.filter((p) => p.role === 'fpm-worker');
  const avg = Math.round(workers.reduce((s, p) => s + p.rssKb, 0) / workers.length);

  it('the 256 MB cgroup FPM ran in is the budget, not the 23 GB MemAvailable of the machine', () => {
    const { value } = analyzeMemory(facts);
    expect(value).toMatchObject({
      availableKb: 23_670_280,
      budgetKb: 256 * 1024,
      avgWorkerRssKb: avg,
      maxChildrenTotal: 13,
      projectedKb: 13 * avg,
      oversized: false,
      suggestedMaxChildren: Math.floor((256 * 1024 * 0.8) / avg),
    });
  });

  it('the same workers with max_children raised to 40 on www no longer fit the cgroup', () => {
    const f = webCapture();
    f.fpm.pools = f.fpm.pools.map((p) => (p.name === 'www' ? { ...p, maxChildren: 40 } : p));
    const { value, evidence } = analyzeMemory(f);
    expect(value.maxChildrenTotal).toBe(45);
    expect(value.oversized).toBe(true);
    expect(value.suggestedMaxChildren).toBeLessThan(45);
    expect(evidence.at(-1)!.text).toMatch(
      /^45 × 12 MB = \d+ MB > budget 256 MB; fits: pm.max_children \d+ in total/,
    );
  });
});

describe('memory budget rules', () => {
  it('running workers hold memory MemAvailable no longer counts: the budget adds it back', () => {
    // 10 workers of 20 MB already run; 100 MB is still available; max_children 10.
    const f = baseFacts({
      fpm: { ...baseFacts().fpm, pools: [pool('www', { maxChildren: 10 })] },
      processes: Array.from({ length: 10 }, (_, i) => worker(500 + i, 'www', { rssKb: 20 * 1024 })),
      memory: { memTotalKb: 1 << 20, memAvailableKb: 100 * 1024 },
    });
    const { value } = analyzeMemory(f);
    expect(value).toMatchObject({
      projectedKb: 200 * 1024,
      budgetKb: 300 * 1024,
      oversized: false,
      suggestedMaxChildren: 12,
    });
  });

  it('more children than the budget holds is oversized', () => {
    const f = baseFacts({
      fpm: { ...baseFacts().fpm, pools: [pool('www', { maxChildren: 50 })] },
      processes: [worker(501, 'www', { rssKb: 60 * 1024 }), worker(502, 'www', { rssKb: 40 * 1024 })],
      memory: { memTotalKb: 2 << 20, memAvailableKb: 1024 * 1024 },
    });
    const { value } = analyzeMemory(f);
    expect(value).toMatchObject({
      avgWorkerRssKb: 50 * 1024,
      projectedKb: 2500 * 1024,
      budgetKb: 1124 * 1024,
      oversized: true,
    });
    expect(value.suggestedMaxChildren).toBe(Math.floor((1124 * 0.8) / 50));
  });

  it('without meminfo nothing is claimed: unknowns are -1 and oversized stays false', () => {
    const f = baseFacts({
      fpm: { ...baseFacts().fpm, pools: [pool('www')] },
      processes: [worker(501, 'www')],
    });
    delete f.memory;
    expect(analyzeMemory(f).value).toMatchObject({
      availableKb: -1,
      budgetKb: -1,
      oversized: false,
      suggestedMaxChildren: -1,
    });
  });

  it('without workers in ps there is no average to project from', () => {
    const f = baseFacts({ fpm: { ...baseFacts().fpm, pools: [pool('www', { maxChildren: 500 })] } });
    expect(analyzeMemory(f).value).toMatchObject({
      avgWorkerRssKb: 0,
      oversized: false,
      suggestedMaxChildren: -1,
    });
  });
});
