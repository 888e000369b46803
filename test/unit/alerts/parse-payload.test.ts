import { describe, expect, it, vi } from 'vitest';
import { AlertPayloadError } from '../../../src/alerts/errors.js';
import { labelsFingerprint } from '../../../src/alerts/fingerprint.js';
import { parseAlertPayload, parseJsonBody } from '../../../src/alerts/parse-payload.js';
import { translateZodIssues } from '../../../src/util/zod-issues.js';
import { fixture } from './helpers.js';

// Wraps the shared zod translator (calling through) so a test can see that this file kind uses it.
vi.mock('../../../src/util/zod-issues.js', async (real) => {
  const m = await real<typeof import('../../../src/util/zod-issues.js')>();
  return { ...m, translateZodIssues: vi.fn(m.translateZodIssues) };
});

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AlertPayloadError);
    return [...(err as AlertPayloadError).problems];
  }
  throw new Error('expected the payload to be refused');
}

describe('Alertmanager webhook v4 (captured from prometheus-alertmanager 0.25)', () => {
  it('firing: every alert of the group, with labels, times and fingerprint', () => {
    const alerts = parseAlertPayload('alertmanager', fixture('alertmanager-firing.json'));
    expect(alerts).toHaveLength(2);
    const [a] = alerts;
    expect(a).toMatchObject({
      source: 'alertmanager',
      status: 'firing',
      alertname: 'PhpFpmDown',
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      labels: { instance: '10.0.0.11:9253', env: 'prod', severity: 'critical' },
      annotations: { summary: 'php-fpm on 10.0.0.11 is down' },
      generatorURL: expect.stringContaining('prometheus.example'),
    });
    expect(a!.startsAt).toBeGreaterThan(0);
    // Go's zero time means "not ended".
    expect(a!.endsAt).toBeUndefined();
  });

  it('resolved: same fingerprints, endsAt set', () => {
    const firing = parseAlertPayload('alertmanager', fixture('alertmanager-firing.json'));
    const resolved = parseAlertPayload('alertmanager', fixture('alertmanager-resolved.json'));
    expect(resolved.map((a) => a.status)).toEqual(['resolved', 'resolved']);
    expect(resolved.map((a) => a.fingerprint).sort()).toEqual(firing.map((a) => a.fingerprint).sort());
    expect(resolved[0]!.endsAt).toBeGreaterThan(resolved[0]!.startsAt!);
  });

  it('names every bad field by its path', () => {
    const body = fixture('alertmanager-firing.json') as Record<string, unknown>;
    const alerts = body['alerts'] as Record<string, unknown>[];
    const bad = {
      ...body,
      version: '3',
      alerts: [
        { ...alerts[0], status: 'burning', labels: { instance: 9253 } },
        { ...alerts[1], startsAt: 'yesterday' },
      ],
    };
    expect(problems(() => parseAlertPayload('alertmanager', bad))).toEqual([
      'version: expected "4" (the Alertmanager webhook payload version)',
      'alerts[0].status: expected "firing" or "resolved"',
      'alerts[0].labels.instance: expected a string label value',
      'alerts[1].startsAt: expected an RFC 3339 time such as 2026-11-21T03:41:00Z',
    ]);
  });

  it('refuses what is not a payload at all', () => {
    expect(problems(() => parseAlertPayload('alertmanager', [1, 2]))).toEqual([
      '(body): expected an Alertmanager webhook payload (a JSON object)',
    ]);
    expect(problems(() => parseJsonBody('{"version": "4",'))[0]).toMatch(/^\(body\): not JSON/);
  });

  it('lists at most ten problems', () => {
    const body = fixture('alertmanager-firing.json') as Record<string, unknown>;
    const alerts = Array.from({ length: 30 }, () => ({ status: 'x' }));
    const list = problems(() => parseAlertPayload('alertmanager', { ...body, alerts }));
    expect(list).toHaveLength(11);
    expect(list[10]).toMatch(/^…and \d+ more problems$/);
  });
});

describe('Grafana unified alerting webhook (the documented payload shape)', () => {
  it('reads firing and resolved alerts with their fingerprints', () => {
    const alerts = parseAlertPayload('grafana', fixture('grafana-firing.json'));
    expect(alerts.map((a) => [a.status, a.alertname, a.fingerprint])).toEqual([
      ['firing', 'PhpFpmPoolSaturated', '5e1d6b1f0c9a7d42'],
      ['resolved', 'PhpFpmSlowRequests', '9b8c7d6e5f4a3b2c'],
    ]);
    expect(alerts[0]!.startsAt).toBe(Date.parse('2026-11-20T02:41:00.157Z'));
    expect(alerts[0]!.endsAt).toBeUndefined();
  });

  it('hashes the labels when a sender leaves the fingerprint out', () => {
    const body = fixture('grafana-firing.json') as { alerts: Record<string, unknown>[] };
    const { fingerprint: _, ...alert } = body.alerts[0]!;
    const [a] = parseAlertPayload('grafana', { ...body, alerts: [alert] });
    expect(a!.fingerprint).toBe(labelsFingerprint(alert['labels'] as Record<string, string>));
  });

  it('refuses an alert without labels', () => {
    expect(
      problems(() =>
        parseAlertPayload('grafana', { receiver: 'x', status: 'firing', alerts: [{ status: 'firing' }] }),
      ),
    ).toEqual(['alerts[0].labels: expected a map of label name -> string']);
  });
});

describe('the generic form', () => {
  it('one alert: host, title, summary, severity; firing by default', () => {
    const [a] = parseAlertPayload('generic', {
      host: 'web-1',
      title: 'PhpFpmDown',
      summary: 'php-fpm is down',
      severity: 'critical',
    });
    expect(a).toMatchObject({
      source: 'generic',
      status: 'firing',
      host: 'web-1',
      alertname: 'PhpFpmDown',
      labels: { alertname: 'PhpFpmDown', severity: 'critical' },
      annotations: { summary: 'php-fpm is down' },
    });
  });

  it('the same alert twice has the same fingerprint; another host, another one', () => {
    const one = () => parseAlertPayload('generic', { host: 'web-1', title: 'PhpFpmDown' })[0]!.fingerprint;
    const two = parseAlertPayload('generic', { host: 'web-2', title: 'PhpFpmDown' })[0]!.fingerprint;
    expect(one()).toBe(one());
    expect(two).not.toBe(one());
  });

  it('a batch, labels instead of host, an explicit fingerprint and a resolution', () => {
    const alerts = parseAlertPayload('generic', {
      alerts: [
        { labels: { instance: '10.0.0.11:9253', alertname: 'X' } },
        {
          host: 'web-1',
          title: 'Y',
          status: 'resolved',
          fingerprint: 'my-check-42',
          startsAt: '2026-11-20T03:00:00Z',
        },
      ],
    });
    expect(alerts.map((a) => [a.alertname, a.status, a.fingerprint])).toEqual([
      ['X', 'firing', labelsFingerprint({ instance: '10.0.0.11:9253', alertname: 'X' })],
      ['Y', 'resolved', 'my-check-42'],
    ]);
    expect(alerts[1]!.startsAt).toBe(Date.parse('2026-11-20T03:00:00Z'));
  });

  it('says what is missing or wrong', () => {
    expect(problems(() => parseAlertPayload('generic', { title: 'X' }))).toEqual([
      '(body): expected host, or labels that name the host',
    ]);
    expect(problems(() => parseAlertPayload('generic', { host: 'web-1' }))).toEqual([
      '(body): expected a title (or labels.alertname)',
    ]);
    expect(
      problems(() =>
        parseAlertPayload('generic', {
          alerts: [{ host: 'web-1', title: 'X', status: 'down', fingerprint: 'a b' }],
        }),
      ),
    ).toEqual([
      'alerts[0].status: expected "firing" or "resolved"',
      "alerts[0].fingerprint: expected 1-128 letters, digits, '.', '_', ':' or '-'",
    ]);
    expect(problems(() => parseAlertPayload('generic', { alerts: [] }))).toEqual([
      'alerts: expected at least one alert',
    ]);
  });
});

describe('the shared zod translator', () => {
  it('names the key of each bad field (a body has no file or line), the body itself as (body)', () => {
    vi.mocked(translateZodIssues).mockClear();
    expect(
      problems(() => parseAlertPayload('generic', { alerts: [{ host: 'web-1', status: 'up' }] })),
    ).toEqual(expect.arrayContaining(['alerts[0].status: expected "firing" or "resolved"']));
    expect(problems(() => parseAlertPayload('grafana', 'x'))[0]).toMatch(/^\(body\): /);
    expect(translateZodIssues).toHaveBeenCalled();
  });
});
