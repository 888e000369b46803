/**
 * The sections discover-fpm.sh prints -> masters, their effective config and php.ini values.
 * pid 0 marks a config from the inventory that no running master uses.
 */
import type {
  ConfigFile,
  ConfigLine,
  FpmGlobalConfig,
  FpmMaster,
  FpmPoolConfig,
  PhpIniValues,
  ProbeFailure,
  ProbeFailureReason,
} from '../../facts/types.js';
import { fixFor, permissionFix } from '../failure-fix.js';
import type { Section } from '../sections.js';
import { fileStamp } from './file-stamp.js';
import { parseFpmConfigDump } from './fpm-config.js';
import { parsePhpIni } from './php-ini.js';

export interface FpmDiscovery {
  /** Masters in the process table (pid > 0). Empty = no FPM running: evidence for fpm-down. */
  masters: FpmMaster[];
  /** Configs tested with no master behind them (pid 0). */
  idleConfigs: { configPath: string; binary: string }[];
  globals: FpmGlobalConfig[];
  pools: FpmPoolConfig[];
  /** php.ini of the first master (or idle config) that reported one. */
  php: PhpIniValues;
  /** Per master pid: php.ini values as its binary loads them. */
  phpByPid: Record<number, PhpIniValues>;
  /** The config files a fix may change and their directive lines (sections config-file). */
  configFiles: ConfigFile[];
  /** Config tests that failed: a reload of this master would fail too. */
  configErrors: { masterPid: number; configPath: string; errors: string[] }[];
  /**
   * Processes titled as masters that discovery ignored (another user's, or a binary another user
   * can write): never masters, and their children are no pool's workers.
   */
  ignoredPids: number[];
  failures: ProbeFailure[];
}

const FIX: Record<Exclude<ProbeFailureReason, 'untrusted'>, string> = {
  permission: permissionFix(),
  'missing-tool': 'install the PHP-FPM package (php8.2-fpm) or fix the config path in the inventory',
  timeout: 'php-fpm -tt hung: check the config includes (NFS?) by running it by hand',
  'not-found': 'fix fpm.config in the inventory, or remove it to rely on discovery',
  error: 'see the detail',
};

export function parseFpmDiscovery(sections: readonly Section[]): FpmDiscovery {
  const out: FpmDiscovery = {
    masters: [],
    idleConfigs: [],
    globals: [],
    pools: [],
    php: {},
    phpByPid: {},
    configFiles: [],
    configErrors: [],
    ignoredPids: [],
    failures: [],
  };
  const configByPid = new Map<number, string>();
  for (const s of sections) {
    if (s.name === 'discover-fpm' && s.kind === 'error') {
      const reason = (s.attrs['reason'] ?? 'error') as ProbeFailureReason;
      const target = s.attrs['config'] ?? (s.attrs['pid'] ? `pid ${s.attrs['pid']}` : 'php-fpm');
      if (reason === 'untrusted') {
        const pid = Number(s.attrs['pid']);
        if (Number.isInteger(pid) && pid > 0) out.ignoredPids.push(pid);
        out.failures.push({
          probe: 'discover-fpm',
          target: `php-fpm master ${s.attrs['pid'] ?? '?'}`,
          reason,
          detail: s.body.trim(),
          fix: fixFor(reason, 'discover-fpm', `php-fpm master ${s.attrs['pid'] ?? '?'}`),
        });
        continue;
      }
      out.failures.push({
        probe: 'discover-fpm',
        target,
        reason,
        detail: s.body.trim(),
        fix: FIX[reason] ?? FIX.error,
      });
      continue;
    }
    if (s.kind !== 'section') continue;
    const pid = Number(s.attrs['pid'] ?? 0);
    if (s.name === 'fpm-master') {
      const configPath = s.attrs['config'] ?? '';
      configByPid.set(pid, configPath);
      if (pid > 0) {
        const master: FpmMaster = {
          pid,
          binary: s.attrs['binary'] ?? '',
          configPath,
          startedAt: Number(s.attrs['started'] ?? 0),
        };
        if (s.attrs['version']) master.version = s.attrs['version'];
        out.masters.push(master);
      } else {
        out.idleConfigs.push({ configPath, binary: s.attrs['exe'] ?? s.attrs['binary'] ?? '' });
      }
    } else if (s.name === 'fpm-config') {
      const configPath = s.attrs['config'] ?? configByPid.get(pid) ?? '';
      const rc = s.attrs['rc'] !== undefined ? Number(s.attrs['rc']) : undefined;
      const dump = parseFpmConfigDump(
        s.body,
        rc === undefined ? { masterPid: pid, configPath } : { masterPid: pid, configPath, rc },
      );
      if (dump.ok) {
        out.globals.push(dump.global);
        out.pools.push(...dump.pools);
      } else if (dump.pools.length === 0 && dump.errors.some((e) => /Permission denied \(13\)/.test(e))) {
        // Not a broken config: FPM's test opens the error log and every included file, which a
        // user other than root may not. The pools stay unknown, and the report must say so.
        out.failures.push({
          probe: 'discover-fpm',
          target: configPath,
          reason: 'permission',
          detail: `the config test (php-fpm -tt) of ${configPath} was refused to this user: ${dump.errors.join('; ')}`,
          fix: permissionFix(),
        });
      } else {
        out.configErrors.push({ masterPid: pid, configPath, errors: dump.errors });
        // A failed test still dumps nothing useful; keep whatever was parsed.
        if (dump.pools.length > 0) {
          out.globals.push(dump.global);
          out.pools.push(...dump.pools);
        }
      }
    } else if (s.name === 'config-file') {
      const file = parseConfigFile(pid, s);
      if (file) out.configFiles.push(file);
    } else if (s.name === 'php-ini') {
      const { raw: _raw, version: _version, ...values } = parsePhpIni(s.body);
      out.phpByPid[pid] = values;
      const master = out.masters.find((m) => m.pid === pid);
      if (master) master.php = values;
      if (Object.keys(out.php).length === 0) out.php = values;
    }
  }
  return out;
}

const LINE = /^(\d+):(.*)$/;

/** One config-file section: its attributes and "LINE:TEXT" body; undefined when malformed. */
function parseConfigFile(masterPid: number, s: Section): ConfigFile | undefined {
  const { role } = s.attrs;
  const stamp = fileStamp(s.attrs);
  if ((role !== 'fpm' && role !== 'php-ini') || !stamp) return undefined;
  const lines: ConfigLine[] = [];
  for (const raw of s.body.split('\n')) {
    const m = LINE.exec(raw);
    if (m) lines.push({ line: Number(m[1]), text: m[2]! });
  }
  const file: ConfigFile = { masterPid, role, ...stamp, lines };
  return file;
}
