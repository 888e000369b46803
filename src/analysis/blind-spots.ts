/**
 * What a failure kept from the analyzers: whether it hid evidence at all, and which signals it may
 * have changed had the probe seen what it could not. The report's verdict and its coverage (which
 * runbooks could still be judged) are both derived from here, so the two never disagree.
 */
import type { ProbeFailure, ProbeFailureReason } from '../facts/types.js';
import type { Signals } from './signals.js';

export type SignalKey = keyof Signals;

/**
 * Per reason: did the failure hide something that exists? DESIGN.md rule 9: a host not fully
 * examined with no finding is `unknown`, never `healthy`.
 */
const HIDES_EVIDENCE: Record<ProbeFailureReason, boolean> = {
  // The thing is there and was not readable (a 0640 log, dmesg_restrict, a 0660 socket).
  permission: true,
  // The tool that reads it is not installed: nothing was looked at.
  'missing-tool': true,
  // A probe that did not finish saw part of the host at best. (A pool's status page that times
  // out is not a failure but a result: the saturation evidence, see parsers/fpm-status.ts.)
  timeout: true,
  // The probe broke: what it would have read is unknown.
  error: true,
  // What the host presented was not believed (a planted master, issue 10 part 1): the real state
  // behind it was not examined.
  untrusted: true,
  // The thing does not exist: a log never written holds no incident, and a socket nobody listens
  // on is itself fpm-down's evidence. (journalctl's "no journal files" is only asked after dmesg
  // failed, and that failure is what counts.) A healthy root lab has these and stays healthy.
  'not-found': false,
};

export function hidesEvidence(failure: ProbeFailure): boolean {
  return HIDES_EVIDENCE[failure.reason] ?? true;
}

/** Everything read from the logs: web server errors, FPM's own log, the slow log. */
const FROM_LOGS: readonly SignalKey[] = [
  'web',
  'requestTimeouts',
  'oom',
  'crashes',
  'slowRequests',
  'restart',
  // fpm.reloads and each pool's "reached max_children" lines come from FPM's log.
  'fpm',
  'pools',
  'poolsExhausted',
];

/** Everything that needs the pools' config: max_children, sockets, timeouts, worker membership. */
const FROM_POOL_CONFIG: readonly SignalKey[] = [
  'fpm',
  'pools',
  'poolsExhausted',
  'backlog',
  'selfRequest',
  'external',
  'timeoutChain',
  'memory',
];

/** runtime.sh's parts, by the target its failures name (section-failures.ts). */
const FROM_RUNTIME: Record<string, readonly SignalKey[]> = {
  ps: ['fpm', 'pools', 'poolsExhausted', 'selfRequest', 'external', 'memory', 'restart'],
  ss: ['backlog', 'pools', 'poolsExhausted', 'fpm', 'selfRequest', 'external'],
  'ss-listen': ['backlog', 'pools', 'poolsExhausted', 'fpm'],
  // Worker sockets that cannot be tied to a process: who waits on whom.
  'ss-conn': ['selfRequest', 'external', 'pools', 'poolsExhausted'],
  '/proc/meminfo': ['memory'],
  '/proc/net/netstat': ['backlog'],
  clock: ['windowSec'],
};

const BY_PROBE: Record<string, readonly SignalKey[]> = {
  'discover-fpm': FROM_POOL_CONFIG,
  // The web server's config: its listeners (self-requests), read timeouts, where its log is.
  'discover-web': ['web', 'timeoutChain', 'selfRequest'],
  kernel: ['oom'],
  'fpm-status': ['pools', 'poolsExhausted', 'external'],
  logs: FROM_LOGS,
};

/**
 * The signals a failure may have left wrong (a count of 0 that could have been 3). Coarse on
 * purpose: claiming a runbook could not be fully judged when it could is a weaker report; the
 * reverse is a false all-clear. A probe this table does not know hides everything.
 */
export function hiddenSignals(failure: ProbeFailure): readonly SignalKey[] | 'all' {
  if (failure.probe === 'runtime') {
    return FROM_RUNTIME[failure.target] ?? [...new Set(Object.values(FROM_RUNTIME).flat())];
  }
  return BY_PROBE[failure.probe] ?? 'all';
}
