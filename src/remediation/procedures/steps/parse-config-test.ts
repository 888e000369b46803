/** The config-test phase (fa_config_test): `php-fpm -t`'s verdict, from its exit code and stderr. */
import type { Section } from '../../../probes/sections.js';
import { num, outputLines, scriptProblem } from './parse-common.js';

export interface ConfigTestResult {
  ok: boolean;
  /** The test ran (its exit code is known). */
  ran: boolean;
  rc?: number;
  ms?: number;
  exe?: string;
  config?: string;
  /** FPM's error lines without their timestamp, e.g. "[/etc/php/8.2/fpm/pool.d/www.conf:15] unknown entry 'pm.max_childrn'". */
  errors: string[];
  /** Why the test could not run at all (no binary, unreadable config). */
  problem?: string;
}

// "[21-Nov-2026 00:50:11] ERROR: ..." (REFERENCE §8.4); "PHP:  syntax error, ..." has no stamp.
const LOGGED = /^\[[^\]]*\]\s+(ERROR|ALERT|EMERGENCY|CRITICAL|WARNING):\s+(.*)$/;
/** FPM's closing lines, which say only that the lines before them failed. */
const GENERIC = /^(FPM initialization failed|failed to post process the configuration)$/;

export function parseConfigTest(sections: readonly Section[]): ConfigTestResult {
  const s = sections.find((x) => x.kind === 'section' && x.name === 'config-test');
  if (!s) {
    return {
      ok: false,
      ran: false,
      errors: [],
      problem: scriptProblem(sections) ?? 'the config test printed nothing',
    };
  }
  const rc = num(s.attrs['rc']);
  const errors: string[] = [];
  for (const line of outputLines(s.body)) {
    const m = LOGGED.exec(line.trim());
    if (m) {
      if (m[1] !== 'WARNING') errors.push(m[2]!.trim());
    } else if (/^PHP\b/.test(line.trim())) {
      errors.push(line.trim().replace(/\s+/g, ' '));
    }
  }
  const specific = errors.filter((e) => !GENERIC.test(e));
  const result: ConfigTestResult = {
    ok: rc === 0,
    ran: rc !== undefined,
    errors: specific.length > 0 ? specific : errors,
  };
  if (rc !== undefined) result.rc = rc;
  const ms = num(s.attrs['ms']);
  if (ms !== undefined) result.ms = ms;
  if (s.attrs['exe']) result.exe = s.attrs['exe'];
  if (s.attrs['config']) result.config = s.attrs['config'];
  if (rc === 124) result.problem = 'php-fpm -t did not finish within 15 s';
  return result;
}
