import { describe, expect, it } from 'vitest';
import { parseWebDiscovery } from '../../../../src/probes/parsers/discover-web.js';
import {
  parseNginxConfig,
  parseNginxFile,
  parseNginxListen,
  parseNginxTime,
} from '../../../../src/probes/parsers/nginx-config.js';
import { WORK, webFixture } from './fixtures.js';

describe('nginx -T through discover-web.sh (captured)', () => {
  const found = parseWebDiscovery(webFixture('discover-nginx.txt'));
  const nginx = found.servers[0]!;
  const route = (scope: string) => nginx.routes.find((r) => r.scope === `server lab.example ${scope}`);

  it('names the running master and its config', () => {
    expect(found.failures).toEqual([]);
    expect(found.servers).toHaveLength(1);
    expect(nginx).toMatchObject({
      kind: 'nginx',
      binary: '/usr/sbin/nginx',
      configPath: `${WORK}/etc/nginx.conf`,
    });
    expect(nginx.pid).toBeGreaterThan(1);
  });

  it('lists its own listeners: address:port, [::1]:port, bare port, default_server', () => {
    expect(nginx.listens).toEqual([
      { host: '127.0.0.1', port: 19201, defaultServer: true },
      { host: '::1', port: 19202 },
      { host: '0.0.0.0', port: 19203 },
    ]);
  });

  it('finds every error_log with its level', () => {
    expect(nginx.errorLogs).toEqual([`${WORK}/log/nginx-error.log`, `${WORK}/log/nginx-other-error.log`]);
    expect(nginx.errorLogLevels).toEqual({
      [`${WORK}/log/nginx-error.log`]: 'warn',
      [`${WORK}/log/nginx-other-error.log`]: 'info',
    });
  });

  it('resolves fastcgi_pass targets: unix, host:port, upstream blocks with their servers', () => {
    expect(route('location ^~ /missing/')!.target).toEqual({ kind: 'unix', path: `${WORK}/run/nope.sock` });
    expect(route('location ^~ /refused/')!.target).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 19299 });
    expect(route('location ^~ /dead/')!.target).toEqual({
      kind: 'upstream',
      name: 'deadpair',
      servers: [
        { kind: 'tcp', host: '127.0.0.1', port: 19297 },
        { kind: 'tcp', host: '127.0.0.1', port: 19298 },
      ],
    });
    expect(route('location ~ \\.php$')!.target).toEqual({ kind: 'unix', path: `${WORK}/run/www.sock` });
  });

  it('applies timeout inheritance http -> server -> location with units and the 60 s default', () => {
    // http: read 30s; server: connect 5s; send never set -> 60.
    expect(route('location /u/')).toMatchObject({
      readTimeoutSec: 30,
      connectTimeoutSec: 5,
      sendTimeoutSec: 60,
    });
    expect(route('location ^~ /short/')!.readTimeoutSec).toBe(2);
    expect(route('location ^~ /kill/')!.readTimeoutSec).toBe(60);
    expect(route('location ^~ /tcpfull/')!.connectTimeoutSec).toBe(2);
    expect(route('location ^~ /sink/')!.sendTimeoutSec).toBe(1.5);
  });

  it("knows where a fix sets a route's read timeout: its own directive, else beside its fastcgi_pass", () => {
    const short = route('location ^~ /short/')!;
    expect(short.readTimeoutAt).toMatchObject({
      line: expect.any(Number),
      text: expect.stringMatching(/^\s*fastcgi_read_timeout 2; # no unit: seconds$/),
    });
    expect(short.passAt?.text).toMatch(/^\s*fastcgi_pass /);
    expect(short.readTimeoutAt!.file).toBe(short.passAt!.file);
    // Inherited from http: nothing of its own, so a fix adds a line after fastcgi_pass.
    const u = route('location /u/')!;
    expect(u.readTimeoutAt).toBeUndefined();
    expect(u.passAt).toMatchObject({ line: expect.any(Number), endLine: u.passAt!.line });
  });

  it('follows include into a snippet that carries the fastcgi_pass and its timeout', () => {
    expect(route('location ^~ /snip/')).toMatchObject({
      target: { kind: 'unix', path: `${WORK}/run/www.sock` },
      readTimeoutSec: 45,
    });
  });

  it("reads Debian's stock config when no master runs (no PHP location enabled there)", () => {
    const debian = parseWebDiscovery(webFixture('discover-nginx-debian.txt'));
    expect(debian.servers[0]).toMatchObject({
      kind: 'nginx',
      configPath: '/etc/nginx/nginx.conf',
      errorLogs: ['/var/log/nginx/error.log'],
      routes: [],
    });
    expect(debian.servers[0]!.pid).toBeUndefined();
    expect(debian.servers[0]!.listens).toEqual([
      { host: '0.0.0.0', port: 80, defaultServer: true },
      { host: '::', port: 80, defaultServer: true },
    ]);
  });
});

// nginx variables are written ${name}: plain strings here, not template literals.
const UP = '$' + '{up}';

describe('nginx syntax', () => {
  it('tokenizes quotes, escapes, comments and braced variables like nginx', () => {
    const d = parseNginxFile(
      [
        'location ~ "^/a\\"b;{" { # comment { ; }',
        `  fastcgi_param X 'a b' ; fastcgi_pass ${UP}:9000;`,
        '  set $x a\\;b;',
        '}',
      ].join('\n'),
    );
    expect(d).toHaveLength(1);
    expect(d[0]!.args).toEqual(['~', '^/a"b;{']);
    expect(d[0]!.block!.map((x) => [x.name, x.args, x.line])).toEqual([
      ['fastcgi_param', ['X', 'a b'], 2],
      ['fastcgi_pass', [`${UP}:9000`], 2],
      // nginx keeps the backslash of "\;" (only quotes, backslash, t, r, n are unescaped).
      ['set', ['$x', 'a\\;b'], 3],
    ]);
    expect(() => parseNginxFile('http { server {')).toThrow(/expecting/);
  });

  it('reads times and listen forms', () => {
    expect(['60s', '1m', '1500ms', '2', '1m30s', '1h', 'x'].map(parseNginxTime)).toEqual([
      60,
      60,
      1.5,
      2,
      90,
      3600,
      undefined,
    ]);
    expect(parseNginxListen('80')).toEqual({ host: '0.0.0.0', port: 80 });
    expect(parseNginxListen('*:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseNginxListen('[::]:80')).toEqual({ host: '::', port: 80 });
    expect(parseNginxListen('localhost')).toEqual({ host: 'localhost', port: 80 });
    expect(parseNginxListen('unix:/run/x.sock')).toBeUndefined();
  });

  it('expands glob and relative includes in sorted order, nested locations inherit', () => {
    const dump = [
      '# configuration file /etc/nginx/nginx.conf:',
      'http { fastcgi_read_timeout 10; include conf.d/*.conf; }',
      '',
      '# configuration file /etc/nginx/conf.d/b.conf:',
      'server { listen 8081; location / { fastcgi_read_timeout 20s; location ~ \\.php$ { fastcgi_pass php; } } }',
      '',
      '# configuration file /etc/nginx/conf.d/a.conf:',
      'upstream php { server unix:/run/php/a.sock; server 10.0.0.2:9000 weight=2; }',
      'server { listen 8080; fastcgi_pass_header X; location / { fastcgi_pass php; } }',
    ].join('\n');
    const c = parseNginxConfig(dump, { configPath: '/etc/nginx/nginx.conf' });
    // a.conf sorts first although -T printed it second.
    expect(c.listens.map((l) => l.port)).toEqual([8080, 8081]);
    expect(c.routes.map((r) => [r.scope, r.readTimeoutSec])).toEqual([
      ['server :8080 location /', 10],
      ['server :8081 location / location ~ \\.php$', 20],
    ]);
    expect(c.routes[0]!.target).toEqual({
      kind: 'upstream',
      name: 'php',
      servers: [
        { kind: 'unix', path: '/run/php/a.sock' },
        { kind: 'tcp', host: '10.0.0.2', port: 9000 },
      ],
    });
  });
});
