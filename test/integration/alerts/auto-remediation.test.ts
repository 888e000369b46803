import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../../lab/lab.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { waitFor } from '../../lab/wait.js';
import { cleanupAll } from '../../support/cleanup.js';
import { type FakeSlack, startFakeSlack } from '../../support/fake-slack.js';
import { AlertHarness, blocksText, OPS, POLICY } from './harness.js';

/** POLICY plus one opt-in: FPM down on a staging host is started without waiting for a person. */
const AUTO_POLICY = `${POLICY}autoRemediation:
  - runbook: fpm-down
    actions: [fpm-start]
    labels: { env: staging }
`;

/**
 * Auto-remediation from an alert, on the real lab: the alert's triage finds FPM down on a host
 * whose environment the policy opted in; the request is posted in the alert's thread, approved by
 * the policy entry (no person), run through the same procedure, audit and cooldown as a click.
 */
describe('alert auto-remediation', () => {
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
    // stop() also stops an FPM master the action started (it is not the lab's child).
    await cleanupAll([() => lab?.stop(), () => sshd?.stop(), () => slack?.close()]);
  });

  it('FPM down on an opted-in staging host: started from the alert thread, verified, audited', async () => {
    const s = await lab.induce('fpm-down', { variant: 'stopped' });
    expect((await lab.get('/health.php')).status).toBe(502);
    harness = await new AlertHarness(slack, sshd, lab).start({ policy: AUTO_POLICY });
    const h = harness;
    expect(
      (await h.post('generic', { host: 'solo', title: 'PhpFpmDown', labels: { env: 'staging' } })).status,
    ).toBe(202);

    const root = await h.root(OPS, 'solo');
    const thread = root.result?.ts as string;
    const report = await h.reply(thread, (t) => t.includes('report-head'));
    expect(blocksText(report.args)).toContain('`fpm-down`');
    const request = await h.reply(thread, (t) => t.includes('asks to *Start PHP-FPM*'));
    expect(blocksText(request.args)).toContain('auto-remediation (policy)');
    const done = await h.updated(
      request.result?.ts as string,
      (t) => /\*(Done|Failed|Not run|Interrupted)\*/.test(t),
      60_000,
    );
    expect(blocksText(done.args)).toMatch(/\*Done\* · approved by auto-remediation \(policy\)/);
    await waitFor('the site to answer again', async () => (await lab.get('/health.php')).status === 200);

    const audit = await h.audit();
    const approval = audit.filter((r) => r.kind === 'approval' && r.what === 'approve fpm-start');
    expect(approval.map((r) => r.phase)).toEqual(['started', 'completed']);
    expect(approval[0]).toMatchObject({ who: { source: 'alert' }, host: 'solo' });
    expect(approval[0]?.detail).toMatchObject({ rule: 'autoRemediation: fpm-down -> fpm-start' });
    const steps = audit.filter((r) => r.kind === 'action' && r.what.startsWith('fpm-start '));
    expect(steps.length).toBeGreaterThanOrEqual(4);
    expect(steps.every((r) => r.who.source === 'alert')).toBe(true);
    await s.end();
  });
});
