import { describe, expect, it } from 'vitest';
import { finalState } from '../../../src/remediation/execute.js';
import { auditWhere, oneEntryPerHost, requestIdFor } from '../../../src/remediation/request.js';

describe('finalState', () => {
  it('one host: its outcome', () => {
    expect(finalState([{ host: 'a', outcome: 'refused', summary: 'config test failed' }], undefined)).toEqual(
      {
        state: 'refused',
        reason: 'config test failed',
      },
    );
  });
  it('a group: done only when every host is, failed when anything changed and not all went well', () => {
    const r = (outcome: 'done' | 'failed' | 'refused' | 'not-run') => ({
      host: outcome,
      outcome,
      summary: '',
    });
    expect(finalState([r('done'), r('done')], undefined).state).toBe('done');
    expect(finalState([r('done'), r('refused'), r('not-run')], 'refused was refused')).toEqual({
      state: 'failed',
      reason: '1 done, 1 refused, 1 not-run (stopped after refused was refused)',
    });
    expect(finalState([r('refused'), r('not-run')], 'x').state).toBe('refused');
  });
  it('a host with nothing to check is never counted as done', () => {
    const r = (host: string, outcome: 'done' | 'unverified' | 'not-run') => ({
      host,
      outcome,
      summary: outcome,
    });
    expect(finalState([r('a', 'unverified')], undefined)).toEqual({
      state: 'unverified',
      reason: 'unverified',
    });
    expect(finalState([r('a', 'done'), r('b', 'unverified')], undefined)).toEqual({
      state: 'unverified',
      reason: '1 done, 1 not verified (nothing to check)',
    });
    expect(finalState([r('a', 'unverified'), r('b', 'not-run')], 'a could not be verified')).toEqual({
      state: 'failed',
      reason: '1 not verified (nothing to check), 1 not-run (stopped after a could not be verified)',
    });
  });
});

describe('requestIdFor', () => {
  it('is the same for the same action and reports, in any order, and differs otherwise', () => {
    expect(requestIdFor('fpm-reload', ['a', 'b'])).toBe(requestIdFor('fpm-reload', ['b', 'a']));
    expect(requestIdFor('fpm-reload', ['a'])).not.toBe(requestIdFor('fpm-start', ['a']));
    expect(requestIdFor('fpm-reload', ['a'])).toMatch(/^rq-[0-9a-f]{24}$/);
  });
});

describe('oneEntryPerHost', () => {
  it('keeps each host once, with its newest report, in the order the hosts came', () => {
    const hosts = [
      { host: 'web-2', reportId: 'b', reportAt: 10 },
      { host: 'web-1', reportId: 'a-old', reportAt: 5 },
      { host: 'web-1', reportId: 'a-new', reportAt: 20 },
      { host: 'web-2', reportId: 'b', reportAt: 10 },
    ];
    expect(oneEntryPerHost(hosts).map((h) => h.reportId)).toEqual(['b', 'a-new']);
  });
  it('a request naming one host twice is audited as about that host', () => {
    const hosts = [
      { host: 'web-1', reportId: 'a', reportAt: 1 },
      { host: 'web-1', reportId: 'b', reportAt: 2 },
    ];
    expect(auditWhere({ target: 'web', hosts })).toEqual({ host: 'web-1', target: 'web' });
  });
});
