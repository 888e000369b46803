import type {
  HostClock,
  KernelInfo,
  MemoryInfo,
  ProbeFailure,
  ProcessInfo,
  RuntimeSources,
  SocketConnection,
  SocketListener,
} from '../../facts/types.js';
import { sectionFailures } from '../section-failures.js';
import { type Section, splitSections } from '../sections.js';
import { parseClock } from './clock.js';
import { parseCgroupMemory, parseMeminfo } from './meminfo.js';
import { parseKernelInfo } from './netstat.js';
import { parseProcSockets } from './proc-net.js';
import { parsePs } from './ps.js';
import { parseSsConnections, parseSsListeners } from './ss.js';

export interface RuntimeFacts {
  clock?: HostClock;
  /** The user the probes ran as (`id -un`), for the fixes of what it could not read. */
  user?: string;
  processes: ProcessInfo[];
  listeners: SocketListener[];
  connections: SocketConnection[];
  memory?: MemoryInfo;
  kernel: KernelInfo;
  /** Which tools the process and socket tables came from (ps/ss, or /proc where they are missing). */
  sources?: RuntimeSources;
  failures: ProbeFailure[];
}

/** The whole output of runtime.sh -> the snapshot facts. */
export function parseRuntime(output: string | Section[]): RuntimeFacts {
  const sections = typeof output === 'string' ? splitSections(output) : output;
  const ok = sections.filter((s) => s.kind === 'section');
  const body = (name: string) => ok.find((s) => s.name === name)?.body;
  const clockBody = body('clock');
  const clock = clockBody !== undefined ? parseClock(clockBody) : undefined;
  const facts: RuntimeFacts = {
    processes: [],
    listeners: [],
    connections: [],
    kernel: {},
    failures: sectionFailures('runtime', sections),
  };
  if (clock) facts.clock = clock;
  const user = ok.find((s) => s.name === 'clock')?.attrs.user;
  if (user) facts.user = user;
  const ps = ok.find((s) => s.name === 'ps');
  if (ps !== undefined && clock) facts.processes = parsePs(ps.body, clock);
  for (const s of ok) {
    const kind = s.attrs.kind === 'unix' || s.attrs.kind === 'tcp' ? s.attrs.kind : undefined;
    if (s.name === 'ss-listen') facts.listeners.push(...parseSsListeners(s.body, kind));
    if (s.name === 'ss-conn') facts.connections.push(...parseSsConnections(s.body, kind));
  }
  // No ss on the host: the same tables, read from /proc/net and /proc/PID/fd.
  const fds = body('proc-fd');
  if (fds !== undefined) {
    const net = (kind: string) => ok.find((s) => s.name === 'proc-net' && s.attrs.kind === kind)?.body;
    const tables = parseProcSockets({ fds, tcp: net('tcp'), unix: net('unix') });
    facts.listeners.push(...tables.listeners);
    facts.connections.push(...tables.connections);
  }
  if (ps !== undefined) {
    facts.sources = {
      processes: ps.attrs.source === 'proc' ? 'proc' : 'ps',
      sockets: fds !== undefined ? 'proc' : 'ss',
    };
  }
  // The tightest limit any FPM master runs under is the one that OOM-kills its workers first.
  const limits = ok
    .filter((s) => s.name === 'cgroup-memory')
    .map((s) => parseCgroupMemory(s.body).limitKb)
    .filter((v): v is number => v !== undefined);
  const meminfo = body('meminfo');
  if (meminfo !== undefined) {
    const memory = parseMeminfo(meminfo, limits.length > 0 ? Math.min(...limits) : undefined);
    if (memory) facts.memory = memory;
  }
  const kernelParts: { somaxconn?: string; netstat?: string } = {};
  const somaxconn = body('somaxconn');
  const netstat = body('netstat');
  if (somaxconn !== undefined) kernelParts.somaxconn = somaxconn;
  if (netstat !== undefined) kernelParts.netstat = netstat;
  facts.kernel = parseKernelInfo(kernelParts);
  return facts;
}
