import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostReport } from '../../../src/report/host-report.js';
import { type Lab, startLab } from '../../lab/lab.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/fpm-medic.js');
/** Each run's audit log and state directory (the discovery cache), in the test's temp dir. */
let auditLog = '';
let stateHome = '';

/** The real executable, as an engineer or a monitoring system runs it. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FPM_MEDIC_AUDIT_LOG: auditLog, XDG_STATE_HOME: stateHome, ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('fpm-medic diagnose (the executable)', () => {
  let sshd: SshdLab;
  let lab: Lab;
  let dir: string;
  let silent: Server;
  let inventory: string;

  beforeAll(async () => {
    // The executable runs the compiled code: build it from this tree first.
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
    dir = mkdtempSync(join(tmpdir(), 'fpm-medic-cli-'));
    auditLog = join(dir, 'audit.jsonl');
    stateHome = join(dir, 'state');
    sshd = await startSshd();
    lab = await startLab({ web: 'nginx' });
    // A port that accepts TCP and never speaks SSH: a hung host.
    silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as { port: number }).port;
    inventory = join(dir, 'inventory.yaml');
    const ssh = `{ user: ${sshd.user}, port: ${sshd.port}, privateKeyPath: ${sshd.clientKeyPath}, knownHostsPath: ${sshd.knownHostsPath} }`;
    writeFileSync(
      inventory,
      [
        'hosts:',
        '  lab-1:',
        `    address: ${sshd.address}`,
        `    ssh: ${ssh}`,
        '  hung-1:',
        `    address: ${sshd.address}`,
        `    ssh: { user: root, port: ${silentPort}, privateKeyPath: ${sshd.clientKeyPath}, knownHostsPath: ${sshd.knownHostsPath}, connectTimeoutMs: 1500 }`,
        'groups:',
        '  web: [lab-1, hung-1]',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    silent?.close();
    await lab?.stop();
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a critical host exits 2 with the DESIGN.md JSON report', async () => {
    const since = new Date().toISOString();
    const s = await lab.induce('self-request-deadlock');
    const r = cli(['diagnose', 'lab-1', '--inventory', inventory, '--format', 'json', '--since', since]);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as HostReport;
    expect(report).toMatchObject({ host: 'lab-1', verdict: 'critical' });
    expect(report.findings[0]).toMatchObject({
      runbook: 'self-request-deadlock',
      rootCause: true,
      severity: 'critical',
    });
    expect(report.probes.map((p) => p.id)).toEqual([
      'discover-fpm',
      'discover-web',
      'runtime',
      'kernel',
      'fpm-status',
      'logs',
    ]);
    await s.end();
  });

  it('the text view starts with the verdict and the root cause', async () => {
    const since = String(Date.now() / 1000);
    const s = await lab.induce('socket-permission');
    const r = cli(['diagnose', 'lab-1', '-i', inventory, '--since', since]);
    expect(r.code).toBe(2);
    expect(r.stdout.split('\n')[0]).toMatch(/^lab-1: CRITICAL — /);
    expect(r.stdout).toContain('[socket-permission, critical');
    await s.end();
  });

  it("a second diagnosis reuses the host's config dump; --no-cache dumps afresh and keeps nothing", () => {
    const json = (args: string[]) =>
      JSON.parse(
        cli(['diagnose', 'lab-1', '-i', inventory, '--format', 'json', ...args]).stdout,
      ) as HostReport;
    const discovery = (r: HostReport) => r.probes.filter((p) => p.id.startsWith('discover-'));
    const kept = join(stateHome, 'fpm-medic', 'discovery', 'lab-1.json');
    rmSync(kept, { force: true });
    const first = json(['--no-cache']);
    expect(existsSync(kept)).toBe(false);
    json([]);
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    const second = json([]);
    expect(discovery(second).map((p) => [p.id, typeof p.cachedAt])).toEqual([
      ['discover-fpm', 'string'],
      ['discover-web', 'string'],
    ]);
    // The same findings from the kept dump as from a fresh one.
    expect(second.findings.map((f) => f.runbook)).toEqual(first.findings.map((f) => f.runbook));
    const before = readFileSync(kept, 'utf8');
    expect(discovery(json(['--no-cache'])).every((p) => p.cachedAt === undefined)).toBe(true);
    expect(readFileSync(kept, 'utf8')).toBe(before);
  });

  it('a host that accepts TCP but never speaks SSH times out: unknown, exit 3', () => {
    const started = Date.now();
    const r = cli(['diagnose', 'hung-1', '-i', inventory, '--format', 'json']);
    expect(r.code).toBe(3);
    expect((JSON.parse(r.stdout) as HostReport).verdict).toBe('unknown');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a group prints one report per host and exits with the worst (critical outranks unknown)', async () => {
    const since = new Date().toISOString();
    const s = await lab.induce('socket-permission');
    const r = cli(['diagnose', 'web', '-i', inventory, '--format', 'json', '--since', since]);
    const reports = JSON.parse(r.stdout) as HostReport[];
    expect(reports.map((x) => [x.host, x.verdict])).toEqual([
      ['lab-1', 'critical'],
      ['hung-1', 'unknown'],
    ]);
    expect(r.code).toBe(2);
    await s.end();
  });

  it('an unknown host exits 64 naming the known ones', () => {
    const r = cli(['diagnose', 'lab-l', '-i', inventory]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("unknown host 'lab-l'; did you mean lab-1?");
  });

  it('a malformed inventory exits 64 with file, line and key; nothing is contacted', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'hosts:\n  web-1:\n    address: 10.0.0.1\n    ssh: { port: twenty-two }\n');
    const r = cli(['diagnose', 'web-1', '-i', bad]);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/bad\.yaml:4:\d+: hosts\.web-1\.ssh\.port: expected an integer/);
  });

  it('a broken operator runbook stops before any host is touched, naming file and reason', () => {
    const extra = join(dir, 'runbooks');
    mkdirSync(extra, { recursive: true });
    writeFileSync(
      join(extra, 'my-check.md'),
      '---\nid: my-check\ntitle: Mine\nseverity: warning\nwhen: pools.exists(p, p.bussy > 0)\nexplains: []\nevidence: []\nsummary: x\nfix: y\nactions: []\nneeds: []\n---\nbody\n',
    );
    const sessionsBefore = sshd.log().split('Accepted publickey').length;
    const r = cli(['diagnose', 'lab-1', '-i', inventory], { FPM_MEDIC_RUNBOOK_DIRS: extra });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('my-check.md');
    expect(r.stderr).toMatch(/bussy/);
    expect(sshd.log().split('Accepted publickey').length).toBe(sessionsBefore);
  });

  it('fpm-medic audit shows the diagnoses run, by whom, with their verdict', () => {
    const json = cli(['audit', '--host', 'lab-1', '--since', '1h', '--format', 'json']);
    expect(json.code).toBe(0);
    const records = JSON.parse(json.stdout) as {
      kind: string;
      phase: string;
      who: { source: string };
      outcome?: string;
    }[];
    expect(records).toContainEqual(
      expect.objectContaining({
        kind: 'diagnosis',
        phase: 'completed',
        who: expect.objectContaining({ source: 'cli' }),
        outcome: 'critical',
      }),
    );
    // hung-1 alone is not lab-1; the group run is recorded under its target.
    expect(JSON.stringify(records)).not.toContain('hung-1');
    const text = cli(['audit', '--host', 'web']);
    expect(text.stdout).toMatch(/diagnosis .*\(cli\) {2}diagnose web target=web {2}-> completed: critical/);
    expect(cli(['audit', '--since', 'soon']).code).toBe(64);
  });

  it('bad usage exits 64', () => {
    expect(cli(['diagnose']).code).toBe(64);
    expect(cli(['diagnose', 'lab-1', '-i', inventory, '--window', 'soon']).code).toBe(64);
    expect(cli(['diagnose', 'lab-1', '-i', inventory, '--since', 'yesterday-ish']).code).toBe(64);
  });
});
