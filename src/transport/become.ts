/**
 * `ssh.become: sudo`: the script runs as root through `sudo -n -- /bin/sh`, for an SSH user (or a
 * local fpm-medic user) that is not root. Shared by the SSH and local transports.
 *
 * - `/bin/sh` by its full path, exactly what the documented sudoers line grants
 *   (`USER ALL=(root) NOPASSWD: /bin/sh`), so sudo's secure_path plays no part. That line is root:
 *   `sh` as root can do anything; what it buys is no root login, per-user keys and sudo's own log.
 * - `-n`: sudo never prompts. A sudo that wants a password, refuses, or is missing fails at once,
 *   and the transport turns what it printed into a BecomeError with the sudoers line to add.
 * - The root shell reports itself with BECOME_MARKER before it reads anything; the transports send
 *   the script only after that line, so a failing sudo never gets the script, and "sudo did not
 *   start the shell" is known without guessing from the script's own output.
 * - Without a tty, sudo (even with Debian's `Defaults use_pty`) keeps the command in the caller's
 *   process group and session. GNU `timeout` run as root inside sudo is not a session leader, so
 *   its setpgid succeeds: the script then runs in a group of its own whose id is the pid the
 *   marker reports (the shell exec's timeout). A kill therefore signals both groups, as root: the
 *   SSH user may signal sudo (its real uid stays the user's) but never root's processes.
 * - The remote backstop runs inside sudo, as root, for the same reason: GNU timeout kills its
 *   whole group with kill(0, ...), which as the SSH user would skip every root process; sudo
 *   cannot relay KILL, and a TERM it relays reaches only the root shell, not its children.
 */
import type { BecomeFailure } from './errors.js';

export type BecomeMethod = 'sudo';

export const BECOME_MARKER = 'fpm-medic-become:';

/** The only program the sudoers line grants; see the header. */
export const BECOME_SHELL = '/bin/sh';

/** The sudoers line that lets `user` run fpm-medic's scripts as root without a password. */
export function sudoersLine(user: string): string {
  return `${user} ALL=(root) NOPASSWD: ${BECOME_SHELL}`;
}

/**
 * `sudo -n -- /bin/sh -c '...' sh ARGS`: the root shell prints the marker, then becomes
 * `[timeout -s KILL N] /bin/sh -s -- ARGS`. `quotedArgs` are already validated and single-quoted;
 * they reach the inner shell as "$@", so no value is ever parsed twice.
 */
export function buildBecomeCommand(quotedArgs: readonly string[], backstopSeconds: number | null): string {
  return [...becomeArgv(backstopSeconds).map((w) => `'${w}'`), 'sh', ...quotedArgs].join(' ');
}

/**
 * `sudo -n -- /bin/sh -c SCRIPT` as words; the caller appends `$0` and the args. No word holds
 * a single quote, so each is safe single-quoted.
 */
export function becomeArgv(backstopSeconds: number | null): string[] {
  const run = backstopSeconds === null ? '' : `timeout -s KILL ${backstopSeconds} `;
  const inner = `echo "${BECOME_MARKER}$$" >&2; exec ${run}${BECOME_SHELL} -s -- "$@"`;
  return ['sudo', '-n', '--', BECOME_SHELL, '-c', inner];
}

function assertPgid(pgid: number): void {
  // `kill -- -1` would signal every process the killer may signal; as root, every process.
  if (!Number.isSafeInteger(pgid) || pgid < 2) throw new Error(`refusing to kill process group ${pgid}`);
}

/** `kill -s KILL -- -G` for each group, each falling back to its leader alone. */
function killGroups(pgids: readonly number[]): string {
  for (const g of pgids) assertPgid(g);
  return pgids
    .map((g) => `{ kill -s KILL -- -${g} 2>/dev/null || kill -s KILL ${g} 2>/dev/null; }`)
    .join('; ');
}

/**
 * Kills the groups as root through the same sudoers grant, and as the user when sudo cannot
 * (what the user may signal is still worth killing). Always exits 0: a group already gone is fine.
 */
export function buildBecomeKillCommand(pgids: readonly number[]): string {
  const kill = killGroups(pgids);
  return `sudo -n -- ${BECOME_SHELL} -c '${kill}; exit 0' 2>/dev/null || { ${kill}; }; exit 0`;
}

/**
 * What sudo's output says went wrong, for a run that never printed the marker. `code` is the exit
 * status of the command line (127: the login shell found no sudo).
 */
export function classifyBecomeFailure(stderr: string, code: number | null): BecomeFailure {
  if (/a password is required|a terminal is required|no tty present|askpass/i.test(stderr))
    return 'password-required';
  if (
    /is not allowed to (execute|run)|is not in the sudoers file|may not run sudo|not allowed to run sudo/i.test(
      stderr,
    )
  )
    return 'not-allowed';
  if (/must have a tty|requiretty/i.test(stderr)) return 'tty-required';
  if (code === 127 || /sudo: (command )?not found|sudo: No such file/i.test(stderr)) return 'sudo-missing';
  return 'failed';
}

/** What sudo printed, on one line and bounded (it is quoted in reports). */
export function sudoSaid(stderr: string, code: number | null): string {
  const text = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-3)
    .join(' | ');
  const shown = text.length > 300 ? `${text.slice(0, 300)}...` : text;
  return shown || (code === null ? 'nothing (the command was cut off)' : `nothing (exit code ${code})`);
}
