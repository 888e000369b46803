/**
 * Socket addresses as the sources spell them (FPM `listen`, ss columns, nginx/Apache upstreams,
 * web server `listen`) compared as endpoints.
 */
import type { HostFacts, ListenAddress } from '../facts/types.js';
import { splitHostPort } from '../probes/parsers/ss.js';

const WILDCARDS = new Set(['0.0.0.0', '::', '*', '']);

export function normalHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  // ss prints link-local addresses with their scope: fe80::1%eth0.
  const scope = h.indexOf('%');
  if (scope >= 0) h = h.slice(0, scope);
  // A dual-stack socket shows IPv4 peers as IPv4-mapped IPv6 addresses.
  if (h.startsWith('::ffff:') && /^\d+\.\d+\.\d+\.\d+$/.test(h.slice(7))) h = h.slice(7);
  return h === 'localhost' ? '127.0.0.1' : h;
}

export const isWildcard = (host: string): boolean => WILDCARDS.has(normalHost(host));

export function isLoopback(host: string): boolean {
  const h = normalHost(host);
  return h.startsWith('127.') || h === '::1';
}

export function hostPort(host: string, port: number): string {
  const h = normalHost(host);
  return h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`;
}

/** A pool's `listen` as ss and the web server logs print it: a path or host:port. */
export function listenKey(a: ListenAddress): string {
  return a.kind === 'unix' ? a.path : hostPort(a.host, a.port);
}

/** "/run/php/x.sock", "127.0.0.1:9000", "[::1]:9000", "*:9000" -> an address; undefined for names. */
export function parseEndpoint(text: string): ListenAddress | undefined {
  const t = text.trim();
  if (t.startsWith('/') || t.startsWith('@')) return { kind: 'unix', path: t };
  const hp = splitHostPort(t);
  return hp ? { kind: 'tcp', host: hp.host, port: hp.port } : undefined;
}

/** Is this host one of ours? Loopback always; others when seen as a local address on this host. */
export type LocalTest = (host: string) => boolean;

/**
 * The host's own addresses as ss saw them: the local side of every TCP connection and every
 * listener bound to a specific address. Inventory addresses are not needed for loopback.
 */
export function localHosts(facts: Pick<HostFacts, 'connections' | 'listeners'>): LocalTest {
  const seen = new Set<string>();
  for (const c of facts.connections) {
    if (c.kind !== 'tcp') continue;
    const hp = splitHostPort(c.local);
    if (hp) seen.add(normalHost(hp.host));
  }
  for (const l of facts.listeners) {
    if (l.kind !== 'tcp') continue;
    const hp = splitHostPort(l.address);
    if (hp && !isWildcard(hp.host)) seen.add(normalHost(hp.host));
  }
  return (host) => isLoopback(host) || seen.has(normalHost(host));
}

/**
 * Does address `seen` reach listen address `listen`? A wildcard listener accepts on every local
 * address, but not on another machine's: a remote FPM on the same port is a different endpoint.
 */
export function reaches(
  seen: ListenAddress,
  listen: ListenAddress,
  isLocal: LocalTest = isLoopback,
): boolean {
  if (seen.kind === 'unix' || listen.kind === 'unix') {
    return seen.kind === 'unix' && listen.kind === 'unix' && seen.path === listen.path;
  }
  if (seen.port !== listen.port) return false;
  const a = normalHost(seen.host);
  const b = normalHost(listen.host);
  if (a === b) return true;
  if (isWildcard(b)) return isWildcard(a) || isLocal(a);
  if (isWildcard(a)) return isLocal(b);
  return false;
}
