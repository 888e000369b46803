import { readFileSync } from 'node:fs';
import type { ProbeFailure } from '../../../../src/facts/types.js';
import { nameTheUser } from '../../../../src/probes/failure-fix.js';
import { parseFpmDiscovery } from '../../../../src/probes/parsers/discover-fpm.js';
import { parseWebDiscovery } from '../../../../src/probes/parsers/discover-web.js';
import { parseKernelProbe } from '../../../../src/probes/parsers/kernel.js';
import { parseRuntime } from '../../../../src/probes/parsers/runtime.js';
import { planGaps } from '../../../../src/probes/plan.js';
import { type Section, splitSections } from '../../../../src/probes/sections.js';

/**
 * Written by test/fixtures/capture/nonroot.ts: every probe run over the lab's sshd as
 * fpm-medic-plain (no sudo, no groups) on an exhausted pool, logs 0640 root:adm,
 * kernel.dmesg_restrict=1.
 */
export function nonrootSections(probe: string): Section[] {
  return splitSections(
    readFileSync(new URL(`../../../fixtures/nonroot/${probe}.txt`, import.meta.url), 'utf8'),
  );
}

/** Everything the non-root capture could not read, as collect.ts assembles it. */
export function nonrootFailures(): ProbeFailure[] {
  const runtime = parseRuntime(nonrootSections('runtime'));
  const fpm = parseFpmDiscovery(nonrootSections('discover-fpm'));
  const web = parseWebDiscovery(nonrootSections('discover-web'));
  const kernel = parseKernelProbe(nonrootSections('kernel'), { clock: runtime.clock!, since: 0 });
  return nameTheUser(
    [
      ...fpm.failures,
      ...web.failures,
      ...runtime.failures,
      ...kernel.failures,
      ...planGaps({
        masters: fpm.masters,
        pools: fpm.pools,
        fpmFailures: fpm.failures,
        webFailures: web.failures,
      }),
    ],
    runtime.user,
  );
}
