import type { ResolvedHost } from '../config/types.js';
import type { HostClock, HostFacts, ProbeFailure } from '../facts/types.js';
import { MAX_ARGS } from '../transport/shell-quote.js';
import type { Transport } from '../transport/transport.js';
import type { ProbeCall } from './bundle.js';
import type { ProbeId } from './catalog.js';
import {
  DISCOVERY_PROBES,
  type DiscoveryCache,
  type DiscoveryCacheEntry,
  type DiscoveryProbe,
  discoveryArgs,
  type Resolved,
  resolveDiscovery,
} from './discovery-cache.js';
import { nameTheUser, probeFailure } from './failure-fix.js';
import type { ParseContext } from './parsers/context.js';
import { parseFpmDiscovery } from './parsers/discover-fpm.js';
import { parseWebDiscovery } from './parsers/discover-web.js';
import { parseFpmStatusSections } from './parsers/fpm-status.js';
import { parseKernelProbe } from './parsers/kernel.js';
import { parseLogSections, tailCoversWindow } from './parsers/logs.js';
import { parseRuntime } from './parsers/runtime.js';
import { type LogTarget, logProbeArgs, logTargets, planGaps, statusProbeArgs } from './plan.js';
import { pickWebServer, restrictFpm } from './restrict.js';
import { BECOME_PROBE, type ProbeOutput, runProbes } from './run-probe.js';
import type { Section } from './sections.js';
import { distrustProcesses } from './untrusted.js';

export interface CollectOptions {
  /** How far back logs are read, from the host's clock when the probes ran. */
  windowSec: number;
  /**
   * Absolute window start (epoch seconds), overriding windowSec: "everything since the incident
   * began", independent of how long the probes took to start.
   */
  sinceEpoch?: number;
  /** Upper bound for any single probe (the inventory's commandTimeoutMs). */
  commandTimeoutMs?: number;
  /** The most read from the end of one log file, however busy the window (default 8 MiB). */
  maxLogBytes?: number;
  /** How long a pool's status page may take: short, a saturated pool never answers. */
  statusTimeoutSec?: number;
  signal?: AbortSignal;
  /**
   * Reuse the host's last discovery dumps while the host says nothing they read has changed
   * (discovery-cache.ts). `identity`: who the dumps are read as; an entry of another is not used.
   */
  discoveryCache?: { cache: DiscoveryCache; identity: string };
}

export interface Collected {
  facts: HostFacts;
  /** Raw probe output, for `--raw` and the redacted "raw evidence" view. */
  raw: Partial<Record<ProbeId, string>>;
  /** Nothing could be run at all: the host is unreachable (exit 3). */
  unreachable: boolean;
}

export type CollectHost = Pick<ResolvedHost, 'name' | 'fpm' | 'web'>;

const DEFAULT_MAX_LOG_BYTES = 8 << 20;
/** First read of each log; enough for a quiet window, doubled per file while it is not. */
const FIRST_LOG_BYTES = 64 << 10;
const DEFAULT_STATUS_TIMEOUT_SEC = 2;

function localClock(): HostClock {
  return { now: Math.floor(Date.now() / 1000), uptimeSec: 0, utcOffsetMin: -new Date().getTimezoneOffset() };
}

/**
 * Gathers every fact about one host in two rounds over one connection, one channel each: the live
 * snapshot, the kernel log and discovery first, then pool status pages and log tails, whose
 * arguments come from what discovery found. Never throws for host-side trouble: whatever could not
 * be read becomes a ProbeFailure in the facts.
 */
export async function collectFacts(
  transport: Transport,
  host: CollectHost,
  options: CollectOptions,
): Promise<Collected> {
  // Every round over one channel where a channel costs the host a session (SSH).
  const session = transport.openSession?.(SESSION_ROUNDS * (options.commandTimeoutMs ?? DEFAULT_ROUND_MS));
  try {
    return await collectRounds(session ?? transport, host, options);
  } finally {
    await session?.close();
  }
}

/** Rounds a diagnosis may take on one session (discovery, status and logs, deeper logs). */
const SESSION_ROUNDS = 4;
const DEFAULT_ROUND_MS = 60_000;

async function collectRounds(
  transport: Transport,
  host: CollectHost,
  options: CollectOptions,
): Promise<Collected> {
  const started = new Date();
  const windowMin = Math.max(1, Math.ceil(options.windowSec / 60));
  const maxLogBytes = options.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES;
  const round = (calls: ProbeCall[]): Promise<ProbeOutput[]> =>
    runProbes(transport, calls, {
      ...(options.commandTimeoutMs ? { timeoutMs: options.commandTimeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });

  // Round 1: what is there (discovery) and what is happening (snapshot, kernel), on one channel.
  const base: Record<DiscoveryProbe, string[]> = {
    'discover-fpm': host.fpm.config ? [host.fpm.config] : [],
    'discover-web': host.web.kind && host.web.config ? [host.web.kind, host.web.config] : [],
  };
  const kept = await keptDumps(options.discoveryCache, host.name);
  const [rt, kern, freshFpm, freshWeb] = (await round([
    // The snapshot first: it is the moment the report describes.
    { id: 'runtime', args: [] },
    { id: 'kernel', args: [String(windowMin), String(FIRST_LOG_BYTES * 16)] },
    ...DISCOVERY_PROBES.map((id) => ({ id, args: discoveryArgs(base[id], kept[id], DISCOVERY_ARG_ROOM) })),
  ])) as [ProbeOutput, ProbeOutput, ProbeOutput, ProbeOutput];
  const resolved = {
    'discover-fpm': resolveDiscovery(freshFpm, base['discover-fpm'], kept['discover-fpm']),
    'discover-web': resolveDiscovery(freshWeb, base['discover-web'], kept['discover-web']),
  };
  await keepDumps(options.discoveryCache, host.name, kept, resolved);
  const dFpm = resolved['discover-fpm'].output;
  const dWeb = resolved['discover-web'].output;

  const runtime = parseRuntime(rt.sections);
  const clock = runtime.clock ?? localClock();
  const since = options.sinceEpoch ?? clock.now - options.windowSec;
  const ctx: ParseContext = { clock, since };
  const windowSec = clock.now - since;
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
  // Round 2: the pools' status pages and the logs' tails, where discovery said they are.
  const round2: ProbeCall[] = [];
  if (statusArgs.length) round2.push({ id: 'fpm-status', args: statusArgs });
  const firstLogBudget = Math.min(FIRST_LOG_BYTES, maxLogBytes);
  if (targets.length) round2.push({ id: 'logs', args: logProbeArgs(targets, firstLogBudget) });
  const out2 = await round(round2);
  const status = out2.find((o) => o.run.id === 'fpm-status');
  const firstLogs = out2.find((o) => o.run.id === 'logs');
  const logs = firstLogs
    ? await deepenLogs(
        firstLogs,
        targets,
        firstLogBudget,
        (args) => round([{ id: 'logs', args }]).then((o) => o[0]!),
        ctx,
        fpm.pools,
        maxLogBytes,
      )
    : undefined;

  const statusParsed = status ? parseFpmStatusSections(status.sections) : { results: [], failures: [] };
  const logParsed = logs
    ? parseLogSections(logs.sections, ctx, fpm.pools)
    : { fpmLog: [], slowLog: [], accessLog: [], webErrors: [], failures: [] };

  const outputs = [dFpm, dWeb, rt, kern, status, logs].filter((o): o is ProbeOutput => o !== undefined);
  const failures: ProbeFailure[] = nameTheUser(
    [
      ...outputs.flatMap((o) => o.failures),
      ...fpm.failures,
      ...webFound.failures,
      ...runtime.failures,
      ...kernel.failures,
      ...statusParsed.failures,
      ...logParsed.failures,
      // What round 2 could not even ask for, because discovery could not see it.
      ...planGaps({
        masters: fpm.masters,
        pools: fpm.pools,
        fpmFailures: fpm.failures,
        ...(web ? { web } : {}),
        webFailures: webFound.failures,
        ...(host.web.errorLog ? { webErrorLog: host.web.errorLog } : {}),
      }),
    ],
    runtime.user,
  );
  if (!runtime.clock && rt.run.ok) {
    failures.push(
      probeFailure('runtime', 'clock', 'error', "the host clock could not be read; using this machine's"),
    );
  }

  const facts: HostFacts = {
    host: host.name,
    collectedAt: started.toISOString(),
    window: { minutes: Math.round(windowSec / 60), seconds: windowSec, since: ctx.since },
    clock,
    fpm: {
      masters: fpm.masters,
      globals: fpm.globals,
      pools: fpm.pools,
      php: fpm.php,
      ...(fpm.configFiles.length > 0 ? { configFiles: fpm.configFiles } : {}),
    },
    ...(web ? { web } : {}),
    status: statusParsed.results,
    processes: distrustProcesses(runtime.processes, new Set([...fpm.ignoredPids, ...webFound.ignoredPids])),
    listeners: runtime.listeners,
    connections: runtime.connections,
    ...(runtime.sources ? { sources: runtime.sources } : {}),
    fpmLog: logParsed.fpmLog,
    slowLog: logParsed.slowLog,
    accessLog: logParsed.accessLog,
    webErrors: logParsed.webErrors,
    oomKills: kernel.oomKills,
    ...(runtime.memory ? { memory: runtime.memory } : {}),
    kernel: { ...runtime.kernel, ...(kernel.cgroupOom.length ? { cgroupOom: kernel.cgroupOom } : {}) },
    failures,
    probes: outputs.map((o) => {
      const cachedAt = o === dFpm || o === dWeb ? resolved[o.run.id as DiscoveryProbe].cachedAt : undefined;
      return cachedAt ? { ...o.run, cachedAt } : o.run;
    }),
  };
  const raw: Collected['raw'] = {};
  for (const o of outputs) raw[o.run.id as ProbeId] = o.raw;
  const unreachable = [dFpm, dWeb, rt, kern].every((o) => !o.run.ok && o.sections.length === 0);
  // Four probes failing on one refused connection is one problem: say it once.
  if (unreachable) {
    const first = dFpm.failures[0];
    // A sudo that would not start the root shell already says so, with the sudoers line as fix.
    facts.failures = [
      first?.probe === BECOME_PROBE ? first : unreachableFailure(host.name, first?.detail ?? 'no probe ran'),
    ];
  }
  return { facts, raw, unreachable };
}

/** Half the round's arguments each, at most, for the kept paths of the two discovery probes. */
const DISCOVERY_ARG_ROOM = Math.floor((MAX_ARGS - 8) / 2);

/** The host's kept dumps; none when there is no cache, it cannot be read, or they were another login's. */
async function keptDumps(
  use: CollectOptions['discoveryCache'],
  host: string,
): Promise<DiscoveryCacheEntry['dumps']> {
  if (!use) return {};
  try {
    const entry = await use.cache.get(host);
    return entry?.identity === use.identity ? entry.dumps : {};
  } catch {
    // A cache that cannot be read costs the host a fresh dump, never the diagnosis.
    return {};
  }
}

async function keepDumps(
  use: CollectOptions['discoveryCache'],
  host: string,
  kept: DiscoveryCacheEntry['dumps'],
  resolved: Record<DiscoveryProbe, Resolved>,
): Promise<void> {
  if (!use) return;
  const dumps = { ...kept };
  let changed = false;
  for (const id of DISCOVERY_PROBES) {
    const { keep } = resolved[id];
    if (keep === undefined) continue;
    changed = true;
    if (keep === null) delete dumps[id];
    else dumps[id] = keep;
  }
  if (!changed) return;
  try {
    await use.cache.set(host, { identity: use.identity, dumps });
  } catch {
    // Not kept: the next diagnosis dumps afresh.
  }
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

/**
 * Reads each log's tail just deep enough to cover the window: the first round read 64 KiB of
 * each; the files whose tail is cut inside the window are read again, twice as deep, up to
 * maxBytes. A log whose history grows 1000x costs the same; a busy window costs a round trip per
 * doubling.
 */
async function deepenLogs(
  first: ProbeOutput,
  targets: readonly LogTarget[],
  firstBudget: number,
  run: (args: string[]) => Promise<ProbeOutput>,
  ctx: ParseContext,
  pools: CollectedPools,
  maxBytes: number,
): Promise<ProbeOutput> {
  const byPath = new Map<string, Section[]>();
  const keep = (out: ProbeOutput, ts: readonly LogTarget[]) => {
    for (const t of ts) {
      byPath.set(
        t.path,
        out.sections.filter((s) => s.attrs.path === t.path || s.attrs.path === `${t.path}.1`),
      );
    }
  };
  keep(first, targets);
  let merged = first;
  let budget = firstBudget;
  let pending = [...targets];
  while (merged.run.ok && budget < maxBytes) {
    pending = pending.filter((t) => {
      const live = byPath.get(t.path)?.find((s) => s.kind === 'section' && s.attrs.path === t.path);
      return live !== undefined && !tailCoversWindow(live, ctx, pools);
    });
    if (pending.length === 0) break;
    budget = Math.min(budget * 2, maxBytes);
    const out = await run(logProbeArgs(pending, budget));
    merged = mergeOutputs(merged, out);
    keep(out, pending);
  }
  // One section set per file: the deepest read of each.
  return { ...merged, sections: [...byPath.values()].flat() };
}

type CollectedPools = Parameters<typeof tailCoversWindow>[2];

function mergeOutputs(a: ProbeOutput, b: ProbeOutput): ProbeOutput {
  return {
    run: {
      id: a.run.id,
      ok: a.run.ok && b.run.ok,
      ms: a.run.ms + b.run.ms,
      bytes: a.run.bytes + b.run.bytes,
    },
    sections: b.sections,
    failures: [...a.failures, ...b.failures],
    raw: `${a.raw}${b.raw}`,
  };
}
