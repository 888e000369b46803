import { inventoryPathFrom, loadInventory, resolveTargets } from '../config/inventory.js';
import type { ResolvedHost } from '../config/types.js';
import { parseDurationSec, parseSince } from '../util/duration.js';

/** The options every command aimed at an inventory host or group takes. */
export interface TargetCliOptions {
  inventory?: string;
  format: 'text' | 'json';
  window: string;
  since?: string;
}

export interface Targets {
  hosts: ResolvedHost[];
  /** The target named one host (print one report, not an array). */
  single: boolean;
  window: { windowSec: number; sinceEpoch?: number };
}

/** Everything is checked before any host is contacted: a bad flag or inventory changes nothing. */
export async function loadTargets(target: string, opts: TargetCliOptions): Promise<Targets> {
  const windowSec = parseDurationSec(opts.window);
  const sinceEpoch = opts.since === undefined ? undefined : parseSince(opts.since);
  const { path } = inventoryPathFrom(opts.inventory, process.env);
  const hosts = resolveTargets(await loadInventory(path), target);
  return {
    hosts,
    single: hosts.length === 1 && hosts[0]!.name === target,
    window: sinceEpoch === undefined ? { windowSec } : { windowSec, sinceEpoch },
  };
}
