import { describe, expect, it } from 'vitest';
import type { IncidentState, ThreadState } from '../../../src/alerts/alert-state.js';
import { alertEventsMessage, alertThreadMessage } from '../../../src/slack/blocks/alert-thread.js';
import { threadEvents, threadView } from '../../../src/slack/blocks/alert-thread-view.js';

const T0 = Date.parse('2026-11-20T03:40:00Z');

function incident(host: string, over: Partial<IncidentState> = {}): IncidentState {
  return {
    id: `i-${host}`,
    host,
    channel: 'C0OPSINC01',
    count: 1,
    summary: {
      alertname: 'PhpFpmDown',
      source: 'alertmanager',
      summary: `php-fpm down on ${host}`,
      severity: 'critical',
    },
    createdAt: T0,
    firing: 1,
    resolved: 0,
    names: { PhpFpmDown: 1 },
    ...over,
  };
}

function thread(incidents: IncidentState[], over: Partial<ThreadState> = {}): ThreadState {
  return {
    id: 't1',
    channel: 'C0OPSINC01',
    ts: '1.2',
    group: '',
    createdAt: T0,
    ver: 3,
    queued: 'queued',
    allResolved: '',
    target: 'web-1',
    label: 'web-1',
    incidents,
    events: [],
    ...over,
  };
}

const text = (m: { text: string; blocks: unknown[] }) => `${m.text}\n${JSON.stringify(m.blocks)}`;

describe('threadView', () => {
  it('a storm on one host: every notification counted, names most first', () => {
    const view = threadView(
      thread([incident('web-1', { count: 50, names: { PhpFpmDown: 48, NginxBadGateway: 2 }, firing: 2 })]),
      'web-1',
    );
    expect(view).toMatchObject({
      state: 'firing',
      alertname: 'PhpFpmDown',
      alerts: 50,
      names: [
        ['PhpFpmDown', 48],
        ['NginxBadGateway', 2],
      ],
      hosts: [{ host: 'web-1', alerts: 50, firing: 2, resolved: 0 }],
      triage: 'queued',
    });
    const message = text(alertThreadMessage(view));
    expect(message).toContain('🔥 FIRING PhpFpmDown on web-1 — php-fpm down on web-1 · 50 alerts');
    expect(message).toContain('PhpFpmDown ×48, NginxBadGateway ×2');
    expect(message).toContain('triage report in the thread');
  });

  it('a group: the first alert names it, a line per host; resolved when nothing fires', () => {
    const view = threadView(
      thread([
        incident('web-2', { createdAt: T0 + 1000, count: 3, firing: 0, resolved: 1 }),
        incident('web-1', { count: 2, firing: 0, resolved: 1 }),
      ]),
      'web (web-1, web-2)',
    );
    expect(view.state).toBe('resolved');
    expect(view.summary).toBe('php-fpm down on web-1');
    expect(view.alerts).toBe(5);
    const message = text(alertThreadMessage(view));
    expect(message).toContain('✅ RESOLVED PhpFpmDown on web (web-1, web-2)');
    expect(message).toContain('*web-2*: 3 alerts, 0 firing, 1 resolved');
  });

  it('redacts and escapes what the alert says', () => {
    const view = threadView(
      thread([
        incident('web-1', {
          summary: {
            alertname: '<!channel>',
            source: 'generic',
            summary: 'db password=hunter2secret <!here>',
          },
        }),
      ]),
      'web-1',
    );
    const message = text(alertThreadMessage(view));
    expect(message).not.toContain('hunter2secret');
    expect(message).not.toMatch(/<!(channel|here)>/);
  });
});

describe('threadEvents', () => {
  it('resolutions in order; a host line only for several hosts; "all resolved" once', () => {
    const events: ThreadState['events'] = [
      { kind: 'resolved', host: 'web-1', alertname: 'PhpFpmDown' },
      { kind: 'host-resolved', host: 'web-1', alerts: 50 },
    ];
    const one = thread([incident('web-1', { count: 50, firing: 0, resolved: 1, startsAt: T0 - 120_000 })], {
      events,
    });
    const out = threadEvents(one, 'web-1', T0 + 60_000);
    expect(out.allResolved).toBe(true);
    expect(out.events).toEqual([events[0], { kind: 'all-resolved', label: 'web-1', alerts: 50, minutes: 3 }]);
    expect(text(alertEventsMessage(out.events))).toContain('All alerts of this incident are resolved');
    expect(threadEvents({ ...one, allResolved: '123' }, 'web-1', T0).allResolved).toBe(false);

    const two = thread([incident('web-1', { firing: 0 }), incident('web-2')], { events });
    expect(threadEvents(two, 'web', T0)).toEqual({ events, allResolved: false });
  });

  it('a storm of resolutions is one message, its lines capped', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({
      kind: 'resolved' as const,
      host: `web-${i}`,
      alertname: 'X',
    }));
    const message = alertEventsMessage(many);
    expect(message.text).toContain('…and 40 more changes');
  });
});
