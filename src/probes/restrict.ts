import type { WebServerConfig } from '../facts/types.js';
import type { FpmDiscovery } from './parsers/discover-fpm.js';

/**
 * Inventory values override discovery: a host that names its FPM config (several PHP versions,
 * a staging master beside production) is judged on that master only.
 */
export function restrictFpm(found: FpmDiscovery, config: string | undefined): FpmDiscovery {
  if (!config) return found;
  const masters = found.masters.filter((m) => m.configPath === config);
  const pids = new Set([0, ...masters.map((m) => m.pid)]);
  const globals = found.globals.filter((g) => g.configPath === config && pids.has(g.masterPid));
  const keptPids = new Set(globals.map((g) => g.masterPid));
  // What could not be read about a master the host is not judged on hides nothing of this one.
  const dropped = found.masters.filter((m) => !pids.has(m.pid));
  const elsewhere = new Set(dropped.flatMap((m) => [`pid ${m.pid}`, m.configPath]));
  return {
    ...found,
    failures: found.failures.filter((f) => !elsewhere.has(f.target) || f.target === config),
    masters,
    idleConfigs: found.idleConfigs.filter((c) => c.configPath === config),
    globals,
    pools: found.pools.filter((p) => keptPids.has(p.masterPid)),
    configErrors: found.configErrors.filter((e) => e.configPath === config),
    configFiles: found.configFiles.filter((f) => pids.has(f.masterPid)),
  };
}

/**
 * With both nginx and Apache running, the one the inventory names wins; else the one whose config
 * routes PHP to FPM is the front.
 */
export function pickWebServer(
  servers: readonly WebServerConfig[],
  wanted: { kind?: 'nginx' | 'apache'; config?: string },
): WebServerConfig | undefined {
  let candidates = wanted.kind ? servers.filter((s) => s.kind === wanted.kind) : [...servers];
  if (wanted.config) {
    const exact = candidates.filter((s) => s.configPath === wanted.config);
    if (exact.length) candidates = exact;
  }
  return candidates.find((s) => s.routes.length > 0) ?? candidates[0];
}
