/** Web server errors as they concern FPM: which pool they name, and their text for evidence. */
import type { FpmPoolConfig, HostFacts, WebErrorEvent } from '../facts/types.js';
import { type LocalTest, localHosts, parseEndpoint, reaches } from './address.js';
import { shorten } from './evidence.js';
import { activePools, inWindow } from './scope.js';

/** The pool an upstream (path, host:port or upstream{} name, as normalised by the parsers) leads to. */
export function poolOfUpstream(
  facts: HostFacts,
  upstream: string | undefined,
  isLocal: LocalTest = localHosts(facts),
): FpmPoolConfig | undefined {
  if (upstream === undefined) return undefined;
  const pools = facts.fpm.pools;
  const addr = parseEndpoint(upstream);
  if (addr) return pools.find((p) => reaches(addr, p.listen, isLocal));
  for (const r of facts.web?.routes ?? []) {
    if (r.target.kind !== 'upstream' || r.target.name !== upstream) continue;
    for (const server of r.target.servers) {
      const pool = pools.find((p) => reaches(server, p.listen, isLocal));
      if (pool) return pool;
    }
  }
  return undefined;
}

/** Does the web server hand requests to this upstream through one of its FastCGI routes? */
function isFastcgiRoute(facts: HostFacts, upstream: string, isLocal: LocalTest): boolean {
  const addr = parseEndpoint(upstream);
  return (facts.web?.routes ?? []).some((r) => {
    if (r.target.kind === 'upstream') {
      return (
        r.target.name === upstream ||
        (addr !== undefined && r.target.servers.some((s) => reaches(addr, s, isLocal)))
      );
    }
    return addr !== undefined && reaches(addr, r.target, isLocal);
  });
}

/**
 * The web errors in the window that concern FPM: those naming one of its pools, those naming any
 * FastCGI target of the web server (a wrong socket path in nginx is an FPM outage to the user),
 * and those that name no upstream (Apache's timeout and reset lines do not). Errors about other
 * backends (proxy_pass to an app server) are left out. With neither pools nor routes known,
 * nothing can be ruled out.
 */
export function fpmWebErrors(facts: HostFacts): WebErrorEvent[] {
  const isLocal = localHosts(facts);
  const known = activePools(facts).length > 0 || (facts.web?.routes.length ?? 0) > 0;
  return facts.webErrors.filter((e) => {
    if (!inWindow(facts, e.time)) return false;
    if (!known || e.upstream === undefined) return true;
    return (
      poolOfUpstream(facts, e.upstream, isLocal) !== undefined || isFastcgiRoute(facts, e.upstream, isLocal)
    );
  });
}

const NGINX_PREFIX = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[\w+\] \d+#\d+: (?:\*\d+ )?/;
const APACHE_PREFIX = /^(?:\[[^\]]*\] )+/;

/**
 * The message of a web error without its time/pid prefix and request fields: the part that is the
 * same for every repeat, so lines can be counted. The upstream is appended when the message does
 * not name it (nginx's TCP "connect() failed" does not).
 */
export function webErrorMessage(e: WebErrorEvent): string {
  const first = e.text.split('\n', 1)[0] ?? '';
  let msg: string;
  if (e.server === 'nginx') {
    msg = first.replace(NGINX_PREFIX, '');
    const cut = msg.indexOf(', client: ');
    if (cut >= 0) msg = msg.slice(0, cut);
  } else {
    msg = first.replace(APACHE_PREFIX, '').replace(/\[client [^\]]*\] /, '');
  }
  if (e.upstream && !msg.includes(e.upstream)) msg += ` (upstream ${e.upstream})`;
  return `${e.server}: ${shorten(msg, 170)}`;
}

/** One event with its request, for lines that pair it with an FPM or kernel event. */
export function webErrorWithRequest(e: WebErrorEvent): string {
  const base = webErrorMessage(e);
  return e.request ? `${base}, request "${shorten(e.request, 60)}"` : base;
}
