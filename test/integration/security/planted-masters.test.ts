/**
 * Issue 10, part 1: a local user (uid nobody) plants processes titled as FPM, nginx and Apache
 * masters, run from a program it owns (which records every run), an Apache envvars that records
 * being sourced, and a root-run copy of php-fpm in a world-writable directory. fpm-medic, run as
 * root through its real executable over SSH and locally, must run none of it, still find and
 * diagnose the lab's real masters, and name every ignored process and why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostFacts } from '../../../src/facts/types.js';
import type { HostReport } from '../../../src/report/host-report.js';
import { type Lab, startLab } from '../../lab/lab.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { copyFpmConfig, type Plants, plant } from './plants.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/fpm-medic.js');
/** Only runs of the planted programs by this test's fpm-medic are recorded (see plants.ts). */
const WITNESS_NAME = 'FPM_MEDIC_PLANT_WITNESS';
const witness = randomBytes(8).toString('hex');

describe('planted masters: fpm-medic runs nothing of them', () => {
  let sshd: SshdLab;
  let lab: Lab;
  let plants: Plants;
  let dir: string;
  let inventory: string;

  function cli(args: string[], format: 'json' | 'text' = 'json') {
    const r = spawnSync(process.execPath, [bin, ...args, '-i', inventory, '--format', format], {
      encoding: 'utf8',
      env: {
        ...process.env,
        NO_COLOR: '1',
        FPM_MEDIC_AUDIT_LOG: join(dir, 'audit.jsonl'),
        [WITNESS_NAME]: witness,
      },
      timeout: 90_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  beforeAll(async () => {
    // The executable runs the compiled code: build it from this tree first.
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
    dir = mkdtempSync(join(tmpdir(), 'fpm-medic-trust-'));
    sshd = await startSshd({ extraConfig: [`SetEnv ${WITNESS_NAME}=${witness}`] });
    lab = await startLab({ web: 'nginx' });
    plants = await plant(copyFpmConfig, `${WITNESS_NAME}=${witness}`);
    const ssh = `{ user: ${sshd.user}, port: ${sshd.port}, privateKeyPath: ${sshd.clientKeyPath}, knownHostsPath: ${sshd.knownHostsPath} }`;
    // Address-only hosts discover everything from the process table, the planted titles included;
    // the pinned ones name the lab's configs, so a diagnosis judges the lab's master only.
    const pinned = `    fpm: { config: ${lab.paths.fpmConf} }\n    web: { kind: nginx, config: ${lab.webConfigFile} }`;
    inventory = join(dir, 'inventory.yaml');
    writeFileSync(
      inventory,
      [
        'hosts:',
        '  over-ssh:',
        `    address: ${sshd.address}`,
        `    ssh: ${ssh}`,
        '  local:',
        '    address: local',
        '  pinned-ssh:',
        `    address: ${sshd.address}`,
        `    ssh: ${ssh}`,
        pinned,
        '  pinned-local:',
        '    address: local',
        pinned,
        '',
      ].join('\n'),
    );
  }, 120_000);

  afterAll(async () => {
    await plants?.stop();
    await lab?.stop();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function ignoredLines(failures: readonly { reason: string; detail: string }[]): string[] {
    return failures.filter((f) => f.reason === 'untrusted').map((f) => f.detail);
  }

  function expectIgnoredNamed(failures: readonly { reason: string; detail: string }[]) {
    const lines = ignoredLines(failures);
    expect(lines).toContain(`ignored php-fpm master ${plants.fpm.pid}: runs as uid 65534`);
    expect(lines).toContain(`ignored nginx master ${plants.nginx.pid}: runs as uid 65534`);
    expect(lines).toContain(`ignored apache master ${plants.apache.pid}: runs as uid 65534`);
    expect(lines).toContain(
      `ignored php-fpm master ${plants.writableFpm.pid}: binary ${plants.writableFpm.exe} is in ${plants.writableFpm.dir}, which is world-writable`,
    );
  }

  for (const host of ['over-ssh', 'local']) {
    it(`fpm-medic probe ${host}: the real masters are found, the planted ones named and never run`, () => {
      const r = cli(['probe', host]);
      expect(r.code, r.stderr).toBe(0);
      expect(plants.ran()).toBe(false);
      const facts = JSON.parse(r.stdout) as HostFacts;
      const masters = facts.fpm.masters.map((m) => m.pid);
      expect(masters).toContain(lab.fpmMasterPid);
      for (const p of [plants.fpm.pid, plants.writableFpm.pid]) expect(masters).not.toContain(p);
      const labPools = facts.fpm.pools.filter((p) => p.masterPid === lab.fpmMasterPid).map((p) => p.name);
      expect(labPools.sort(), JSON.stringify(facts.failures, null, 1)).toEqual([
        'odpool',
        'tcppool',
        'unixpool',
      ]);
      expect(facts.fpm.pools.some((p) => p.masterPid === plants.writableFpm.pid)).toBe(false);
      expect(facts.web?.kind).toBe('nginx');
      expect(facts.web?.pid).not.toBe(plants.nginx.pid);
      expectIgnoredNamed(facts.failures);
      for (const f of facts.failures.filter((x) => x.reason === 'untrusted')) {
        expect(f.fix).toMatch(/ran nothing of it/);
      }
      // Neither the planted processes nor the writable copy's workers are FPM or web server ones.
      const planted = new Set([plants.fpm.pid, plants.nginx.pid, plants.apache.pid, plants.writableFpm.pid]);
      const theirs = facts.processes.filter((p) => planted.has(p.pid) || planted.has(p.ppid));
      expect(theirs.length).toBeGreaterThanOrEqual(5);
      expect(theirs.filter((p) => p.role !== 'other')).toEqual([]);
    });
  }

  for (const host of ['pinned-ssh', 'pinned-local']) {
    it(`fpm-medic diagnose ${host}: a planted title naming the lab's config cannot hide FPM being down`, async () => {
      const decoy = await plants.plantFpmTitle(lab.paths.fpmConf);
      const since = new Date().toISOString();
      const s = await lab.induce('fpm-down', { variant: 'stopped' });
      try {
        const r = cli(['diagnose', host, '--since', since]);
        expect(plants.ran()).toBe(false);
        const report = JSON.parse(r.stdout) as HostReport;
        expect(report.findings[0], r.stdout).toMatchObject({ runbook: 'fpm-down', rootCause: true });
        expect(r.code).toBe(2);
        expectIgnoredNamed(report.failures);
        expect(ignoredLines(report.failures)).toContain(
          `ignored php-fpm master ${decoy.pid}: runs as uid 65534`,
        );
        // What the engineer reads: the process was left alone, not "could not read".
        const text = cli(['diagnose', host, '--since', since], 'text').stdout;
        expect(text).toContain(
          `ignored php-fpm master ${decoy.pid} (discover-fpm): untrusted: ignored php-fpm master ${decoy.pid}: runs as uid 65534`,
        );
      } finally {
        await s.end();
      }
    });
  }
});
