import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../../../src/audit/index.js';
import { type RunningService, runService } from '../../../src/service/run-service.js';
import { type Lab, startLab } from '../../lab/lab.js';
import { freePort } from '../../lab/ports.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { waitFor } from '../../lab/wait.js';
import { cleanupAll } from '../../support/cleanup.js';
import { type FakeSlack, startFakeSlack } from '../../support/fake-slack.js';
import { blockActionBody, signedHeaders, slashCommandBody } from '../../support/slack-request.js';
import { freshPrefix, OwnRedis } from '../queue/helpers.js';

const SECRET = 'test-signing-secret-0123456789';

/**
 * The bot as Slack drives it: signed slash-command and button requests to /slack/events of the
 * real Bolt app, a real Redis (the test's own, so it can be stopped), real workers, the real lab
 * over SSH, and a local fake of Slack's Web API recording what the bot posts.
 */
describe('the Slack bot end to end', () => {
  let slack: FakeSlack;
  let redis: OwnRedis;
  let sshd: SshdLab;
  let lab: Lab;
  let service: RunningService;
  let port: number;
  let dir: string;
  const prefix = freshPrefix();

  const post = async (body: string) => {
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: signedHeaders(body, SECRET),
      body,
    });
    return { status: res.status, ms: performance.now() - started, text: await res.text() };
  };
  const command = (text: string, userId = 'U0ALICE001', channelId = 'C0OPS00001') =>
    post(slashCommandBody({ text, userId, channelId }));
  const blocksText = (args: Record<string, unknown>) =>
    JSON.stringify(args.blocks ?? '') + String(args.text ?? '');
  /** The progress message the bot posted for this user, then the update that replaced it. */
  const progressOf = (userId: string) =>
    slack.waitFor('chat.postMessage', (a) => blocksText(a).includes(userId));
  const answerTo = async (userId: string) => {
    const ts = (await progressOf(userId)).result?.ts;
    return slack.waitFor('chat.update', (a) => a.ts === ts, 60_000);
  };
  /** The report id the answer's buttons carry: one per diagnosis run. */
  const reportIdIn = (args: Record<string, unknown>) =>
    /reportId\\":\\"([^\\"]+)/.exec(JSON.stringify(args.blocks))?.[1];

  beforeAll(async () => {
    [slack, redis, sshd] = await Promise.all([startFakeSlack(), OwnRedis.start(), startSshd()]);
    lab = await startLab({ web: 'nginx' });
    dir = mkdtempSync(join(tmpdir(), 'fpm-medic-slack-'));
    const inventory = join(dir, 'inventory.yaml');
    const ssh = `{ user: ${sshd.user}, port: ${sshd.port}, privateKeyPath: ${sshd.clientKeyPath}, knownHostsPath: ${sshd.knownHostsPath} }`;
    // The lab's own master and web server: other labs may run theirs on this machine at the same time.
    const pinned = `fpm: { config: ${lab.paths.fpmConf} }\n    web: { kind: nginx, config: ${lab.webConfigFile}, errorLog: ${lab.logs.webError} }`;
    writeFileSync(
      inventory,
      `hosts:\n  lab-1:\n    address: ${sshd.address}\n    ssh: ${ssh}\n    ${pinned}\n    labels: { env: prod }\n  lab-2:\n    address: ${sshd.address}\n    ssh: ${ssh}\n    ${pinned}\n    labels: { env: staging }\n`,
    );
    const policy = join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      [
        'diagnose:',
        '  - { effect: allow, labels: { env: staging } }',
        '  - { effect: allow, labels: { env: prod }, channels: [C0OPS00001] }',
        '',
      ].join('\n'),
    );
    port = await freePort();
    service = await runService(
      { slack: true, worker: true },
      {
        PORT: String(port),
        REDIS_URL: redis.url,
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.url,
        FPM_MEDIC_INVENTORY: inventory,
        FPM_MEDIC_POLICY: policy,
        FPM_MEDIC_QUEUE_PREFIX: prefix,
        FPM_MEDIC_AUDIT_LOG: join(dir, 'audit.jsonl'),
      },
    );
  });
  afterAll(async () => {
    await cleanupAll([() => service?.stop(), () => lab?.stop(), () => sshd?.stop(), () => slack?.close()]);
    // The test's own Redis is thrown away whole: no key cleanup to race with its shutdown.
    await cleanupAll([() => redis?.destroy(), () => rmSync(dir, { recursive: true, force: true })]);
  });

  it('refuses unsigned requests', async () => {
    const body = slashCommandBody({ text: 'help' });
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { ...signedHeaders(body, 'wrong-secret-0000000000') },
      body,
    });
    expect(res.status).toBe(401);
  });

  it('diagnose: acks at once, says it started, then replaces that with the report', async () => {
    const s = await lab.induce('socket-permission');
    // A request carrying a secret: nginx logs it with the 13 error, so it is in the evidence.
    await lab.get('/health.php?api_key=sk_live_hunter2secret');
    const res = await command('diagnose lab-1');
    expect(res.status).toBe(200);
    expect(blocksText((await progressOf('U0ALICE001')).args)).toContain('Diagnosing');
    const update = await answerTo('U0ALICE001');
    expect(update.args.channel).toBe('C0OPS00001');
    expect(blocksText(update.args)).toMatch(/lab-1/);
    expect(blocksText(update.args)).toMatch(/socket-permission/);
    expect(blocksText(update.args)).not.toContain('hunter2secret');
    await s.end();
  });

  it('two people asking at once get one diagnosis and both get the answer', async () => {
    const [a, b] = await Promise.all([
      command('diagnose lab-2', 'U0HENRY001'),
      command('diagnose lab-2', 'U0IRIS0001'),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const [ua, ub] = await Promise.all([answerTo('U0HENRY001'), answerTo('U0IRIS0001')]);
    // The same report id in both answers: one diagnosis ran, and each asker got it.
    expect(reportIdIn(ua.args)).toBeDefined();
    expect(reportIdIn(ua.args)).toBe(reportIdIn(ub.args));
  });

  it('an unauthorised channel is refused with the policy reason, and nothing is queued', async () => {
    const before = slack.callsOf('chat.postMessage').length;
    await command('diagnose lab-1', 'U0EVE00001', 'C0RANDOM01');
    const refusal = await slack.waitFor('chat.postEphemeral', (a) => a.user === 'U0EVE00001');
    expect(blocksText(refusal.args)).toMatch(/env=prod|not allowed|limited/i);
    expect(slack.callsOf('chat.postMessage').length).toBe(before);
    // On the audit log before the user was answered: the command, and the refusal with its reason.
    const audit = await readAudit(join(dir, 'audit.jsonl'));
    const eve = audit.filter((r) => r.who.userId === 'U0EVE00001');
    expect(eve).toContainEqual(
      expect.objectContaining({
        kind: 'command',
        phase: 'started',
        what: '/fpm diagnose lab-1',
        host: 'lab-1',
      }),
    );
    expect(eve).toContainEqual(
      expect.objectContaining({
        kind: 'refusal',
        phase: 'refused',
        host: 'lab-1',
        who: { userId: 'U0EVE00001', channelId: 'C0RANDOM01', teamId: 'T1', source: 'slack' },
        outcome: expect.stringMatching(/env=prod|not allowed|limited/i),
      }),
    );
    // The first test's diagnosis, recorded by the worker with its verdict and root cause.
    expect(audit).toContainEqual(
      expect.objectContaining({
        kind: 'diagnosis',
        phase: 'completed',
        host: 'lab-1',
        who: expect.objectContaining({ userId: 'U0ALICE001' }),
        outcome: 'critical',
        detail: {
          reports: [
            expect.objectContaining({
              host: 'lab-1',
              rootCauses: expect.arrayContaining(['socket-permission']),
            }),
          ],
        },
      }),
    );
  });

  it('a mistyped host gets the closest names', async () => {
    await command('diagnose lab-l', 'U0CAROL001');
    const reply = await slack.waitFor('chat.postEphemeral', (a) => a.user === 'U0CAROL001');
    expect(blocksText(reply.args)).toContain('lab-1');
  });

  it('the raw evidence button shows the probe output to the clicker only, redacted', async () => {
    const update = slack.callsOf('chat.update').find((u) => blocksText(u.args).includes('fpm-raw-evidence'));
    expect(update).toBeDefined();
    const value = JSON.stringify(update!.args.blocks).match(
      /"action_id":"fpm-raw-evidence","value":"((?:[^"\\]|\\.)*)"/,
    )?.[1];
    expect(value).toBeDefined();
    await post(
      blockActionBody({
        actionId: 'fpm-raw-evidence',
        value: JSON.parse(`"${value}"`),
        userId: 'U0DAVE0001',
      }),
    );
    const shown = await slack.waitFor('chat.postEphemeral', (a) => a.user === 'U0DAVE0001');
    expect(blocksText(shown.args)).toMatch(/runtime|discover-fpm/);
    // The nginx line with the request is there, its secret is not.
    expect(blocksText(shown.args)).toContain('api_key=');
    expect(blocksText(shown.args)).not.toContain('hunter2secret');

    // Who saw which host's output, from which report, is on record, written before it was shown.
    const { reportId } = JSON.parse(JSON.parse(`"${value}"`)) as { reportId: string };
    const views = await waitFor('the view to be closed in the audit log', async () => {
      const r = (await readAudit(join(dir, 'audit.jsonl'))).filter(
        (x) => x.kind === 'view' && x.who.userId === 'U0DAVE0001',
      );
      return r.some((x) => x.phase === 'completed') ? r : undefined;
    });
    expect(views.map((x) => x.phase)).toEqual(['started', 'completed']);
    const [started] = views;
    expect(started).toMatchObject({
      what: 'raw-evidence',
      host: 'lab-1',
      who: { userId: 'U0DAVE0001', channelId: 'C0OPS00001', teamId: 'T1', source: 'slack' },
      detail: { reportId, probes: expect.arrayContaining(['runtime', 'discover-fpm']) },
    });
    expect(Date.parse(started!.time)).toBeLessThanOrEqual(shown.at);
  });

  it('a Slack Connect guest is not let in by an open rule: refused, on record, nothing diagnosed', async () => {
    const before = slack.callsOf('chat.postMessage').length;
    // lab-2 (staging) is open to anyone of the workspace; the guest's own workspace is T0GUEST01.
    await post(slashCommandBody({ text: 'diagnose lab-2', userId: 'U0GUEST001', teamId: 'T0GUEST01' }));
    const told = await slack.waitFor('chat.postEphemeral', (a) => a.user === 'U0GUEST001');
    expect(blocksText(told.args)).toContain('you are signed in from workspace T0GUEST01');
    expect(slack.callsOf('chat.postMessage').length).toBe(before);
    const records = (await readAudit(join(dir, 'audit.jsonl'))).filter((x) => x.who.userId === 'U0GUEST001');
    expect(records.find((x) => x.phase === 'refused')).toMatchObject({
      kind: 'refusal',
      host: 'lab-2',
      who: { teamId: 'T0GUEST01' },
    });
  });

  it('a raw evidence click the policy refuses is audited as a refusal and shows nothing', async () => {
    const update = slack.callsOf('chat.update').find((u) => blocksText(u.args).includes('fpm-raw-evidence'));
    const value = JSON.stringify(update!.args.blocks).match(
      /"action_id":"fpm-raw-evidence","value":"((?:[^"\\]|\\.)*)"/,
    )?.[1];
    // lab-1 is prod: diagnosis (and so its raw output) is limited to #ops (C0OPS00001).
    await post(
      blockActionBody({
        actionId: 'fpm-raw-evidence',
        value: JSON.parse(`"${value}"`),
        userId: 'U0ERIN0001',
        channelId: 'C0RANDOM01',
      }),
    );
    const told = await slack.waitFor('chat.postEphemeral', (a) => a.user === 'U0ERIN0001');
    expect(blocksText(told.args)).not.toMatch(/Raw evidence/);
    const records = (await readAudit(join(dir, 'audit.jsonl'))).filter((x) => x.who.userId === 'U0ERIN0001');
    expect(records).toMatchObject([
      { kind: 'refusal', phase: 'refused', what: 'raw-evidence', host: 'lab-1' },
    ]);
  });

  it('Redis down at command time: the user is told at once; once Redis is back commands work again', async () => {
    await redis.stop();
    try {
      const res = await command('diagnose lab-2', 'U0FRANK001');
      expect(res.status).toBe(200);
      const told = await answerTo('U0FRANK001');
      expect(blocksText(told.args)).toMatch(/job queue \(Redis\) is not answering/);
    } finally {
      await redis.start();
    }
    // The producer reconnects by itself; /readyz says when commands are accepted again.
    await waitFor(
      'the bot to be ready again',
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
      { timeoutMs: 30_000 },
    );
    await command('diagnose lab-2', 'U0GRACE001');
    expect(reportIdIn((await answerTo('U0GRACE001')).args)).toBeDefined();
  });

  it('Slack down when the report is ready: the diagnosis is on the audit log, the give-up counted, and the worker answers the next one', async () => {
    // Every chat.update fails with 500 until the client gives up (about 25 s of back-off).
    slack.httpFailNext('chat.update', { status: 500 }, 100);
    try {
      await command('diagnose lab-2', 'U0JUDY0001');
      const ts = (await progressOf('U0JUDY0001')).result?.ts;
      const counted = /fpm_medic_slack_failures_total\{method="chat\.update",error="http_500"\} [1-9]/;
      await waitFor(
        'the given-up chat.update to be counted',
        async () => counted.test(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()),
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(slack.delivered('chat.update').filter((u) => u.args.ts === ts)).toEqual([]);
      const audit = await readAudit(join(dir, 'audit.jsonl'));
      expect(audit).toContainEqual(
        expect.objectContaining({
          kind: 'diagnosis',
          phase: 'completed',
          host: 'lab-2',
          who: expect.objectContaining({ userId: 'U0JUDY0001' }),
        }),
      );
    } finally {
      slack.httpFailNext('chat.update', { status: 500 }, 0);
    }
    await command('diagnose lab-2', 'U0KATE0001');
    expect(reportIdIn((await answerTo('U0KATE0001')).args)).toBeDefined();
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/fpm_medic_commands_total\{command="diagnose",outcome="queued"\} \d+/);
    expect(metrics).toMatch(/fpm_medic_findings_total/);
  });
});
