import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, runService } from '../../../src/service/run-service.js';
import { freePort } from '../../lab/ports.js';
import { waitFor } from '../../lab/wait.js';
import { cleanupAll } from '../../support/cleanup.js';
import { type FakeSlack, startFakeSlack } from '../../support/fake-slack.js';
import { cleanupPrefix, freshPrefix, REDIS_URL } from '../queue/helpers.js';
import { OPS, PROD, SIGNING_SECRET, showsIn, TOKEN } from './harness.js';

/**
 * Two `serve` processes' worth of alert intake on one Redis (no diagnosis worker: the triages
 * stay queued, which is what is counted). Alerts for one host split between them make one
 * thread and one triage; hosts of a group split between them make one group thread.
 */
describe('several serve processes share the alert state', () => {
  let slack: FakeSlack;
  let dir: string;
  const prefix = freshPrefix();
  const services: RunningService[] = [];
  const ports: number[] = [];

  beforeAll(async () => {
    slack = await startFakeSlack();
    dir = mkdtempSync(join(tmpdir(), 'fpm-medic-serves-'));
    const inventory = join(dir, 'inventory.yaml');
    writeFileSync(
      inventory,
      [
        'defaults:',
        '  ssh: { user: root, privateKeyPath: /nonexistent/key, knownHostsPath: /nonexistent/known_hosts }',
        'hosts:',
        '  web-1: { address: 10.0.0.11, labels: { env: prod } }',
        '  web-2: { address: 10.0.0.12, labels: { env: prod } }',
        '  web-3: { address: 10.0.0.13, labels: { env: prod } }',
        '  db-1: { address: 10.0.0.21 }',
        'groups:',
        '  web: [web-1, web-2, web-3]',
        '',
      ].join('\n'),
    );
    const policy = join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      `alerts:\n  defaultChannel: ${OPS}\n  gatherSeconds: 2\n  routes: [{ labels: { env: prod }, channel: ${PROD} }]\n`,
    );
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      ports.push(port);
      services.push(
        await runService(
          { slack: true, worker: false },
          {
            PORT: String(port),
            REDIS_URL,
            SLACK_BOT_TOKEN: 'xoxb-test-token',
            SLACK_SIGNING_SECRET: SIGNING_SECRET,
            SLACK_API_URL: slack.url,
            FPM_MEDIC_INVENTORY: inventory,
            FPM_MEDIC_POLICY: policy,
            FPM_MEDIC_QUEUE_PREFIX: prefix,
            FPM_MEDIC_AUDIT_LOG: join(dir, 'audit.jsonl'),
            ALERT_WEBHOOK_TOKEN: TOKEN,
          },
          { alertTuning: { pollMs: 50, debounceMs: 200 } },
        ),
      );
    }
  });
  afterAll(async () => {
    await cleanupAll(services.map((s) => () => s.stop()));
    await cleanupAll([
      () => slack?.close(),
      () => cleanupPrefix(REDIS_URL, prefix),
      () => rmSync(dir, { recursive: true, force: true }),
    ]);
  });

  const post = (i: number, body: unknown) =>
    fetch(`http://127.0.0.1:${ports[i % 2]}/alerts/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.status);

  it('40 alerts for one host through two processes: one thread counting 40, one triage queued', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        post(i, { host: '10.0.0.21', title: 'PhpFpmDown', fingerprint: `fp-${i % 4}` }),
      ),
    );
    expect(statuses).toEqual(Array(40).fill(202));
    const root = await slack.waitFor('chat.postMessage', (a) => String(a.text).includes(' on db-1 '));
    const ts = root.result?.ts as string;
    await showsIn(slack, ts, (t) => t.includes('40 alerts') && t.includes('4 firing'));
    expect(
      slack.callsOf('chat.postMessage').filter((c) => String(c.args.text).includes(' on db-1 ')),
    ).toHaveLength(1);
    const queue = new Queue('diagnose', { connection: { url: REDIS_URL }, prefix });
    try {
      const jobs = await waitFor('the triage to be queued', async () => {
        const waiting = await queue.getWaiting();
        return waiting.length > 0 && waiting;
      });
      expect(jobs.map((j) => [j.data.target, j.data.source, j.data.alert?.alerts])).toEqual([
        ['db-1', 'alert', 40],
      ]);
    } finally {
      await queue.close();
    }
  });

  it('hosts of a group through two processes: one group thread', async () => {
    const statuses = await Promise.all(
      ['web-1', 'web-2', 'web-3', 'web-1'].map((host, i) =>
        post(i, { host, title: 'NginxHigh5xx', labels: { env: 'prod' } }),
      ),
    );
    expect(statuses).toEqual([202, 202, 202, 202]);
    const root = await slack.waitFor(
      'chat.postMessage',
      (a) => a.channel === PROD && String(a.text).includes(' on web '),
    );
    expect(String(root.args.text)).toContain('4 alerts');
    expect(
      slack.callsOf('chat.postMessage').filter((c) => c.args.channel === PROD && !c.args.thread_ts),
    ).toHaveLength(1);
  });
});
