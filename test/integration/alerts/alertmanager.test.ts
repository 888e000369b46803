import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../../lab/lab.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { cleanupAll } from '../../support/cleanup.js';
import { type FakeSlack, startFakeSlack } from '../../support/fake-slack.js';
import { type Alertmanager, startAlertmanager } from './alertmanager-process.js';
import { AlertHarness, blocksText, PROD, TOKEN } from './harness.js';

/**
 * The whole path with a real Prometheus Alertmanager: an alert pushed to its API is grouped and
 * delivered (webhook v4, bearer token) to fpm-medic's /alerts/alertmanager; the alert message
 * lands in the routed channel, the triage of the real lab host (php-fpm really down, diagnosed
 * over SSH) in its thread; resolving the alert in Alertmanager updates that thread.
 */
describe('a real Alertmanager delivering to fpm-medic', () => {
  let slack: FakeSlack;
  let sshd: SshdLab;
  let lab: Lab;
  let harness: AlertHarness;
  let am: Alertmanager | undefined;

  beforeAll(async () => {
    [slack, sshd] = await Promise.all([startFakeSlack(), startSshd()]);
    lab = await startLab({ web: 'nginx' });
  });
  afterEach(async () => {
    await cleanupAll([() => am?.stop(), () => harness?.stop()]);
    am = undefined;
  });
  afterAll(async () => {
    await cleanupAll([() => lab?.stop(), () => sshd?.stop(), () => slack?.close()]);
  });

  it('fires: the triage of the lab host is posted in the thread; resolves: the thread says so', async () => {
    harness = await new AlertHarness(slack, sshd, lab).start();
    am = await startAlertmanager({ webhookUrl: harness.url('/alerts/alertmanager'), token: TOKEN });
    const down = await lab.induce('fpm-down');

    const startsAt = new Date(Date.now() - 30_000).toISOString();
    const alert = {
      labels: {
        alertname: 'PhpFpmDown',
        instance: 'lab-1:9253',
        job: 'php-fpm',
        env: 'prod',
        severity: 'critical',
      },
      annotations: { summary: 'php-fpm on lab-1 is down' },
      startsAt,
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=phpfpm_up+%3D%3D+0',
    };
    await am.push([alert]);

    const root = await harness.root(PROD, 'lab-1');
    const ts = root.result?.ts as string;
    expect(String(root.args.text)).toMatch(
      /^🔥 FIRING PhpFpmDown on lab-1 — php-fpm on lab-1 is down · 1 alert$/,
    );

    // The diagnosis of the real lab, in the thread under the alert message.
    const report = await harness.reply(ts, (t) => t.includes('`fpm-down`'));
    expect(report.args.channel).toBe(PROD);
    expect(blocksText(report.args)).toMatch(/CRITICAL/);

    // Alertmanager's resolution: the same alert again, ended.
    await am.push([{ ...alert, endsAt: new Date(Date.now() - 1_000).toISOString() }]);
    await harness.updated(ts, (t) => t.includes('RESOLVED PhpFpmDown on lab-1'));
    const resolved = await harness.reply(ts, (t) => t.includes('All alerts of this incident are resolved'));
    expect(blocksText(resolved.args)).toContain('RESOLVED');

    // One alert message, one triage; on record as an alert-triggered command and diagnosis.
    expect(harness.roots(PROD)).toHaveLength(1);
    expect(harness.repliesUnder(ts).filter((c) => blocksText(c.args).includes('`fpm-down`'))).toHaveLength(1);
    const audit = await harness.audit();
    const started = audit.filter((r) => r.phase === 'started' && r.who.source === 'alert');
    expect(started.map((r) => r.kind).sort()).toEqual(['command', 'diagnosis']);
    expect(started.find((r) => r.kind === 'command')?.what).toBe('alert PhpFpmDown -> diagnose lab-1');
    const metrics = await harness.metrics();
    expect(metrics).toMatch(/fpm_medic_alerts_received_total\{source="alertmanager",status="firing"\} 1/);
    expect(metrics).toMatch(/fpm_medic_alerts_received_total\{source="alertmanager",status="resolved"\} 1/);
    expect(metrics).toMatch(/fpm_medic_alert_triages_total\{hosts="one"\} 1/);
    await down.end();
  });
});
