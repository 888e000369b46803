/**
 * Non-root login users for the least-privilege tests: an SSH user that is not root, with a
 * NOPASSWD sudoers entry for `sh` (what `ssh.become: sudo` needs) or without any. The lab's sshd
 * reads one AuthorizedKeysFile for every user, so the lab's client key logs in as either.
 *
 * Users are created once per machine and kept (useradd is slow and the names are fixed); the
 * sudoers file is rewritten on every call, so a user's sudo rights are exactly what the caller asked.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LabUser {
  name: string;
  uid: number;
  gid: number;
}

export interface LabUserOptions {
  /** Write `/etc/sudoers.d/NAME` granting `NAME ALL=(root) NOPASSWD: /bin/sh`; else remove it. */
  sudo: boolean;
  /** Supplementary groups (e.g. `adm` to read Debian's 0640 logs). Replaces the current list. */
  groups?: string[];
}

/** The sudoers line README documents for `ssh.become: sudo`. */
export function sudoersLine(user: string): string {
  return `${user} ALL=(root) NOPASSWD: /bin/sh`;
}

function sudoersPath(user: string): string {
  return `/etc/sudoers.d/${user}`;
}

async function ids(name: string): Promise<LabUser> {
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function ensureLabUser(name: string, options: LabUserOptions): Promise<LabUser> {
  if (!/^fpm-medic-[a-z0-9-]{1,20}$/.test(name))
    throw new Error(`lab user names start with fpm-medic-: ${name}`);
  try {
    await run('id', ['-u', name]);
  } catch {
    await run('useradd', ['--create-home', '--shell', '/bin/sh', '--user-group', name]);
  }
  // useradd leaves the password "!" (locked); sshd without PAM refuses locked accounts even for a
  // key. "*" is no password at all, not a lock.
  await run('usermod', ['-p', '*', '-G', (options.groups ?? []).join(','), name]);
  const file = sudoersPath(name);
  if (options.sudo) {
    if (!existsSync('/usr/bin/sudo'))
      throw new Error('sudo is not installed: bash scripts/ensure-packages.sh');
    await writeFile(`${file}.new`, `${sudoersLine(name)}\n`, { mode: 0o440 });
    await run('visudo', ['-c', '-q', '-f', `${file}.new`]);
    await run('mv', ['-f', `${file}.new`, file]);
  } else {
    await rm(file, { force: true });
  }
  return ids(name);
}

/** Takes the user's sudo rights away again (the user itself is kept). */
export async function dropLabUserSudo(name: string): Promise<void> {
  await rm(sudoersPath(name), { force: true });
}

/**
 * A distribution's service user (RHEL's `apache`) for a lab layout's pools: a system account with
 * its own group, no home and no login shell. Created once per machine and kept, like the lab users.
 */
export async function ensureSystemUser(name: string): Promise<void> {
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(name)) throw new Error(`not a user name: ${name}`);
  try {
    await run('id', ['-u', name]);
  } catch {
    await run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      name,
    ]);
  }
}
