import { describe, expect, it } from 'vitest';
import { flattenApache, parseApacheConfig } from '../../../../src/probes/parsers/apache-config.js';
import { parseWebDiscovery } from '../../../../src/probes/parsers/discover-web.js';
import { WORK, webFixture } from './fixtures.js';

describe('Apache config through discover-web.sh (captured: DUMP_INCLUDES, -S, files)', () => {
  const found = parseWebDiscovery(webFixture('discover-apache.txt'));
  const apache = found.servers[0]!;
  const route = (scope: string) => apache.routes.find((r) => r.scope.includes(scope));

  it('names the master, its listeners, error logs and Timeout', () => {
    expect(found.failures).toEqual([]);
    expect(apache).toMatchObject({
      kind: 'apache',
      binary: '/usr/sbin/apache2',
      configPath: `${WORK}/etc/apache2.conf`,
      timeoutSec: 30,
      listens: [
        { host: '127.0.0.1', port: 19220 },
        { host: '::1', port: 19221 },
      ],
      errorLogs: [`${WORK}/log/apache-error.log`, `${WORK}/log/apache-v6-error.log`],
    });
    expect(apache.pid).toBeGreaterThan(1);
  });

  it('reads SetHandler proxy:unix routes from the included file, with ProxyTimeout in force', () => {
    expect(route('<Location /a/missing/>')).toEqual({
      scope: '<Location /a/missing/>',
      target: { kind: 'unix', path: `${WORK}/run/nope.sock` },
      readTimeoutSec: 20,
      connectTimeoutSec: 20,
      sendTimeoutSec: 20,
      // Where a fix would change it: the route's line, and the ProxyTimeout in force.
      passAt: {
        file: `${WORK}/etc/apache-fcgi.conf`,
        line: 3,
        endLine: 3,
        text: `    SetHandler "proxy:unix:${WORK}/run/nope.sock|fcgi://missing"`,
      },
      readTimeoutAt: { file: `${WORK}/etc/apache2.conf`, line: 22, endLine: 22, text: 'ProxyTimeout 20' },
    });
    expect(route('<FilesMatch \\.php$>')!.target).toEqual({ kind: 'unix', path: `${WORK}/run/www.sock` });
  });

  it('reads ProxyPassMatch targets, their timeout= and the <Proxy> ProxySet of the same worker', () => {
    expect(route('ProxyPassMatch ^/a/slow/')).toMatchObject({
      target: { kind: 'unix', path: `${WORK}/run/www.sock` },
      readTimeoutSec: 2,
    });
    expect(route('ProxyPassMatch ^/a/refused/')).toMatchObject({
      target: { kind: 'tcp', host: '127.0.0.1', port: 19299 },
      readTimeoutSec: 20,
    });
    // <Proxy "fcgi://127.0.0.1:19210"> ProxySet timeout=15 connectiontimeout=3 comes after the
    // ProxyPassMatch and still applies: it is the same worker.
    expect(route('ProxyPassMatch ^/a/tcp/')).toMatchObject({
      target: { kind: 'tcp', host: '127.0.0.1', port: 19210 },
      readTimeoutSec: 15,
      connectTimeoutSec: 3,
    });
  });

  it('splices included files in at their Include line', () => {
    const flat = flattenApache({
      includes:
        'Included configuration files:\n  (*) /a.conf\n    (2) /b.conf\n      (1) /c.conf\n    (3) /d.conf',
      files: new Map([
        ['/a.conf', '1\tTimeout 10\n2\tInclude /b.conf\n3\tIncludeOptional /d*.conf\n4\tProxyTimeout 5'],
        ['/b.conf', '1\tInclude /c.conf\n2\tListen 80'],
        ['/c.conf', '1\tListen 81'],
        ['/d.conf', '7\tListen 82'],
      ]),
    });
    expect(flat.map((l) => l.text)).toEqual([
      'Timeout 10',
      'Listen 81',
      'Listen 80',
      'Listen 82',
      'ProxyTimeout 5',
    ]);
  });

  it('skips sections whose IfModule/IfDefine is false and defaults Timeout to 60', () => {
    const c = parseApacheConfig({
      includes: 'Included configuration files:\n  (*) /e/apache2.conf',
      vhosts: 'ServerRoot: "/e"\nMain ErrorLog: "/var/log/apache2/error.log"\nDefine: DUMP_VHOSTS',
      files: new Map([
        [
          '/e/apache2.conf',
          [
            '1\tLoadModule proxy_fcgi_module /usr/lib/apache2/modules/mod_proxy_fcgi.so',
            '2\tListen 80',
            '3\t<IfModule ssl_module>',
            '4\t  Listen 443',
            '5\t</IfModule>',
            '6\t<IfModule mod_proxy_fcgi.c>',
            '7\t  <FilesMatch ".+\\.php$">',
            '8\t    SetHandler "proxy:fcgi://127.0.0.1:9000"',
            '9\t  </FilesMatch>',
            '10\t</IfModule>',
            '11\t<IfDefine !DUMP_VHOSTS>',
            '12\t  Listen 8080',
            '13\t</IfDefine>',
            '14\tErrorLog logs/other.log',
          ].join('\n'),
        ],
      ]),
    });
    expect(c.listens).toEqual([{ host: '0.0.0.0', port: 80 }]);
    expect(c.timeoutSec).toBe(60);
    expect(c.errorLogs).toEqual(['/var/log/apache2/error.log', '/e/logs/other.log']);
    expect(c.routes).toEqual([
      {
        scope: '<FilesMatch .+\\.php$>',
        target: { kind: 'tcp', host: '127.0.0.1', port: 9000 },
        readTimeoutSec: 60,
        connectTimeoutSec: 60,
        sendTimeoutSec: 60,
        passAt: {
          file: '/e/apache2.conf',
          line: 8,
          endLine: 8,
          text: '    SetHandler "proxy:fcgi://127.0.0.1:9000"',
        },
      },
    ]);
  });
});
