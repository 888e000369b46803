import type { FpmGlobalConfig, FpmPoolConfig, ListenAddress, WebServerConfig } from '../facts/types.js';

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

/** Pools that have no status page: reported so the engineer knows the evidence is thinner. */
export function poolsWithoutStatus(pools: readonly FpmPoolConfig[]): string[] {
  return pools.filter((p) => !p.statusPath).map((p) => p.name);
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
