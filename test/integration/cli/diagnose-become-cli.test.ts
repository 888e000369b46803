import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostReport } from '../../../src/report/host-report.js';
import { type Lab, startLab } from '../../lab/lab.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { ensureLabUser, sudoersLine } from '../../lab/users.js';
import { waitFor } from '../transport/helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/fpm-medic.js');

/**
 * `fpm-medic diagnose` over SSH from an inventory with `ssh.become: sudo`, as an operator whose
 * fleet forbids root logins runs it: a non-root user with the sudoers line gets root's diagnosis;
 * one without gets `unknown`, exit 3, with the line to add.
 */
describe('fpm-medic diagnose with ssh.become: sudo (the executable)', () => {
  let sshd: SshdLab;
  let lab: Lab;
  let dir: string;
  let inventory: string;
  let auditLog: string;
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FPM_MEDIC_AUDIT_LOG: auditLog },
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(async () => {
    // The executable runs the compiled code: build it from this tree first.
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
    await ensureLabUser('fpm-medic-become', { sudo: true });
    await ensureLabUser('fpm-medic-plain', { sudo: false });
    dir = mkdtempSync(join(tmpdir(), 'fpm-medic-cli-become-'));
    auditLog = join(dir, 'audit.jsonl');
    sshd = await startSshd();
    lab = await startLab({ web: 'nginx' });
    inventory = join(dir, 'inventory.yaml');
    writeFileSync(
      inventory,
      [
        'defaults:',
        `  ssh: { port: ${sshd.port}, privateKeyPath: ${sshd.clientKeyPath}, knownHostsPath: ${sshd.knownHostsPath}, become: sudo }`,
        'hosts:',
        `  lab-become: { address: ${sshd.address}, ssh: { user: fpm-medic-become } }`,
        `  lab-nosudo: { address: ${sshd.address}, ssh: { user: fpm-medic-plain } }`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await lab?.stop();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a non-root user with the sudoers line gets the root cause, exit 2; the audit says it ran with become', async () => {
    const since = new Date().toISOString();
    const s = await lab.induce('socket-permission');
    const r = cli(['diagnose', 'lab-become', '-i', inventory, '--format', 'json', '--since', since]);
    expect(r.code, r.stdout).toBe(2);
    const report = JSON.parse(r.stdout) as HostReport;
    expect(report).toMatchObject({ host: 'lab-become', verdict: 'critical' });
    expect(report.findings.filter((f) => f.rootCause).map((f) => f.runbook)).toEqual(['socket-permission']);
    expect(report.probes.every((p) => p.ok)).toBe(true);
    // spawnSync held our event loop: sshd's log lines arrive once it runs again.
    await waitFor(
      'sshd logged the login',
      () => /Accepted publickey for fpm-medic-become /.test(sshd.log()),
      5_000,
    );
    await s.end();
    const started = readFileSync(auditLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { phase: string; host?: string; detail?: Record<string, unknown> })
      .find((x) => x.phase === 'started' && x.host === 'lab-become');
    expect(started?.detail?.become).toEqual([{ host: 'lab-become', user: 'fpm-medic-become', via: 'sudo' }]);
  });

  it('a user sudo refuses: unknown, exit 3, fast, with what sudo said and the sudoers line as the fix', () => {
    const started = Date.now();
    const json = cli(['diagnose', 'lab-nosudo', '-i', inventory, '--format', 'json']);
    expect(json.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(15_000);
    const report = JSON.parse(json.stdout) as HostReport;
    expect(report.verdict).toBe('unknown');
    expect(report.findings).toEqual([]);
    expect(report.failures).toEqual([
      expect.objectContaining({
        probe: 'become',
        reason: 'permission',
        detail: expect.stringContaining('sudo said: sudo: a password is required'),
        fix: expect.stringContaining(sudoersLine('fpm-medic-plain')),
      }),
    ]);
    const text = cli(['diagnose', 'lab-nosudo', '-i', inventory]);
    expect(text.code).toBe(3);
    expect(text.stdout.split('\n')[0]).toMatch(/^lab-nosudo: UNKNOWN — /);
    expect(text.stdout).toContain(`fix: add to sudoers on lab-nosudo: ${sudoersLine('fpm-medic-plain')}`);
  });

  it('a bad become value exits 64 naming file:line:col and key; nothing is contacted', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(inventory, 'utf8').replace('become: sudo', 'become: yes'));
    const logins = sshd.log().split('Accepted publickey').length;
    const r = cli(['diagnose', 'lab-become', '-i', bad]);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/bad\.yaml:2:\d+: defaults\.ssh\.become: expected "sudo" .*, got "yes"/);
    expect(sshd.log().split('Accepted publickey').length).toBe(logins);
  });
});
