import type {
  FpmGlobalConfig,
  FpmMaster,
  FpmPoolConfig,
  ListenAddress,
  ProbeFailure,
  WebServerConfig,
} from '../facts/types.js';
import { failureHeadline } from './failure-fix.js';

/**
 * Pure planning of the second probe round: which pools to ask for status and which log files to
 * tail, derived from what discovery found and what the inventory overrides.
 */

export type LogKind = 'fpm-error' | 'fpm-slow' | 'fpm-access' | 'nginx-error' | 'apache-error';

export interface LogTarget {
  kind: LogKind;
  path: string;
  /** The pool a slow/access/php log belongs to. */
  pool?: string;
}

/** How cgi-fcgi reaches a pool: a unix path, or host:port (wildcard binds are reached on loopback). */
export function connectArg(listen: ListenAddress): string {
  if (listen.kind === 'unix') return listen.path;
  const host =
    listen.host === '' || listen.host === '0.0.0.0' || listen.host === '*' ? '127.0.0.1' : listen.host;
  return `${host}:${listen.port}`;
}

export function statusProbeArgs(pools: readonly FpmPoolConfig[], timeoutSec: number): string[] {
  const args = [String(timeoutSec)];
  for (const pool of pools) {
    if (!pool.statusPath) continue;
    args.push(pool.name, connectArg(pool.listen), pool.statusPath);
  }
  return args.length > 1 ? args : [];
}

function isFile(path: string | undefined): path is string {
  return !!path && path.startsWith('/') && !path.startsWith('/dev/') && !path.startsWith('/proc/');
}

export interface LogPlanInput {
  globals: readonly FpmGlobalConfig[];
  pools: readonly FpmPoolConfig[];
  web?: WebServerConfig;
  /** Inventory web.errorLog: replaces the discovered web server logs. */
  webErrorLog?: string;
}

export function logTargets(input: LogPlanInput): LogTarget[] {
  const targets: LogTarget[] = [];
  const seen = new Set<string>();
  const add = (t: LogTarget) => {
    if (!isFile(t.path) || seen.has(t.path)) return;
    seen.add(t.path);
    targets.push(t);
  };
  for (const g of input.globals) if (g.errorLog) add({ kind: 'fpm-error', path: g.errorLog });
  for (const p of input.pools) {
    if (p.slowlog && p.requestSlowlogTimeoutSec > 0) add({ kind: 'fpm-slow', path: p.slowlog, pool: p.name });
    if (p.accessLog) add({ kind: 'fpm-access', path: p.accessLog, pool: p.name });
  }
  const webKind: LogKind = input.web?.kind === 'apache' ? 'apache-error' : 'nginx-error';
  const webLogs = input.webErrorLog ? [input.webErrorLog] : (input.web?.errorLogs ?? []);
  for (const path of webLogs) add({ kind: webKind, path });
  return targets;
}

export function logProbeArgs(targets: readonly LogTarget[], maxBytesPerFile: number): string[] {
  if (targets.length === 0) return [];
  return [String(maxBytesPerFile), ...targets.flatMap((t) => [t.kind, t.path])];
}

export interface PlanGapInput {
  masters: readonly FpmMaster[];
  pools: readonly FpmPoolConfig[];
  /** What discover-fpm could not read: why a master's pools are unknown. */
  fpmFailures: readonly ProbeFailure[];
  /** The web server whose config was read, if any. */
  web?: WebServerConfig;
  /** What discover-web could not read: why the web server's logs are unknown. */
  webFailures: readonly ProbeFailure[];
  /** Inventory web.errorLog: the web server's log is known without its config. */
  webErrorLog?: string;
}

/**
 * What the second round cannot ask for because discovery could not see it: a running master
 * whose pools are unknown has no status page to query and no logs to tail, and a web server whose
 * config could not be read has no error log to tail. Skipping them silently would read as "no
 * problem" (DESIGN.md rule 9), so each gap is a failure of the probe that could not run, carrying
 * the cause's reason and fix.
 */
export function planGaps(input: PlanGapInput): ProbeFailure[] {
  const gaps: ProbeFailure[] = [];
  for (const m of input.masters) {
    if (m.pid <= 0 || input.pools.some((p) => p.masterPid === m.pid)) continue;
    const cause = causeFor(input.fpmFailures, [m.configPath, `pid ${m.pid}`]);
    const because = cause
      ? `${m.configPath} could not be read: ${failureHeadline(cause.detail)}`
      : `the config test of ${m.configPath} listed no pool`;
    const gap = (probe: string, target: string, what: string): ProbeFailure => ({
      probe,
      target,
      reason: cause?.reason ?? 'error',
      detail: `${what} not read: the pools of master ${m.pid} are unknown because ${because}`,
      fix: cause?.fix ?? `run the config test by hand: php-fpm -tt -y ${m.configPath}`,
    });
    gaps.push(
      gap('fpm-status', `pools of master ${m.pid}`, 'pool status'),
      gap('logs', `FPM logs of master ${m.pid}`, 'FPM error, slow and access logs'),
    );
  }
  const webCause = input.webFailures[0];
  if (!input.web && !input.webErrorLog && webCause) {
    gaps.push({
      probe: 'logs',
      target: 'web server error log',
      reason: webCause.reason,
      detail: `web server error log not read: where it is is unknown because the web server config could not be read: ${failureHeadline(webCause.detail)}`,
      fix: `${webCause.fix}; or name the log in the inventory (web.errorLog)`,
    });
  }
  return gaps;
}

/** The discovery failure about the first of these targets that has one: why something is unknown. */
function causeFor(failures: readonly ProbeFailure[], targets: readonly string[]): ProbeFailure | undefined {
  for (const target of targets) {
    const about = failures.filter((f) => f.target === target);
    const found = about.find((f) => f.reason === 'permission') ?? about[0];
    if (found) return found;
  }
  return undefined;
}
