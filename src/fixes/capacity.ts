/**
 * Capacity per pool, by Little's law (L = λW): the workers busy on average are the arrival rate
 * times the mean time a request holds a worker. Beside it, what the pool has (pm.max_children)
 * and what memory allows (the budget share over the p95 worker RSS), so the report can say "at 14
 * req/s × 0.9 s you need 13 workers; you have 5; memory allows 41 → 20" (docs/config-fixes.md).
 */
import { BUDGET_SHARE } from '../analysis/memory.js';
import { inWindow } from '../analysis/scope.js';
import type { Signals } from '../analysis/signals.js';
import type { FpmPoolConfig, HostFacts } from '../facts/types.js';

/** Headroom over the mean load, so a burst or a slow minute does not fill the pool at once. */
export const HEADROOM = 1.5;

export interface PoolCapacity {
  pool: string;
  /** Requests per second over the window (access log), or over FPM's lifetime (status page). */
  ratePerSec: number;
  rateSource: 'access-log' | 'status';
  /** Seconds a request holds a worker: mean and 95th percentile; -1 when nothing says. */
  meanSec: number;
  p95Sec: number;
  durationSource: 'access-log' | 'status' | 'none';
  /** ceil(rate × mean); -1 when the duration is unknown. */
  needed: number;
  has: number;
  /** floor(budget × 80% / p95 worker RSS) less the other pools' max_children; -1 when memory is unknown. */
  memoryAllows: number;
  /** The pm.max_children to set: needed × 1.5, at most what memory allows, never below what it has. */
  recommended: number;
  /** One sentence with the numbers. */
  text: string;
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return -1;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const mean = (values: readonly number[]) =>
  values.length === 0 ? -1 : values.reduce((a, b) => a + b, 0) / values.length;

/** p95 RSS of the host's FPM workers, kB; -1 with none running. */
export function p95WorkerRssKb(facts: HostFacts): number {
  return percentile(
    facts.processes.filter((p) => p.role === 'fpm-worker' && p.rssKb > 0).map((p) => p.rssKb),
    95,
  );
}

/** pm.max_children the host's memory allows in total: floor(budget × 80% / p95 worker RSS). */
export function memoryAllowsTotal(facts: HostFacts, signals: Pick<Signals, 'memory'>): number {
  const rss = p95WorkerRssKb(facts);
  const budget = signals.memory.budgetKb;
  return rss > 0 && budget > 0 ? Math.max(1, Math.floor((budget * BUDGET_SHARE) / rss)) : -1;
}

/**
 * What memory leaves one pool: the host's total less what the other pools may already fork
 * (their max_children as configured), at least 1; -1 when memory is unknown.
 */
export function poolAllows(pools: readonly FpmPoolConfig[], pool: FpmPoolConfig, total: number): number {
  if (total <= 0) return -1;
  const others = pools.filter((p) => p !== pool).reduce((sum, p) => sum + Math.max(0, p.maxChildren), 0);
  return Math.max(1, total - others);
}

/**
 * A host-wide total shared out so that small pools keep what they have and the largest give up
 * the rest (water-filling): each pool, smallest first, gets at most an equal part of what is left.
 */
export function shareOut(pools: readonly FpmPoolConfig[], total: number): Map<FpmPoolConfig, number> {
  const out = new Map<FpmPoolConfig, number>();
  let left = total;
  const ordered = [...pools].sort((a, b) => a.maxChildren - b.maxChildren);
  ordered.forEach((p, i) => {
    const n = Math.max(1, Math.min(p.maxChildren, Math.floor(left / (ordered.length - i))));
    out.set(p, n);
    left -= n;
  });
  return out;
}

function rateOf(facts: HostFacts, pool: FpmPoolConfig): { rate: number; source: PoolCapacity['rateSource'] } {
  const entries = facts.accessLog.filter((e) => e.pool === pool.name && inWindow(facts, e.time));
  if (entries.length > 0 && facts.window.seconds > 0) {
    return { rate: entries.length / facts.window.seconds, source: 'access-log' };
  }
  const st = facts.status.find((s) => s.ok && s.pool === pool.name);
  if (st?.ok && st.status.startSince > 0) {
    return { rate: st.status.acceptedConn / st.status.startSince, source: 'status' };
  }
  return { rate: 0, source: 'status' };
}

function durationsOf(
  facts: HostFacts,
  pool: FpmPoolConfig,
): { sec: number[]; source: PoolCapacity['durationSource'] } {
  const logged = facts.accessLog
    .filter((e) => e.pool === pool.name && inWindow(facts, e.time) && e.durationMs !== undefined)
    .map((e) => e.durationMs! / 1000);
  if (logged.length > 0) return { sec: logged, source: 'access-log' };
  // Idle workers' last requests: a small sample, but real requests of this pool.
  const st = facts.status.find((s) => s.ok && s.pool === pool.name);
  const last =
    st?.ok === true
      ? st.status.processes
          .filter((p) => p.state === 'Idle' && p.requests > 0)
          .map((p) => p.requestDurationUs / 1e6)
      : [];
  return last.length > 0 ? { sec: last, source: 'status' } : { sec: [], source: 'none' };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export function poolCapacity(facts: HostFacts, signals: Pick<Signals, 'memory'>): PoolCapacity[] {
  const allows = memoryAllowsTotal(facts, signals);
  return facts.fpm.pools.map((pool) => {
    const { rate, source } = rateOf(facts, pool);
    const d = durationsOf(facts, pool);
    const meanSec = mean(d.sec);
    const needed = meanSec >= 0 ? Math.ceil(rate * meanSec) : -1;
    const memoryAllows = poolAllows(facts.fpm.pools, pool, allows);
    const has = pool.maxChildren;
    const wanted = needed > 0 ? Math.ceil(needed * HEADROOM) : has;
    const capped = memoryAllows > 0 ? Math.min(memoryAllows, wanted) : wanted;
    const recommended = Math.max(has, capped);
    const rateText = `${round(rate, 1)} req/s${source === 'status' ? ' (since FPM started)' : ''}`;
    const text =
      needed < 0
        ? `${pool.name}: ${rateText}, request duration unknown (no access log with %d, no idle worker's last request); has ${has}${memoryAllows > 0 ? `; memory allows ${memoryAllows}` : ''}`
        : `${pool.name}: at ${rateText} × ${round(meanSec, 2)} s you need ${needed} worker${needed === 1 ? '' : 's'}; you have ${has}; ` +
          `memory allows ${memoryAllows > 0 ? memoryAllows : 'an unknown number'} → ${recommended}`;
    return {
      pool: pool.name,
      ratePerSec: round(rate, 3),
      rateSource: source,
      meanSec: round(meanSec, 3),
      p95Sec: round(percentile(d.sec, 95), 3),
      durationSource: d.source,
      needed,
      has,
      memoryAllows,
      recommended,
      text,
    };
  });
}
