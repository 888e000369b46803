import { describe, expect, it } from 'vitest';
import { planThreads, triageTarget, triageWindowSec } from '../../../src/alerts/gather-plan.js';
import { INVENTORY } from './helpers.js';

const inc = (host: string, channel = 'C0OPSINC01') => ({ id: `i-${host}`, host, channel });

describe('planThreads: hosts alerting within one gathering window', () => {
  it('one host: one thread', () => {
    expect(planThreads([inc('web-1')], INVENTORY)).toEqual([
      { channel: 'C0OPSINC01', hosts: ['web-1'], incidents: ['i-web-1'] },
    ]);
  });

  it('two or more hosts of a group: one thread for them, the others alone, in inventory order', () => {
    expect(planThreads([inc('db-1'), inc('web-3'), inc('web-1')], INVENTORY)).toEqual([
      { channel: 'C0OPSINC01', hosts: ['web-1', 'web-3'], incidents: ['i-web-1', 'i-web-3'], group: 'web' },
      { channel: 'C0OPSINC01', hosts: ['db-1'], incidents: ['i-db-1'] },
    ]);
  });

  it('the whole group, and a second group at once', () => {
    const plan = planThreads(
      ['web-2', 'edge-b', 'web-1', 'edge-a', 'web-3'].map((h) => inc(h)),
      INVENTORY,
    );
    expect(plan.map((t) => [t.group, t.hosts])).toEqual([
      ['web', ['web-1', 'web-2', 'web-3']],
      ['edge', ['edge-a', 'edge-b']],
    ]);
  });

  it('alerts routed to different channels are never merged', () => {
    const plan = planThreads([inc('web-1', 'C0AAAAAAAA'), inc('web-2', 'C0BBBBBBBB')], INVENTORY);
    expect(plan.map((t) => [t.channel, t.hosts])).toEqual([
      ['C0AAAAAAAA', ['web-1']],
      ['C0BBBBBBBB', ['web-2']],
    ]);
  });

  it('two incidents of one host go to the same thread', () => {
    const plan = planThreads(
      [inc('web-1'), { id: 'again', host: 'web-1', channel: 'C0OPSINC01' }],
      INVENTORY,
    );
    expect(plan).toEqual([{ channel: 'C0OPSINC01', hosts: ['web-1'], incidents: ['i-web-1', 'again'] }]);
  });
});

describe('triageTarget', () => {
  it('a host, a whole group, part of a group', () => {
    expect(triageTarget(['web-1'], undefined, INVENTORY)).toEqual({ target: 'web-1', label: 'web-1' });
    expect(triageTarget(['web-1', 'web-2', 'web-3'], 'web', INVENTORY)).toEqual({
      target: 'web',
      label: 'web',
    });
    expect(triageTarget(['web-1', 'web-3'], 'web', INVENTORY)).toEqual({
      target: 'web-1+web-3',
      label: 'web (web-1, web-3)',
    });
  });
});

describe('triageWindowSec', () => {
  const now = Date.parse('2026-11-20T04:00:00Z');
  it('at least the policy window; back to five minutes before the alert started; at most a day', () => {
    expect(triageWindowSec(undefined, now, 900)).toBe(900);
    expect(triageWindowSec(now - 60_000, now, 900)).toBe(900);
    expect(triageWindowSec(now - 3600_000, now, 900)).toBe(3900);
    expect(triageWindowSec(now - 3600_500, now, 900)).toBe(3960);
    expect(triageWindowSec(now - 7 * 86400_000, now, 900)).toBe(86400);
    expect(triageWindowSec(now + 60_000, now, 900)).toBe(900);
  });
});
