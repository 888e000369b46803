/**
 * Fresh discovery before acting: the same read-only probes a diagnosis runs first (runtime and
 * discover-fpm, one channel), so a procedure acts on the host as it is now, not as the report saw it.
 */
import type { ResolvedHost } from '../../../config/inventory.js';
import type {
  ConfigFile,
  FpmGlobalConfig,
  FpmMaster,
  FpmPoolConfig,
  ProbeFailure,
  ProcessInfo,
  SocketListener,
  WebServerConfig,
} from '../../../facts/types.js';
import { parseFpmDiscovery } from '../../../probes/parsers/discover-fpm.js';
import { parseWebDiscovery } from '../../../probes/parsers/discover-web.js';
import { parseRuntime } from '../../../probes/parsers/runtime.js';
import { pickWebServer, restrictFpm } from '../../../probes/restrict.js';
import { type ProbeOutput, runProbes } from '../../../probes/run-probe.js';
import type { Section } from '../../../probes/sections.js';
import { distrustProcesses } from '../../../probes/untrusted.js';
import type { Transport } from '../../../transport/transport.js';
import type { ProcedureRun } from './procedure-run.js';

export interface FoundMaster extends FpmMaster {
  /** The binary it runs (/proc/PID/exe), for the config test: the one that will re-read the config. */
  exe?: string;
}

export interface Discovery {
  masters: FoundMaster[];
  /** Configs named by the inventory that no master runs, with the binary that would start them. */
  idleConfigs: { configPath: string; binary: string }[];
  globals: FpmGlobalConfig[];
  pools: FpmPoolConfig[];
  processes: ProcessInfo[];
  listeners: SocketListener[];
  configErrors: { masterPid: number; configPath: string; errors: string[] }[];
  /** The files each master reads, as they are now (what apply-config may write). */
  configFiles: ConfigFile[];
  /** With `web`: the web server in front, as discover-web found it now. */
  web?: WebServerConfig;
  failures: ProbeFailure[];
  /** Neither probe produced anything: the host could not be reached or the probes not run. */
  unreachable: boolean;
}

/** discover-fpm's fpm-master sections carry the exe, which FpmMaster leaves out. */
function exeByPid(sections: readonly Section[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const s of sections) {
    if (s.kind !== 'section' || s.name !== 'fpm-master') continue;
    const pid = Number(s.attrs['pid'] ?? 0);
    if (pid > 0 && s.attrs['exe']) out.set(pid, s.attrs['exe']);
  }
  return out;
}

/** Pure: the two probes' outputs -> what the procedures need, restricted to the inventory's config. */
export function discoveryFrom(rt: ProbeOutput, dFpm: ProbeOutput, config: string | undefined): Discovery {
  const runtime = parseRuntime(rt.sections);
  const fpm = restrictFpm(parseFpmDiscovery(dFpm.sections), config);
  const exes = exeByPid(dFpm.sections);
  return {
    masters: fpm.masters.map((m) => {
      const exe = exes.get(m.pid);
      return exe ? { ...m, exe } : { ...m };
    }),
    idleConfigs: fpm.idleConfigs,
    globals: fpm.globals,
    pools: fpm.pools,
    processes: distrustProcesses(runtime.processes, new Set(fpm.ignoredPids)),
    listeners: runtime.listeners,
    configErrors: fpm.configErrors,
    configFiles: fpm.configFiles,
    failures: [...rt.failures, ...dFpm.failures, ...fpm.failures, ...runtime.failures],
    unreachable: [rt, dFpm].every((o) => !o.run.ok && o.sections.length === 0),
  };
}

const DISCOVERY_TIMEOUT_MS = 25_000;

/**
 * Fresh discovery inside a procedure: 10–25 s as the host's command timeout allows, and
 * cancellable. `web`: the web server too (the inventory's kind and config, as a diagnosis does).
 */
export async function discoverForRun(
  run: ProcedureRun,
  config: string | undefined,
  options: { web?: boolean } = {},
): Promise<Discovery> {
  const { transport, host, signal } = run.ctx;
  const timeoutMs = Math.min(DISCOVERY_TIMEOUT_MS, Math.max(host.commandTimeoutMs, 10_000));
  if (!options.web) return discoverFpm(transport, config, { timeoutMs, ...(signal ? { signal } : {}) });
  const [rt, dFpm, dWeb] = (await runProbes(
    transport,
    [
      { id: 'runtime', args: [] },
      { id: 'discover-fpm', args: config ? [config] : [] },
      { id: 'discover-web', args: webArgs(host) },
    ],
    { timeoutMs, ...(signal ? { signal } : {}) },
  )) as [ProbeOutput, ProbeOutput, ProbeOutput];
  const found = parseWebDiscovery(dWeb.sections);
  const web = pickWebServer(found.servers, host.web);
  const d = discoveryFrom(rt, dFpm, config);
  return { ...d, ...(web ? { web } : {}), failures: [...d.failures, ...found.failures] };
}

function webArgs(host: Pick<ResolvedHost, 'web'>): string[] {
  return host.web.kind && host.web.config ? [host.web.kind, host.web.config] : [];
}

export async function discoverFpm(
  transport: Transport,
  config: string | undefined,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<Discovery> {
  const [rt, dFpm] = (await runProbes(
    transport,
    [
      { id: 'runtime', args: [] },
      { id: 'discover-fpm', args: config ? [config] : [] },
    ],
    { timeoutMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) },
  )) as [ProbeOutput, ProbeOutput];
  return discoveryFrom(rt, dFpm, config);
}

/** One line for a summary: why discovery could not tell. */
export function discoveryProblem(d: Discovery): string {
  const f = d.failures[0];
  if (!f) return 'discovery found nothing';
  return `${f.probe}: ${f.detail}`;
}
