import pLimit from 'p-limit';
import { inventoryPathFrom, loadInventory, resolveTargets } from '../../config/inventory.js';
import type { ResolvedHost } from '../../config/types.js';
import { type Collected, collectFacts } from '../../probes/collect.js';
import { createTransport } from '../../transport/factory.js';
import { parseDurationSec } from '../duration.js';
import { EXIT } from '../exit-codes.js';
import { formatFactsText } from '../format-facts.js';

export interface ProbeCliOptions {
  inventory?: string;
  format: 'text' | 'json';
  window: string;
  raw?: boolean;
}

/** Hosts of a group are probed in parallel, but never more than this many SSH sessions at once. */
const GROUP_CONCURRENCY = 10;

export async function probeHost(host: ResolvedHost, windowSec: number): Promise<Collected> {
  const transport = createTransport(host);
  try {
    return await collectFacts(transport, host, { windowSec, commandTimeoutMs: host.commandTimeoutMs });
  } finally {
    await transport.close();
  }
}

export async function probeCommand(target: string, opts: ProbeCliOptions): Promise<number> {
  const windowSec = parseDurationSec(opts.window);
  const { path } = inventoryPathFrom(opts.inventory, process.env);
  const inventory = await loadInventory(path);
  const hosts = resolveTargets(inventory, target);
  const limit = pLimit(GROUP_CONCURRENCY);
  const results = await Promise.all(hosts.map((h) => limit(() => probeHost(h, windowSec))));

  if (opts.format === 'json') {
    const docs = results.map((r) => (opts.raw ? { ...r.facts, raw: r.raw } : r.facts));
    process.stdout.write(
      `${JSON.stringify(hosts.length === 1 && target === hosts[0]!.name ? docs[0] : docs, null, 2)}\n`,
    );
  } else {
    process.stdout.write(results.map((r) => formatFactsText(r.facts)).join('\n'));
  }
  // Facts alone carry no verdict; only "could we look at all" decides the exit code here.
  return results.some((r) => r.unreachable) ? EXIT.unknown : EXIT.ok;
}
