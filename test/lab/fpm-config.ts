import type { LabPaths } from './paths.js';

export const POOL_NAMES = ['unixpool', 'tcppool', 'odpool'] as const;
export type PoolName = (typeof POOL_NAMES)[number];

/**
 * Also set per pool (php_admin_value), as production pools often do: a running master's own `-c`
 * php.ini cannot be recovered from the host (FPM overwrites its argv and environ with the
 * proctitle), so this is where fpm-medic reads the timeout chain's first link from.
 */
export const MAX_EXECUTION_TIME_SEC = 10;

export interface PoolSpec {
  name: PoolName;
  /** `user =`; `group =` is left to FPM (the user's own group), as it is on Alpine. */
  user: string;
  /** A unix socket path or `127.0.0.1:port`. */
  listen: string;
  pm: 'static' | 'dynamic' | 'ondemand';
  maxChildren: number;
  startServers?: number;
  minSpareServers?: number;
  maxSpareServers?: number;
  processIdleTimeout?: string;
  /** Unset means FPM's default (-1 = somaxconn on Linux since PHP 8.2). */
  listenBacklog?: number;
  listenOwner?: string;
  listenGroup?: string;
  listenMode?: string;
  requestTerminateTimeout: string;
  requestSlowlogTimeout: string;
  slowlog: string;
  accessLog: string;
  env: Record<string, string>;
}

export interface FpmSpec {
  pidFile: string;
  errorLog: string;
  poolDir: string;
  pools: PoolSpec[];
}

/** Same format as the [LAB] in REFERENCE §3.2: duration in ms, peak memory in KiB and CPU% per request. */
export const ACCESS_FORMAT = '%R - %u %t \\"%m %r%Q%q\\" %s %f %{milli}d %{kilo}M %C%%';

/**
 * The lab's "healthy" configuration. Its timeout chain holds:
 * max_execution_time 10 (php.ini) < request_terminate_timeout 20s < web read timeout 30s.
 */
export function baselineFpm(paths: LabPaths, tcpPort: number, apiUrl: string): FpmSpec {
  const common = (name: PoolName) => ({
    name,
    user: paths.layout.poolUser,
    requestTerminateTimeout: '20s',
    requestSlowlogTimeout: '1s',
    slowlog: paths.slowLog(name),
    accessLog: paths.accessLog(name),
    env: { LAB_API_URL: apiUrl },
  });
  return {
    pidFile: paths.fpmPid,
    errorLog: paths.fpmLog,
    poolDir: paths.poolDir,
    pools: [
      {
        ...common('unixpool'),
        listen: paths.socket('unixpool'),
        listenOwner: 'www-data',
        listenGroup: 'www-data',
        listenMode: '0660',
        pm: 'dynamic',
        maxChildren: 3,
        startServers: 2,
        minSpareServers: 1,
        maxSpareServers: 2,
      },
      {
        ...common('tcppool'),
        listen: `127.0.0.1:${tcpPort}`,
        listenBacklog: 3,
        pm: 'static',
        maxChildren: 2,
      },
      {
        ...common('odpool'),
        listen: paths.socket('odpool'),
        listenOwner: 'www-data',
        listenGroup: 'www-data',
        listenMode: '0660',
        pm: 'ondemand',
        maxChildren: 2,
        processIdleTimeout: '10s',
      },
    ],
  };
}

export function renderFpmConf(spec: FpmSpec): string {
  return [
    '; fpm-medic lab: generated, rewritten on every state change',
    '[global]',
    `pid = ${spec.pidFile}`,
    `error_log = ${spec.errorLog}`,
    'log_level = notice',
    // Run in the foreground as the lab's child: one master pid for the whole run, no double-logged start-up lines.
    'daemonize = no',
    `include = ${spec.poolDir}/*.conf`,
    '',
  ].join('\n');
}

export function renderPool(p: PoolSpec): string {
  const lines = [`[${p.name}]`, `user = ${p.user}`, `listen = ${p.listen}`];
  if (p.listenBacklog !== undefined) lines.push(`listen.backlog = ${p.listenBacklog}`);
  if (p.listenOwner) lines.push(`listen.owner = ${p.listenOwner}`);
  if (p.listenGroup) lines.push(`listen.group = ${p.listenGroup}`);
  if (p.listenMode) lines.push(`listen.mode = ${p.listenMode}`);
  lines.push(`pm = ${p.pm}`, `pm.max_children = ${p.maxChildren}`);
  if (p.pm === 'dynamic') {
    lines.push(
      `pm.start_servers = ${p.startServers ?? 1}`,
      `pm.min_spare_servers = ${p.minSpareServers ?? 1}`,
      `pm.max_spare_servers = ${p.maxSpareServers ?? 1}`,
    );
  }
  if (p.pm === 'ondemand' && p.processIdleTimeout)
    lines.push(`pm.process_idle_timeout = ${p.processIdleTimeout}`);
  lines.push(
    'pm.status_path = /status',
    'ping.path = /ping',
    `request_terminate_timeout = ${p.requestTerminateTimeout}`,
    `request_slowlog_timeout = ${p.requestSlowlogTimeout}`,
    `slowlog = ${p.slowlog}`,
    `access.log = ${p.accessLog}`,
    `access.format = "${ACCESS_FORMAT}"`,
    'catch_workers_output = yes',
    `php_admin_value[max_execution_time] = ${MAX_EXECUTION_TIME_SEC}`,
    // Workers get a clean environment; the app reads its API endpoint from here, as apps read config.
    'clear_env = yes',
  );
  for (const [k, v] of Object.entries(p.env)) lines.push(`env[${k}] = ${v}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The lab's own php.ini (passed with `-c`). Debian's FPM binary still scans its compiled-in
 * /etc/php/8.2/fpm/conf.d, so extensions (posix, curl, ffi, opcache) load as on a real host; only
 * the main ini is ours, which keeps the lab independent of whatever /etc/php/8.2/fpm/php.ini holds.
 */
export function renderPhpIni(): string {
  return [
    '; fpm-medic lab php.ini',
    // CPU time on Linux (ITIMER_PROF): sleeps and network waits never hit it, as in production.
    `max_execution_time = ${MAX_EXECUTION_TIME_SEC}`,
    'memory_limit = 128M',
    'display_errors = Off',
    'log_errors = On',
    'error_reporting = E_ALL',
    'default_socket_timeout = 60',
    // Lets segv.php dereference a bad pointer: a genuine SIGSEGV inside the worker, like a buggy extension.
    'ffi.enable = On',
    // Scripts are rewritten between runs and several masters may run at once: keep no shared cache.
    'opcache.enable = 0',
    'date.timezone = UTC',
    '',
  ].join('\n');
}
