/**
 * How the verification asks each pool whether it answers: its ping.path over FastCGI, straight to
 * the pool's socket (or its status path where no ping.path is set), as fpm-status.sh reaches pools.
 */
import type { FpmPoolConfig } from '../../../facts/types.js';
import { connectArg } from '../../../probes/plan.js';
import { SAFE_ARG } from '../../../transport/shell-quote.js';

export interface PingPlan {
  /** POOL LISTEN PATH triples for the check phase. */
  args: string[];
  pools: string[];
  /** Pools that cannot be asked, with why. */
  unchecked: { pool: string; why: string }[];
}

export function pingPlan(pools: readonly FpmPoolConfig[]): PingPlan {
  const plan: PingPlan = { args: [], pools: [], unchecked: [] };
  const seen = new Set<string>();
  for (const p of pools) {
    if (seen.has(p.name)) continue;
    seen.add(p.name);
    const path = p.pingPath ?? p.statusPath;
    if (!path) {
      plan.unchecked.push({ pool: p.name, why: 'no ping.path or pm.status_path to ask' });
      continue;
    }
    // pm.status_listen serves the status page on its own socket; ping stays on the pool's.
    const listen = !p.pingPath && p.statusListen ? p.statusListen : connectArg(p.listen);
    const args = [p.name, listen, path];
    if (!args.every((a) => SAFE_ARG.test(a))) {
      plan.unchecked.push({
        pool: p.name,
        why: `its address ${listen} or path ${path} cannot be passed safely`,
      });
      continue;
    }
    plan.args.push(...args);
    plan.pools.push(p.name);
  }
  return plan;
}
