import type { HostFacts } from '../src/facts/types.js';
import { commonScript, probeBody } from '../src/probes/bundle.js';
import type { ProbeId } from '../src/probes/catalog.js';
import { logProbeArgs, logTargets, statusProbeArgs } from '../src/probes/plan.js';
import { quoteArg } from '../src/transport/shell-quote.js';

/**
 * The baseline's input: the very probe scripts fpm-medic runs, with the same arguments, one after
 * the other in a single `sh -s` (what an engineer would pipe through `ssh host sh -s <`).
 */
export function probeArgs(facts: HostFacts): [ProbeId, string[]][] {
  return [
    ['discover-fpm', []],
    ['discover-web', []],
    ['runtime', []],
    ['kernel', ['15', String(1 << 20)]],
    ['fpm-status', statusProbeArgs(facts.fpm.pools, 2)],
    [
      'logs',
      logProbeArgs(
        logTargets({
          globals: facts.fpm.globals,
          pools: facts.fpm.pools,
          ...(facts.web ? { web: facts.web } : {}),
        }),
        64 << 10,
      ),
    ],
  ];
}

/** One probe as a script of its own: lib/common.sh, then the probe, as fpm-medic once streamed it. */
function probeScript(id: ProbeId, common: string): string {
  return `${common}\nFM_PROBE=${id}\n${probeBody(id)}`;
}

export function baselineStream(facts: HostFacts): string {
  const common = commonScript();
  return probeArgs(facts)
    .filter(([id, args]) => !['fpm-status', 'logs'].includes(id) || args.length > 0)
    .map(([id, args]) => `(\nset -- ${args.map(quoteArg).join(' ')}\n${probeScript(id, common)}\n)\n`)
    .join('');
}
