import type { ProbeFailure, ProbeFailureReason } from '../facts/types.js';

/**
 * Who was refused and what would have let them in, as a probe reports it next to a permission
 * failure (attributes `user=`, `group=`, `grant=`): the fix then names the concrete ways in.
 */
export interface AccessHint {
  /** The SSH user the probe ran as. */
  user?: string;
  /** A group whose members may read the target (a log of mode 0640 root:adm, a socket 0660 www-data). */
  group?: string;
  /** A kernel setting that opens the target to every user (kernel.dmesg_restrict=0 for dmesg). */
  sysctl?: string;
}

/**
 * What an engineer should do when a probe could not read something. A probe that could not run is
 * reported with why and the fix, never read as "no problem".
 */
export function fixFor(
  reason: ProbeFailureReason,
  probe: string,
  target: string,
  access: AccessHint = {},
): string {
  switch (reason) {
    case 'permission':
      return permissionFix(access);
    case 'missing-tool':
      return missingToolFix(target);
    case 'timeout':
      return probe === 'fpm-status'
        ? 'the pool did not answer its status page in time: every worker is busy (or FPM hangs); read the listen queue and process table evidence, and consider pm.status_listen for a separate status socket'
        : `the ${probe} probe did not finish in time: the host may be overloaded or a command hangs; retry, or run it by hand (commands/probes)`;
    case 'not-found':
      return `${target} does not exist on the host: check the path in the FPM/web server config or set it in the inventory`;
    case 'untrusted':
      return `${target} looks like a master but runs as another user, or from a binary another user can write, so fpm-medic ran nothing of it and did not count it: find out who started it (ps -o user,pid,args -p PID; ls -l /proc/PID/exe), it may be a planted program; a real master runs as root (or as the SSH user) from a binary owned by root in directories only root can write`;
    case 'error':
      return `the ${probe} probe failed; run it by hand to see why: cat commands/probes/lib/common.sh commands/probes/<probe>.sh | sh -s -- ARGS`;
  }
}

/** Stands for the SSH user in a fix written before the user was known (see nameTheUser). */
const UNNAMED_USER = 'USER';

/**
 * Fills in the SSH user where a probe's permission failure could not name it (discovery reports
 * what the config test refused, not who ran it): the sudoers line and usermod are then exact.
 */
export function nameTheUser(failures: readonly ProbeFailure[], user: string | undefined): ProbeFailure[] {
  if (!user) return [...failures];
  return failures.map((f) =>
    f.reason === 'permission' ? { ...f, fix: f.fix.replace(/\bUSER\b/g, user) } : f,
  );
}

/**
 * The ways in, least privilege first: a group that grants exactly this, a kernel setting, then
 * running the probes as root through sudo (Ansible's become), then a root login. The sudoers line
 * is the one `ssh.become: sudo` needs (README, docs/security.md).
 */
export function permissionFix(access: AccessHint = {}): string {
  const user = access.user ?? UNNAMED_USER;
  const ways: string[] = [];
  if (access.group && access.group !== 'root')
    ways.push(`add ${user} to group ${access.group} (usermod -aG ${access.group} ${user})`);
  if (access.sysctl) ways.push(`set sysctl ${access.sysctl}`);
  ways.push(
    `set ssh.become: sudo in the inventory, with the sudoers line "${user} ALL=(root) NOPASSWD: /bin/sh"`,
  );
  ways.push('log in as root (ssh.user: root)');
  return `${ways.slice(0, -1).join('; or ')}; or ${ways.at(-1)}`;
}

const TOOL_PACKAGES: Record<string, string> = {
  'cgi-fcgi': 'libfcgi-bin',
  ss: 'iproute2',
  ps: 'procps',
  dmesg: 'util-linux',
  journalctl: 'systemd',
  timeout: 'coreutils',
};

function missingToolFix(tool: string): string {
  const pkg = TOOL_PACKAGES[tool];
  return pkg ? `install ${tool}: apt-get install ${pkg} (or your distribution's package)` : `install ${tool}`;
}

export function probeFailure(
  probe: string,
  target: string,
  reason: ProbeFailureReason,
  detail: string,
  access: AccessHint = {},
): ProbeFailure {
  return { probe, target, reason, detail, fix: fixFor(reason, probe, target, access) };
}

/**
 * The line of a failure's detail that says what went wrong: a tool's output often starts with
 * warnings (nginx -T: 'the "user" directive makes sense only if...') before the refusal.
 */
export function failureHeadline(detail: string, max = 240): string {
  const lines = detail
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const line =
    lines.find((l) => /denied|not permitted|cannot|failed|error|unknown|not read/i.test(l)) ?? lines[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
