import type { ResolvedHost } from '../config/types.js';
import type { HostClock, HostFacts, ProbeFailure } from '../facts/types.js';
import type { Transport } from '../transport/transport.js';
import type { ProbeId } from './catalog.js';
import { probeFailure } from './failure-fix.js';
import { parseLogSections } from './parse-logs.js';
import type { ParseContext } from './parsers/context.js';
import { parseFpmDiscovery } from './parsers/fpm-discovery.js';
import { parseFpmStatusSections } from './parsers/fpm-status.js';
import { parseKernelProbe } from './parsers/oom.js';
import { parseRuntime } from './parsers/sys-runtime.js';
import { parseWebDiscovery } from './parsers/web-discovery.js';
import { logProbeArgs, logTargets, statusProbeArgs } from './plan.js';
import { pickWebServer, restrictFpm } from './restrict.js';
import { type ProbeOutput, runProbe } from './run-probe.js';

export interface CollectOptions {
  /** How far back logs are read. */
  windowSec: number;
  /** Upper bound for any single probe (the inventory's commandTimeoutMs). */
  commandTimeoutMs?: number;
  /** Bytes read from the end of each log file. */
  maxLogBytes?: number;
  /** How long a pool's status page may take: short, a saturated pool never answers. */
  statusTimeoutSec?: number;
  signal?: AbortSignal;
}

export interface Collected {
  facts: HostFacts;
  /** Raw probe output, for `--raw` and the redacted "raw evidence" view. */
  raw: Partial<Record<ProbeId, string>>;
  /** Nothing could be run at all: the host is unreachable (exit 3). */
  unreachable: boolean;
}

export type CollectHost = Pick<ResolvedHost, 'name' | 'fpm' | 'web'>;

const DEFAULT_MAX_LOG_BYTES = 512 * 1024;
const DEFAULT_STATUS_TIMEOUT_SEC = 2;

function localClock(): HostClock {
  return { now: Math.floor(Date.now() / 1000), uptimeSec: 0, utcOffsetMin: -new Date().getTimezoneOffset() };
}

/**
 * Gathers every fact about one host in two rounds over one connection: discovery, the live
 * snapshot and the kernel log first (in parallel), then pool status pages and log tails, whose
 * arguments come from what discovery found. Never throws for host-side trouble: whatever could not
 * be read becomes a ProbeFailure in the facts.
 */
export async function collectFacts(
  transport: Transport,
  host: CollectHost,
  options: CollectOptions,
): Promise<Collected> {
  const started = new Date();
  const windowMin = Math.max(1, Math.ceil(options.windowSec / 60));
  const maxLogBytes = options.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES;
  const run = (id: ProbeId, args: string[]): Promise<ProbeOutput> =>
    runProbe(transport, id, args, {
      ...(options.commandTimeoutMs ? { timeoutMs: options.commandTimeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });

  const webArgs = host.web.kind && host.web.config ? [host.web.kind, host.web.config] : [];
  const [dFpm, dWeb, rt, kern] = await Promise.all([
    run('discover-fpm', host.fpm.config ? [host.fpm.config] : []),
    run('discover-web', webArgs),
    run('runtime', []),
    run('kernel', [String(windowMin), String(maxLogBytes)]),
  ]);

  const runtime = parseRuntime(rt.sections);
  const clock = runtime.clock ?? localClock();
  const ctx: ParseContext = { clock, since: clock.now - options.windowSec };
  const fpm = restrictFpm(parseFpmDiscovery(dFpm.sections), host.fpm.config);
  const webFound = parseWebDiscovery(dWeb.sections);
  const kernel = parseKernelProbe(kern.sections, ctx);
  const web = pickWebServer(webFound.servers, host.web);

  const statusArgs = statusProbeArgs(fpm.pools, options.statusTimeoutSec ?? DEFAULT_STATUS_TIMEOUT_SEC);
  const targets = logTargets({
    globals: fpm.globals,
    pools: fpm.pools,
    ...(web ? { web } : {}),
    ...(host.web.errorLog ? { webErrorLog: host.web.errorLog } : {}),
  });
  const logArgs = logProbeArgs(targets, maxLogBytes);
  const [status, logs] = await Promise.all([
    statusArgs.length ? run('fpm-status', statusArgs) : undefined,
    logArgs.length ? run('logs', logArgs) : undefined,
  ]);

  const statusParsed = status ? parseFpmStatusSections(status.sections) : { results: [], failures: [] };
  const logParsed = logs
    ? parseLogSections(logs.sections, ctx, fpm.pools)
    : { fpmLog: [], slowLog: [], accessLog: [], webErrors: [], failures: [] };

  const outputs = [dFpm, dWeb, rt, kern, status, logs].filter((o): o is ProbeOutput => o !== undefined);
  const failures: ProbeFailure[] = [
    ...outputs.flatMap((o) => o.failures),
    ...fpm.failures,
    ...webFound.failures,
    ...runtime.failures,
    ...kernel.failures,
    ...statusParsed.failures,
    ...logParsed.failures,
  ];
  if (!runtime.clock && rt.run.ok) {
    failures.push(
      probeFailure('runtime', 'clock', 'error', "the host clock could not be read; using this machine's"),
    );
  }

  const facts: HostFacts = {
    host: host.name,
    collectedAt: started.toISOString(),
    window: { minutes: Math.round(options.windowSec / 60), since: ctx.since },
    clock,
    fpm: { masters: fpm.masters, globals: fpm.globals, pools: fpm.pools, php: fpm.php },
    ...(web ? { web } : {}),
    status: statusParsed.results,
    processes: runtime.processes,
    listeners: runtime.listeners,
    connections: runtime.connections,
    fpmLog: logParsed.fpmLog,
    slowLog: logParsed.slowLog,
    accessLog: logParsed.accessLog,
    webErrors: logParsed.webErrors,
    oomKills: kernel.oomKills,
    ...(runtime.memory ? { memory: runtime.memory } : {}),
    kernel: { ...runtime.kernel, ...(kernel.cgroupOom.length ? { cgroupOom: kernel.cgroupOom } : {}) },
    failures,
    probes: outputs.map((o) => o.run),
  };
  const raw: Collected['raw'] = {};
  for (const o of outputs) raw[o.run.id as ProbeId] = o.raw;
  const unreachable = [dFpm, dWeb, rt, kern].every((o) => !o.run.ok && o.sections.length === 0);
  // Four probes failing on one refused connection is one problem: say it once.
  if (unreachable)
    facts.failures = [unreachableFailure(host.name, dFpm.failures[0]?.detail ?? 'no probe ran')];
  return { facts, raw, unreachable };
}

function unreachableFailure(host: string, detail: string): ProbeFailure {
  return {
    probe: 'connect',
    target: host,
    reason: /timed? ?out/i.test(detail) ? 'timeout' : 'error',
    detail,
    fix: 'check that the host is up and its SSH port reachable from here, the inventory user and key (or agent), and that its host key is pinned in known_hosts',
  };
}
