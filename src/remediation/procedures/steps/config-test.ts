/**
 * The config test both fpm-reload and fpm-start run before acting (DESIGN rule 4): `php-fpm -t`
 * with the binary and config that will be (re)loaded. A failed or unrunnable test refuses the
 * action, with FPM's own error lines in the summary.
 */
import type { StepOutcome } from '../../types.js';
import { type ConfigTestResult, parseConfigTest } from './parse-config-test.js';
import { clip, type ProcedureRun } from './procedure-run.js';

const TIMEOUT_MS = 25_000;

export function describeConfigTest(t: ConfigTestResult): string {
  if (t.ok) return `config test passed (${t.exe?.split('/').pop() ?? 'php-fpm'} -t, ${t.ms ?? 0} ms)`;
  if (!t.ran || t.problem) return `config test could not run: ${t.problem ?? 'no result'}`;
  const errors = t.errors.slice(0, 3).map((e) => clip(e, 240));
  return `config test failed (exit ${t.rc}): ${errors.length > 0 ? errors.join('; ') : 'php-fpm -t gave no reason'}`;
}

export async function configTestStep(
  run: ProcedureRun,
  exe: string,
  config: string,
): Promise<{ test: ConfigTestResult; outcome: StepOutcome }> {
  let test: ConfigTestResult = { ok: false, ran: false, errors: [], problem: 'not run' };
  const outcome = await run.step('config-test', async () => {
    const r = await run.phase('config-test', [exe, config], TIMEOUT_MS);
    test = parseConfigTest(r.sections);
    if (!r.ok && !test.ran) test.problem = r.error ?? test.problem;
    return {
      ok: test.ok,
      summary: describeConfigTest(test),
      detail: { exe, config, rc: test.rc ?? null, errors: test.errors.slice(0, 10) },
    };
  });
  return { test, outcome };
}
