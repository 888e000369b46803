/**
 * HostFacts for the analyzer tests. Captured facts come from the real fixtures through the real
 * parsers; where a fixture does not cover a case, the builders below construct typed facts (never
 * raw log or probe text): constructed log events carry a text that says so.
 */
import { readFileSync } from 'node:fs';
import type {
  FpmLogEvent,
  FpmMaster,
  FpmPoolConfig,
  HostClock,
  HostFacts,
  ProcessInfo,
  SocketConnection,
  SocketListener,
  WebErrorEvent,
  WebErrorKind,
  WebServerConfig,
} from '../../../src/facts/types.js';
import { parseApacheErrorLog } from '../../../src/probes/parsers/apache-error-log.js';
import { parseClock } from '../../../src/probes/parsers/clock.js';
import type { ParseContext } from '../../../src/probes/parsers/context.js';
import { parseFpmDiscovery } from '../../../src/probes/parsers/discover-fpm.js';
import { parseWebDiscovery } from '../../../src/probes/parsers/discover-web.js';
import { parseFpmLog } from '../../../src/probes/parsers/fpm-log.js';
import { parseFpmStatusSections } from '../../../src/probes/parsers/fpm-status.js';
import { parseKernelProbe } from '../../../src/probes/parsers/kernel.js';
import { parseNginxErrorLog } from '../../../src/probes/parsers/nginx-error-log.js';
import { parseRuntime } from '../../../src/probes/parsers/runtime.js';
import { parseSlowLog } from '../../../src/probes/parsers/slow-log.js';
import { parseUtcOffset } from '../../../src/probes/parsers/time.js';
import { splitSections } from '../../../src/probes/sections.js';

export function fixture(path: string): string {
  return readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
}

// ---------------------------------------------------------------------------------------------
// The web capture (test/fixtures/capture/web.sh): nginx + Apache + php-fpm8.2 on one host,
// TZ Europe/Berlin (+0100).

export const WEB = '/tmp/fpm-medic-web-capture';

function webClock(): HostClock {
  const s = splitSections(fixture('web/clock.txt')).find((x) => x.name === 'clock')!;
  return parseClock(s.body)!;
}

/**
 * The pools web.sh wrote into php-fpm.conf (that capture ran no `php-fpm -tt`, so they are
 * constructed from the script): all static, request_terminate_timeout unset (0), and
 * php_admin_value[max_execution_time] = 20 on www.
 */
export function webCapturePools(masterPid: number): FpmPoolConfig[] {
  const pool = (name: string, listen: FpmPoolConfig['listen'], maxChildren: number): FpmPoolConfig => ({
    name,
    masterPid,
    listen,
    listenBacklog: -1,
    user: 'www-data',
    group: 'www-data',
    pm: 'static',
    maxChildren,
    requestTerminateTimeoutSec: 0,
    requestSlowlogTimeoutSec: 0,
    catchWorkersOutput: true,
    phpAdminValues: {},
    phpValues: {},
  });
  const www = pool('www', { kind: 'unix', path: `${WEB}/run/www.sock` }, 8);
  www.phpAdminValues['max_execution_time'] = '20';
  return [
    www,
    pool('tcp', { kind: 'tcp', host: '127.0.0.1', port: 19210 }, 2),
    pool('perm', { kind: 'unix', path: `${WEB}/run/rootonly.sock` }, 1),
    pool('oom', { kind: 'unix', path: `${WEB}/run/oom.sock` }, 1),
    pool('kill', { kind: 'unix', path: `${WEB}/run/kill.sock` }, 1),
  ];
}

/** php.ini of php-fpm8.2 on the capture machine, as discover-fpm read it (fpm capture). */
function capturedPhpIni() {
  return parseFpmDiscovery(splitSections(fixture('fpm/discover.txt'))).php;
}

export interface WebCaptureOptions {
  /** runtime.txt: connections held (busy); runtime-after.txt: everything finished. */
  runtime?: 'runtime.txt' | 'runtime-after.txt';
  server?: 'nginx' | 'apache';
  /** Leave out the web server config (discovery failed). */
  noWebConfig?: boolean;
  /** Leave out the logs and kernel log: a snapshot only. */
  snapshotOnly?: boolean;
}

export function webCapture(opts: WebCaptureOptions = {}): HostFacts {
  const clock = webClock();
  const since = clock.now - 15 * 60;
  const ctx: ParseContext = { clock, since };
  const runtime = parseRuntime(fixture(`system/${opts.runtime ?? 'runtime.txt'}`));
  const master = runtime.processes.find((p) => p.role === 'fpm-master')!;
  const fpmMaster: FpmMaster = {
    pid: master.pid,
    binary: 'php-fpm8.2',
    configPath: `${WEB}/etc/php-fpm.conf`,
    startedAt: master.startedAt,
  };
  const server = opts.server ?? 'nginx';
  const web = parseWebDiscovery(fixture(`web/discover-${server}.txt`)).servers[0]!;
  const kernel = parseKernelProbe(fixture('system/kernel.txt'), ctx);
  const snapshot = opts.snapshotOnly === true;
  const errorLog = fixture(`web/${server}-error.log`);
  const facts: HostFacts = {
    host: 'web-capture',
    collectedAt: new Date(clock.now * 1000).toISOString(),
    window: { minutes: 15, seconds: 900, since },
    clock,
    fpm: {
      masters: [fpmMaster],
      globals: [],
      pools: webCapturePools(master.pid),
      php: capturedPhpIni(),
    },
    status: [],
    processes: runtime.processes,
    listeners: runtime.listeners,
    connections: runtime.connections,
    fpmLog: snapshot ? [] : parseFpmLog(fixture('system/php-fpm.log'), ctx),
    slowLog: [],
    accessLog: [],
    webErrors: snapshot
      ? []
      : server === 'nginx'
        ? parseNginxErrorLog(errorLog, ctx)
        : parseApacheErrorLog(errorLog, ctx),
    oomKills: snapshot ? [] : kernel.oomKills,
    kernel: { ...runtime.kernel, cgroupOom: kernel.cgroupOom },
    failures: [...runtime.failures],
    probes: [],
  };
  if (runtime.memory) facts.memory = runtime.memory;
  if (!opts.noWebConfig) facts.web = web;
  return facts;
}

// ---------------------------------------------------------------------------------------------
// The FPM capture (test/fixtures/capture/fpm.sh): two masters driven with cgi-fcgi, no web
// server, TZ Asia/Kolkata (+0530).

export function fpmCaptureContext(): ParseContext {
  const kv = Object.fromEntries(
    fixture('fpm/clock.txt')
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return {
    clock: { now: Number(kv.now), uptimeSec: 100_000, utcOffsetMin: parseUtcOffset(kv.utc_offset ?? '') },
    since: Number(kv.since),
  };
}

export function fpmCapture(
  status: 'status-busy.txt' | 'status-saturated.txt' | 'status-idle.txt' = 'status-idle.txt',
): HostFacts {
  const ctx = fpmCaptureContext();
  const discovery = parseFpmDiscovery(splitSections(fixture('fpm/discover.txt')));
  const logs = splitSections(fixture('fpm/logs.txt'));
  // logs.sh printed the rotated file first, then the live one: together, master A's whole run.
  const errorLog = logs
    .filter((s) => s.name === 'log' && s.attrs.kind === 'fpm-error' && s.attrs.path?.includes('/a/'))
    .map((s) => s.body)
    .join('\n');
  const slow = logs.find((s) => s.name === 'log' && s.attrs.kind === 'fpm-slow')!.body;
  const { results, failures } = parseFpmStatusSections(splitSections(fixture(`fpm/${status}`)));
  return {
    host: 'fpm-capture',
    collectedAt: new Date(ctx.clock.now * 1000).toISOString(),
    window: {
      minutes: (ctx.clock.now - ctx.since) / 60,
      seconds: ctx.clock.now - ctx.since,
      since: ctx.since,
    },
    clock: ctx.clock,
    fpm: {
      masters: discovery.masters,
      globals: discovery.globals,
      pools: discovery.pools,
      php: discovery.php,
    },
    status: results,
    processes: [],
    listeners: [],
    connections: [],
    fpmLog: parseFpmLog(errorLog, ctx),
    slowLog: parseSlowLog(slow, ctx),
    accessLog: [],
    webErrors: [],
    oomKills: [],
    kernel: {},
    failures: [...discovery.failures, ...failures],
    probes: [],
  };
}

// ---------------------------------------------------------------------------------------------
// Builders for cases no capture covers.

export const NOW = 1_800_000_000;

/** A quiet host: one master, no pools yet, nothing in the logs. */
export function baseFacts(overrides: Partial<HostFacts> = {}): HostFacts {
  return {
    host: 'web-1',
    collectedAt: new Date(NOW * 1000).toISOString(),
    window: { minutes: 15, seconds: 900, since: NOW - 900 },
    clock: { now: NOW, uptimeSec: 86_400, utcOffsetMin: 0 },
    fpm: { masters: [master()], globals: [], pools: [], php: { maxExecutionTimeSec: 30 } },
    status: [],
    processes: [],
    listeners: [],
    connections: [],
    fpmLog: [],
    slowLog: [],
    accessLog: [],
    webErrors: [],
    oomKills: [],
    memory: { memTotalKb: 8 << 20, memAvailableKb: 4 << 20 },
    kernel: { somaxconn: 4096 },
    failures: [],
    probes: [],
    ...overrides,
  };
}

export function master(pid = 100, startedAt = NOW - 86_000): FpmMaster {
  return { pid, binary: 'php-fpm8.2', configPath: '/etc/php/8.2/fpm/php-fpm.conf', startedAt };
}

export function pool(name: string, overrides: Partial<FpmPoolConfig> = {}): FpmPoolConfig {
  return {
    name,
    masterPid: 100,
    listen: { kind: 'unix', path: `/run/php/${name}.sock` },
    listenBacklog: -1,
    pm: 'dynamic',
    maxChildren: 4,
    requestTerminateTimeoutSec: 50,
    requestSlowlogTimeoutSec: 0,
    catchWorkersOutput: false,
    phpAdminValues: {},
    phpValues: {},
    ...overrides,
  };
}

export function worker(pid: number, poolName: string, overrides: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    pid,
    ppid: 100,
    user: 'www-data',
    stat: 'S',
    rssKb: 40_000,
    vszKb: 300_000,
    elapsedSec: 600,
    startedAt: NOW - 600,
    cpuPercent: 1,
    args: `php-fpm: pool ${poolName}`,
    role: 'fpm-worker',
    pool: poolName,
    ...overrides,
  };
}

export function nginxProcess(pid = 50): ProcessInfo {
  return {
    pid,
    ppid: 1,
    user: 'www-data',
    stat: 'S',
    rssKb: 5000,
    vszKb: 12_000,
    elapsedSec: 86_000,
    startedAt: NOW - 86_000,
    cpuPercent: 0,
    args: 'nginx: worker process',
    role: 'web',
  };
}

export function listener(address: string, overrides: Partial<SocketListener> = {}): SocketListener {
  return {
    kind: address.startsWith('/') ? 'unix' : 'tcp',
    address,
    recvQ: 0,
    sendQ: 4096,
    pids: [],
    ...overrides,
  };
}

export function conn(
  pid: number,
  local: string,
  peer: string,
  overrides: Partial<SocketConnection> = {},
): SocketConnection {
  return {
    kind: local.startsWith('/') ? 'unix' : 'tcp',
    state: 'ESTAB',
    local,
    peer,
    recvQ: 0,
    sendQ: 0,
    pid,
    process: 'php-fpm8.2',
    ...overrides,
  };
}

/** A unix connection a worker accepted on its pool socket (what a busy worker holds). */
export function accepted(pid: number, path: string): SocketConnection {
  return conn(pid, path, '*', { recvQ: 8, localInode: pid * 10, peerInode: pid * 10 + 1 });
}

export function nginxWeb(overrides: Partial<WebServerConfig> = {}): WebServerConfig {
  return {
    kind: 'nginx',
    listens: [{ host: '0.0.0.0', port: 80 }],
    errorLogs: ['/var/log/nginx/error.log'],
    routes: [
      {
        scope: 'server example location ~ \\.php$',
        target: { kind: 'unix', path: '/run/php/www.sock' },
        readTimeoutSec: 60,
      },
    ],
    ...overrides,
  };
}

export function webError(kind: WebErrorKind, time: number, upstream?: string): WebErrorEvent {
  const e: WebErrorEvent = {
    time,
    server: 'nginx',
    level: 'error',
    kind,
    text: `[constructed for the test] ${kind}`,
  };
  if (upstream !== undefined) e.upstream = upstream;
  return e;
}

export function fpmEvent(
  kind: FpmLogEvent['kind'],
  time: number,
  fields: Partial<FpmLogEvent> = {},
): FpmLogEvent {
  return { time, level: 'WARNING', kind, text: `[constructed for the test] ${kind}`, ...fields };
}
