import { describe, expect, it } from 'vitest';
import { analyzeTimeoutChain, maxExecutionTime, suggestChain } from '../../../src/analysis/timeout-chain.js';
import type { FpmPoolConfig, HostFacts } from '../../../src/facts/types.js';
import { baseFacts, fpmCapture, nginxWeb, pool, webCapture } from './helpers.js';

function host(pools: FpmPoolConfig[], php = { maxExecutionTimeSec: 30 }, web = nginxWeb()): HostFacts {
  return baseFacts({ fpm: { ...baseFacts().fpm, pools, php }, web });
}

describe('timeout chain on the captured configs', () => {
  it('nginx capture: request_terminate_timeout unset everywhere; the 2s route is the tightest', () => {
    const { value, evidence } = analyzeTimeoutChain(webCapture());
    expect(value).toMatchObject({
      // www has php_admin_value 20, the other pools the captured php.ini's 30.
      maxExecutionTimeSec: 30,
      requestTerminateTimeoutSec: 0,
      webReadTimeoutSec: 2,
      terminateOff: true,
      ok: false,
    });
    expect(value.violations[0]).toBe(
      'pool www: request_terminate_timeout is 0 (off): a request stuck in I/O is never killed by FPM; nginx gives up after 2s (fastcgi_read_timeout at server lab.example location ^~ /short/) and answers 504 while the worker stays busy',
    );
    expect(value.violations).toHaveLength(5);
    expect(evidence.every((e) => e.source === 'config')).toBe(true);
  });

  it('Apache capture: names Apache proxy timeouts, including a ProxyPassMatch timeout=', () => {
    const { value } = analyzeTimeoutChain(webCapture({ server: 'apache' }));
    expect(value.webReadTimeoutSec).toBe(2);
    expect(value.violations[0]).toContain(
      'Apache proxy timeout (ProxyTimeout/timeout=) at ProxyPassMatch ^/a/slow/',
    );
  });

  it('FPM capture: dyn (php_value max_execution_time 1 < request_terminate_timeout 6) is fine', () => {
    const { value } = analyzeTimeoutChain(fpmCapture());
    expect(value.violations.some((v) => v.startsWith('pool dyn:'))).toBe(false);
    expect(value.violations.map((v) => v.slice(0, v.indexOf(':')))).toEqual([
      'pool od',
      'pool tcp',
      'pool crash',
      'pool busy',
      'pool capped',
    ]);
    // No web server in that capture.
    expect(value.webReadTimeoutSec).toBe(-1);
  });
});

describe('timeout chain rules', () => {
  it('a healthy chain (30 < 50 < 60) has no violation and keeps its own values as the suggestion', () => {
    const { value, evidence } = analyzeTimeoutChain(host([pool('www', { requestTerminateTimeoutSec: 50 })]));
    expect(value).toEqual({
      maxExecutionTimeSec: 30,
      requestTerminateTimeoutSec: 50,
      webReadTimeoutSec: 60,
      terminateOff: false,
      ok: true,
      violations: [],
      suggested: { maxExecutionTimeSec: 30, requestTerminateTimeoutSec: 50, webReadTimeoutSec: 60 },
    });
    expect(evidence).toEqual([]);
  });

  it('max_execution_time not below request_terminate_timeout, with where the value comes from', () => {
    const { value } = analyzeTimeoutChain(
      host([pool('www', { requestTerminateTimeoutSec: 30 })], { maxExecutionTimeSec: 60 }),
    );
    expect(value.violations).toEqual([
      'pool www: max_execution_time 60s (php.ini) is not below request_terminate_timeout 30s: FPM kills the worker (502) before PHP can stop the script with a timeout error',
    ]);
    expect(value.suggested).toEqual({
      maxExecutionTimeSec: 25,
      requestTerminateTimeoutSec: 30,
      webReadTimeoutSec: 60,
    });
  });

  it('request_terminate_timeout not below the read timeout names the route', () => {
    const { value } = analyzeTimeoutChain(host([pool('www', { requestTerminateTimeoutSec: 120 })]));
    expect(value.violations).toEqual([
      'pool www: request_terminate_timeout 120s is not below fastcgi_read_timeout 60s at server example location ~ \\.php$: nginx answers 504 at 60s while the worker keeps running up to 120s',
    ]);
    expect(value.suggested).toEqual({
      maxExecutionTimeSec: 30,
      requestTerminateTimeoutSec: 55,
      webReadTimeoutSec: 60,
    });
  });

  it('php_admin_value beats php_value, which beats php.ini', () => {
    const p = pool('www', {
      phpAdminValues: { max_execution_time: '10' },
      phpValues: { max_execution_time: '90' },
    });
    expect(maxExecutionTime(host([p]), p)).toEqual({ sec: 10, from: 'php_admin_value' });
    const q = pool('www', { phpValues: { max_execution_time: '90' } });
    expect(maxExecutionTime(host([q]), q)).toEqual({ sec: 90, from: 'php_value' });
    expect(analyzeTimeoutChain(host([q])).value.violations[0]).toContain(
      'max_execution_time 90s (php_value)',
    );
  });

  it('max_execution_time 0 (unlimited) breaks the chain', () => {
    const { value } = analyzeTimeoutChain(host([pool('www')], { maxExecutionTimeSec: 0 }));
    expect(value.maxExecutionTimeSec).toBe(0);
    expect(value.violations[0]).toContain('max_execution_time is 0 (unlimited, php.ini)');
  });

  it('routes reach a TCP pool through an upstream{} block and a wildcard listen', () => {
    const p = pool('api', {
      listen: { kind: 'tcp', host: '0.0.0.0', port: 9000 },
      requestTerminateTimeoutSec: 90,
    });
    const web = nginxWeb({
      routes: [
        {
          scope: 'location /api/',
          target: {
            kind: 'upstream',
            name: 'php',
            servers: [{ kind: 'tcp', host: '127.0.0.1', port: 9000 }],
          },
          readTimeoutSec: 60,
        },
        // Another host's FPM on the same port is not this pool.
        {
          scope: 'location /legacy/',
          target: { kind: 'tcp', host: '10.0.0.99', port: 9000 },
          readTimeoutSec: 5,
        },
      ],
    });
    const { value } = analyzeTimeoutChain(host([p], { maxExecutionTimeSec: 30 }, web));
    expect(value.webReadTimeoutSec).toBe(60);
    expect(value.violations).toEqual([expect.stringContaining('fastcgi_read_timeout 60s at location /api/')]);
  });

  it('the suggestion always satisfies max_execution_time < request_terminate_timeout < read timeout', () => {
    for (const read of [-1, 1, 2, 3, 5, 19, 20, 30, 60, 300]) {
      for (const t of [0, 1, 2, 10, 55, 600]) {
        for (const m of [-1, 0, 1, 30, 120]) {
          const s = suggestChain({
            maxExecutionTimeSec: m,
            requestTerminateTimeoutSec: t,
            longestReadSec: read,
          });
          expect(s.maxExecutionTimeSec, JSON.stringify({ read, t, m, s })).toBeGreaterThan(0);
          expect(s.maxExecutionTimeSec).toBeLessThan(s.requestTerminateTimeoutSec);
          expect(s.requestTerminateTimeoutSec).toBeLessThan(s.webReadTimeoutSec);
        }
      }
    }
  });

  it('a sub-second read timeout (nginx "1500ms") is rounded up to whole seconds, the sentence keeps it', () => {
    const web = nginxWeb({
      routes: [
        {
          scope: 'location /fast/',
          target: { kind: 'unix', path: '/run/php/www.sock' },
          readTimeoutSec: 1.5,
        },
      ],
    });
    const { value } = analyzeTimeoutChain(
      host([pool('www', { requestTerminateTimeoutSec: 2 })], { maxExecutionTimeSec: 1 }, web),
    );
    expect(value.webReadTimeoutSec).toBe(2);
    expect(Number.isInteger(value.suggested.webReadTimeoutSec)).toBe(true);
    expect(value.violations).toEqual([
      expect.stringContaining('request_terminate_timeout 2s is not below fastcgi_read_timeout 1.5s'),
    ]);
  });

  it('nothing known: unknowns are -1 and there is nothing to violate', () => {
    const { value } = analyzeTimeoutChain(baseFacts({ fpm: { ...baseFacts().fpm, php: {} } }));
    expect(value).toMatchObject({
      maxExecutionTimeSec: -1,
      requestTerminateTimeoutSec: -1,
      webReadTimeoutSec: -1,
      terminateOff: false,
      ok: true,
    });
  });
});
