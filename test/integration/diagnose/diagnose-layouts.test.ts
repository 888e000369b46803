import { readlinkSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Diagnosis, diagnoseHost } from '../../../src/diagnosis/diagnose.js';
import { type LabLayoutName, startLab, type WebKind } from '../../lab/lab.js';
import { commOf } from '../../lab/signatures.js';
import {
  type DiagnosisHarness,
  rootCauses,
  runbooksFound,
  startDiagnosisHarness,
  summary,
} from './lab-diagnosis-harness.js';

/**
 * The lab at other distributions' paths (issue 11, part 2; test/lab/layout.ts): RHEL's
 * /etc/php-fpm.conf and /etc/php-fpm.d, /run/php-fpm, /var/log/php-fpm, pools run as `apache`,
 * behind Apache run as httpd with its FPM handlers in conf.d/php.conf; Remi's collection under
 * /opt/remi/php82 and /etc/opt/remi/php82; and Alpine's php-fpm82 with /etc/php82, pools run as
 * `nobody`, behind nginx. Discovery must find all of it from the process
 * table alone (an address-only inventory entry), and the states give the root causes they give on
 * the lab's own layout (nginx-states.ts, apache-states.ts).
 */
const LAYOUTS: [LabLayoutName, WebKind][] = [
  ['rhel', 'apache'],
  ['remi', 'nginx'],
  ['alpine', 'nginx'],
];

const evidenceText = (d: Diagnosis, runbook: string) =>
  (d.report.findings.find((f) => f.runbook === runbook)?.evidence ?? []).map((e) => e.text).join('\n');

describe.each(LAYOUTS)('the lab in the %s layout, behind %s', (layout, web) => {
  let h: DiagnosisHarness;

  beforeAll(async () => {
    h = await startDiagnosisHarness(web, undefined, { layout });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('discovery finds the master, its config, its pools and the web server at the distribution paths', async () => {
    const paths = h.lab.paths;
    const since = Date.now();
    await h.lab.induce('healthy');
    const d = await h.diagnose(since);
    expect(d.report.verdict, summary(d)).toBe('healthy');
    const facts = d.collected.facts;
    const master = facts.fpm.masters.find((m) => m.pid === h.lab.fpmMasterPid);
    expect(master).toMatchObject({ configPath: paths.fpmConf, binary: commOf(paths.layout.fpmBin) });
    expect(d.collected.raw['discover-fpm']).toContain(`exe=${paths.layout.fpmBin}`);
    const pools = facts.fpm.pools.filter((p) => p.masterPid === h.lab.fpmMasterPid);
    expect(pools.map((p) => p.name).sort()).toEqual(['odpool', 'tcppool', 'unixpool']);
    for (const p of pools) expect(p.user, p.name).toBe(paths.layout.poolUser);
    expect(pools.find((p) => p.name === 'unixpool')?.listen).toEqual({
      kind: 'unix',
      path: paths.socket('unixpool'),
    });
    const workers = facts.processes.filter((p) => h.lab.workerPids().includes(p.pid));
    expect(workers.length).toBeGreaterThan(0);
    for (const w of workers) expect(w.user, String(w.pid)).toBe(paths.layout.poolUser);
    expect(facts.web?.kind).toBe(web);
    expect(facts.web?.binary).toBe(web === 'apache' ? paths.layout.apacheBin : '/usr/sbin/nginx');
    // Every FPM route the web server has, the included conf.d/php.conf ones too, points at a pool.
    expect(facts.web?.routes.length).toBeGreaterThan(0);
    for (const r of facts.web?.routes ?? [])
      expect(r.target.kind === 'unix' ? r.target.path.startsWith(paths.layout.fpm.run) : true, r.scope).toBe(
        true,
      );
    // The logs are read where the distribution keeps them.
    for (const file of [paths.fpmLog, paths.slowLog('unixpool')])
      expect(d.collected.raw.logs, file).toContain(`path=${file} `);
  });

  it('a second lab in the same layout is refused, and the first keeps its paths', async () => {
    await expect(startLab({ layout, web })).rejects.toThrow(
      `a lab with the ${layout} layout already runs in ${h.lab.dir}`,
    );
    for (const link of h.lab.paths.layout.links) {
      if (link.kind === 'binary') expect(statSync(link.path).ino, link.path).toBe(statSync(link.target).ino);
      else expect(readlinkSync(link.path), link.path).toBe(link.target);
    }
    expect((await h.lab.get('/ping')).status).toBe(200);
  });

  it('pool-exhausted: the slow requests are the root cause, as on the lab layout', async () => {
    const since = Date.now();
    const s = await h.lab.induce('pool-exhausted');
    const d = await h.diagnose(since);
    expect(d.report.verdict, summary(d)).toBe('critical');
    expect(rootCauses(d), summary(d)).toEqual(['slow-requests']);
    expect(evidenceText(d, 'slow-requests')).toContain(s.details.pool);
    // The slow log is read from the distribution's log directory.
    expect(d.report.findings.find((f) => f.runbook === 'slow-requests')?.summary).toContain('sleep.php');
    await s.end();
  });

  it("worker-crashed: the kernel's line names the distribution's binary, and it is matched", async () => {
    const since = Date.now();
    const s = await h.lab.induce('worker-crashed');
    expect(s.details.dmesgLine).toContain(`${commOf(h.lab.paths.layout.fpmBin)}[${s.details.crashedPid}]`);
    const d = await h.diagnose(since);
    expect(rootCauses(d), summary(d)).toEqual(['worker-crashed']);
    expect(evidenceText(d, 'worker-crashed')).toContain(String(s.details.crashedPid));
    await s.end();
  });

  if (web === 'nginx') {
    it("worker-oom-killed: the OOM kill of the distribution's binary is matched to its exit by pid", async () => {
      const since = Date.now();
      const s = await h.lab.induce('worker-oom-killed');
      expect(s.details.dmesgLine).toContain(`(${commOf(h.lab.paths.layout.fpmBin)})`);
      const d = await h.diagnose(since);
      expect(runbooksFound(d), summary(d)).toContain('worker-oom-killed');
      expect(evidenceText(d, 'worker-oom-killed')).toContain(String(s.details.killedPid));
      expect(rootCauses(d), summary(d)).toEqual(['max-children-oversized']);
      await s.end();
    });
  }

  it("fpm-down: with the inventory naming the distribution's config, its binary is found to test it", async () => {
    const since = Date.now();
    const s = await h.lab.induce('fpm-down', { variant: 'stopped' });
    const host = { ...h.host, fpm: { config: h.lab.paths.fpmConf } };
    const d = await diagnoseHost(host, h.runbooks, {
      transport: h.transport,
      windowSec: (Date.now() - since) / 1000,
      sinceEpoch: since / 1000,
    });
    expect(rootCauses(d), summary(d)).toEqual(['fpm-down']);
    expect(d.report.findings[0]!.actions).toEqual(['fpm-start']);
    // No master runs: the config was tested with the binary guess_exe picked from its path.
    expect(d.collected.raw['discover-fpm']).toMatch(
      new RegExp(`@@section fpm-master pid=0 .*exe=${h.lab.paths.layout.fpmBin} `),
    );
    expect(
      d.collected.facts.fpm.pools
        .filter((p) => p.masterPid === 0)
        .map((p) => p.name)
        .sort(),
    ).toEqual(['odpool', 'tcppool', 'unixpool']);
    await s.end();
  });
});
