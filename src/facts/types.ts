/**
 * Typed facts about one host, produced by the probe parsers (src/probes/parsers) and consumed by
 * the analyzers and runbooks. Times are unix epoch seconds (host clock, converted from each log's
 * own format with the host's UTC offset); sizes are kB unless the name says otherwise.
 *
 * Every list is windowed (only events since `window.since`) and every probe that could not run
 * leaves a ProbeFailure instead of an empty list, so "no evidence" and "could not look" differ.
 */

/**
 * `untrusted`: a process that calls itself an FPM/nginx/Apache master but runs as another user, or
 * from a binary another user can write, was left alone (docs/security.md): nothing of it ran.
 */
export type ProbeFailureReason =
  | 'permission'
  | 'missing-tool'
  | 'timeout'
  | 'not-found'
  | 'error'
  | 'untrusted';

/** "could not read X because Y, fix: Z" — never silence. */
export interface ProbeFailure {
  probe: string;
  /** What could not be read: a file path, a pool name, a command. */
  target: string;
  reason: ProbeFailureReason;
  detail: string;
  fix: string;
}

export interface ProbeRun {
  id: string;
  ok: boolean;
  ms: number;
  /** Bytes read from the host for this probe (stdout + stderr). */
  bytes: number;
  /**
   * A discovery probe whose host said nothing it reads changed: the dump kept from this time
   * (ISO) stood in for a new one (probes/discovery-cache.ts).
   */
  cachedAt?: string;
}

export type ListenAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export interface FpmMaster {
  pid: number;
  /** Binary name as in the process table, e.g. php-fpm8.2. */
  binary: string;
  configPath: string;
  /** Epoch seconds the master process started (from the process table). */
  startedAt: number;
  version?: string;
  /** php.ini values as this master's binary loads them (several PHP versions may run). */
  php?: PhpIniValues;
}

export type ProcessManager = 'static' | 'dynamic' | 'ondemand';

export interface FpmGlobalConfig {
  masterPid: number;
  configPath: string;
  errorLog?: string;
  logLevel?: string;
  /** Seconds; 0 = in-flight requests are killed on reload (the default). */
  processControlTimeoutSec: number;
  emergencyRestartThreshold?: number;
  emergencyRestartIntervalSec?: number;
  processMax?: number;
}

export interface FpmPoolConfig {
  name: string;
  masterPid: number;
  listen: ListenAddress;
  listenOwner?: string;
  listenGroup?: string;
  listenMode?: string;
  /** As configured; -1 means somaxconn on Linux with PHP >= 8.2. */
  listenBacklog: number;
  user?: string;
  group?: string;
  pm: ProcessManager;
  maxChildren: number;
  startServers?: number;
  minSpareServers?: number;
  maxSpareServers?: number;
  maxRequests?: number;
  statusPath?: string;
  statusListen?: string;
  pingPath?: string;
  /** Seconds; 0 = off. */
  requestTerminateTimeoutSec: number;
  /** Seconds; 0 = off. */
  requestSlowlogTimeoutSec: number;
  slowlog?: string;
  accessLog?: string;
  accessFormat?: string;
  catchWorkersOutput: boolean;
  /** php_admin_value / php_value entries from the pool (name -> value). */
  phpAdminValues: Record<string, string>;
  phpValues: Record<string, string>;
}

/** A config file's identity when a probe read it: what a fix computed from it checks before writing. */
export interface FileStamp {
  path: string;
  size: number;
  /** Epoch seconds; -1 when stat could not tell. */
  mtime: number;
  /** Of the whole content, when the host has sha256sum: what a patch was computed from. */
  sha256?: string;
}

/**
 * A config file a fix may change, with the lines in it that set what the fixes touch
 * (discover-fpm.sh: section headers, include=, pool and php.ini directives), numbered as in the
 * file. Only those lines leave the host.
 */
export interface ConfigFile extends FileStamp {
  masterPid: number;
  /**
   * fpm: the master's config, then each file its include= lines name, in the order FPM reads
   * them; php-ini: php.ini, then the scan dir's files that set something, in the order PHP reads them.
   */
  role: 'fpm' | 'php-ini';
  lines: ConfigLine[];
}

export interface ConfigLine {
  line: number;
  text: string;
}

/** php.ini values as the FPM SAPI loads them (before pool overrides). */
export interface PhpIniValues {
  loadedFile?: string;
  maxExecutionTimeSec?: number;
  memoryLimit?: string;
  defaultSocketTimeoutSec?: number;
  errorLog?: string;
}

export type WebServerKind = 'nginx' | 'apache';

/** One place the web server hands PHP requests to FPM, with the timeouts in force there. */
export interface WebFastcgiRoute {
  /** nginx location or Apache <FilesMatch>/ProxyPass scope, for the evidence line. */
  scope: string;
  target: ListenAddress | { kind: 'upstream'; name: string; servers: ListenAddress[] };
  /** nginx fastcgi_read_timeout, or Apache ProxyTimeout/timeout= (seconds). */
  readTimeoutSec: number;
  connectTimeoutSec?: number;
  sendTimeoutSec?: number;
  /** Where the route hands over (nginx fastcgi_pass): a fix that sets its timeout goes beside it. */
  passAt?: ConfigAt;
  /** The read timeout directive in the route's own block, when it has one (nginx). */
  readTimeoutAt?: ConfigAt;
}

/** A directive's place in a config file. */
export interface ConfigAt {
  file: string;
  line: number;
  /** Its last line (nginx's ';'); a one-line directive has endLine === line. */
  endLine: number;
  /** The text of its first line, as in the file. */
  text: string;
}

export interface WebServerConfig {
  kind: WebServerKind;
  pid?: number;
  binary?: string;
  configPath?: string;
  /** Where it accepts HTTP: its own listeners (self-request detection). */
  listens: { host: string; port: number; defaultServer?: boolean }[];
  errorLogs: string[];
  /** error_log path -> level as configured (nginx; Apache's LogLevel is global). */
  errorLogLevels?: Record<string, string>;
  routes: WebFastcgiRoute[];
  /** Apache Timeout / nginx has none at server level. */
  timeoutSec?: number;
  /** Every config file the dump read, as it was then (absent from older probes). */
  files?: FileStamp[];
  /** The master's -p (nginx) or -d (Apache), which its config test runs with too. */
  startDir?: string;
}

export interface FpmStatusProcess {
  pid: number;
  state: string;
  startTime: number;
  requests: number;
  /** Microseconds (as FPM reports it). */
  requestDurationUs: number;
  requestMethod: string;
  requestUri: string;
  contentLength: number;
  user: string;
  script: string;
  lastRequestCpu: number;
  lastRequestMemory: number;
}

export interface FpmStatus {
  pool: string;
  processManager: string;
  startTime: number;
  startSince: number;
  acceptedConn: number;
  listenQueue: number;
  maxListenQueue: number;
  listenQueueLen: number;
  idleProcesses: number;
  activeProcesses: number;
  totalProcesses: number;
  maxActiveProcesses: number;
  maxChildrenReached: number;
  slowRequests: number;
  processes: FpmStatusProcess[];
}

/** Result of asking one pool for its status page. A timeout is evidence (the pool is saturated). */
/**
 * `listen` is the address the status page was asked on (a unix path or host:port, as
 * plan.connectArg renders the pool's listen): pool names repeat across masters, addresses do not.
 */
export type PoolStatusResult =
  | { pool: string; listen?: string; ok: true; status: FpmStatus; ms: number }
  | {
      pool: string;
      listen?: string;
      ok: false;
      reason: 'timeout' | 'refused' | 'not-found' | 'permission' | 'no-status-path' | 'error';
      detail: string;
      ms: number;
      /** The connect errno cgi-fcgi exited with (2, 13, 111, 11 = backlog full). */
      errno?: number;
    };

export interface ProcessInfo {
  pid: number;
  ppid: number;
  user: string;
  /** ps STAT, e.g. S, R, D, Z. */
  stat: string;
  rssKb: number;
  vszKb: number;
  /** Seconds since the process started. */
  elapsedSec: number;
  startedAt: number;
  /** CPU% over the process lifetime (ps pcpu). */
  cpuPercent: number;
  /** Full command line / proctitle, e.g. "php-fpm: pool www". */
  args: string;
  /** A process discovery ignored as untrusted (and its children) is 'other', whatever its title. */
  role: 'fpm-master' | 'fpm-worker' | 'web' | 'other';
  /** For fpm-worker: pool name from the proctitle. */
  pool?: string;
  wchan?: string;
}

export interface SocketListener {
  kind: 'unix' | 'tcp';
  /** unix path, or host:port. */
  address: string;
  /** Connections waiting for accept(). */
  recvQ: number;
  /**
   * The effective backlog, as ss shows it. Unset when the table came from /proc (no ss on the
   * host), which does not show it: the pool's configured backlog stands in (analysis/backlog.ts).
   */
  sendQ?: number;
  pids: number[];
}

/**
 * Where the runtime probe read the process and socket tables: procps' ps and iproute2's ss, or
 * /proc itself where they are missing or too limited (BusyBox, the official php:fpm image).
 */
export interface RuntimeSources {
  processes: 'ps' | 'proc';
  sockets: 'ss' | 'proc';
}

export interface SocketConnection {
  kind: 'unix' | 'tcp';
  state: string;
  local: string;
  peer: string;
  /**
   * The socket's inode, as in /proc/PID/fd: ss prints it for unix sockets (a connection's two ends
   * name each other's); read from /proc, TCP sockets have it too.
   */
  localInode?: number;
  peerInode?: number;
  recvQ: number;
  sendQ: number;
  pid: number;
  process: string;
}

export type FpmLogKind =
  | 'max-children'
  | 'seems-busy'
  | 'process-max'
  | 'child-exited'
  | 'child-started'
  | 'execution-timed-out'
  | 'executing-too-slow'
  | 'worker-output'
  | 'reloading'
  | 'ready'
  | 'terminating'
  | 'exiting'
  | 'emergency-restart'
  | 'startup-error'
  | 'other';

export interface FpmLogEvent {
  time: number;
  level: string;
  kind: FpmLogKind;
  pool?: string;
  pid?: number;
  /** child-exited: the signal number and name, or the exit code. */
  signal?: number;
  signalName?: string;
  coreDumped?: boolean;
  exitCode?: number;
  /** Seconds the child lived / the request ran. */
  durationSec?: number;
  script?: string;
  request?: string;
  /** max-children: the configured limit in the message. */
  limit?: number;
  /** seems-busy: the children being spawned, idle and total at that moment. */
  spawning?: number;
  idle?: number;
  total?: number;
  text: string;
}

export interface SlowLogEntry {
  time: number;
  pool: string;
  pid: number;
  script: string;
  frames: { fn: string; file: string; line: number }[];
  /** "+++ dump failed": ptrace could not read the stack (frames may be partial or empty). */
  dumpFailed?: boolean;
}

export interface AccessLogEntry {
  time: number;
  pool?: string;
  pid?: number;
  method?: string;
  uri?: string;
  status?: number;
  script?: string;
  durationMs?: number;
  cpuPercent?: number;
  memoryKb?: number;
  remoteAddr?: string;
}

export type WebErrorKind =
  | 'connect-enoent'
  | 'connect-eacces'
  | 'connect-refused'
  | 'connect-eagain'
  | 'connect-timeout'
  | 'read-timeout'
  | 'send-timeout'
  | 'reset'
  | 'premature-close'
  | 'no-live-upstreams'
  | 'too-big-header'
  | 'fastcgi-stderr'
  | 'worker-disabled'
  | 'other';

export interface WebErrorEvent {
  time: number;
  server: WebServerKind;
  level: string;
  kind: WebErrorKind;
  errno?: number;
  /** Upstream as logged, normalised: unix path or host:port or upstream name. */
  upstream?: string;
  request?: string;
  client?: string;
  /** Apache AHnnnnn code. */
  code?: string;
  /** nginx worker pid#tid / Apache pid. */
  serverPid?: number;
  text: string;
}

export interface OomKill {
  time: number;
  pid: number;
  comm: string;
  totalVmKb?: number;
  anonRssKb?: number;
  /** true for "Memory cgroup out of memory". */
  cgroup: boolean;
  memcg?: string;
  text: string;
}

export interface MemoryInfo {
  memTotalKb: number;
  memAvailableKb: number;
  swapTotalKb?: number;
  swapFreeKb?: number;
  /** The cgroup limit FPM runs under, when there is one (kB). */
  cgroupLimitKb?: number;
}

export interface KernelInfo {
  somaxconn?: number;
  tcpListenOverflows?: number;
  tcpListenDrops?: number;
  /** OOM counters of the cgroups the FPM masters run in (they survive dmesg rotation). */
  cgroupOom?: CgroupOomCounter[];
}

export interface CgroupOomCounter {
  /** The FPM master whose cgroup this is. */
  pid: number;
  path: string;
  version: 1 | 2;
  /** Processes the OOM killer killed in this cgroup since it was created. */
  oomKills: number;
  /** v2 memory.events "oom": times the limit was hit and reclaim failed. */
  ooms?: number;
  /** v1 memory.oom_control under_oom: the cgroup is out of memory right now. */
  underOom?: boolean;
}

export interface HostClock {
  /** Host epoch seconds when probes ran. */
  now: number;
  uptimeSec: number;
  /** Host UTC offset in minutes (date +%z), for logs written in local time. */
  utcOffsetMin: number;
}

export interface HostFacts {
  host: string;
  collectedAt: string;
  /** The log window: `seconds` exactly (a short window is not rounded away), `minutes` for display. */
  window: { minutes: number; seconds: number; since: number };
  clock: HostClock;
  fpm: {
    masters: FpmMaster[];
    globals: FpmGlobalConfig[];
    pools: FpmPoolConfig[];
    php: PhpIniValues;
    /** Where the directives a fix may touch are set; absent where discovery did not say (older probes). */
    configFiles?: ConfigFile[];
  };
  web?: WebServerConfig;
  status: PoolStatusResult[];
  processes: ProcessInfo[];
  listeners: SocketListener[];
  connections: SocketConnection[];
  fpmLog: FpmLogEvent[];
  slowLog: SlowLogEntry[];
  accessLog: AccessLogEntry[];
  webErrors: WebErrorEvent[];
  oomKills: OomKill[];
  memory?: MemoryInfo;
  kernel: KernelInfo;
  /** Which tools the process and socket tables came from; absent when the runtime probe failed. */
  sources?: RuntimeSources;
  failures: ProbeFailure[];
  probes: ProbeRun[];
}
