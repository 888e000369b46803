import { describe, expect, it } from 'vitest';
import { finalState } from '../../../src/remediation/execute.js';
import { requestIdFor } from '../../../src/remediation/request.js';

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
});

describe('requestIdFor', () => {
  it('is the same for the same action and reports, in any order, and differs otherwise', () => {
    expect(requestIdFor('fpm-reload', ['a', 'b'])).toBe(requestIdFor('fpm-reload', ['b', 'a']));
    expect(requestIdFor('fpm-reload', ['a'])).not.toBe(requestIdFor('fpm-start', ['a']));
    expect(requestIdFor('fpm-reload', ['a'])).toMatch(/^rq-[0-9a-f]{24}$/);
  });
});
