import type { PoolName } from './fpm-config.js';

export type WebKind = 'nginx' | 'apache';

/** What a web-server config needs to know; the URL layout is the same for nginx and Apache. */
export interface WebSpec {
  port: number;
  /** nginx fastcgi_read_timeout / Apache ProxyTimeout, in seconds. */
  readTimeoutSec: number;
  /**
   * A pool's own read timeout: nginx's in its location, Apache's as `ProxySet timeout=` on its
   * worker (TCP pools only: the unix ones share mod_proxy's default worker).
   */
  readTimeoutSecByPool?: Partial<Record<PoolName, number>>;
  /** Where each pool listens: a unix socket path or `127.0.0.1:port`. */
  upstreams: Record<PoolName, string>;
}

/** URL prefix that routes to each pool: `/x.php` → unixpool, `/tcp/x.php` → tcppool, `/od/x.php` → odpool. */
export const POOL_PREFIX: Record<PoolName, string> = { unixpool: '', tcppool: '/tcp', odpool: '/od' };

/**
 * nginx fastcgi_connect_timeout: a unix connect() never waits (it succeeds or fails at once), but a
 * TCP SYN dropped by a full accept queue waits the whole timeout before the 504 (REFERENCE §4.2), so
 * the TCP route's is short to keep listen-backlog-overflow on tcppool fast.
 */
export const WEB_DEFAULTS = { readTimeoutSec: 30, connectTimeoutSec: 10, tcpConnectTimeoutSec: 2 } as const;

export function isUnixUpstream(upstream: string): boolean {
  return upstream.startsWith('/');
}
