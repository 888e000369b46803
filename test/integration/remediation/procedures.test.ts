/**
 * The safe procedures against the real lab (php-fpm8.2 + nginx), over a real sshd with a pinned
 * host key and over the local transport: each change is proved by what FPM itself logs and by the
 * processes before and after, and each refusal by nothing having changed.
 */
import { readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedHost } from '../../../src/config/types.js';
import { diagnoseHost } from '../../../src/diagnosis/diagnose.js';
import { runProcedure } from '../../../src/remediation/procedures/index.js';
import type {
  ProcedureContext,
  ProcedureResult,
  StepName,
  StepOutcome,
} from '../../../src/remediation/types.js';
import type { ReportFinding } from '../../../src/report/host-report.js';
import type { StuckWorker } from '../../../src/report/named-workers.js';
import { loadRunbooks, type Runbook } from '../../../src/runbooks/index.js';
import { LocalTransport } from '../../../src/transport/local-transport.js';
import type { SshTransport } from '../../../src/transport/ssh-transport.js';
import type { Transport } from '../../../src/transport/transport.js';
import { POOL_NAMES } from '../../lab/fpm-config.js';
import { type Lab, startLab } from '../../lab/lab.js';
import { isAlive, readCmdline, readStat } from '../../lab/proc.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { transportTo } from '../../lab/sshd-transport.js';
import { markLog, readLog, waitFor, waitForLines } from '../../lab/wait.js';
import { cleanupAll } from '../../support/cleanup.js';

interface AuditEntry {
  name: StepName;
  phase: 'started' | 'ended';
  ok?: boolean;
  summary?: string;
}

let lab: Lab;
let sshd: SshdLab;
let ssh: SshTransport;
let runbooks: Runbook[];
const local = new LocalTransport('lab-local');

beforeAll(async () => {
  runbooks = await loadRunbooks();
  sshd = await startSshd();
  lab = await startLab({ web: 'nginx' });
  ssh = transportTo(sshd);
});

const extraFiles: string[] = [];

afterEach(async () => {
  for (const f of extraFiles.splice(0)) rmSync(f, { force: true });
  // Back to the baseline: traffic stopped, config regenerated, any master fpm-start left stopped.
  await lab?.reset();
  expect(lab.strayFpmMasters()).toEqual([]);
});

afterAll(async () => {
  await cleanupAll([() => ssh?.close(), () => lab?.stop(), () => sshd?.stop()]);
});

/**
 * Built as from an address-only inventory entry, plus the lab's FPM config: other engineers' labs
 * may run masters on this machine, and the procedures refuse to guess between masters.
 */
function labHost(): ResolvedHost {
  return {
    name: 'lab-1',
    address: sshd.address,
    local: false,
    ssh: null,
    commandTimeoutMs: 30_000,
    labels: { env: 'lab' },
    selfAddresses: [],
    fpm: { config: lab.paths.fpmConf },
    web: { healthUrl: lab.url('/health.php') },
    groups: [],
  };
}

/**
 * Pools nothing can ask (no pm.status_path, no ping.path), on a host with no web.healthUrl: the
 * verification has nothing to check. The pool files on disk are what a reload (and a start) reads;
 * lab.reset() rewrites them after the test.
 */
function withoutChecks(): ResolvedHost {
  for (const pool of POOL_NAMES) {
    const file = lab.paths.poolConf(pool);
    const kept = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => !/^(pm\.status_path|ping\.path)\s*=/.test(l));
    writeFileSync(file, kept.join('\n'));
  }
  return { ...labHost(), web: {} };
}

/** A step runner like the remediation flow's: records each step before it runs and after. */
function context(transport: Transport, audit: AuditEntry[], host = labHost()): ProcedureContext {
  return {
    transport,
    host,
    step: async <T extends StepOutcome>(name: StepName, run: () => Promise<T>): Promise<T> => {
      audit.push({ name, phase: 'started' });
      const out = await run();
      audit.push({ name, phase: 'ended', ok: out.ok, summary: out.summary });
      return out;
    },
  };
}

function stepNames(r: ProcedureResult): string[] {
  return r.steps.map((s) => `${s.name}:${s.ok ? 'ok' : 'failed'}`);
}

function sorted(pids: readonly number[]): number[] {
  return [...pids].sort((a, b) => a - b);
}

/** Diagnoses until the finding names its stuck workers (requests must have run a few seconds). */
async function stuckFinding(
  runbook: string,
  count: number,
): Promise<ReportFinding & { workers: StuckWorker[] }> {
  const since = Date.now() - 60_000;
  let last = '';
  return waitFor(
    `a ${runbook} finding naming ${count} workers`,
    async () => {
      const d = await diagnoseHost(labHost(), runbooks, {
        transport: ssh,
        windowSec: (Date.now() - since) / 1000,
        sinceEpoch: since / 1000,
      });
      const f = d.report.findings.find((x) => x.runbook === runbook);
      last = d.report.findings.map((x) => `${x.runbook}: ${x.workers?.length ?? 0} workers`).join(', ');
      return f?.workers && f.workers.length >= count
        ? (f as ReportFinding & { workers: StuckWorker[] })
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500, detail: () => `last report: ${last}` },
  );
}

describe('fpm-reload', () => {
  it('reloads for real over SSH: FPM logs the reload, every worker is new, the master stays, verified with numbers', async () => {
    const master = lab.fpmMasterPid!;
    const before = sorted(lab.workerPids());
    const mark = markLog(lab.logs.fpm);
    const audit: AuditEntry[] = [];

    const r = await runProcedure({ action: 'fpm-reload' }, context(ssh, audit));

    expect(r, r.summary).toMatchObject({
      action: 'fpm-reload',
      host: 'lab-1',
      outcome: 'done',
      changed: true,
    });
    expect(stepNames(r)).toEqual(['precheck:ok', 'config-test:ok', 'reload:ok', 'verify:ok']);
    // The lab's master runs in the foreground: SIGUSR2 re-execs it under the same pid.
    const log = readLog(lab.logs.fpm, mark.offset);
    expect(log).toMatch(/NOTICE: Reloading in progress/);
    expect(log.slice(log.indexOf('Reloading in progress'))).toMatch(/NOTICE: ready to handle connections/);
    expect(lab.fpmMasterPid).toBe(master);
    expect(isAlive(master)).toBe(true);
    const after = lab.workerPids();
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((p) => before.includes(p))).toEqual([]);
    expect(r.summary).toMatch(
      new RegExp(
        `^config test passed; reloaded with SIGUSR2; ${before.length} old workers gone, \\d+ new up; ` +
          'ping \\w+ \\d+ ms, \\w+ \\d+ ms, \\w+ \\d+ ms; health 200 in \\d+ ms; \\d+\\.\\d s; ' +
          'process_control_timeout is 0, so in-flight requests were cut off',
      ),
    );
    for (const pool of ['unixpool', 'tcppool', 'odpool'])
      expect(r.summary).toMatch(new RegExp(`[ ,]${pool} \\d+ ms`));
    // Every step was recorded before it ran and after it ended, in order.
    expect(audit.map((a) => `${a.name}:${a.phase}`)).toEqual([
      'precheck:started',
      'precheck:ended',
      'config-test:started',
      'config-test:ended',
      'reload:started',
      'reload:ended',
      'verify:started',
      'verify:ended',
    ]);
    expect((await lab.get('/health.php')).status).toBe(200);
  });

  it('with no ping or status path on any pool and no healthUrl, the reload is reported "not verified: nothing to check", with the fix', async () => {
    const host = withoutChecks();
    const before = sorted(lab.workerPids());
    const mark = markLog(lab.logs.fpm);
    const r = await runProcedure({ action: 'fpm-reload' }, context(ssh, [], host));

    // It did reload (FPM says so, the workers are new), but nothing asked whether the pools answer.
    expect(r, r.summary).toMatchObject({ outcome: 'unverified', changed: true });
    expect(readLog(lab.logs.fpm, mark.offset)).toMatch(/NOTICE: Reloading in progress/);
    expect(lab.workerPids().filter((p) => before.includes(p))).toEqual([]);
    expect(stepNames(r)).toEqual(['precheck:ok', 'config-test:ok', 'reload:ok', 'verify:failed']);
    expect(r.summary).not.toMatch(/verified with|ping \w+ \d+ ms|health \d+/);
    expect(r.summary).toMatch(
      new RegExp(
        `^config test passed; reloaded with SIGUSR2; ${before.length} old workers gone, \\d+ new up; ` +
          'not verified: nothing to check \\(pool \\w+: no ping\\.path or pm\\.status_path to ask; ',
      ),
    );
    expect(r.summary).toContain(
      'no web.healthUrl for lab-1 in the inventory); to verify, set ping.path (e.g. ping.path = /ping) or ' +
        'pm.status_path in pools ',
    );
    expect(r.summary).toContain(', or web.healthUrl for lab-1 in the inventory');
    for (const pool of POOL_NAMES) expect(r.summary).toContain(`pool ${pool}: no ping.path`);
  });

  it('a broken pool config refuses the reload: the error is quoted, FPM is untouched, the site still answers', async () => {
    const bad = join(lab.paths.poolDir, 'zz-bad.conf');
    extraFiles.push(bad);
    writeFileSync(
      bad,
      [
        '[bad]',
        'user = www-data',
        `listen = ${lab.paths.run}/bad.sock`,
        'pm = static',
        'pm.max_childrn = 3',
        '',
      ].join('\n'),
    );
    const master = lab.fpmMasterPid!;
    const before = sorted(lab.workerPids());
    const mark = markLog(lab.logs.fpm);

    const r = await runProcedure({ action: 'fpm-reload' }, context(local, []));

    expect(r, r.summary).toMatchObject({ outcome: 'refused', changed: false });
    expect(stepNames(r)).toEqual(['precheck:ok', 'config-test:failed']);
    expect(r.summary).toContain(`[${bad}:5] unknown entry 'pm.max_childrn'`);
    expect(r.summary).toMatch(/^config test failed \(exit 78\): .*; reload refused, nothing changed$/);
    expect(readLog(lab.logs.fpm, mark.offset)).not.toMatch(/Reloading in progress/);
    expect(lab.fpmMasterPid).toBe(master);
    expect(sorted(lab.workerPids())).toEqual(before);
    expect((await lab.get('/health.php')).status).toBe(200);
    rmSync(bad, { force: true });
  });
});

describe('kill-stuck-workers', () => {
  it('kills exactly the workers the diagnosis named (stuck on the black-hole API); the others live; the pool answers', async () => {
    const s = await lab.induce('slow-external-call', { holdMs: 60_000 });
    const finding = await stuckFinding('slow-external-call', s.details.workerPids.length);
    const named = finding.workers;
    expect(sorted(named.map((w) => w.pid))).toEqual(sorted(s.details.workerPids));
    for (const w of named) {
      expect(w).toMatchObject({ pool: 'unixpool', masterPid: lab.fpmMasterPid, request: 'GET /api.php' });
      expect(w.conn).toMatch(/^unix:\d+$/);
    }
    const others = lab.workerPids().filter((p) => !named.some((w) => w.pid === p));
    expect(others.length).toBeGreaterThan(0);
    const mark = markLog(lab.logs.fpm);

    const r = await runProcedure({ action: 'kill-stuck-workers', workers: named }, context(ssh, []));

    expect(r, r.summary).toMatchObject({ outcome: 'done', changed: true });
    expect(stepNames(r)).toEqual(['precheck:ok', 'kill:ok', 'verify:ok']);
    const pids = named.map((w) => w.pid);
    expect(r.summary).toMatch(
      new RegExp(
        `^killed 2 of 2 named workers \\((${pids.join(', ')}|${[...pids].reverse().join(', ')})\\); pool unixpool answers ping in \\d+ ms$`,
      ),
    );
    for (const pid of pids) {
      await waitForLines(lab.logs.fpm, new RegExp(`child ${pid} exited on signal 15 \\(SIGTERM\\)`), {
        since: mark.offset,
      });
      expect(isAlive(pid)).toBe(false);
    }
    for (const pid of others) expect(isAlive(pid), `worker ${pid} was not named and must live`).toBe(true);
    expect(readLog(lab.logs.fpm, mark.offset)).not.toMatch(new RegExp(`child (${others.join('|')}) exited`));
  });

  it('kills nothing once the named workers moved on, and skips a pid whose start time differs as restarted', async () => {
    const s = await lab.induce('slow-external-call', { holdMs: 60_000 });
    const named = (await stuckFinding('slow-external-call', s.details.workerPids.length)).workers;
    const inodes = named.map((w) => w.conn.replace('unix:', ''));
    // Their requests end (the API hangs up); the traffic sends new ones, which the workers take or not.
    expect(lab.releaseBlackhole()).toBeGreaterThanOrEqual(named.length);
    await waitFor('the named workers to have let go of the requests they were diagnosed on', () =>
      named.every((w, i) => !holdsSocket(w.pid, inodes[i]!)),
    );
    for (const w of named) expect(isAlive(w.pid)).toBe(true);
    const wrongStart: StuckWorker = { ...named[0]!, startedAt: named[0]!.startedAt - 100 };
    const mark = markLog(lab.logs.fpm);

    const r = await runProcedure(
      { action: 'kill-stuck-workers', workers: [...named, wrongStart] },
      context(local, []),
    );

    expect(r, r.summary).toMatchObject({ outcome: 'refused', changed: false });
    expect(stepNames(r)).toEqual(['precheck:ok', 'kill:ok']);
    expect(r.summary).toMatch(/^nothing killed: killed 0 of 3 named workers; skipped /);
    for (const w of named) expect(r.summary).toContain(`${w.pid} moved on (its request ended`);
    // 100 s, give or take the second ps etimes rounds away at diagnosis time.
    expect(r.summary).toMatch(
      new RegExp(
        `${wrongStart.pid} restarted \\(this process started (99|100|101) s after the worker diagnosed`,
      ),
    );
    expect(r.summary).toMatch(/; nothing changed$/);
    for (const w of named) expect(isAlive(w.pid)).toBe(true);
    expect(readLog(lab.logs.fpm, mark.offset)).not.toMatch(/exited on signal/);
  });
});

describe('fpm-start', () => {
  it('refuses while FPM runs: nothing changed', async () => {
    const master = lab.fpmMasterPid!;
    const workers = sorted(lab.workerPids());
    const r = await runProcedure({ action: 'fpm-start' }, context(local, []));
    expect(r).toMatchObject({ outcome: 'refused', changed: false });
    expect(r.summary).toBe(`FPM is running, pid ${master}: use fpm-reload; nothing changed`);
    expect(stepNames(r)).toEqual(['precheck:failed']);
    expect(lab.fpmMasterPid).toBe(master);
    expect(sorted(lab.workerPids())).toEqual(workers);
  });

  it('starts a stopped FPM over SSH from the configured config and the discovered binary, and verifies it', async () => {
    await lab.induce('fpm-down', { variant: 'stopped' });
    expect((await lab.get('/health.php')).status).toBe(502);
    let started: number | undefined;
    try {
      const r = await runProcedure({ action: 'fpm-start' }, context(ssh, []));
      started = lab.strayFpmMasters()[0];
      expect(r, r.summary).toMatchObject({ outcome: 'done', changed: true });
      expect(stepNames(r)).toEqual(['precheck:ok', 'config-test:ok', 'start:ok', 'verify:ok']);
      expect(r.summary).toMatch(
        new RegExp(
          `^config test passed; started with php-fpm8\\.2 --daemonize --fpm-config ${lab.paths.fpmConf}; ` +
            `master ${started}, 3 of 3 pools listening; ping \\w+ \\d+ ms, \\w+ \\d+ ms, \\w+ \\d+ ms; ` +
            'health 200 in \\d+ ms; \\d+\\.\\d s$',
        ),
      );
      expect(readCmdline(started!)).toBe(`php-fpm: master process (${lab.paths.fpmConf})`);
      expect(readStat(started!)?.ppid).not.toBe(process.pid);
      expect((await lab.get('/health.php')).status).toBe(200);
    } finally {
      // Not the lab's child: stop it here, and prove nothing of it is left.
      if (started !== undefined) {
        process.kill(started, 'SIGTERM');
        await waitFor(`the started master ${started} to exit`, () => !isAlive(started!));
      }
      await waitFor(
        'no FPM master on the lab config but the lab own',
        () => lab.strayFpmMasters().length === 0,
      );
    }
  });
});

describe('fpm-start with nothing to check', () => {
  it('starts FPM and says "not verified: nothing to check" when no pool has a ping or status path and there is no healthUrl', async () => {
    await lab.induce('fpm-down', { variant: 'stopped' });
    const host = withoutChecks();
    let started: number | undefined;
    try {
      const r = await runProcedure({ action: 'fpm-start' }, context(ssh, [], host));
      started = lab.strayFpmMasters()[0];
      expect(r, r.summary).toMatchObject({ outcome: 'unverified', changed: true });
      expect(stepNames(r)).toEqual(['precheck:ok', 'config-test:ok', 'start:ok', 'verify:failed']);
      expect(r.summary).toMatch(
        new RegExp(
          `; master ${started}, 3 of 3 pools listening; not verified: nothing to check \\(pool \\w+: no ping\\.path`,
        ),
      );
      expect(r.summary).toContain(', or web.healthUrl for lab-1 in the inventory');
    } finally {
      if (started !== undefined) {
        process.kill(started, 'SIGTERM');
        await waitFor(`the started master ${started} to exit`, () => !isAlive(started!));
      }
      await waitFor(
        'no FPM master on the lab config but the lab own',
        () => lab.strayFpmMasters().length === 0,
      );
    }
  });
});

/** Does `pid` still hold the unix socket with this inode (what the action checks in the script)? */
function holdsSocket(pid: number, inode: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
