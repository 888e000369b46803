import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectFacts } from '../../../src/probes/collect.js';
import { type Lab, startLab } from '../../lab/lab.js';
import { type ProbeHarness, startProbeHarness } from './lab-probe-harness.js';

/**
 * Two FPM masters on one host (as with php7.4-fpm beside php8.2-fpm, both with a pool named like
 * the other's): discovery finds both and keeps their pools apart; `fpm.config` in the inventory
 * pins the one to judge.
 */
describe('a host running several FPM masters', () => {
  let h: ProbeHarness;
  let second: Lab;
  beforeAll(async () => {
    h = await startProbeHarness('nginx');
    second = await startLab({ web: 'nginx' });
  });
  afterAll(async () => {
    await second?.stop();
    await h?.stop();
  });

  it('discovers both masters, each with its own pools and status pages', async () => {
    const { facts } = await h.collect(Date.now() - 1000);
    const pids = [h.lab.fpmMasterPid, second.fpmMasterPid];
    for (const lab of [h.lab, second]) {
      expect(facts.fpm.masters.find((m) => m.pid === lab.fpmMasterPid)?.configPath).toBe(lab.paths.fpmConf);
      const pools = facts.fpm.pools.filter((p) => p.masterPid === lab.fpmMasterPid);
      expect(pools.map((p) => p.name).sort()).toEqual(['odpool', 'tcppool', 'unixpool']);
      const unix = pools.find((p) => p.name === 'unixpool')!;
      expect(unix.listen).toEqual({ kind: 'unix', path: lab.pools.unixpool.socket });
      expect(facts.status.find((s) => s.listen === lab.pools.unixpool.socket)?.ok).toBe(true);
    }
    expect(facts.fpm.globals.map((g) => g.masterPid)).toEqual(expect.arrayContaining(pids));
  });

  it('fpm.config in the inventory judges that master only', async () => {
    const { facts } = await collectFacts(
      h.transport,
      { name: 'lab', fpm: { config: second.paths.fpmConf }, web: {} },
      { windowSec: 60 },
    );
    expect(facts.fpm.masters.map((m) => m.pid)).toEqual([second.fpmMasterPid]);
    expect(new Set(facts.fpm.pools.map((p) => p.masterPid))).toEqual(new Set([second.fpmMasterPid]));
    expect(
      facts.status.every((s) => s.listen?.startsWith(second.dir) || s.listen?.startsWith('127.0.0.1')),
    ).toBe(true);
  });
});
