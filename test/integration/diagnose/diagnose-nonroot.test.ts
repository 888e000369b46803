import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedHost } from '../../../src/config/types.js';
import { type Diagnosis, diagnoseHost } from '../../../src/diagnosis/diagnose.js';
import type { HostReport } from '../../../src/report/host-report.js';
import { loadRunbooks, type Runbook } from '../../../src/runbooks/index.js';
import type { SshTransport } from '../../../src/transport/ssh-transport.js';
import { type Lab, startLab } from '../../lab/lab.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { transportTo } from '../../lab/sshd-transport.js';
import { ensureLabUser } from '../../lab/users.js';

/**
 * Issue 10, part 2: a fleet that forbids root logins. The real lab behind the real sshd, logged
 * into as an ordinary user with no sudo (fpm-medic-plain), on a lab made to look like a Debian
 * host where it matters: the logs 0640 root:adm and kernel.dmesg_restrict=1. Whatever that user
 * cannot see must come back as a typed failure with its fix, and a report that could not look
 * everywhere must never say `healthy`.
 */
const USER = 'fpm-medic-plain';
const SUDOERS = `"${USER} ALL=(root) NOPASSWD: /bin/sh"`;
const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('diagnose the real lab as a non-root SSH user without sudo', () => {
  let sshd: SshdLab;
  let lab: Lab;
  let runbooks: Runbook[];
  let plain: SshTransport;
  let asRoot: SshTransport;
  let dir: string;
  let inventory: string;
  let dmesgRestrict: string;

  const transportAs = (user: string) => transportTo(sshd, { host: 'lab', user });

  const host = (): ResolvedHost => ({
    name: 'lab-1',
    address: sshd.address,
    local: false,
    ssh: null,
    commandTimeoutMs: 30_000,
    labels: { env: 'lab' },
    selfAddresses: [],
    // Pinned: other engineers' labs may run FPM masters on this machine, and what cannot be read
    // about those must not decide this host's verdict.
    fpm: { config: fpmConfig() },
    // Named because other engineers' labs may run nginx on this machine; the error log too, as
    // an operator does when the web server's config cannot be read without root.
    web: { kind: 'nginx', config: lab.webConfigFile, errorLog: lab.logs.webError },
    groups: [],
  });

  const fpmConfig = () => join(lab.dir, 'etc/php-fpm.conf');

  const diagnose = (transport: SshTransport, sinceMs: number): Promise<Diagnosis> =>
    diagnoseHost(host(), runbooks, {
      transport,
      windowSec: (Date.now() - sinceMs) / 1000,
      sinceEpoch: sinceMs / 1000,
    });

  /** Debian's modes: FPM's and nginx's logs are not for everyone (the lab writes them 0644). */
  const restrictLogs = () => {
    for (const f of [
      lab.logs.fpm,
      lab.logs.webError,
      lab.logs.slow('unixpool'),
      lab.logs.access('unixpool'),
    ]) {
      execFileSync('chown', ['root:adm', f]);
      chmodSync(f, 0o640);
    }
  };

  beforeAll(async () => {
    runbooks = await loadRunbooks();
    sshd = await startSshd();
    lab = await startLab({ web: 'nginx' });
    await ensureLabUser(USER, { sudo: false });
    // sshd opens AuthorizedKeysFile as the user logging in: let fpm-medic-plain read the lab's.
    chmodSync(sshd.dir, 0o711);
    chmodSync(join(sshd.dir, 'authorized_keys'), 0o644);
    dmesgRestrict = readFileSync('/proc/sys/kernel/dmesg_restrict', 'utf8').trim();
    execFileSync('sysctl', ['-q', 'kernel.dmesg_restrict=1']);
    restrictLogs();
    plain = transportAs(USER);
    asRoot = transportAs(sshd.user);
    dir = mkdtempSync(join(tmpdir(), 'fpm-medic-nonroot-'));
    inventory = join(dir, 'inventory.yaml');
    writeFileSync(
      inventory,
      [
        'hosts:',
        '  lab-1:',
        `    address: ${sshd.address}`,
        `    ssh: { user: ${USER}, port: ${sshd.port}, privateKeyPath: ${sshd.clientKeyPath}, knownHostsPath: ${sshd.knownHostsPath} }`,
        `    fpm: { config: ${fpmConfig()} }`,
        `    web: { kind: nginx, config: ${lab.webConfigFile}, errorLog: ${lab.logs.webError} }`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    if (dmesgRestrict !== undefined) execFileSync('sysctl', ['-q', `kernel.dmesg_restrict=${dmesgRestrict}`]);
    await plain?.close();
    await asRoot?.close();
    await lab?.stop();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const failure = (r: HostReport, probe: string, target: string | RegExp) =>
    r.failures.find(
      (f) => f.probe === probe && (typeof target === 'string' ? f.target === target : target.test(f.target)),
    );

  it('healthy lab: root sees everything and says healthy; the plain user says unknown, with every gap and its fix', async () => {
    const since = Date.now();
    await lab.induce('healthy');
    restrictLogs();

    const full = (await diagnose(asRoot, since)).report;
    expect(full.findings).toEqual([]);
    expect(full.verdict).toBe('healthy');
    expect(full.coverage).toMatchObject({ complete: true, blind: [] });

    const r = (await diagnose(plain, since)).report;
    expect(r.findings).toEqual([]);
    expect(r.verdict).toBe('unknown');
    // Every probe ran as the SSH user; what it could not see is a typed failure with a fix.
    expect(r.probes.map((p) => p.id).sort()).toEqual([
      'discover-fpm',
      'discover-web',
      'kernel',
      'logs',
      'runtime',
    ]);
    for (const f of r.failures) expect(f.fix.length).toBeGreaterThan(0);
    expect(failure(r, 'kernel', 'dmesg')).toMatchObject({
      reason: 'permission',
      detail: expect.stringContaining(`dmesg not readable as ${USER} (kernel.dmesg_restrict=1)`),
      fix: expect.stringContaining('set sysctl kernel.dmesg_restrict=0'),
    });
    expect(failure(r, 'logs', lab.logs.webError)).toMatchObject({
      reason: 'permission',
      fix: expect.stringContaining(`add ${USER} to group adm (usermod -aG adm ${USER})`),
    });
    expect(failure(r, 'runtime', 'ss-conn')).toMatchObject({ reason: 'permission' });
    // The pools are unknown (FPM's config test is refused to this user): their status page and
    // logs are reported as not read, not silently skipped.
    const status = failure(r, 'fpm-status', `pools of master ${lab.fpmMasterPid}`);
    expect(status?.detail).toMatch(/^pool status not read: the pools of master \d+ are unknown because /);
    expect(failure(r, 'logs', `FPM logs of master ${lab.fpmMasterPid}`)).toBeDefined();
    for (const f of r.failures.filter((x) => x.reason === 'permission')) expect(f.fix).toContain(SUDOERS);
    // Which findings are still possible and which are not, every runbook accounted for once.
    expect(r.coverage?.complete).toBe(false);
    const blind = r.coverage!.blind.map((b) => b.runbook);
    expect(blind).toContain('worker-oom-killed');
    expect(blind).toContain('pool-exhausted');
    expect([...blind, ...r.coverage!.checked].sort()).toEqual(runbooks.map((rb) => rb.id).sort());
    for (const b of r.coverage!.blind) expect(b.because.length).toBeGreaterThan(0);
    expect(r.coverage!.blind.find((b) => b.runbook === 'worker-oom-killed')!.because).toContain(
      `kernel: dmesg not readable as ${USER} (kernel.dmesg_restrict=1): dmesg: read kernel buffer failed: Operation not permitted`,
    );
  });

  it('exhausted pool: root names it; the plain user never says healthy, and says what it could not check', async () => {
    const since = Date.now();
    const s = await lab.induce('pool-exhausted');
    restrictLogs();
    try {
      const full = (await diagnose(asRoot, since)).report;
      expect(full.findings.map((f) => f.runbook)).toContain('pool-exhausted');

      const r = (await diagnose(plain, since)).report;
      expect(r.verdict).not.toBe('healthy');
      const found = r.findings.some((f) => f.runbook === 'pool-exhausted');
      // Either what this user can see proves the exhaustion, or the report is unknown and names
      // pool-exhausted among what it could not check.
      if (!found) {
        expect(r.verdict).toBe('unknown');
        expect(r.coverage!.blind.map((b) => b.runbook)).toContain('pool-exhausted');
      }
      expect(failure(r, 'fpm-status', /^pools of master /)?.fix).toContain(SUDOERS);
    } finally {
      await s.end();
    }
  });

  it('the executable exits 3 (unknown) with coverage in the JSON report and the gaps in the text one', async () => {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
    const since = new Date().toISOString();
    await lab.induce('healthy');
    restrictLogs();
    const run = (format: string) =>
      spawnSync(
        process.execPath,
        [
          join(root, 'bin/fpm-medic.js'),
          'diagnose',
          'lab-1',
          '-i',
          inventory,
          '-f',
          format,
          '--since',
          since,
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1', FPM_MEDIC_AUDIT_LOG: join(dir, 'audit.jsonl') },
          timeout: 60_000,
        },
      );
    const json = run('json');
    expect(json.status).toBe(3);
    const report = JSON.parse(json.stdout) as HostReport;
    expect(report).toMatchObject({ host: 'lab-1', verdict: 'unknown', coverage: { complete: false } });
    expect(report.coverage!.blind.map((b) => b.runbook)).toContain('worker-oom-killed');
    const text = run('text');
    expect(text.status).toBe(3);
    expect(text.stdout).toContain('lab-1: UNKNOWN');
    expect(text.stdout).toMatch(/could not check \d+ of \d+ runbooks: .*worker-oom-killed/);
    expect(text.stdout).toContain(`because kernel: dmesg not readable as ${USER}`);
  });
});
