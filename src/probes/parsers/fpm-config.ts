/**
 * Parses the effective PHP-FPM configuration as `php-fpm -tt` dumps it (REFERENCE §8.1, §8.4):
 *   [20-Nov-2026 21:48:18] NOTICE: [global]
 *   [20-Nov-2026 21:48:18] NOTICE: \tpm.max_children = 3
 *   [20-Nov-2026 21:48:18] NOTICE:  \u0020            <- section separator
 * At log_level = debug every line also carries "pid N, fpm_conf_dump(), line N: ".
 * Unset values read "undefined"; time units are inconsistent (`8s`, but `10` for idle timeout).
 */
import type { FpmGlobalConfig, FpmPoolConfig, ListenAddress, ProcessManager } from '../../facts/types.js';

export interface FpmConfigDump {
  /** The config test passed (`rc` 0 and "test is successful"). */
  ok: boolean;
  global: FpmGlobalConfig;
  pools: FpmPoolConfig[];
  /** ERROR/ALERT lines of a failed test, e.g. "[etc/bad.conf:15] unknown entry 'pm.max_childrn'". */
  errors: string[];
  /** Every key as dumped, for directives the typed facts do not carry. */
  raw: { global: Record<string, string>; pools: Record<string, Record<string, string>> };
}

const LINE = /^\[[^\]]*\]\s+([A-Z]+):\s(?:pid \d+, \w+\(\), line \d+: )?(.*)$/;
const KV = /^\t([^=]+?) = ?(.*)$/;
const SECTION = /^\[([^\]]+)\]$/;

/** `8s`, `2m`, `1h`, `1d`, `10` (seconds) -> seconds; undefined when not a duration. */
export function parseFpmDuration(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(-?\d+)\s*([smhd]?)\s*$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? '';
  return n * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 }[unit] ?? 1);
}

/** `listen` as FPM accepts it: a path, `port`, `ip:port`, `[ipv6]:port`, `*:port`. */
export function parseListen(value: string): ListenAddress {
  const v = value.trim();
  if (/^\d+$/.test(v)) return { kind: 'tcp', host: '0.0.0.0', port: Number(v) };
  const v6 = /^\[([^\]]*)\]:(\d+)$/.exec(v);
  if (v6) return { kind: 'tcp', host: v6[1]!, port: Number(v6[2]) };
  const v4 = /^([^/:][^:]*):(\d+)$/.exec(v);
  if (v4) return { kind: 'tcp', host: v4[1] === '*' ? '0.0.0.0' : v4[1]!, port: Number(v4[2]) };
  return { kind: 'unix', path: v };
}

function defined(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  return v === '' || v === 'undefined' ? undefined : v;
}

function int(value: string | undefined): number | undefined {
  const v = defined(value);
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

function bool(value: string | undefined): boolean {
  return /^(yes|on|true|1)$/i.test(value?.trim() ?? '');
}

function toPool(
  name: string,
  kv: Record<string, string>,
  opts: { masterPid: number },
): FpmPoolConfig | undefined {
  const listen = defined(kv['listen']);
  const pm = defined(kv['pm']);
  if (!listen || (pm !== 'static' && pm !== 'dynamic' && pm !== 'ondemand')) return undefined;
  const phpAdminValues: Record<string, string> = {};
  const phpValues: Record<string, string> = {};
  for (const [key, value] of Object.entries(kv)) {
    const m = /^(php_admin_value|php_admin_flag|php_value|php_flag)\[(.+)\]$/.exec(key);
    if (!m) continue;
    if (m[1]!.startsWith('php_admin')) phpAdminValues[m[2]!] = value;
    else phpValues[m[2]!] = value;
  }
  const pool: FpmPoolConfig = {
    name,
    masterPid: opts.masterPid,
    listen: parseListen(listen),
    listenBacklog: int(kv['listen.backlog']) ?? -1,
    pm: pm as ProcessManager,
    maxChildren: int(kv['pm.max_children']) ?? 0,
    requestTerminateTimeoutSec: parseFpmDuration(kv['request_terminate_timeout']) ?? 0,
    requestSlowlogTimeoutSec: parseFpmDuration(kv['request_slowlog_timeout']) ?? 0,
    catchWorkersOutput: bool(kv['catch_workers_output']),
    phpAdminValues,
    phpValues,
  };
  const optional: [keyof FpmPoolConfig, string | number | undefined][] = [
    ['listenOwner', defined(kv['listen.owner'])],
    ['listenGroup', defined(kv['listen.group'])],
    ['listenMode', defined(kv['listen.mode'])],
    ['user', defined(kv['user'])],
    ['group', defined(kv['group'])],
    ['statusPath', defined(kv['pm.status_path'])],
    ['statusListen', defined(kv['pm.status_listen'])],
    ['pingPath', defined(kv['ping.path'])],
    ['slowlog', defined(kv['slowlog'])],
    ['accessLog', defined(kv['access.log'])],
    ['accessFormat', defined(kv['access.format'])],
  ];
  // Spare-server settings only mean something for dynamic; FPM dumps 0 for the others.
  if (pm === 'dynamic') {
    optional.push(
      ['startServers', int(kv['pm.start_servers'])],
      ['minSpareServers', int(kv['pm.min_spare_servers'])],
      ['maxSpareServers', int(kv['pm.max_spare_servers'])],
    );
  }
  optional.push(['maxRequests', int(kv['pm.max_requests'])]);
  const target = pool as unknown as Record<string, unknown>;
  for (const [key, value] of optional) if (value !== undefined) target[key] = value;
  return pool;
}

export function parseFpmConfigDump(
  text: string,
  opts: { masterPid: number; configPath: string; rc?: number },
): FpmConfigDump {
  const globalKv: Record<string, string> = {};
  const poolKv: Record<string, Record<string, string>> = {};
  const errors: string[] = [];
  let current: Record<string, string> | undefined;
  let successful = false;
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) {
      // PHP's own ini errors ("PHP:  syntax error, unexpected '='...") have no FPM prefix.
      if (/^PHP:\s/.test(line)) errors.push(line.trim());
      continue;
    }
    const level = m[1]!;
    const msg = m[2]!;
    if (level !== 'NOTICE' && level !== 'DEBUG') {
      if (level === 'ERROR' || level === 'ALERT') errors.push(msg);
      continue;
    }
    if (/^configuration file .* test is successful/.test(msg)) {
      successful = true;
      continue;
    }
    const kv = KV.exec(msg);
    if (kv) {
      if (current) current[kv[1]!.trim()] = kv[2]!.trim();
      continue;
    }
    const section = SECTION.exec(msg);
    if (section) {
      const name = section[1]!;
      if (name === 'global') current = globalKv;
      else current = poolKv[name] ??= {};
    }
  }
  const global: FpmGlobalConfig = {
    masterPid: opts.masterPid,
    configPath: opts.configPath,
    processControlTimeoutSec: parseFpmDuration(globalKv['process_control_timeout']) ?? 0,
  };
  const errorLog = defined(globalKv['error_log']);
  if (errorLog) global.errorLog = errorLog;
  const logLevel = defined(globalKv['log_level']);
  if (logLevel && logLevel !== 'unknown value') global.logLevel = logLevel.toLowerCase();
  const threshold = int(globalKv['emergency_restart_threshold']);
  if (threshold !== undefined) global.emergencyRestartThreshold = threshold;
  const interval = parseFpmDuration(globalKv['emergency_restart_interval']);
  if (interval !== undefined) global.emergencyRestartIntervalSec = interval;
  const processMax = int(globalKv['process.max']);
  if (processMax !== undefined) global.processMax = processMax;

  const pools: FpmPoolConfig[] = [];
  for (const [name, kv] of Object.entries(poolKv)) {
    const pool = toPool(name, kv, opts);
    if (pool) pools.push(pool);
  }
  return {
    ok: successful && (opts.rc === undefined || opts.rc === 0) && errors.length === 0,
    global,
    pools,
    errors,
    raw: { global: globalKv, pools: poolKv },
  };
}
