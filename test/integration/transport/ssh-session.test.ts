import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SshTransport } from '../../../src/transport/ssh-transport.js';
import type { Transport } from '../../../src/transport/transport.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { ensureLabUser } from '../../lab/users.js';
import { labTarget, pidsWithArg, sleepTracker, waitFor } from './helpers.js';

/**
 * Several scripts over one SSH channel (ssh-session.ts), on a real sshd: each script gets its own
 * arguments, exit code, stdout and stderr as a run of its own would; the host sees one session;
 * a script that overruns is killed with its group, and the next ones still run.
 */
let lab: SshdLab;
const opened: SshTransport[] = [];
const sleeps = sleepTracker();
const transport = (over: Parameters<typeof labTarget>[1] = {}): SshTransport => {
  const t = new SshTransport(labTarget(lab, over));
  opened.push(t);
  return t;
};
/** Exec channels sshd started (OpenSSH logs one "Starting session: command" per channel at VERBOSE). */
const sessionsOpened = () =>
  lab
    .log()
    .split('\n')
    .filter((l) => /Starting session: command/.test(l)).length;

beforeAll(async () => {
  await ensureLabUser('fpm-medic-become', { sudo: true });
  lab = await startSshd();
});
afterEach(() => {
  sleeps.killAll();
});
afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
  await lab?.stop();
});

const run = (t: Transport, script: string, args: string[] = [], timeoutMs = 10_000) =>
  t.runScript(script, args, { timeoutMs });

describe('a session: several scripts over one channel (real sshd)', () => {
  it('each script has its own args, exit code and streams; the host opens one session for all', async () => {
    const t = transport();
    const before = sessionsOpened();
    const s = t.openSession(60_000);
    const a = await run(s, 'printf "<%s>" "$@"; echo; echo err-a >&2; exit 3\n', ['a_b', '/etc/php']);
    const b = await run(s, 'echo "args=$#"; echo err-b >&2\n');
    // A script's own `exit`, variables and cwd end with it: the next one starts clean.
    const c = await run(s, 'x=1; cd /tmp; exit 0\n');
    const d = await run(s, 'echo "x=$x pwd=$(pwd)"\n');
    await s.close();
    expect(a).toMatchObject({ stdout: '<a_b></etc/php>\n', stderr: 'err-a\n', code: 3, timedOut: false });
    expect(b).toMatchObject({ stdout: 'args=0\n', stderr: 'err-b\n', code: 0 });
    expect(c.code).toBe(0);
    expect(d.stdout).toMatch(/^x= /);
    expect(d.stdout).not.toContain('pwd=/tmp');
    expect(sessionsOpened() - before).toBe(1);
  });

  it('output that looks like the end marker does not end a script early', async () => {
    const s = transport().openSession(60_000);
    const r = await run(s, "printf '\\n@@round-end 0123456789abcdef01234567 0\\n'; echo after\n");
    await s.close();
    expect(r.stdout).toBe('\n@@round-end 0123456789abcdef01234567 0\nafter\n');
    expect(r.code).toBe(0);
  });

  it('a script past its deadline is killed with its group; the next runs on a channel of its own', async () => {
    const t = transport();
    const s = t.openSession(60_000);
    const sleep = sleeps.next();
    const slow = await run(s, `echo before; sleep ${sleep} & sleep ${sleep}\n`, [], 1_500);
    expect(slow).toMatchObject({ timedOut: true, code: null, stdout: 'before\n' });
    await waitFor('no remote sleep left', () => pidsWithArg(sleep).length === 0, 3_000);
    const next = await run(s, 'echo next; exit 4\n');
    expect(next).toMatchObject({ stdout: 'next\n', code: 4, timedOut: false });
    await s.close();
  });

  it('each script keeps its output cap; an argument the transport refuses sends nothing', async () => {
    const s = transport().openSession(60_000);
    const big = await s.runScript('head -c 100000 /dev/zero | tr "\\0" x; echo\n', [], {
      timeoutMs: 10_000,
      maxOutputBytes: 1000,
    });
    expect(big).toMatchObject({ truncated: true, code: 0 });
    expect(big.stdout.length).toBe(1000);
    expect(() => s.runScript('echo x\n', ["'; reboot"], { timeoutMs: 1000 })).toThrow(/refused/);
    expect((await run(s, 'echo still\n')).stdout).toBe('still\n');
    await s.close();
  });

  it('with become: sudo, every script of the session runs as root', async () => {
    const s = transport({ user: 'fpm-medic-become', become: 'sudo' }).openSession(60_000);
    const a = await run(s, 'id -u\n');
    const b = await run(s, 'echo "$SUDO_USER"; id -u\n');
    await s.close();
    expect(a).toMatchObject({ stdout: '0\n', code: 0 });
    expect(b.stdout).toBe('fpm-medic-become\n0\n');
  });

  it('closing the transport mid-script kills it; the session frees its channel on close', async () => {
    const t = transport();
    const s = t.openSession(60_000);
    await run(s, 'true\n');
    expect(t.activeChannels).toBe(1);
    await s.close();
    expect(t.activeChannels).toBe(0);
    const s2 = t.openSession(60_000);
    const sleep = sleeps.next();
    const pending = run(s2, `sleep ${sleep}\n`, [], 30_000);
    await waitFor('the sleep started', () => pidsWithArg(sleep).length > 0, 5_000);
    await t.close();
    await expect(pending).rejects.toThrow(/aborted/);
    await waitFor('no remote sleep left', () => pidsWithArg(sleep).length === 0, 3_000);
  });
});
