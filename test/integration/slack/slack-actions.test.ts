import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AuditRecord, readAudit } from '../../../src/audit/index.js';
import { type RunningService, runService } from '../../../src/service/run-service.js';
import { type Lab, startLab } from '../../lab/lab.js';
import { freePort } from '../../lab/ports.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { waitFor } from '../../lab/wait.js';
import { cleanupAll } from '../../support/cleanup.js';
import { type FakeSlack, type SlackCall, startFakeSlack } from '../../support/fake-slack.js';
import { blockActionBody, signedHeaders, slashCommandBody } from '../../support/slack-request.js';
import { waitForStatus } from '../diagnose/lab-diagnosis-harness.js';
import { cleanupPrefix, freshPrefix, REDIS_URL } from '../queue/helpers.js';

const SECRET = 'test-signing-secret-0123456789';
const here = fileURLToPath(new URL('.', import.meta.url));
const OPS = 'C0OPSINC01';
const SRE = 'S0SREONC01';
const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00001';
const CAROL = 'U0CAROL001';

const POLICY = `diagnose:
  - effect: allow
actions:
  fpm-reload:
    requireSecondPerson: true
    approvalTtlMinutes: 15
    cooldownMinutes: 10
    approve:
      - effect: allow
        userGroups: [${SRE}]
  kill-stuck-workers:
    requireSecondPerson: false
    cooldownMinutes: 0
    approve:
      - effect: allow
        userGroups: [${SRE}]
`;

/**
 * The action buttons through the whole path, on the real lab: a signed click asks, the approval
 * message appears in the report's thread, approvers click, a worker runs the procedure over SSH,
 * and the thread shows the outcome. What is asserted is what the host went through.
 */
describe('Slack actions on the real lab', () => {
  let slack: FakeSlack;
  let sshd: SshdLab;
  let lab: Lab;
  let dir: string;
  let port: number;
  let inventory: string;
  const services: RunningService[] = [];
  const prefixes: string[] = [];
  let env: Record<string, string>;

  const text = (args: Record<string, unknown>) => JSON.stringify(args.blocks ?? '') + String(args.text ?? '');
  const post = async (body: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: signedHeaders(body, SECRET),
      body,
    });
    expect(res.status).toBe(200);
  };
  const click = (actionId: string, value: string, userId: string, messageTs: string) =>
    post(blockActionBody({ actionId, value, userId, channelId: OPS, messageTs }));

  /** Starts serve + worker with a prefix of its own: cooldowns and requests do not leak between tests. */
  async function start(reload?: string): Promise<void> {
    const prefix = freshPrefix();
    prefixes.push(prefix);
    writeFileSync(
      inventory,
      `hosts:\n  lab-1:\n    address: ${sshd.address}\n    ssh: { user: ${sshd.user}, port: ${sshd.port}, privateKeyPath: ${sshd.clientKeyPath}, knownHostsPath: ${sshd.knownHostsPath} }\n    web: { healthUrl: http://127.0.0.1:${lab.ports.http}/health.php }\n` +
        // Other tests' labs may run FPM on this machine too: name this lab's master.
        `    fpm: { config: ${lab.paths.fpmConf}${reload ? `, reload: ${reload}` : ''} }\n`,
    );
    env = { ...env, FPM_MEDIC_QUEUE_PREFIX: prefix };
    services.push(await runService({ slack: true, worker: true }, env));
  }

  /** Diagnoses lab-1 from Slack; returns the report (the progress message, updated). */
  async function diagnose(
    userId: string,
  ): Promise<{ ts: string; blocks: string; buttons: Map<string, string> }> {
    const isNew = unseen();
    const body = slashCommandBody({ text: 'diagnose lab-1 --window 2m', userId, channelId: OPS });
    await post(body);
    const progress = await slack.waitFor(
      'chat.postMessage',
      (a) => isNew(a) && text(a).includes('Diagnosing') && text(a).includes(userId),
    );
    const ts = progress.result?.ts as string;
    const update = await slack.waitFor('chat.update', (a) => a.ts === ts, 60_000);
    const buttons = new Map<string, string>();
    for (const b of (update.args.blocks as {
      type: string;
      elements?: { action_id?: string; value?: string }[];
    }[]) ?? []) {
      for (const e of b.elements ?? [])
        if (e.action_id && e.value && !buttons.has(e.action_id)) buttons.set(e.action_id, e.value);
    }
    return { ts, blocks: text(update.args), buttons };
  }

  /** The approval message posted in `thread` for this action. */
  const approvalIn = (thread: string, label: string) =>
    slack.waitFor(
      'chat.postMessage',
      (a) => a.thread_ts === thread && text(a).includes(`asks to *${label}*`),
    );
  const requestValue = (call: SlackCall) => {
    const blocks = call.args.blocks as { type: string; elements?: { action_id: string; value: string }[] }[];
    return blocks.find((b) => b.type === 'actions')!.elements!.find((e) => e.action_id === 'fpm-approve')!
      .value;
  };
  /** A predicate true only for calls made after this point. */
  const unseen = () => {
    const seen = new Set(slack.calls.map((c) => c.args));
    return (a: Record<string, unknown>) => !seen.has(a);
  };
  const ephemeralFor = (user: string, match: RegExp, isNew: (a: Record<string, unknown>) => boolean) =>
    slack.waitFor('chat.postEphemeral', (a) => isNew(a) && a.user === user && match.test(text(a)), 30_000);
  /** The approval message once the request has ended, whatever the outcome (shown on failure). */
  const finalUpdate = (ts: string) =>
    slack.waitFor(
      'chat.update',
      (a) => a.ts === ts && /\*(Done|Failed|Not run|Interrupted|Expired|Rejected)\*/.test(text(a)),
      60_000,
    );
  const reloadsInLog = () =>
    (readFileSync(lab.logs.fpm, 'utf8').match(/Reloading in progress/g) ?? []).length;
  const audit = (): Promise<AuditRecord[]> => readAudit(env.FPM_MEDIC_AUDIT_LOG!);

  beforeAll(async () => {
    [slack, sshd] = await Promise.all([startFakeSlack(), startSshd()]);
    slack.groups.set(SRE, [ALICE, BOB, CAROL]);
    lab = await startLab({ web: 'nginx' });
    dir = mkdtempSync(join(tmpdir(), 'fpm-medic-actions-'));
    inventory = join(dir, 'inventory.yaml');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, POLICY);
    port = await freePort();
    env = {
      PORT: String(port),
      REDIS_URL,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      FPM_MEDIC_INVENTORY: inventory,
      FPM_MEDIC_POLICY: policy,
      FPM_MEDIC_AUDIT_LOG: join(dir, 'audit.jsonl'),
    };
  });
  afterEach(async () => {
    await cleanupAll(services.splice(0).map((s) => () => s.stop()));
  });
  afterAll(async () => {
    await cleanupAll([() => lab?.stop(), () => sshd?.stop(), () => slack?.close()]);
    await cleanupAll([
      // One prefix's two queues one after the other: the second deletes every key under the prefix.
      ...prefixes.map((p) => async () => {
        await cleanupPrefix(REDIS_URL, p, 'remediate');
        await cleanupPrefix(REDIS_URL, p);
      }),
      () => rmSync(dir, { recursive: true, force: true }),
    ]);
  });

  it('reload: the requester cannot approve, ten concurrent approvals give one verified reload, then the cooldown holds', async () => {
    await start();
    const s = await lab.induce('timeout-chain-misaligned');
    const report = await diagnose(ALICE);
    expect(report.blocks).toContain('`timeout-chain-misaligned`');
    const button = report.buttons.get('fpm-action:fpm-reload');
    expect(button).toBeDefined();

    await click('fpm-action:fpm-reload', button!, ALICE, report.ts);
    const approval = await approvalIn(report.ts, 'Reload PHP-FPM');
    const value = requestValue(approval);
    const approvalTs = approval.result?.ts as string;

    const t0 = unseen();
    await click('fpm-approve', value, ALICE, approvalTs);
    await ephemeralFor(ALICE, /needs a second person: someone other than the requester must approve it/, t0);

    const reloadsBefore = reloadsInLog();
    const workersBefore = lab.workerPids('unixpool');
    const masterBefore = lab.fpmMasterPid;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => click('fpm-approve', value, i % 2 ? BOB : CAROL, approvalTs)),
    );
    const done = await finalUpdate(approvalTs);
    expect(text(done.args)).toMatch(/\*Done\*/);
    expect(text(done.args)).toMatch(/approved by <@U0(BOB00001|CAROL001)>/);
    expect(text(done.args)).toMatch(/config test passed/i);
    expect(text(done.args)).toMatch(/health 200/);
    // One reload, really: FPM logged it once, the master stayed, every worker is new.
    expect(reloadsInLog() - reloadsBefore).toBe(1);
    expect(lab.fpmMasterPid).toBe(masterBefore);
    await waitFor('workers after the reload', () => lab.workerPids('unixpool').length > 0);
    expect(lab.workerPids('unixpool').filter((p) => workersBefore.includes(p))).toEqual([]);
    // Nine clickers were told it was already approved (or ran), with the result once known.
    await waitFor(
      'nine "already" answers',
      () =>
        slack
          .callsOf('chat.postEphemeral')
          .filter((c) => t0(c.args) && /Already (approved|handled)/.test(text(c.args))).length === 9,
    );
    // The outcome is also a reply in the thread, for everyone following it.
    await slack.waitFor(
      'chat.postMessage',
      (a) => a.thread_ts === report.ts && /Reload PHP-FPM on lab-1 — done/.test(String(a.text)),
    );

    // The same button again: the same request, already done.
    const t1 = unseen();
    await click('fpm-action:fpm-reload', button!, CAROL, report.ts);
    await ephemeralFor(CAROL, /Already handled: Reload PHP-FPM on lab-1 — done/, t1);

    // A fresh report, a fresh request: approved, but the cooldown refuses it and nothing reloads.
    const again = await diagnose(ALICE);
    await click('fpm-action:fpm-reload', again.buttons.get('fpm-action:fpm-reload')!, ALICE, again.ts);
    const second = await approvalIn(again.ts, 'Reload PHP-FPM');
    const t2 = unseen();
    await click('fpm-approve', requestValue(second), BOB, second.result?.ts as string);
    await ephemeralFor(BOB, /cooldown: fpm-reload was approved on lab-1/, t2);
    expect(reloadsInLog() - reloadsBefore).toBe(1);

    const records = await audit();
    const steps = records.filter((r) => r.kind === 'action' && r.what.startsWith('fpm-reload '));
    expect(new Set(steps.map((r) => r.what))).toEqual(
      new Set(['fpm-reload precheck', 'fpm-reload config-test', 'fpm-reload reload', 'fpm-reload verify']),
    );
    for (const what of new Set(steps.map((r) => r.what)))
      expect(steps.filter((r) => r.what === what).map((r) => r.phase)).toEqual(['started', 'completed']);
    await s.end();
  });

  it('an approval from a report older than the limit is refused and asks for a fresh diagnosis', async () => {
    await start();
    const report = await diagnose(ALICE);
    const value = JSON.parse(report.buttons.get('fpm-raw-evidence')!) as { reportId: string };
    // Age the stored report by 20 minutes, as if the button were clicked much later.
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL);
    try {
      const key = `${env.FPM_MEDIC_QUEUE_PREFIX}:report:${value.reportId}`;
      const stored = JSON.parse((await redis.get(key))!);
      stored.report.collectedAt = new Date(Date.now() - 20 * 60_000).toISOString();
      stored.report.findings = [
        {
          ...(stored.report.findings[0] ?? {}),
          runbook: 'pool-exhausted',
          actions: ['fpm-reload'],
          rootCause: true,
        },
      ];
      await redis.set(key, JSON.stringify(stored), 'EX', 3600);
    } finally {
      redis.disconnect();
    }
    const t0 = unseen();
    await click(
      'fpm-action:fpm-reload',
      JSON.stringify({
        host: 'lab-1',
        runbook: 'pool-exhausted',
        action: 'fpm-reload',
        reportId: value.reportId,
      }),
      BOB,
      report.ts,
    );
    await ephemeralFor(
      BOB,
      /this report is 20 min old and fpm-reload needs one under 15 min: run \/fpm diagnose lab-1 again/,
      t0,
    );
    expect(slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === report.ts)).toEqual([]);
  });

  it('kill-stuck-workers: one click by an approver kills exactly the workers the report named', async () => {
    await start();
    const s = await lab.induce('slow-external-call');
    // The finding is about requests stuck for a while: wait until FPM reports them running 5 s.
    await waitForStatus(
      { lab } as never,
      (procs) => procs.filter((p) => p.script.endsWith('api.php') && p.requestDurationUs >= 5e6).length >= 2,
    );
    const report = await diagnose(BOB);
    expect(report.blocks).toContain('`slow-external-call`');
    const value = report.buttons.get('fpm-action:kill-stuck-workers');
    expect(value).toBeDefined();
    const all = lab.workerPids();
    await click('fpm-action:kill-stuck-workers', value!, BOB, report.ts);
    const approval = await approvalIn(report.ts, 'Kill stuck workers');
    const done = await finalUpdate(approval.result?.ts as string);
    expect(text(done.args)).toMatch(/\*Done\*/);
    const named = [...text(approval.args).matchAll(/worker (\d+) \(pool/g)].map((m) => Number(m[1]));
    expect(named.length).toBeGreaterThanOrEqual(2);
    expect(text(done.args)).toMatch(new RegExp(`killed ${named.length} of ${named.length}`));
    const alive = new Set(lab.workerPids());
    for (const pid of named) expect(alive.has(pid)).toBe(false);
    // Every worker the report did not name is still there.
    for (const pid of all.filter((p) => !named.includes(p))) expect(alive.has(pid)).toBe(true);
    await s.end();
  });

  it('a worker killed with -9 mid-reload leaves the step "started" in the audit; the job is marked interrupted, not re-run', async () => {
    const s = await lab.induce('timeout-chain-misaligned');
    // A reload command that takes a while, so the worker can be killed in the middle of it.
    const slow = join(dir, 'slow-reload.sh');
    writeFileSync(slow, `#!/bin/sh\nsleep 8\nkill -USR2 ${lab.fpmMasterPid}\n`);
    chmodSync(slow, 0o755);
    await start(`/bin/sh ${slow}`);
    // Only Slack in this process; the worker runs in a child that is killed with -9.
    await services.pop()!.stop();
    services.push(await runService({ slack: true, worker: false }, env));
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'child-worker-service.ts')],
      {
        env: { ...process.env, ...env, FPM_MEDIC_LOG_LEVEL: 'error' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
      });
      const report = await diagnose(ALICE);
      await click('fpm-action:fpm-reload', report.buttons.get('fpm-action:fpm-reload')!, ALICE, report.ts);
      const approval = await approvalIn(report.ts, 'Reload PHP-FPM');
      const reloadsBefore = reloadsInLog();
      const { requestId } = JSON.parse(requestValue(approval)) as { requestId: string };
      const ofThis = (r: AuditRecord) => r.detail?.requestId === requestId;
      await click('fpm-approve', requestValue(approval), BOB, approval.result?.ts as string);
      await waitFor(
        'the reload step to start',
        async () =>
          (await audit()).some((r) => ofThis(r) && r.what === 'fpm-reload reload' && r.phase === 'started'),
        { timeoutMs: 60_000 },
      );
      child.kill('SIGKILL');
      services.push(
        await runService({ slack: false, worker: true }, env, {
          workerTimings: { lockDurationMs: 2_000, stalledIntervalMs: 500 },
        }),
      );
      const interrupted = await slack.waitFor(
        'chat.update',
        (a) => a.ts === approval.result?.ts && /\*Interrupted\*/.test(text(a)),
        90_000,
      );
      expect(text(interrupted.args)).toMatch(/not run again because a change may be half made/);
      const records = await audit();
      const started = records.filter(
        (r) => ofThis(r) && r.what === 'fpm-reload reload' && r.phase === 'started',
      );
      expect(started).toHaveLength(1);
      // Nothing closed that step: the worker died inside it.
      expect(records.some((r) => r.id === started[0]!.id && r.phase !== 'started')).toBe(false);
      expect(
        records.some(
          (r) =>
            ofThis(r) &&
            r.what === 'fpm-reload' &&
            r.phase === 'refused' &&
            /interrupted/.test(r.outcome ?? ''),
        ),
      ).toBe(true);
      // Never run a second time: at most the one reload the killed worker's command may still send.
      expect(reloadsInLog() - reloadsBefore).toBeLessThanOrEqual(1);
      await s.end();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
