/**
 * php.ini values as the FPM SAPI loads them, from `php-fpm -i` (text phpinfo):
 *   Loaded Configuration File => /etc/php/8.2/fpm/php.ini
 *   max_execution_time => 30 => 30          (directive => local value => master value)
 *   error_log => no value => no value
 * The local value is the one in force for this SAPI; pools may still override it.
 */
import type { PhpIniValues } from '../../facts/types.js';

export interface PhpIniDump extends PhpIniValues {
  version?: string;
  /** Every directive => local value that was printed (no value -> absent). */
  raw: Record<string, string>;
}

export function parsePhpIni(text: string): PhpIniDump {
  const raw: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const parts = line.split(' => ');
    if (parts.length < 2) continue;
    const key = parts[0]!.trim();
    const value = parts[1]!.trim();
    if (!key || value === 'no value' || key in raw) continue;
    raw[key] = value;
  }
  const out: PhpIniDump = { raw };
  const num = (key: string): number | undefined => {
    const v = raw[key];
    return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
  };
  if (raw['Loaded Configuration File'] && raw['Loaded Configuration File'] !== '(none)') {
    out.loadedFile = raw['Loaded Configuration File'];
  }
  const met = num('max_execution_time');
  if (met !== undefined) out.maxExecutionTimeSec = met;
  if (raw['memory_limit']) out.memoryLimit = raw['memory_limit'];
  const dst = num('default_socket_timeout');
  if (dst !== undefined) out.defaultSocketTimeoutSec = dst;
  if (raw['error_log']) out.errorLog = raw['error_log'];
  if (raw['PHP Version']) out.version = raw['PHP Version'];
  return out;
}

/** "128M" / "1G" / "-1" / "134217728" -> bytes; -1 means unlimited. */
export function phpSizeToBytes(value: string): number | undefined {
  const m = /^\s*(-?\d+)\s*([kKmMgG]?)\s*$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (n < 0) return -1;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return n * mult;
}
