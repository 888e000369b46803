import type { LabPaths } from './paths.js';
import { isUnixUpstream, type WebSpec } from './web-spec.js';

const MODULES = [
  ['mpm_event_module', 'mod_mpm_event.so'],
  ['authz_core_module', 'mod_authz_core.so'],
  ['alias_module', 'mod_alias.so'],
  ['dir_module', 'mod_dir.so'],
  ['proxy_module', 'mod_proxy.so'],
  ['proxy_fcgi_module', 'mod_proxy_fcgi.so'],
] as const;

function handler(upstream: string): string {
  return isUnixUpstream(upstream) ? `proxy:unix:${upstream}|fcgi://localhost` : `proxy:fcgi://${upstream}`;
}

/**
 * A self-contained httpd config: no /etc/apache2, no envvars. SetHandler (rather than ProxyPass)
 * uses mod_proxy's default worker, which is never put in the error state, so one failing state does
 * not leave a `retry=60` penalty (AH00940) for the next one.
 *
 * Returns each file with its content: one file, or, where the layout splits it as RHEL does, the
 * main file plus conf.d/php.conf with the FPM handlers, included from the main file.
 */
export function renderApacheConf(spec: WebSpec, paths: LabPaths): Map<string, string> {
  const main = renderMain(spec, paths);
  const handlers = renderHandlers(spec, paths);
  const includeDir = paths.layout.apache.includeDir;
  if (!includeDir) return new Map([[paths.apacheConf, `${main}\n${handlers}`]]);
  return new Map([
    [paths.apacheConf, `${main}\nIncludeOptional ${includeDir}/*.conf\n`],
    [`${includeDir}/php.conf`, `# fpm-medic lab: generated, PHP-FPM handlers\n${handlers}`],
  ]);
}

function renderMain(spec: WebSpec, paths: LabPaths): string {
  return `# fpm-medic lab: generated
ServerRoot "${paths.dir}"
ServerName lab.example
Listen 127.0.0.1:${spec.port}
PidFile ${paths.apachePid}
DefaultRuntimeDir ${paths.run}/apache2
Mutex file:${paths.run}/apache2 default
User www-data
Group www-data

${MODULES.map(([name, file]) => `LoadModule ${name} /usr/lib/apache2/modules/${file}`).join('\n')}

StartServers 1
ServerLimit 2
ThreadLimit 32
ThreadsPerChild 32
MinSpareThreads 8
MaxSpareThreads 64
MaxRequestWorkers 64

# warn, so every proxy/proxy_fcgi error (AH01079, AH00957, AH02454, AH01075, AH01067) is recorded.
ErrorLog ${paths.apacheErrorLog}
LogLevel warn
LogFormat "%h %l %u %t \\"%r\\" %>s %b %D" lab
CustomLog ${paths.apacheAccessLog} lab

Timeout 60
ProxyTimeout ${spec.readTimeoutSec}
${Object.entries(spec.readTimeoutSecByPool ?? {})
  .map(([pool, t]) => {
    const up = spec.upstreams[pool as keyof WebSpec['upstreams']];
    if (isUnixUpstream(up)) throw new Error(`readTimeoutSecByPool: ${pool} listens on a unix socket`);
    return `<Proxy "fcgi://${up}">\n  ProxySet timeout=${t}\n</Proxy>\n`;
  })
  .join('')}
DocumentRoot "${paths.www}"
DirectoryIndex index.php
<Directory />
  Require all denied
</Directory>
<Directory "${paths.www}">
  Require all granted
</Directory>
`;
}

function renderHandlers(spec: WebSpec, paths: LabPaths): string {
  return `# unixpool: every .php at the top level, plus the status and ping pages
<FilesMatch "\\.php$">
  SetHandler "${handler(spec.upstreams.unixpool)}"
</FilesMatch>
<LocationMatch "^/(status|ping)$">
  Require all granted
  SetHandler "${handler(spec.upstreams.unixpool)}"
</LocationMatch>

# tcppool and odpool: the same scripts under a prefix (Location is merged after FilesMatch, so it wins)
Alias /tcp "${paths.www}"
Alias /od "${paths.www}"
<LocationMatch "^/tcp/.*\\.php$">
  SetHandler "${handler(spec.upstreams.tcppool)}"
</LocationMatch>
<LocationMatch "^/od/.*\\.php$">
  SetHandler "${handler(spec.upstreams.odpool)}"
</LocationMatch>
`;
}
