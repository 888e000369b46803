import { describe, expect, it } from 'vitest';
import {
  commandWords,
  isHealthUrl,
  isHostAddress,
  LOCAL_PATH_RE,
  parseSelfAddress,
  REMOTE_PATH_RE,
} from '../../../src/config/values.js';
import { SAFE_ARG } from '../../../src/transport/shell-quote.js';

describe('address', () => {
  it.each(['local', '10.0.0.11', '2001:db8::1', '::1', 'web-1', 'web-1.example.com', 'fe80::1%eth0'])(
    'accepts %s',
    (value) => {
      expect(isHostAddress(value)).toBe(true);
      expect(value).toMatch(SAFE_ARG);
    },
  );

  it.each([
    '10.0.0.300',
    '',
    'web_1',
    '-oProxyCommand=x',
    'a b',
    'web-1;reboot',
    '$(id)',
    'web-.example.com',
    'LOCAL ',
  ])('refuses %j', (value) => {
    expect(isHostAddress(value)).toBe(false);
  });
});

describe('paths', () => {
  it('local paths: absolute or ~/, nothing a shell would interpret', () => {
    expect(LOCAL_PATH_RE.test('~/.ssh/id_ed25519')).toBe(true);
    expect(LOCAL_PATH_RE.test('/etc/fpm-medic/known_hosts')).toBe(true);
    for (const bad of ['.ssh/id', '~user/.ssh/id', '~', '/a b', '/a;b', '/a$b', '/a*', '/', '/a\nb']) {
      expect(LOCAL_PATH_RE.test(bad), bad).toBe(false);
    }
  });

  it('remote paths: absolute only', () => {
    expect(REMOTE_PATH_RE.test('/etc/php/8.2/fpm/php-fpm.conf')).toBe(true);
    expect(REMOTE_PATH_RE.test('~/php-fpm.conf')).toBe(false);
    expect(REMOTE_PATH_RE.test('/var/log/*.log')).toBe(false);
  });
});

describe('selfAddresses', () => {
  it('parses IPs and host:port', () => {
    expect(parseSelfAddress('203.0.113.10')).toEqual({ host: '203.0.113.10' });
    expect(parseSelfAddress('2001:db8::1')).toEqual({ host: '2001:db8::1' });
    expect(parseSelfAddress('203.0.113.10:443')).toEqual({ host: '203.0.113.10', port: 443 });
    expect(parseSelfAddress('[2001:db8::1]:443')).toEqual({ host: '2001:db8::1', port: 443 });
    expect(parseSelfAddress('www.example.com:80')).toEqual({ host: 'www.example.com', port: 80 });
  });

  it.each([
    'www.example.com',
    '1.2.3.4:0',
    '1.2.3.4:65536',
    '[10.0.0.1]:80',
    '2001:db8::1:99999x',
    ':80',
    'a b:80',
  ])('refuses %j', (value) => {
    expect(parseSelfAddress(value)).toBeUndefined();
  });
});

describe('healthUrl', () => {
  it('accepts plain http(s) URLs the transport can pass', () => {
    for (const url of ['http://127.0.0.1/health.php', 'https://site.example.com:8443/ping']) {
      expect(isHealthUrl(url)).toBe(true);
      expect(url).toMatch(SAFE_ARG);
    }
  });

  it('refuses credentials, other schemes and shell characters', () => {
    for (const url of [
      'http://u:p@127.0.0.1/',
      'ftp://x/',
      'http://x/?a=1&b=2',
      'http://x/$(id)',
      'file:///etc/passwd',
    ]) {
      expect(isHealthUrl(url), url).toBe(false);
    }
  });
});

describe('reload command', () => {
  it('splits words and refuses shell syntax', () => {
    expect(commandWords('systemctl  reload php8.2-fpm')).toEqual(['systemctl', 'reload', 'php8.2-fpm']);
    expect(commandWords(['/usr/sbin/service', 'php-fpm', 'reload'])).toEqual([
      '/usr/sbin/service',
      'php-fpm',
      'reload',
    ]);
    for (const bad of ['kill -USR2 $(cat /run/php.pid)', 'a | b', 'a > /tmp/x', "a 'b'", '', 'a\tb']) {
      expect(commandWords(bad), bad).toBeUndefined();
    }
    expect(commandWords(['-rf'])).toBeUndefined();
  });
});
