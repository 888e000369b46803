import { basename } from 'node:path';
import type { WebKind } from './web-spec.js';

/**
 * How each failure reads in the web server's error log (REFERENCE §4 for nginx, §5 for Apache).
 * States wait on these before returning, and tests assert them.
 */
export type WebSignature =
  | 'enoent'
  | 'eacces'
  | 'refused'
  | 'eagain'
  | 'worker-died'
  | 'read-timeout'
  | 'connect-timeout'
  | 'connect-failed';

const NGINX: Record<WebSignature, RegExp> = {
  enoent:
    /\[crit\] .*connect\(\) to unix:\S+ failed \(2: No such file or directory\) while connecting to upstream/,
  eacces: /\[crit\] .*connect\(\) to unix:\S+ failed \(13: Permission denied\) while connecting to upstream/,
  refused:
    /\[error\] .*connect\(\) (to \S+ )?failed \(111: Connection refused\) while connecting to upstream/,
  eagain:
    /\[error\] .*connect\(\) to unix:\S+ failed \(11: Resource temporarily unavailable\) while connecting to upstream/,
  'worker-died':
    /\[error\] .*(recv\(\) failed \(104: Connection reset by peer\)|upstream prematurely closed connection) while reading response header from upstream/,
  'read-timeout':
    /\[error\] .*upstream timed out \(110: Connection timed out\) while reading response header from upstream/,
  // TCP only: a full accept queue drops the SYN, so the connect waits fastcgi_connect_timeout (§4.2).
  'connect-timeout':
    /\[error\] .*upstream timed out \(110: Connection timed out\) while connecting to upstream/,
  'connect-failed': /connect\(\) (to \S+ )?failed \((2|111|13|11): /,
};

const APACHE: Record<WebSignature, RegExp> = {
  enoent:
    /\[proxy:error\] .*\(2\)No such file or directory: AH02454: FCGI: attempt to connect to Unix domain socket \S+/,
  eacces:
    /\[proxy:error\] .*\(13\)Permission denied: AH02454: FCGI: attempt to connect to Unix domain socket \S+/,
  refused: /\[proxy:error\] .*\(111\)Connection refused: (AH02454|AH00957): FCGI: attempt to connect to/,
  eagain: /\[proxy:error\] .*\(11\)Resource temporarily unavailable: AH02454: FCGI: attempt to connect to/,
  'worker-died':
    /\[proxy_fcgi:error\] .*(AH01067: Failed to read FastCGI header|AH01075: Error dispatching request to)/,
  'read-timeout':
    /\[proxy_fcgi:error\] .*\(70007\)The timeout specified has expired: .*AH01075: Error dispatching request to/,
  'connect-timeout':
    /\[proxy:error\] .*\((110|70007)\)(Connection timed out|The timeout specified has expired): AH00957: FCGI: attempt to connect to/,
  'connect-failed': /(AH02454|AH00957): FCGI: attempt to connect to/,
};

export function webSignature(kind: WebKind, sig: WebSignature): RegExp {
  return (kind === 'nginx' ? NGINX : APACHE)[sig];
}

/** The status the web server answers when it cannot reach FPM: nginx 502, Apache 503 (REFERENCE §5.2). */
export function unreachableStatus(kind: WebKind): number {
  return kind === 'nginx' ? 502 : 503;
}

/** FPM error-log lines (REFERENCE §2). */
export const FPM = {
  maxChildren: (pool: string) =>
    new RegExp(
      `WARNING: \\[pool ${pool}\\] server reached (pm\\.)?max_children setting \\((\\d+)\\), consider raising it`,
    ),
  timedOut: (pool: string) =>
    new RegExp(
      `WARNING: \\[pool ${pool}\\] child (\\d+), script '([^']*)' \\(request: "([^"]*)"\\) execution timed out \\(([\\d.]+) sec\\), terminating`,
    ),
  tooSlow: (pool: string) =>
    new RegExp(
      `WARNING: \\[pool ${pool}\\] child (\\d+), script '([^']*)' \\(request: "([^"]*)"\\) executing too slow \\(([\\d.]+) sec\\), logging`,
    ),
  exitedOnSignal: (pool: string, signo: number, name: string) =>
    new RegExp(
      `WARNING: \\[pool ${pool}\\] child (\\d+) exited on signal ${signo} \\(${name}( - core dumped)?\\) after [\\d.]+ seconds from start`,
    ),
  ready: /NOTICE: ready to handle connections/,
  running: /NOTICE: fpm is running, pid (\d+)/,
  terminating: /NOTICE: Terminating \.\.\./,
  byeBye: /NOTICE: exiting, bye-bye!/,
} as const;

/** The kernel's name for a process run from `bin` (its comm: the file name, cut to 15 bytes). */
export function commOf(bin: string): string {
  return basename(bin).slice(0, 15);
}

const quoted = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Kernel memcg OOM kill line (REFERENCE §6.1) for a worker whose comm is `comm`. */
export function oomKillLine(pid: number, comm: string): RegExp {
  return new RegExp(
    `Memory cgroup out of memory: Killed process ${pid} \\(${quoted(comm)}\\) total-vm:\\d+kB`,
  );
}

/** Kernel unhandled-SIGSEGV line (x86 show_signal_msg(); rate-limited, see kernel-log.ts). */
export function segfaultLine(pid: number, comm: string): RegExp {
  return new RegExp(
    `${quoted(comm)}\\[${pid}\\]: segfault at [0-9a-f]+ ip [0-9a-f]+ sp [0-9a-f]+ error \\d+`,
  );
}
