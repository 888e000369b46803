/** Which facts an analyzer may trust: the pools that matter and whether a source could be read. */
import type { FpmPoolConfig, HostFacts, PoolStatusResult } from '../facts/types.js';

/**
 * The pools of running masters; with no master running, every configured pool (so a stopped FPM
 * still has sockets to miss and timeouts to check). A config no running master uses (pid 0: the
 * distribution's default next to a custom instance) is not what serves the site.
 */
export function activePools(facts: HostFacts): FpmPoolConfig[] {
  const running = new Set(facts.fpm.masters.map((m) => m.pid));
  if (running.size === 0) return facts.fpm.pools;
  return facts.fpm.pools.filter((p) => running.has(p.masterPid));
}

export function statusFor(facts: HostFacts, pool: string): PoolStatusResult | undefined {
  return facts.status.find((s) => s.pool === pool);
}

/**
 * ss ran: without it, an empty listener list means "could not look", not "nothing listens". A
 * running master always listens somewhere, so no listener at all next to one means no ss data.
 */
export function socketsRead(facts: HostFacts): boolean {
  if (facts.probes.some((p) => p.id === 'runtime' && !p.ok)) return false;
  if (facts.failures.some((f) => f.target === 'ss' || /^ss-/.test(f.target))) return false;
  return facts.listeners.length > 0 || facts.fpm.masters.length === 0;
}

/**
 * The same rule as the parsers': most logs stamp whole seconds, so an event in the window's
 * first second carries the second it began in (see parsers/context.ts sinceSecond).
 */
export function inWindow(facts: HostFacts, time: number): boolean {
  return time >= Math.floor(facts.window.since);
}
