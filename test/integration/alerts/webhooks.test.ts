import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertConfigError } from '../../../src/alerts/errors.js';
import { type Lab, startLab } from '../../lab/lab.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { cleanupAll } from '../../support/cleanup.js';
import { type FakeSlack, startFakeSlack } from '../../support/fake-slack.js';
import { fixture } from '../../unit/alerts/helpers.js';
import { AlertHarness, blocksText, OPS, PROD, TOKEN } from './harness.js';

/** An Alertmanager v4 notification of one alert, shaped like the captured fixture. */
function amPayload(
  labels: Record<string, string>,
  fingerprint: string,
  status: 'firing' | 'resolved' = 'firing',
) {
  const base = fixture('alertmanager-firing.json') as Record<string, unknown>;
  const [first] = base['alerts'] as Record<string, unknown>[];
  const all = { alertname: 'PhpFpmDown', job: 'php-fpm', env: 'prod', severity: 'critical', ...labels };
  return {
    ...base,
    status,
    groupLabels: { alertname: all.alertname },
    commonLabels: all,
    alerts: [
      {
        ...first,
        status,
        labels: all,
        fingerprint,
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
      },
    ],
  };
}

function grafanaPayload(labels: Record<string, string>, fingerprint: string, status: 'firing' | 'resolved') {
  const base = fixture('grafana-firing.json') as Record<string, unknown>;
  const [first] = base['alerts'] as Record<string, unknown>[];
  return {
    ...base,
    status,
    alerts: [{ ...first, status, labels: { alertname: 'PhpFpmDown', ...labels }, fingerprint }],
  };
}

/**
 * The webhooks end to end, against runService({slack, worker}) with a fresh queue prefix per
 * test: refusals change nothing; unmapped alerts are posted once; storms make one triage; a group
 * alerting together makes one group report; resolutions update the thread.
 */
describe('alert webhooks', () => {
  let slack: FakeSlack;
  let sshd: SshdLab;
  let lab: Lab;
  let harness: AlertHarness | undefined;

  beforeAll(async () => {
    [slack, sshd] = await Promise.all([startFakeSlack(), startSshd()]);
    lab = await startLab({ web: 'nginx' });
  });
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });
  afterAll(async () => {
    await cleanupAll([() => lab?.stop(), () => sshd?.stop(), () => slack?.close()]);
  });

  const start = async (opts?: Parameters<AlertHarness['start']>[0]) => {
    harness = await new AlertHarness(slack, sshd, lab).start(opts);
    return harness;
  };

  it('without ALERT_WEBHOOK_TOKEN the endpoints answer 404 "not configured"; a token without an alerts section stops start-up', async () => {
    const h = await start({ token: undefined, policy: 'diagnose: [{ effect: allow }]\n' });
    for (const source of ['alertmanager', 'grafana', 'generic']) {
      const res = await h.post(source, amPayload({ instance: 'lab-1:9253' }, 'aaaa000000000001'));
      expect(res.status).toBe(404);
      expect(res.body['error']).toMatch(/alerts are not configured/);
    }
    await h.stop();
    harness = undefined;
    await expect(start({ policy: 'diagnose: [{ effect: allow }]\n' })).rejects.toThrow(AlertConfigError);
    await expect(start({ policy: 'diagnose: [{ effect: allow }]\n' })).rejects.toThrow(
      /ALERT_WEBHOOK_TOKEN is set but the policy .* has no alerts section/,
    );
  });

  it('401 without or with a wrong token, 400 for malformed bodies: nothing queued, posted or counted', async () => {
    const h = await start();
    const posted = slack.calls.length;
    const good = amPayload({ instance: 'lab-1:9253' }, 'bbbb000000000001');
    expect((await h.post('alertmanager', good, null)).status).toBe(401);
    expect((await h.post('alertmanager', good, 'wrong-token-0123456789abcdef')).status).toBe(401);
    expect((await h.post('generic', { host: 'lab-1', title: 'X' }, `${TOKEN}x`)).status).toBe(401);

    const notJson = await h.post('alertmanager', '{"version": "4", "alerts": [', TOKEN);
    expect(notJson.status).toBe(400);
    expect((notJson.body['problems'] as string[])[0]).toMatch(/^\(body\): not JSON/);
    const bad = amPayload({ instance: 'lab-1:9253' }, 'bbbb000000000002') as {
      alerts: Record<string, unknown>[];
    };
    bad.alerts[0]!['labels'] = { alertname: 'PhpFpmDown', instance: 9253 };
    const badField = await h.post('alertmanager', bad);
    expect(badField.status).toBe(400);
    expect(badField.body['problems']).toEqual(['alerts[0].labels.instance: expected a string label value']);
    const generic = await h.post('generic', {
      alerts: [{ host: 'lab-1' }, { title: 'X', host: 'lab-1', status: 'gone' }],
    });
    expect(generic.status).toBe(400);
    expect(generic.body['problems']).toEqual([
      'alerts[0]: expected a title (or labels.alertname)',
      'alerts[1].status: expected "firing" or "resolved"',
    ]);
    const grafana = await h.post('grafana', { receiver: 'x', status: 'firing' });
    expect(grafana.status).toBe(400);
    expect(grafana.body['problems']).toEqual(['alerts: expected a list of alerts']);

    // Nothing happened: no job, no alert state, no Slack call, no alert counted.
    expect(Object.values(await h.jobCounts()).every((n) => n === 0)).toBe(true);
    expect(await h.alertKeys()).toEqual([]);
    expect(slack.calls.length).toBe(posted);
    const metrics = await h.metrics();
    expect(metrics).not.toMatch(/fpm_medic_alerts_received_total\{/);
    expect(metrics).toMatch(
      /fpm_medic_alert_requests_total\{source="alertmanager",outcome="unauthorized"\} 2/,
    );
    expect(metrics).toMatch(/fpm_medic_alert_requests_total\{source="alertmanager",outcome="invalid"\} 2/);
  });

  it('an alert that maps to no host is posted once per fingerprint, with its labels', async () => {
    const h = await start();
    const unmapped = amPayload({ instance: '10.9.9.9:9253' }, 'cccc000000000001');
    for (let i = 0; i < 3; i++) {
      const res = await h.post('alertmanager', unmapped);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ accepted: 1, unmapped: 1, created: 0 });
    }
    const first = await slack.waitFor(
      'chat.postMessage',
      (a) =>
        h.mine(a) && String(a.text).startsWith('Unmapped alert') && blocksText(a).includes('10.9.9.9:9253'),
    );
    expect(first.args.channel).toBe(PROD); // routed by its env=prod label
    expect(blocksText(first.args)).toContain('instance=\\"10.9.9.9:9253\\"');
    expect(blocksText(first.args)).toContain('Tried');
    // A second, different unmapped alert: once it is posted, the first is known to be posted only once.
    await h.post('generic', { host: 'nowhere-1', title: 'Marker' });
    await slack.waitFor(
      'chat.postMessage',
      (a) => h.mine(a) && String(a.text).startsWith('Unmapped alert Marker'),
    );
    const posts = h
      .calls('chat.postMessage')
      .filter(
        (c) => String(c.args.text).startsWith('Unmapped alert') && blocksText(c.args).includes('10.9.9.9'),
      );
    expect(posts).toHaveLength(1);
    expect(Object.values(await h.jobCounts()).every((n) => n === 0)).toBe(true);
  });

  it('50 duplicate alerts for one host: one triage, and its thread counts 50', async () => {
    const h = await start();
    const alert = {
      host: 'solo',
      title: 'PhpFpmPoolSaturated',
      summary: 'pool www saturated',
      severity: 'warning',
    };
    const results = [];
    for (let batch = 0; batch < 5; batch++) {
      results.push(...(await Promise.all(Array.from({ length: 10 }, () => h.post('generic', alert)))));
    }
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(202));
    expect(results.reduce((n, r) => n + Number(r.body['created']), 0)).toBe(1);
    expect(results.reduce((n, r) => n + Number(r.body['joined']), 0)).toBe(49);

    const root = await h.root(OPS, 'solo');
    const ts = root.result?.ts as string;
    const report = await h.reply(ts, (t) => t.includes('report-head'));
    expect(blocksText(report.args)).toContain('solo');
    await h.shows(ts, (t) => t.includes('50 alerts') && t.includes('PhpFpmPoolSaturated ×50'));

    expect(h.roots(OPS).filter((c) => String(c.args.text).includes(' on solo '))).toHaveLength(1);
    expect(h.repliesUnder(ts).filter((c) => blocksText(c.args).includes('report-head'))).toHaveLength(1);
    const jobs = await h.jobCounts();
    expect(jobs['completed']! + jobs['failed']!).toBe(1);
    expect(await h.metrics()).toMatch(/fpm_medic_alerts_deduplicated_total\{source="generic"\} 49/);
  });

  it('hosts of a group alerting together: one group report; resolving them updates the thread', async () => {
    const h = await start();
    // Three sources, three hosts of group web, within the gathering window.
    const responses = await Promise.all([
      h.post('alertmanager', amPayload({ instance: 'lab-1:9253' }, 'dddd000000000001')),
      h.post(
        'grafana',
        grafanaPayload({ instance: 'lab-2:9253', env: 'prod' }, 'dddd000000000002', 'firing'),
      ),
      h.post('generic', {
        host: 'lab-3',
        title: 'PhpFpmDown',
        labels: { env: 'prod' },
        fingerprint: 'dddd-3',
      }),
    ]);
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202]);

    const root = await h.root(PROD, 'web');
    const ts = root.result?.ts as string;
    const report = await h.reply(ts, (t) => t.includes('group-head'));
    const text = blocksText(report.args);
    for (const host of ['lab-1', 'lab-2', 'lab-3']) expect(text).toContain(host);
    expect(h.roots(PROD)).toHaveLength(1);
    const jobs = await h.jobCounts();
    expect(jobs['completed']! + jobs['failed']!).toBe(1);
    const audit = await h.audit();
    expect(
      audit.find((r) => r.kind === 'command' && r.phase === 'started' && r.who.source === 'alert'),
    ).toMatchObject({
      what: 'alert PhpFpmDown -> diagnose web',
      target: 'web',
      who: { channelId: PROD, source: 'alert' },
    });

    // lab-1 resolves: its line in the thread; then the others: the incident is resolved.
    await h.post('alertmanager', amPayload({ instance: 'lab-1:9253' }, 'dddd000000000001', 'resolved'));
    await h.reply(
      ts,
      (t) =>
        t.includes('RESOLVED `PhpFpmDown` on *lab-1*') && t.includes('every alert of *lab-1* is resolved'),
    );
    await h.post(
      'grafana',
      grafanaPayload({ instance: 'lab-2:9253', env: 'prod' }, 'dddd000000000002', 'resolved'),
    );
    await h.post('generic', {
      host: 'lab-3',
      title: 'PhpFpmDown',
      labels: { env: 'prod' },
      fingerprint: 'dddd-3',
      status: 'resolved',
    });
    await h.reply(ts, (t) => t.includes('All alerts of this incident are resolved'));
    await h.updated(ts, (t) => t.includes('RESOLVED PhpFpmDown on web'));
  });

  it('a resolved alert for one host: the message turns RESOLVED and the thread says all are resolved', async () => {
    const h = await start();
    await h.post('generic', { host: 'solo', title: 'NginxHigh5xx', fingerprint: 'eeee-1' });
    const root = await h.root(OPS, 'solo');
    const ts = root.result?.ts as string;
    await h.reply(ts, (t) => t.includes('report-head'));
    await h.post('generic', {
      host: 'solo',
      title: 'NginxHigh5xx',
      fingerprint: 'eeee-1',
      status: 'resolved',
    });
    await h.updated(ts, (t) => t.includes('RESOLVED NginxHigh5xx on solo'));
    const line = await h.reply(ts, (t) => t.includes('All alerts of this incident are resolved'));
    expect(blocksText(line.args)).toContain('RESOLVED `NginxHigh5xx` on *solo*');
    // A repeated resolution changes nothing; the same alert firing again is told in the thread.
    await h.post('generic', {
      host: 'solo',
      title: 'NginxHigh5xx',
      fingerprint: 'eeee-1',
      status: 'resolved',
    });
    await h.post('generic', { host: 'solo', title: 'NginxHigh5xx', fingerprint: 'eeee-1' });
    await h.reply(ts, (t) => t.includes('is firing again on *solo*'));
    expect(
      h.repliesUnder(ts).filter((c) => blocksText(c.args).includes('All alerts of this incident')),
    ).toHaveLength(1);
    const jobs = await h.jobCounts();
    expect(jobs['completed']! + jobs['failed']!).toBe(1);
  });

  it('a routed channel the bot cannot post in: the alert and its triage go to the default channel', async () => {
    const h = await start();
    slack.failNext('chat.postMessage', 'not_in_channel');
    await h.post('generic', { host: 'lab-2', title: 'PhpFpmDown', labels: { env: 'prod' } });
    const root = await h.root(OPS, 'lab-2');
    const report = await h.reply(root.result?.ts as string, (t) => t.includes('report-head'));
    expect(report.args.channel).toBe(OPS);
  });

  it('an alert that fires and resolves while it is being gathered: still triaged, and told as resolved', async () => {
    const h = await start();
    const alert = {
      host: 'lab-3',
      title: 'PhpFpmSlowRequests',
      labels: { env: 'prod' },
      fingerprint: 'ffff-1',
    };
    expect((await h.post('generic', alert)).status).toBe(202);
    expect((await h.post('generic', { ...alert, status: 'resolved' })).status).toBe(202);
    const root = await h.root(PROD, 'lab-3');
    expect(String(root.args.text)).toMatch(/^✅ RESOLVED PhpFpmSlowRequests on lab-3/);
    const ts = root.result?.ts as string;
    await h.reply(ts, (t) => t.includes('All alerts of this incident are resolved'));
    await h.reply(ts, (t) => t.includes('report-head'));
  });
});
