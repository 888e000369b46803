import type { ProbeFailure, ProbeFailureReason } from '../facts/types.js';

/**
 * What an engineer should do when a probe could not read something. A probe that could not run is
 * reported with why and the fix, never read as "no problem".
 */
export function fixFor(reason: ProbeFailureReason, probe: string, target: string): string {
  switch (reason) {
    case 'permission':
      return `run fpm-medic as root on this host (inventory ssh.user: root) or grant read access to ${target}`;
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
): ProbeFailure {
  return { probe, target, reason, detail, fix: fixFor(reason, probe, target) };
}
