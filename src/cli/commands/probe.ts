import pLimit from 'p-limit';
import type { ResolvedHost } from '../../config/types.js';
import { GROUP_CONCURRENCY } from '../../diagnosis/diagnose.js';
import { type Collected, type CollectOptions, collectFacts } from '../../probes/collect.js';
import { redactDeep } from '../../redact/redact.js';
import { withTransport } from '../../transport/factory.js';
import { EXIT } from '../exit-codes.js';
import { formatFactsText } from '../format-facts.js';
import { loadTargets, type TargetCliOptions } from '../targets.js';

export interface ProbeCliOptions extends TargetCliOptions {
  raw?: boolean;
}

export function probeHost(
  host: ResolvedHost,
  window: Pick<CollectOptions, 'windowSec' | 'sinceEpoch'>,
): Promise<Collected> {
  return withTransport(host, undefined, (t) =>
    collectFacts(t, host, { ...window, commandTimeoutMs: host.commandTimeoutMs }),
  );
}

export async function probeCommand(target: string, opts: ProbeCliOptions): Promise<number> {
  const { hosts, single, window } = await loadTargets(target, opts);
  const limit = pLimit(GROUP_CONCURRENCY);
  const results = await Promise.all(hosts.map((h) => limit(() => probeHost(h, window))));

  if (opts.format === 'json') {
    // Facts quote configs and logs, and --raw is for bug reports: both are redacted first.
    const docs = results.map((r) => redactDeep(opts.raw ? { ...r.facts, raw: r.raw } : r.facts));
    process.stdout.write(`${JSON.stringify(single ? docs[0] : docs, null, 2)}\n`);
  } else {
    process.stdout.write(results.map((r) => formatFactsText(redactDeep(r.facts))).join('\n'));
  }
  // Facts alone carry no verdict; only "could we look at all" decides the exit code here.
  return results.some((r) => r.unreachable) ? EXIT.unknown : EXIT.ok;
}
