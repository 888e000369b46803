/**
 * Which master a reload acts on, from a fresh discovery: the one the inventory pins (fpm.config),
 * else the only one running. Several masters and no pin is refused: reloading the wrong PHP
 * version's master is not a guess worth making.
 */
import type { ResolvedHost } from '../../../config/types.js';
import type { FpmPoolConfig } from '../../../facts/types.js';
import { type Discovery, discoveryProblem } from '../steps/discover.js';

export interface ReloadTarget {
  masterPid: number;
  /** The master's own binary: the config test must be the one the re-exec will run. */
  exe: string;
  config: string;
  /** How long in-flight requests get to finish when the master reloads (0 = none). */
  processControlTimeoutSec: number;
  /** FPM's global error_log when it is a file (not syslog): the reload lines are read from it. */
  errorLog?: string;
  pools: FpmPoolConfig[];
}

export type Picked<T> = { ok: true; target: T } | { ok: false; summary: string };

export function pickReloadTarget(d: Discovery, host: Pick<ResolvedHost, 'fpm'>): Picked<ReloadTarget> {
  const pinned = host.fpm.config;
  if (d.unreachable) return { ok: false, summary: `could not look at the host: ${discoveryProblem(d)}` };
  if (d.masters.length === 0) {
    return {
      ok: false,
      summary: pinned
        ? `no FPM master runs with ${pinned}: nothing to reload (use fpm-start)`
        : 'no FPM master is running: nothing to reload (use fpm-start)',
    };
  }
  if (d.masters.length > 1) {
    const list = d.masters.map((m) => `${m.pid} (${m.configPath})`).join(', ');
    return {
      ok: false,
      summary: `${d.masters.length} FPM masters run: ${list}; set fpm.config in the inventory to choose the one to reload`,
    };
  }
  const m = d.masters[0]!;
  const exe = m.exe || host.fpm.binary;
  if (!exe) {
    return {
      ok: false,
      summary: `cannot tell which binary master ${m.pid} runs (no /proc/${m.pid}/exe): set fpm.binary in the inventory`,
    };
  }
  if (!m.configPath) {
    return { ok: false, summary: `master ${m.pid} shows no config path: set fpm.config in the inventory` };
  }
  const global = d.globals.find((g) => g.masterPid === m.pid);
  const target: ReloadTarget = {
    masterPid: m.pid,
    exe,
    config: m.configPath,
    processControlTimeoutSec: global?.processControlTimeoutSec ?? 0,
    pools: d.pools.filter((p) => p.masterPid === m.pid),
  };
  if (global?.errorLog?.startsWith('/')) target.errorLog = global.errorLog;
  return { ok: true, target };
}
