/**
 * Other hosts' tool sets, for real, on this machine: a directory to put as the whole PATH of an SSH
 * session (sshd's SetEnv), holding only the programs such a host has.
 *
 * - `busybox`: every applet of Debian's busybox and nothing else, as on Alpine (`sh` is BusyBox's
 *   ash, `ps` its own: few -o fields; no ss, lsof or cgi-fcgi).
 * - `no-procps`: every program of this machine but those of procps, iproute2 and lsof, as in the
 *   official php:fpm image (Debian without ps, ss or lsof; only /proc).
 *
 * The directories are symlink farms made once per process under the OS temp dir and kept: they hold
 * no state, and a test that points an sshd at one only reads it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Toolset = 'busybox' | 'no-procps';

export const TOOLSETS: readonly Toolset[] = ['busybox', 'no-procps'];

const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
/** The Debian packages a php:fpm image does not have. */
const HIDDEN_PACKAGES = ['procps', 'iproute2', 'lsof'];

const made = new Map<Toolset, string>();

function busyboxApplets(): string[] {
  return execFileSync('busybox', ['--list'], { encoding: 'utf8' })
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => /^[\w.[-]+$/.test(s));
}

/** The program names a package installs in the system's bin directories. */
function packagePrograms(pkg: string): Set<string> {
  const files = execFileSync('dpkg', ['-L', pkg], { encoding: 'utf8' }).split('\n');
  return new Set(
    files
      .filter((f) => SYSTEM_DIRS.some((d) => f.startsWith(`${d}/`)))
      .map((f) => f.slice(f.lastIndexOf('/') + 1)),
  );
}

function fill(dir: string, toolset: Toolset): void {
  if (toolset === 'busybox') {
    const busybox = '/usr/bin/busybox';
    for (const applet of busyboxApplets()) symlinkSync(busybox, join(dir, applet));
    return;
  }
  const hidden = new Set(HIDDEN_PACKAGES.flatMap((p) => [...packagePrograms(p)]));
  for (const d of SYSTEM_DIRS) {
    if (!existsSync(d)) continue;
    for (const name of readdirSync(d)) {
      const target = join(d, name);
      if (hidden.has(name) || existsSync(join(dir, name))) continue;
      try {
        if (!statSync(target).isFile()) continue;
      } catch {
        continue;
      }
      symlinkSync(target, join(dir, name));
    }
  }
}

/** The PATH directory of a tool set (made on first use). */
export function toolsetPath(toolset: Toolset): string {
  const known = made.get(toolset);
  if (known) return known;
  const dir = join(mkdtempSync(join(tmpdir(), `fpm-medic-${toolset}-`)), 'bin');
  mkdirSync(dir, { mode: 0o755 });
  fill(dir, toolset);
  made.set(toolset, dir);
  return dir;
}

/** sshd_config lines that give every session of the lab's sshd exactly this PATH. */
export function toolsetSshdConfig(toolset: Toolset): string[] {
  return [`SetEnv PATH=${toolsetPath(toolset)}`];
}
