import type { WebErrorKind } from '../../facts/types.js';
/**
 * Upstream names as web servers log them -> one normal form: a unix socket path, host:port, or an
 * upstream block name. nginx prints unix peers as "fastcgi://unix:/run/x.sock:" while the peer is
 * held and without the trailing colon once it is released (after a timeout); both become the path.
 */
export function normaliseUpstream(logged: string): string {
  let s = logged.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  if (s.startsWith('/')) return s;
  if (s.startsWith('unix:')) {
    s = s.slice(5);
    // "unix:/path:" or "unix:/path:/uri" (proxy_pass): the path ends at the first colon.
    const colon = s.indexOf(':');
    return colon >= 0 ? s.slice(0, colon) : s;
  }
  const slash = s.indexOf('/');
  return slash >= 0 ? s.slice(0, slash) : s;
}

/** "203.0.113.9:51234" / "::1:50000" -> the address without the port. */
export function stripClientPort(client: string): string {
  const bracket = /^\[(.*)\]:\d+$/.exec(client);
  if (bracket) return bracket[1]!;
  return client.replace(/:\d+$/, '');
}

const BELOW_WARN = /^(notice|info|debug|trace\d)$/;

/**
 * Startup, reload and debug chatter (Apache's AH00489 "resuming normal operations", nginx
 * "signal process started") is not a web error: only warn and above count as evidence.
 */
export function isErrorLevel(level: string): boolean {
  return !BELOW_WARN.test(level);
}

/** errno of a failed connect() -> the kind of web error (nginx and Apache alike, REFERENCE §4.2, §5.2). */
export const CONNECT_ERRNO: Readonly<Record<number, WebErrorKind>> = {
  2: 'connect-enoent',
  13: 'connect-eacces',
  111: 'connect-refused',
  11: 'connect-eagain',
  110: 'connect-timeout',
};
