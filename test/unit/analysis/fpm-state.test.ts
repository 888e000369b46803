import { describe, expect, it } from 'vitest';
import { analyzeFpm } from '../../../src/analysis/fpm.js';
import { analyzeProbes } from '../../../src/analysis/probes.js';
import { analyzeRestart } from '../../../src/analysis/restart.js';
import { parseFpmStatusSections } from '../../../src/probes/parsers/fpm-status.js';
import { splitSections } from '../../../src/probes/sections.js';
import {
  baseFacts,
  fixture,
  fpmCapture,
  listener,
  master,
  NOW,
  pool,
  WEB,
  webCapture,
  webError,
} from './helpers.js';

describe('fpm: running, age, reloads, missing sockets', () => {
  it('the captured host: one master, every pool socket and port listening', () => {
    const f = webCapture();
    const { value, evidence } = analyzeFpm(f);
    expect(value).toEqual({
      running: true,
      masters: 1,
      pools: 5,
      masterAgeSec: Math.round(f.clock.now - f.fpm.masters[0]!.startedAt),
      reloads: 0,
      socketsMissing: 0,
      portsMissing: 0,
      stoppedCleanly: false,
      stoppedAt: '',
      stopSignal: '',
    });
    expect(evidence[0]!.text).toMatch(/^ps: FPM master 27594 \(php-fpm8\.2, .*\) up \d+s, since 23:10:5\d$/);
  });

  it('a pool whose socket or port nothing listens on is missing', () => {
    const f = webCapture();
    f.fpm.pools.push(
      pool('gone', { masterPid: 27594, listen: { kind: 'unix', path: `${WEB}/run/gone.sock` } }),
      pool('api', { masterPid: 27594, listen: { kind: 'tcp', host: '127.0.0.1', port: 19299 } }),
    );
    const { value, evidence } = analyzeFpm(f);
    expect(value).toMatchObject({ socketsMissing: 1, portsMissing: 1 });
    expect(evidence.map((e) => e.text)).toContain(
      `ss: nothing listens on ${WEB}/run/gone.sock (pool gone socket)`,
    );
  });

  it('when ss could not run, no socket is called missing', () => {
    const f = baseFacts({ fpm: { ...baseFacts().fpm, pools: [pool('www')] } });
    f.failures = [
      {
        probe: 'runtime',
        target: 'ss',
        reason: 'missing-tool',
        detail: 'ss not found',
        fix: 'install iproute2',
      },
    ];
    expect(analyzeFpm(f).value.socketsMissing).toBe(0);
    expect(analyzeFpm(f).evidence.map((e) => e.text)).toContain(
      'no ss listener data: pool sockets were not checked',
    );
  });

  it('FPM stopped: not running, age -1, its configured socket missing', () => {
    const f = baseFacts({
      fpm: { masters: [], globals: [], pools: [pool('www', { masterPid: 0 })], php: {} },
      listeners: [listener('0.0.0.0:22')],
    });
    expect(analyzeFpm(f).value).toMatchObject({
      running: false,
      masters: 0,
      masterAgeSec: -1,
      socketsMissing: 1,
    });
  });

  it('counts the captured reload and the emergency restart; ignores the idle distribution config', () => {
    const { value } = analyzeFpm(fpmCapture());
    expect(value.reloads).toBe(2);
    // discover.txt also tested /etc/php/8.2/fpm/php-fpm.conf, which no running master uses.
    expect(value.pools).toBe(6);
  });
});

describe('restart window', () => {
  it('refused/ENOENT errors right after the captured master started count as after the start', () => {
    // The capture's master started at 23:10:56; its nginx logged 4 refused and 1 ENOENT at 23:10:59.
    const { value } = analyzeRestart(webCapture());
    expect(value).toEqual({ errorsAfterStart: 5, errorsBeforeStart: 0, masterStartedInWindow: true });
  });

  it('a shorter restartWindowSec leaves them out', () => {
    expect(analyzeRestart(webCapture(), { restartWindowSec: 1 }).value.errorsAfterStart).toBe(0);
  });

  it('errors in the stop→start gap just before the start belong to the restart; older ones are before', () => {
    const start = NOW - 300;
    const f = baseFacts({
      fpm: { ...baseFacts().fpm, masters: [master(100, start)], pools: [pool('www')] },
      webErrors: [
        webError('connect-enoent', start - 2, '/run/php/www.sock'),
        webError('connect-refused', start + 1, '/run/php/www.sock'),
        webError('connect-refused', start - 200, '/run/php/www.sock'),
        webError('reset', start, '/run/php/www.sock'),
      ],
    });
    const { value, evidence } = analyzeRestart(f);
    expect(value).toEqual({ errorsAfterStart: 2, errorsBeforeStart: 1, masterStartedInWindow: true });
    expect(evidence[0]!.text).toBe('ps: FPM master 100 (php-fpm8.2) started at 07:55:00');
  });

  it('a master older than the window did not restart in it', () => {
    const f = baseFacts({ webErrors: [webError('connect-refused', NOW - 10, '/run/php/www.sock')] });
    expect(analyzeRestart(f).value).toMatchObject({ masterStartedInWindow: false, errorsAfterStart: 0 });
  });

  it('no master: nothing to compare with', () => {
    const f = baseFacts({ fpm: { masters: [], globals: [], pools: [], php: {} } });
    expect(analyzeRestart(f).value).toEqual({
      errorsAfterStart: 0,
      errorsBeforeStart: 0,
      masterStartedInWindow: false,
    });
  });
});

describe('probes: what could not be read', () => {
  it('the captured "cgi-fcgi missing" status probe is a failure with its fix', () => {
    const { failures } = parseFpmStatusSections(splitSections(fixture('fpm/status-no-cgi-fcgi.txt')));
    const { value, evidence } = analyzeProbes(baseFacts({ failures }));
    expect(value).toEqual({ failed: 1, missing: ['fpm-status:dyn'] });
    expect(evidence[0]!.text).toMatch(
      /^fpm-status: could not read dyn \(missing-tool: .*\); fix: .*libfcgi-bin/,
    );
  });

  it('a probe run that failed outright counts once', () => {
    const f = baseFacts({
      probes: [
        { id: 'kernel', ok: false, ms: 10_000, bytes: 0 },
        { id: 'runtime', ok: true, ms: 40, bytes: 9000 },
      ],
    });
    expect(analyzeProbes(f).value).toEqual({ failed: 1, missing: ['kernel'] });
    expect(analyzeProbes(f).evidence[0]!.text).toBe('probe kernel failed after 10000 ms');
  });

  it('everything read: nothing missing', () => {
    expect(analyzeProbes(webCapture()).value).toEqual({ failed: 0, missing: [] });
  });
});
