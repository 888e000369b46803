import { MAX_ARGS, SAFE_ARG } from '../transport/shell-quote.js';
import type { ProbeOutput } from './run-probe.js';
import { type Section, splitSections } from './sections.js';

/**
 * Discovery (`php-fpm -tt`, `php-fpm -i`, `nginx -T`, Apache's dumps) is most of what a diagnosis
 * costs the host, and it changes only when someone changes the config or restarts a master. So
 * each host's last dumps are kept with the key the host printed for them (discovery-key: a digest
 * of its masters' pids, start times and binaries, and of the stamps of every file the dumps read).
 * The next run passes the key and the paths back; a host that finds the same answers
 * "discovery-cached" instead of dumping, and the kept dump is used. Whatever is kept is data,
 * parsed as the fresh output would be: nothing in it is ever run.
 */
export type DiscoveryProbe = 'discover-fpm' | 'discover-web';
export const DISCOVERY_PROBES: readonly DiscoveryProbe[] = ['discover-fpm', 'discover-web'];

export interface CachedDump {
  /** The probe's own arguments (the inventory's config paths): another ask is another dump. */
  args: string[];
  key: string;
  /** The paths the key covers, in the host's order. */
  stamps: string[];
  /** The probe's whole output, as it came. */
  raw: string;
  /** When the host made the dump (ISO). */
  at: string;
}

export interface DiscoveryCacheEntry {
  /** Who the dumps were read as (address, port, user, become): another login may see other files. */
  identity: string;
  dumps: Partial<Record<DiscoveryProbe, CachedDump>>;
}

/** Where the entries live: Redis for serve and workers, the state directory for the CLI. */
export interface DiscoveryCache {
  /** The host's entry; undefined when there is none or the store cannot be read. */
  get(host: string): Promise<DiscoveryCacheEntry | undefined>;
  set(host: string, entry: DiscoveryCacheEntry): Promise<void>;
  /** After an approved action on the host, or when a run says the dumps are stale. */
  invalidate(host: string): Promise<void>;
}

/** The arguments for a discovery probe: its own, led by the kept key and paths when they can go. */
export function discoveryArgs(
  base: readonly string[],
  kept: CachedDump | undefined,
  room = MAX_ARGS,
): string[] {
  if (!kept || !sameArgs(kept.args, base)) return [...base];
  const lead = [`cache=${kept.key}`, ...kept.stamps.map((p) => `stamp=${p}`)];
  // A path the transport would refuse (a space, a quote) or too many of them: dump afresh.
  if (lead.length + base.length > room || !lead.every((a) => SAFE_ARG.test(a))) return [...base];
  return [...lead, ...base];
}

export interface Resolved {
  output: ProbeOutput;
  /** When the kept dump was made, if it stood in for this run's. */
  cachedAt?: string;
  /** What to keep from this run: set for a fresh dump with a key; null: drop what is kept. */
  keep?: CachedDump | null;
}

/**
 * This run's output as the parsers should see it: the kept dump when the host said nothing
 * changed, else the fresh one (kept when the host gave it a key and nothing in it timed out).
 */
export function resolveDiscovery(
  output: ProbeOutput,
  base: readonly string[],
  kept: CachedDump | undefined,
): Resolved {
  const cached = output.sections.find((s) => s.name === 'discovery-cached');
  if (cached && kept && output.run.ok && cached.attrs.key === kept.key) {
    const sections = splitSections(kept.raw);
    return {
      output: { ...output, sections, raw: kept.raw },
      cachedAt: kept.at,
    };
  }
  if (!output.run.ok || output.sections.some(timedOut)) return { output, keep: null };
  const key = output.sections.find((s) => s.name === 'discovery-key');
  if (!key?.attrs.key) return { output, keep: null };
  return {
    output,
    keep: {
      args: [...base],
      key: key.attrs.key,
      stamps: key.body.split('\n').filter((p) => p !== ''),
      raw: output.raw,
      at: new Date().toISOString(),
    },
  };
}

const timedOut = (s: Section) => s.kind === 'error' && s.attrs.reason === 'timeout';

function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
