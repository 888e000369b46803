import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BecomeError, RunAbortedError } from '../../../src/transport/errors.js';
import { SshTransport } from '../../../src/transport/ssh-transport.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { ensureLabUser, sudoersLine } from '../../lab/users.js';
import { labTarget, pidsWithArg, sleepTracker, waitFor } from './helpers.js';

/**
 * `ssh.become: sudo` on a real sshd and a real sudo: a login user that is not root, with the
 * documented NOPASSWD sudoers line (fpm-medic-become) or without any (fpm-medic-plain).
 */
const BECOME_USER = 'fpm-medic-become';
const PLAIN_USER = 'fpm-medic-plain';

let lab: SshdLab;
const opened: SshTransport[] = [];
const sleeps = sleepTracker();
const transport = (user: string, become = true): SshTransport => {
  const t = new SshTransport(labTarget(lab, { user, ...(become ? { become: 'sudo' as const } : {}) }));
  opened.push(t);
  return t;
};

/** The uid a live process runs as (real uid, from /proc). */
function uidOf(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
  } catch {
    return null;
  }
}

beforeAll(async () => {
  await ensureLabUser(BECOME_USER, { sudo: true });
  await ensureLabUser(PLAIN_USER, { sudo: false });
  lab = await startSshd();
});

afterEach(() => {
  sleeps.killAll();
});

afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
  await lab?.stop();
});

describe('ssh.become: sudo (real sshd, real sudo)', () => {
  it('logs in as the non-root user and runs the script as root, args and exit code intact', async () => {
    const t = transport(BECOME_USER);
    const res = await t.runScript(
      'echo "uid=$(id -u) login=$SUDO_USER"; printf "<%s>" "$@"; echo oops >&2; exit 3\n',
      ['a:1', '/etc/php'],
      {
        timeoutMs: 10_000,
      },
    );
    expect(res).toMatchObject({
      stdout: `uid=0 login=${BECOME_USER}\n<a:1></etc/php>`,
      stderr: 'oops\n', // both markers stripped
      code: 3,
      timedOut: false,
    });
    // Without become the same user stays itself.
    const plain = await transport(BECOME_USER, false).runScript('id -u\n', [], { timeoutMs: 10_000 });
    expect(plain.stdout.trim()).not.toBe('0');
  });

  it('a user sudo refuses fails fast with BecomeError naming host, user, what sudo said and the sudoers line', async () => {
    const t = transport(PLAIN_USER);
    const marker = sleeps.next();
    const started = Date.now();
    const err = await t.runScript(`sleep ${marker}\n`, [], { timeoutMs: 20_000 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err).toBeInstanceOf(BecomeError);
    const e = err as BecomeError;
    expect(e.code).toBe('BECOME_FAILED');
    expect(e.details).toMatchObject({ user: PLAIN_USER, reason: 'password-required' });
    expect(e.message).toContain(`host ${t.host}: ssh.become: sudo as ${PLAIN_USER}`);
    expect(e.message).toContain('sudo said: sudo: a password is required');
    expect(e.message).toContain(sudoersLine(PLAIN_USER));
    expect(e.fix).toContain(sudoersLine(PLAIN_USER));
    // The script was never handed to anyone.
    expect(pidsWithArg(marker)).toEqual([]);
  });

  it('a timed-out run leaves nothing behind: the root group, background children included, is killed', async () => {
    const t = transport(BECOME_USER);
    const s = sleeps.next();
    const res = await t.runScript(`echo before; sleep ${s} & sleep ${s}; echo after\n`, [], {
      timeoutMs: 1_500,
    });
    expect(res.timedOut).toBe(true);
    expect(res.stdout).toBe('before\n');
    expect(res.stderr).toBe(''); // no "[fpm-medic] could not kill ..." note
    // The remote backstop would fire only at 2 s + 5 s: gone within 2 s means the client's kill,
    // run as root through sudo, reached root's processes.
    await waitFor('no root sleep left', () => pidsWithArg(s).length === 0, 2_000);
    expect((await t.runScript('echo alive\n', [], { timeoutMs: 10_000 })).stdout).toBe('alive\n');
  });

  it('abort kills the root group too and rejects with RunAbortedError', async () => {
    const t = transport(BECOME_USER);
    const s = sleeps.next();
    const ac = new AbortController();
    const p = t.runScript(`sleep ${s} & sleep ${s}\n`, [], { timeoutMs: 60_000, signal: ac.signal });
    await waitFor('root sleeps started', () => pidsWithArg(s).length === 2, 10_000);
    expect(pidsWithArg(s).map(uidOf)).toEqual([0, 0]);
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(RunAbortedError);
    await waitFor('root sleeps killed', () => pidsWithArg(s).length === 0, 2_000);
  });

  it('the remote backstop works as root when the client cannot kill (connection gone)', async () => {
    const t = transport(BECOME_USER);
    const s = sleeps.next();
    const p = t.runScript(`sleep ${s} & sleep ${s}\n`, [], { timeoutMs: 1_000 }).catch((e: unknown) => e);
    await waitFor('root sleeps started', () => pidsWithArg(s).length === 2, 10_000);
    // The client's kill needs the connection: without it only the backstop (1 s + 5 s) is left.
    await lab.killSessions();
    await p;
    await waitFor('backstop killed the root sleeps', () => pidsWithArg(s).length === 0, 15_000);
  });
});
