import { POOL_NAMES } from './fpm-config.js';
import type { LabPaths } from './paths.js';
import { isUnixUpstream, POOL_PREFIX, WEB_DEFAULTS, type WebSpec } from './web-spec.js';

/**
 * The full FastCGI parameter set, included by every location. A location with any fastcgi_param of
 * its own inherits none from the server level (REFERENCE §4.7), and a request without
 * REQUEST_METHOD makes FPM answer an empty 200 — so no location relies on inheritance.
 */
export function renderFastcgiParams(): string {
  const params: [string, string][] = [
    ['SCRIPT_FILENAME', '$document_root$lab_script'],
    ['SCRIPT_NAME', '$lab_script'],
    ['DOCUMENT_URI', '$lab_script'],
    ['QUERY_STRING', '$query_string'],
    ['REQUEST_METHOD', '$request_method'],
    ['CONTENT_TYPE', '$content_type'],
    ['CONTENT_LENGTH', '$content_length'],
    ['REQUEST_URI', '$request_uri'],
    ['DOCUMENT_ROOT', '$document_root'],
    ['SERVER_PROTOCOL', '$server_protocol'],
    ['REQUEST_SCHEME', '$scheme'],
    ['GATEWAY_INTERFACE', 'CGI/1.1'],
    ['SERVER_SOFTWARE', 'nginx/$nginx_version'],
    ['REMOTE_ADDR', '$remote_addr'],
    ['REMOTE_PORT', '$remote_port'],
    ['SERVER_ADDR', '$server_addr'],
    ['SERVER_PORT', '$server_port'],
    ['SERVER_NAME', '$server_name'],
  ];
  return `${params.map(([k, v]) => `fastcgi_param ${k.padEnd(18)} ${v};`).join('\n')}\n`;
}

export function renderNginxConf(spec: WebSpec, paths: LabPaths): string {
  const location = (pool: (typeof POOL_NAMES)[number]) => {
    const t = spec.readTimeoutSecByPool?.[pool] ?? spec.readTimeoutSec;
    const up = spec.upstreams[pool];
    const pass = isUnixUpstream(up) ? `unix:${up}` : up;
    const prefix = POOL_PREFIX[pool];
    // Prefixed pools see the script path without their prefix, so all pools share one www/.
    const head = prefix
      ? `location ~ ^${prefix}(/.*)$ {\n      set $lab_script $1;`
      : 'location / {\n      set $lab_script $uri;';
    return `    # ${pool}
    ${head}
      include ${paths.nginxParams};
      fastcgi_pass ${pass};
      fastcgi_connect_timeout ${isUnixUpstream(up) ? WEB_DEFAULTS.connectTimeoutSec : WEB_DEFAULTS.tcpConnectTimeoutSec}s;
      fastcgi_send_timeout ${t}s;
      fastcgi_read_timeout ${t}s;
    }`;
  };
  return `# fpm-medic lab: generated
user www-data;
worker_processes 1;
pid ${paths.nginxPid};
# warn, so every upstream error ([crit] connect, [error] recv/timeout, [warn]) is recorded.
error_log ${paths.nginxErrorLog} warn;

events {
  worker_connections 512;
}

http {
  default_type text/plain;
  log_format lab '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                 'rt=$request_time upstream="$upstream_addr" ust="$upstream_status" urt="$upstream_response_time"';
  access_log ${paths.nginxAccessLog} lab;
  client_body_temp_path ${paths.tmp}/client_body;
  fastcgi_temp_path ${paths.tmp}/fastcgi;
  proxy_temp_path ${paths.tmp}/proxy;
  uwsgi_temp_path ${paths.tmp}/uwsgi;
  scgi_temp_path ${paths.tmp}/scgi;

  server {
    listen 127.0.0.1:${spec.port};
    server_name lab.example;
    root ${paths.www};

${POOL_NAMES.filter((p) => p !== 'unixpool')
  .map(location)
  .join('\n\n')}

${location('unixpool')}
  }
}
`;
}
