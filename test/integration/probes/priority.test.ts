import { type ChildProcess, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitSections } from '../../../src/probes/sections.js';
import { type ProbeHarness, startProbeHarness } from './lab-probe-harness.js';

/**
 * Probes yield to the host's workers: what is not timed against the host (kernel log, discovery,
 * logs) runs at nice 10 in the idle I/O class, as the kernel itself reports it; what is (the
 * snapshot, the status pages) keeps the host's priority. With every CPU busy at normal priority,
 * a diagnosis still reads everything.
 */
const priorityOf = (raw: string | undefined) =>
  splitSections(raw ?? '').find((s) => s.name === 'priority')?.attrs;

describe('probe priority', () => {
  let h: ProbeHarness;
  const hogs: ChildProcess[] = [];
  beforeAll(async () => {
    h = await startProbeHarness('nginx');
  });
  afterAll(async () => {
    for (const hog of hogs) hog.kill('SIGKILL');
    await h?.stop();
  });

  it('kernel, discovery and logs run at nice 10, idle I/O; the snapshot and status pages do not', async () => {
    const { raw } = await h.collect(Date.now() - 60_000);
    expect(priorityOf(raw.kernel)).toEqual({ nice: '10', io: 'idle' });
    // Lowered once per round, before the first low-priority probe, which reports it.
    for (const id of ['runtime', 'discover-fpm', 'discover-web', 'fpm-status'] as const)
      expect(raw[id], id).not.toContain('@@section priority');
    expect(priorityOf(raw.logs)).toEqual({ nice: '10', io: 'idle' });
  });

  it('every CPU busy at normal priority: the diagnosis still reads every probe and status page', async () => {
    for (let i = 0; i < cpus().length; i++)
      hogs.push(spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
    const { facts } = await h.collect(Date.now() - 60_000);
    expect(facts.probes.filter((p) => !p.ok)).toEqual([]);
    const lab = facts.status.filter(
      (s) => s.listen?.startsWith(h.lab.dir) || s.listen?.startsWith('127.0.0.1'),
    );
    expect(lab.length).toBeGreaterThanOrEqual(3);
    expect(lab.every((s) => s.ok)).toBe(true);
    expect(facts.fpm.pools.filter((p) => p.masterPid === h.lab.fpmMasterPid).length).toBe(3);
  });
});
