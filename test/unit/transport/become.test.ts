import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  BECOME_MARKER,
  buildBecomeKillCommand,
  classifyBecomeFailure,
  sudoersLine,
  sudoSaid,
} from '../../../src/transport/become.js';
import { BecomeError } from '../../../src/transport/errors.js';
import {
  BecomeMarkerParser,
  buildWrappedCommand,
  PGID_MARKER,
  REMOTE_BACKSTOP_GRACE_S,
} from '../../../src/transport/remote-command.js';

const secs = 3 + REMOTE_BACKSTOP_GRACE_S;

describe('buildWrappedCommand with become: sudo', () => {
  it('the login shell reports its group and execs sudo -n -- /bin/sh; the backstop runs inside, as root', () => {
    const root = (run: string) =>
      `'sudo' '-n' '--' '/bin/sh' '-c' 'echo "${BECOME_MARKER}$$" >&2; exec ${run}/bin/sh -s -- "$@"' sh 'www' '/etc/php'`;
    const gnu = `echo "${PGID_MARKER}$$:gnu" >&2; exec ${root(`timeout -s KILL ${secs} `)}`;
    const none = `echo "${PGID_MARKER}$$:none" >&2; exec ${root('')}`;
    expect(buildWrappedCommand(['www', '/etc/php'], 2500, 'gnu', 'sudo')).toBe(gnu);
    expect(buildWrappedCommand(['www', '/etc/php'], 2500, 'none', 'sudo')).toBe(none);
    expect(buildWrappedCommand(['www', '/etc/php'], 2500, 'detect', 'sudo')).toBe(
      `if timeout --version >/dev/null 2>&1; then ${gnu}; fi; ${none}`,
    );
  });

  it('refuses unsafe args before building anything', () => {
    expect(() => buildWrappedCommand(['$(id)'], 1000, 'gnu', 'sudo')).toThrow(/refused/);
    expect(() => buildWrappedCommand(["a'b"], 1000, 'gnu', 'sudo')).toThrow(/refused/);
  });

  it('under a real sh, the args reach the root shell verbatim as "$@" (sudo stood in for by env)', () => {
    // `env` runs its arguments like sudo does, without the privilege: what is left to check is the
    // quoting from the login shell down to the script.
    const cmd = buildWrappedCommand(['a:1', 'b=c,d', '/x/y'], 5000, 'gnu', 'sudo').replace(
      `'sudo' '-n' '--' `,
      'env ',
    );
    const res = execFileSync('sh', ['-c', `{ ${cmd}; } 2>&1`], {
      input: 'for a in "$@"; do echo "<$a>"; done\n',
      encoding: 'utf8',
    });
    expect(res).toMatch(
      new RegExp(`^${PGID_MARKER}\\d+:gnu\\n${BECOME_MARKER}\\d+\\n<a:1>\\n<b=c,d>\\n</x/y>\\n$`),
    );
  });
});

describe('buildBecomeKillCommand', () => {
  it('kills the script group and the login group as root, else as the user; always exits 0', () => {
    const kill =
      '{ kill -s KILL -- -77 2>/dev/null || kill -s KILL 77 2>/dev/null; }; ' +
      '{ kill -s KILL -- -42 2>/dev/null || kill -s KILL 42 2>/dev/null; }';
    expect(buildBecomeKillCommand([77, 42])).toBe(
      `sudo -n -- /bin/sh -c '${kill}; exit 0' 2>/dev/null || { ${kill}; }; exit 0`,
    );
  });

  it('never kills group 0 or 1 (as root that would be every process)', () => {
    expect(() => buildBecomeKillCommand([1])).toThrow();
    expect(() => buildBecomeKillCommand([42, 0])).toThrow();
    expect(() => buildBecomeKillCommand([Number.NaN])).toThrow();
  });
});

describe('classifyBecomeFailure: what sudo printed', () => {
  it.each([
    ['sudo: a password is required\n', 1, 'password-required'],
    [
      'sudo: a terminal is required to read the password; either use the -S option ...\n',
      1,
      'password-required',
    ],
    ["Sorry, user deploy is not allowed to execute '/bin/sh -c ...' as root on web-1.\n", 1, 'not-allowed'],
    ['deploy is not in the sudoers file.\n', 1, 'not-allowed'],
    ['sudo: account validation failure, is your account locked?\n', 1, 'failed'],
    ['sudo: sorry, you must have a tty to run sudo\n', 1, 'tty-required'],
    ['sh: 1: exec: sudo: not found\n', 127, 'sudo-missing'],
    ['bash: sudo: command not found\n', 127, 'sudo-missing'],
    ['', 127, 'sudo-missing'],
  ] as const)('%j (exit %d) -> %s', (stderr, code, reason) => {
    expect(classifyBecomeFailure(stderr, code)).toBe(reason);
  });

  it('quotes sudo on one bounded line', () => {
    expect(sudoSaid('motd\n\nsudo: a password is required\n', 1)).toBe('motd | sudo: a password is required');
    expect(sudoSaid('', 1)).toBe('nothing (exit code 1)');
    expect(sudoSaid('x'.repeat(1000), 1)).toHaveLength(303);
  });
});

describe('BecomeError', () => {
  it('names the host, the user, what sudo said and the sudoers line; the fix is that line', () => {
    const err = new BecomeError({
      host: 'web-1',
      user: 'deploy',
      reason: 'password-required',
      said: 'sudo: a password is required',
      sudoersLine: sudoersLine('deploy'),
    });
    expect(err.code).toBe('BECOME_FAILED');
    expect(err.message).toBe(
      'host web-1: ssh.become: sudo as deploy: sudo wants a password (fpm-medic never types one: it runs sudo -n); ' +
        'sudo said: sudo: a password is required; the sudoers line to add: deploy ALL=(root) NOPASSWD: /bin/sh',
    );
    expect(err.fix).toMatch(/^add to sudoers on web-1: deploy ALL=\(root\) NOPASSWD: \/bin\/sh \(visudo/);
    const missing = new BecomeError({ ...err.details, reason: 'sudo-missing' });
    expect(missing.fix).toMatch(/^install sudo \(apt-get install sudo\), then add to sudoers/);
    const tty = new BecomeError({ ...err.details, reason: 'tty-required' });
    expect(tty.fix).toMatch(
      /^add to sudoers on web-1: deploy ALL=\(root\) NOPASSWD: \/bin\/sh and Defaults:deploy !requiretty /,
    );
  });
});

describe('BecomeMarkerParser', () => {
  it('takes the root shell pid and strips only its line', () => {
    const p = new BecomeMarkerParser();
    const out = [p.push(Buffer.from(`${BECOME_MARKER}4`)), p.push(Buffer.from('321\nscript says\n'))];
    expect(p.pid).toBe(4321);
    expect(p.complete).toBe(true);
    expect(Buffer.concat(out).toString()).toBe('script says\n');
  });

  it('sudo failing leaves no marker: its words are all kept for the error', () => {
    const p = new BecomeMarkerParser();
    const held = p.push(Buffer.from('sudo: a password is required\n'));
    expect(p.complete).toBe(false);
    expect(Buffer.concat([held, p.flush()]).toString()).toBe('sudo: a password is required\n');
    expect(p.pid).toBeNull();
  });
});
