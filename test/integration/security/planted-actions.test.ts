/**
 * Issue 10, part 1, the actions: with a process titled as the lab's FPM master planted by uid
 * nobody (from a program it owns, which records every run), fpm-reload and fpm-start act on the
 * lab's real master only, and the action scripts refuse to signal the planted one or to run a
 * planted binary, whatever they are handed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedHost } from '../../../src/config/types.js';
import { ACTIONS } from '../../../src/remediation/actions.js';
import { runProcedure } from '../../../src/remediation/procedures/index.js';
import { runPhase } from '../../../src/remediation/procedures/steps/run-phase.js';
import type { ProcedureContext, StepOutcome } from '../../../src/remediation/types.js';
import { LocalTransport } from '../../../src/transport/local-transport.js';
import type { SshTransport } from '../../../src/transport/ssh-transport.js';
import type { Transport } from '../../../src/transport/transport.js';
import { type Lab, startLab } from '../../lab/lab.js';
import { isAlive, readCmdline } from '../../lab/proc.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { transportTo } from '../../lab/sshd-transport.js';
import { waitFor } from '../../lab/wait.js';
import { cleanupAll } from '../../support/cleanup.js';
import { copyFpmConfig, type Plant, type Plants, plant } from './plants.js';

const WITNESS_NAME = 'FPM_MEDIC_PLANT_WITNESS';
const witness = randomBytes(8).toString('hex');
// The local transport's shell inherits this process's environment: its runs carry the witness.
process.env[WITNESS_NAME] = witness;

let lab: Lab;
let sshd: SshdLab;
let ssh: SshTransport;
let plants: Plants;
const local = new LocalTransport('lab-local');
let decoy: Plant | undefined;

beforeAll(async () => {
  sshd = await startSshd({ extraConfig: [`SetEnv ${WITNESS_NAME}=${witness}`] });
  lab = await startLab({ web: 'nginx' });
  plants = await plant(copyFpmConfig, `${WITNESS_NAME}=${witness}`);
  ssh = transportTo(sshd);
}, 120_000);

afterEach(async () => {
  // reset() also stops the decoy: it calls itself a master of the lab's config.
  await lab?.reset();
  decoy = undefined;
});

afterAll(async () => {
  await cleanupAll([() => ssh?.close(), () => plants?.stop(), () => lab?.stop(), () => sshd?.stop()]);
});

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

function context(transport: Transport): ProcedureContext {
  return {
    transport,
    host: labHost(),
    step: <T extends StepOutcome>(_name: string, run: () => Promise<T>): Promise<T> => run(),
  };
}

describe('fpm-reload and fpm-start with a planted master', () => {
  it('fpm-reload over SSH reloads the real master; the decoy claiming its config is neither run nor signalled', async () => {
    decoy = await plants.plantFpmTitle(lab.paths.fpmConf);
    const master = lab.fpmMasterPid!;
    const r = await runProcedure({ action: 'fpm-reload' }, context(ssh));
    expect(r, r.summary).toMatchObject({ outcome: 'done', changed: true });
    expect(r.steps[0]?.summary).toMatch(new RegExp(`^master ${master} \\(`));
    // The approver sees what called itself a master and was not counted.
    expect(r.steps[0]?.summary).toContain(`ignored php-fpm master ${decoy.pid}: runs as uid 65534`);
    expect(plants.ran()).toBe(false);
    expect(isAlive(decoy.pid)).toBe(true);
  });

  it('fpm-start locally starts the stopped FPM: a decoy claiming its config does not block it, and is not run', async () => {
    await lab.induce('fpm-down', { variant: 'stopped' });
    decoy = await plants.plantFpmTitle(lab.paths.fpmConf);
    let started: number | undefined;
    try {
      const r = await runProcedure({ action: 'fpm-start' }, context(local));
      started = lab.strayFpmMasters().find((p) => p !== decoy?.pid);
      expect(r, r.summary).toMatchObject({ outcome: 'done', changed: true });
      expect(readCmdline(started!)).toBe(`php-fpm: master process (${lab.paths.fpmConf})`);
      expect(started).not.toBe(decoy.pid);
      expect(r.steps[0]?.summary).toContain(`ignored php-fpm master ${decoy.pid}: runs as uid 65534`);
      expect(plants.ran()).toBe(false);
    } finally {
      if (started !== undefined) {
        process.kill(started, 'SIGTERM');
        await waitFor(`the started master ${started} to exit`, () => !isAlive(started!));
      }
    }
  });
});

describe('the action scripts refuse what fails the trust rules', () => {
  const opts = { timeoutMs: 30_000 };

  it('reload: a planted master is not signalled', async () => {
    const r = await runPhase(
      ssh,
      ACTIONS['fpm-reload'].script,
      'reload',
      [String(plants.fpm.pid), 'none', '5'],
      opts,
    );
    const e = r.sections.find((s) => s.kind === 'error' && s.name === 'reload');
    expect(e?.attrs.reason).toBe('untrusted');
    expect(e?.body.trim()).toBe(`ignored php-fpm master ${plants.fpm.pid}: runs as uid 65534`);
    expect(r.sections.some((s) => s.kind === 'section' && s.name === 'reload')).toBe(false);
    expect(isAlive(plants.fpm.pid)).toBe(true);
  });

  it('config-test and start: a planted binary, or php-fpm in a world-writable directory, is never run', async () => {
    const planted = `${plants.dir}/php-fpm`;
    for (const transport of [ssh, local]) {
      const test = await runPhase(
        transport,
        ACTIONS['fpm-reload'].script,
        'config-test',
        [planted, lab.paths.fpmConf],
        opts,
      );
      const e = test.sections.find((s) => s.kind === 'error' && s.name === 'config-test');
      expect(e?.attrs.reason).toBe('untrusted');
      expect(e?.body.trim()).toBe(`binary ${planted} is writable by uid 65534: not run`);
      const copy = await runPhase(
        transport,
        ACTIONS['fpm-start'].script,
        'config-test',
        [plants.writableFpm.exe, lab.paths.fpmConf],
        opts,
      );
      expect(copy.sections.find((s) => s.kind === 'error')?.body.trim()).toBe(
        `binary ${plants.writableFpm.exe} is in ${plants.writableFpm.dir}, which is world-writable: not run`,
      );
      const start = await runPhase(
        transport,
        ACTIONS['fpm-start'].script,
        'start',
        ['5', 'binary', planted, lab.paths.fpmConf],
        opts,
      );
      expect(start.sections.find((s) => s.kind === 'error' && s.name === 'start')?.attrs.reason).toBe(
        'untrusted',
      );
      expect(start.sections.some((s) => s.kind === 'section' && s.name === 'start')).toBe(false);
    }
    expect(plants.ran()).toBe(false);
  });

  it('precheck and state list the real masters only, and name the planted ones', async () => {
    const r = await runPhase(local, ACTIONS['fpm-start'].script, 'precheck', [lab.paths.fpmConf], opts);
    const masters = r.sections.find((s) => s.kind === 'section' && s.name === 'masters');
    expect(masters?.body).toContain(`${lab.fpmMasterPid} `);
    expect(masters?.body).not.toContain(`${plants.fpm.pid} `);
    const ignored = r.sections
      .filter((s) => s.kind === 'error' && s.name === 'masters')
      .map((s) => s.body.trim());
    expect(ignored).toContain(`ignored php-fpm master ${plants.fpm.pid}: runs as uid 65534`);
    expect(ignored).toContain(
      `ignored php-fpm master ${plants.writableFpm.pid}: binary ${plants.writableFpm.exe} is in ${plants.writableFpm.dir}, which is world-writable`,
    );
  });
});
