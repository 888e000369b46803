import type { HostFacts } from '../src/facts/types.js';
import { type ProbeId, probeScript } from '../src/probes/catalog.js';
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

export function baselineStream(facts: HostFacts): string {
  return probeArgs(facts)
    .filter(([id, args]) => !['fpm-status', 'logs'].includes(id) || args.length > 0)
    .map(([id, args]) => `(\nset -- ${args.map(quoteArg).join(' ')}\n${probeScript(id)}\n)\n`)
    .join('');
}
