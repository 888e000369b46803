import { describe, expect, it } from 'vitest';
import type { FpmPoolConfig } from '../../../src/facts/types.js';
import { connectArg, logProbeArgs, logTargets, statusProbeArgs } from '../../../src/probes/plan.js';

function pool(overrides: Partial<FpmPoolConfig>): FpmPoolConfig {
  return {
    name: 'www',
    masterPid: 1,
    listen: { kind: 'unix', path: '/run/php/www.sock' },
    listenBacklog: -1,
    pm: 'dynamic',
    maxChildren: 5,
    requestTerminateTimeoutSec: 0,
    requestSlowlogTimeoutSec: 0,
    catchWorkersOutput: false,
    phpAdminValues: {},
    phpValues: {},
    ...overrides,
  };
}

describe('second-round planning', () => {
  it('asks only pools with a status path, reaching wildcard TCP binds on loopback', () => {
    const pools = [
      pool({ name: 'a', statusPath: '/status' }),
      pool({ name: 'b', listen: { kind: 'tcp', host: '0.0.0.0', port: 9001 }, statusPath: '/st' }),
      pool({ name: 'c' }),
    ];
    expect(statusProbeArgs(pools, 2)).toEqual([
      '2',
      'a',
      '/run/php/www.sock',
      '/status',
      'b',
      '127.0.0.1:9001',
      '/st',
    ]);
    expect(statusProbeArgs([pool({})], 2)).toEqual([]);
    expect(connectArg({ kind: 'tcp', host: '10.1.2.3', port: 9000 })).toBe('10.1.2.3:9000');
  });

  it('tails each log once, skips syslog/stderr targets, and lets the inventory replace web logs', () => {
    const targets = logTargets({
      globals: [
        { masterPid: 1, configPath: '/e', errorLog: '/var/log/fpm.log', processControlTimeoutSec: 0 },
      ],
      pools: [
        pool({
          name: 'a',
          slowlog: '/var/log/a.slow',
          requestSlowlogTimeoutSec: 2,
          accessLog: '/var/log/a.acc',
        }),
        pool({
          name: 'b',
          slowlog: '/var/log/b.slow',
          requestSlowlogTimeoutSec: 0,
          accessLog: '/dev/stderr',
        }),
      ],
      web: {
        kind: 'nginx',
        listens: [],
        errorLogs: ['/var/log/nginx/error.log', 'syslog:server=x'],
        routes: [],
      },
    });
    expect(targets).toEqual([
      { kind: 'fpm-error', path: '/var/log/fpm.log' },
      { kind: 'fpm-slow', path: '/var/log/a.slow', pool: 'a' },
      { kind: 'fpm-access', path: '/var/log/a.acc', pool: 'a' },
      { kind: 'nginx-error', path: '/var/log/nginx/error.log' },
    ]);
    const overridden = logTargets({ globals: [], pools: [], webErrorLog: '/srv/logs/err.log' });
    expect(logProbeArgs(overridden, 4096)).toEqual(['4096', 'nginx-error', '/srv/logs/err.log']);
  });
});
