import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureLabUser, type LabUser, sudoersLine } from '../../lab/users.js';
import { killPidsWithArg, pidsWithArg, uniqueSleep, waitFor } from './helpers.js';

const run = promisify(execFile);
const CHILD = new URL('./local-become-child.ts', import.meta.url).pathname;
const TSX = new URL('../../../node_modules/.bin/tsx', import.meta.url).pathname;

/**
 * `address: local` with `become: sudo`: fpm-medic running as an unprivileged user on the host
 * itself. The tests run as root, so the transport runs in a child process switched to a lab user
 * with setpriv (real uid and gid, no supplementary groups), against the machine's real sudo.
 */
async function asUser(user: LabUser, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    'setpriv',
    [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', TSX, CHILD, ...args],
    { env: { PATH: process.env.PATH, HOME: '/tmp', USER: user.name }, timeout: 60_000 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

let become: LabUser;
let plain: LabUser;
const sleeps: string[] = [];

beforeAll(async () => {
  become = await ensureLabUser('fpm-medic-become', { sudo: true });
  plain = await ensureLabUser('fpm-medic-plain', { sudo: false });
});

afterEach(() => {
  for (const s of sleeps.splice(0)) killPidsWithArg(s);
});

describe('LocalTransport with become: sudo (real sudo, unprivileged fpm-medic)', () => {
  it('runs the script as root with its args; only the script’s stderr is kept', async () => {
    const out = await asUser(become, 'run');
    expect(out).toMatchObject({
      ok: true,
      uid: become.uid,
      res: {
        stdout: 'uid=0 login=fpm-medic-become\n<a:1></etc/php>',
        stderr: 'oops\n',
        code: 3,
        timedOut: false,
      },
    });
  });

  it('a user sudo refuses gets BecomeError with what sudo said and the sudoers line', async () => {
    const out = await asUser(plain, 'run');
    expect(out).toMatchObject({
      ok: false,
      name: 'BecomeError',
      code: 'BECOME_FAILED',
      details: { host: 'this-box', user: 'fpm-medic-plain', reason: 'password-required' },
    });
    expect(out.message).toContain('sudo said: sudo: a password is required');
    expect(out.fix).toContain(sudoersLine('fpm-medic-plain'));
  });

  it('a timeout kills root’s processes, which this user could not signal itself', async () => {
    const s = uniqueSleep();
    sleeps.push(s);
    const out = await asUser(become, 'timeout', s);
    expect(out).toMatchObject({ ok: true, res: { timedOut: true, stdout: 'started\n' } });
    await waitFor('no root sleep left', () => pidsWithArg(s).length === 0, 3_000);
  });
});
