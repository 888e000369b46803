/**
 * Pure judgement of a reload from two snapshots: the state right before the signal and the state
 * now. A reload is done when a master serves the config again, none of the old workers (pid + start
 * time) is left, and every pool that keeps workers has some again.
 *
 * The master is usually the same pid (FPM re-execs itself). A master that daemonizes forks again
 * after the re-exec, so its pid changes with every reload; the log's "fpm is running, pid N" and
 * the process table's masters for the config name the new one.
 */
import type { FpmPoolConfig } from '../../../facts/types.js';
import type { BeforeReload } from '../steps/parse-command-run.js';
import type { WorkerRef } from '../steps/parse-common.js';
import type { MasterState } from './parse.js';

export interface ReloadProgress {
  /** The master serving the config now; undefined while it is re-executing (or gone). */
  master?: number;
  /** The reloaded master has another pid than the one signalled (daemonized re-exec). */
  masterReplaced: boolean;
  oldLeft: WorkerRef[];
  workers: WorkerRef[];
  /** Pools (other than ondemand, which starts workers on the first request) without a worker. */
  poolsWithoutWorkers: string[];
  logged: { reloading: boolean; ready: boolean };
  /** Every condition holds. */
  done: boolean;
}

export function runningPid(lines: readonly string[]): number | undefined {
  let pid: number | undefined;
  for (const l of lines) {
    const m = /fpm is running, pid (\d+)/.exec(l);
    if (m) pid = Number(m[1]);
  }
  return pid;
}

function currentMaster(before: BeforeReload, now: MasterState, config: string): number | undefined {
  if (now.master.alive && now.master.ticks === before.masterTicks) return before.masterPid;
  const candidates = now.masters.filter((m) => m.pid !== before.masterPid);
  const logged = runningPid(now.log.lines);
  if (logged !== undefined && candidates.some((m) => m.pid === logged)) return logged;
  const forConfig = candidates.filter((m) => m.config === config);
  return forConfig.length === 1 ? forConfig[0]!.pid : undefined;
}

export function reloadProgress(
  before: BeforeReload,
  now: MasterState,
  target: { config: string; pools: readonly FpmPoolConfig[] },
): ReloadProgress {
  const master = currentMaster(before, now, target.config);
  const all = Object.values(now.workers).flat();
  const oldLeft = before.workers.filter((w) => all.some((n) => n.pid === w.pid && n.ticks === w.ticks));
  const workers = master !== undefined ? (now.workers[master] ?? []) : [];
  const poolsWithoutWorkers = target.pools
    .filter((p) => p.pm !== 'ondemand' && !workers.some((w) => w.pool === p.name))
    .map((p) => p.name);
  const logged = {
    reloading: now.log.lines.some((l) => /Reloading in progress/.test(l)),
    ready: now.log.lines.some((l) => /ready to handle connections/.test(l)),
  };
  const masterReplaced = master !== undefined && master !== before.masterPid;
  // With no worker before (every pool ondemand and idle) the workers cannot show the reload;
  // then FPM's own log line (or a new master pid) must.
  const seen = before.workers.length > 0 || masterReplaced || logged.ready || !now.log.readable;
  return {
    ...(master !== undefined ? { master } : {}),
    masterReplaced,
    oldLeft,
    workers,
    poolsWithoutWorkers,
    logged,
    done: master !== undefined && oldLeft.length === 0 && poolsWithoutWorkers.length === 0 && seen,
  };
}
