/**
 * Signals: what the analyzers derive from one host's facts, and the only names runbook
 * conditions (CEL, runbooks/*.md) may use. Every analyzer is a pure function HostFacts -> its
 * part of Signals plus the evidence lines that prove it. Numbers are plain JS numbers (ints where
 * the name says count); lists hold small records so conditions can use `exists`/`size`.
 *
 * Adding a signal: extend the interface, fill it in an analyzer, declare it in the CEL
 * environment (src/runbooks/cel-env.ts) — a runbook naming an undeclared signal fails at start-up.
 * A list of ints is a list of worker pids: a runbook's `workers:` key may name it.
 */

export type EvidenceSource =
  | 'fpm-status'
  | 'ss'
  | 'ps'
  | 'fpm-log'
  | 'slow-log'
  | 'access-log'
  | 'nginx'
  | 'apache'
  | 'kernel'
  | 'config'
  | 'meminfo'
  | 'probe';

export interface Evidence {
  source: EvidenceSource;
  /** One line a person can check by hand, e.g. "worker 2911 -> 127.0.0.1:80 (own nginx listener)". */
  text: string;
  /** Epoch seconds of the underlying event, when it has one. */
  time?: number;
}

export interface PoolSignal {
  name: string;
  pm: string;
  maxChildren: number;
  /** Workers not Idle: from the status page's per-process states, else the process table. */
  busy: number;
  idle: number;
  total: number;
  busySource: 'status' | 'ps';
  /** Connections waiting in the pool's accept queue (ss Recv-Q; status "listen queue" for TCP). */
  queued: number;
  /** The effective backlog (ss Send-Q); -1 when neither ss nor the config tells. */
  backlog: number;
  statusOk: boolean;
  /** The status page did not answer in time: requests queue behind it. */
  statusTimedOut: boolean;
  /** "server reached (pm.)max_children" lines in the window. */
  maxChildrenReached: number;
  /**
   * The pool is full: max_children is known and every one of them is busy. The one definition
   * runbooks (`p.full`) and derived values read.
   */
  full: boolean;
  /** Full with requests queued (or status timed out, or FPM logged max_children reached). */
  exhausted: boolean;
  listen: string;
  listenKind: 'unix' | 'tcp';
}

export interface EndpointSignal {
  /** ip:port the busy workers are connected to. */
  peer: string;
  workers: number;
  /** Longest request duration (seconds) among those workers, from the status page or process age. */
  maxDurationSec: number;
  /** Average lifetime CPU% of those workers (low = waiting on I/O). */
  avgCpu: number;
  /** The workers (for kill-stuck-workers, which only takes named pids). */
  pids: number[];
}

/** Values that satisfy max_execution_time < request_terminate_timeout < web read timeout. */
export interface TimeoutSuggestion {
  maxExecutionTimeSec: number;
  requestTerminateTimeoutSec: number;
  webReadTimeoutSec: number;
}

export interface Signals {
  host: string;
  /** The window the log-based counts cover. */
  windowSec: number;
  fpm: {
    running: boolean;
    masters: number;
    pools: number;
    /** Seconds since the youngest master started; -1 with no master. */
    masterAgeSec: number;
    /** "Reloading in progress" lines (and emergency-restart reloads) in the window. */
    reloads: number;
    /** Pool unix sockets with no listener (file missing or stale); 0 when ss could not run. */
    socketsMissing: number;
    /** TCP pools with no listener on their port; 0 when ss could not run. */
    portsMissing: number;
    /** No master runs and FPM's log ends with a clean shutdown ("exiting, bye-bye!"). */
    stoppedCleanly: boolean;
    /** When that was (host clock, HH:MM:SS) and what asked for it (SIGTERM or SIGINT, SIGQUIT); '' when not. */
    stoppedAt: string;
    stopSignal: string;
  };
  pools: PoolSignal[];
  poolsExhausted: number;
  /** Web server errors in the window, by WebErrorKind (zero when absent). */
  web: {
    /** nginx | apache; '' when no web server was found. */
    kind: string;
    /** Gateway failures: the kinds below (not FastCGI stderr, "temporarily disabled" or unclassified lines). */
    total: number;
    enoent: number;
    eacces: number;
    refused: number;
    eagain: number;
    connectTimeout: number;
    readTimeout: number;
    sendTimeout: number;
    reset: number;
    prematureClose: number;
    noLiveUpstreams: number;
    tooBigHeader: number;
  };
  backlog: {
    /** Listeners whose queue is at (or past) their backlog. */
    fullListeners: number;
    /** TcpExt ListenOverflows + ListenDrops (absolute since boot). */
    tcpOverflows: number;
  };
  selfRequest: {
    /** Busy workers holding a TCP connection to this host's own web listeners or selfAddresses. */
    workers: number;
    targets: string[];
    pids: number[];
  };
  external: {
    endpoints: EndpointSignal[];
    /** The endpoint holding the most busy workers (empty when none). */
    topPeer: string;
    topWorkers: number;
    topMaxDurationSec: number;
    topAvgCpu: number;
    /** The top endpoint's workers: what a runbook's `workers: external.topPids` names. */
    topPids: number[];
  };
  /** Busy workers whose request has run at least the web server's read timeout (analysis/abandoned.ts). */
  abandoned: {
    workers: number;
    pids: number[];
  };
  timeoutChain: {
    /** php.ini / pool php_admin_value; -1 unknown. */
    maxExecutionTimeSec: number;
    /** Smallest non-zero, or 0 when any pool has it off. */
    requestTerminateTimeoutSec: number;
    /** fastcgi_read_timeout / ProxyTimeout in front of the pools; -1 unknown. */
    webReadTimeoutSec: number;
    terminateOff: boolean;
    ok: boolean;
    violations: string[];
    /** A value set that satisfies the chain, for the fix-for-good text. */
    suggested: TimeoutSuggestion;
  };
  requestTimeouts: {
    /** "execution timed out ... terminating" lines. */
    kills: number;
    /** Of those, matched to a web server reset/premature close within a few seconds. */
    matchedWebErrors: number;
    /** Of the kills, those on pools whose request_terminate_timeout fires before max_execution_time. */
    beforePhpLimit: number;
  };
  oom: {
    /** Kernel OOM kills of FPM processes (comm php-fpm*) in the window. */
    kernelKills: number;
    /** Of those, matched by pid to FPM's "exited on signal 9". */
    matched: number;
    /** Of the kernel kills, those by a memory cgroup limit ("Memory cgroup out of memory"). */
    cgroupKills: number;
    /** FPM children that exited on SIGKILL in the window (OOM or someone's kill -9). */
    sigkills: number;
    /** oom_kill counters of the FPM masters' cgroups since they were created: survive dmesg rotation. */
    cgroupCounter: number;
    /** Kills matched by time (and pool) to a web server reset/premature close. */
    matchedWebErrors: number;
    /** Kills of this FPM's workers before the running master started (or before the last clean stop): history. */
    history: number;
  };
  crashes: {
    /** Workers exiting on SIGSEGV/SIGBUS/SIGABRT/SIGILL/SIGFPE. */
    count: number;
    matchedWebErrors: number;
    signals: string[];
  };
  memory: {
    /** MemAvailable; -1 when meminfo could not be read. */
    availableKb: number;
    /**
     * What the workers may use at most: MemAvailable plus the RSS the running workers already hold
     * (MemAvailable no longer counts it), or the cgroup limit when that is smaller; -1 unknown.
     */
    budgetKb: number;
    avgWorkerRssKb: number;
    maxChildrenTotal: number;
    /** maxChildrenTotal × avgWorkerRssKb. */
    projectedKb: number;
    oversized: boolean;
    /** Computed pm.max_children that would fit (budget × 0.8 / avg RSS), per host; -1 unknown. */
    suggestedMaxChildren: number;
  };
  slowRequests: {
    count: number;
    topScript: string;
    topScriptCount: number;
    /** The top script's most common stack, innermost first, e.g. "sleep() /srv/www/a.php:2". */
    topFrames: string[];
  };
  restart: {
    /**
     * Refused/ENOENT web errors within restartWindowSec after the newest master started. The
     * window opens a few seconds before startedAt: those errors are logged in the stop→start gap,
     * while the old master is gone and the new one not yet listening.
     */
    errorsAfterStart: number;
    /** Refused/ENOENT web errors before that, in the window. */
    errorsBeforeStart: number;
    masterStartedInWindow: boolean;
  };
  probes: {
    failed: number;
    /** Ids of probes or targets that could not be read (for confidence). */
    missing: string[];
  };
}

/** What one analyzer returns: its slice of the signals and the lines that prove it. */
export interface AnalyzerResult<K extends keyof Signals> {
  key: K;
  value: Signals[K];
  evidence: Evidence[];
}
