import { fileURLToPath } from 'node:url';

/**
 * The probes fpm-medic may run on a host: every byte comes from commands/probes/, with the shared
 * helpers of lib/common.sh prepended. Nothing else is ever sent to a shell.
 */
export const PROBE_IDS = ['discover-fpm', 'discover-web', 'runtime', 'kernel', 'fpm-status', 'logs'] as const;
export type ProbeId = (typeof PROBE_IDS)[number];

export interface ProbeSpec {
  id: ProbeId;
  file: string;
  /** Hard limit for the whole script on the host. */
  timeoutMs: number;
  /** Cap on what we read back; scripts bound their own output well below this. */
  maxOutputBytes: number;
  /** Why it exists, for `fpm-medic probe --list` and the report. */
  purpose: string;
  /**
   * `low`: runs at nice 10 and idle I/O (fm_lower_priority), the host's workers first. `normal`:
   * what is timed against the host (a status page's answer, the snapshot's moment) keeps the
   * host's own priority, lest a loaded host starve the probe and the report blame FPM for it.
   */
  priority: 'normal' | 'low';
  /** Reads the process table: a round with one such probe reads it once for all (fm_keep_ps). */
  readsProcesses: boolean;
}

export const PROBES: Record<ProbeId, ProbeSpec> = {
  'discover-fpm': {
    id: 'discover-fpm',
    file: 'discover-fpm.sh',
    timeoutMs: 15_000,
    maxOutputBytes: 2 << 20,
    purpose: 'FPM masters, their effective config (php-fpm -tt) and php.ini values',
    priority: 'low',
    readsProcesses: true,
  },
  'discover-web': {
    id: 'discover-web',
    file: 'discover-web.sh',
    timeoutMs: 15_000,
    maxOutputBytes: 4 << 20,
    purpose: 'nginx/Apache config: listeners, error logs, FastCGI targets and timeouts',
    priority: 'low',
    readsProcesses: true,
  },
  runtime: {
    id: 'runtime',
    file: 'runtime.sh',
    timeoutMs: 10_000,
    maxOutputBytes: 4 << 20,
    purpose: 'one snapshot: clock, process table, listen queues, worker connections, memory',
    priority: 'normal',
    readsProcesses: true,
  },
  kernel: {
    id: 'kernel',
    file: 'kernel.sh',
    timeoutMs: 10_000,
    maxOutputBytes: 2 << 20,
    purpose: 'kernel OOM kills (dmesg or journal) and cgroup OOM counters',
    priority: 'low',
    readsProcesses: true,
  },
  'fpm-status': {
    id: 'fpm-status',
    file: 'fpm-status.sh',
    timeoutMs: 10_000,
    maxOutputBytes: 4 << 20,
    purpose: 'each pool status page (json&full), timing out fast when the pool is saturated',
    priority: 'normal',
    readsProcesses: false,
  },
  logs: {
    id: 'logs',
    file: 'logs.sh',
    timeoutMs: 15_000,
    maxOutputBytes: 16 << 20,
    purpose: 'the tail of FPM error/slow/access logs and the web server error logs',
    priority: 'low',
    readsProcesses: false,
  },
};

const probesDir = fileURLToPath(new URL('../../commands/probes/', import.meta.url));

export function probesDirectory(): string {
  return probesDir;
}
