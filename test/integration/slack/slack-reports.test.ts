import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, runService } from '../../../src/service/run-service.js';
import { type Lab, type StateName, startLab } from '../../lab/lab.js';
import { freePort } from '../../lab/ports.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { waitFor } from '../../lab/wait.js';
import { cleanupAll } from '../../support/cleanup.js';
import { type FakeSlack, startFakeSlack } from '../../support/fake-slack.js';
import { signedHeaders, slashCommandBody } from '../../support/slack-request.js';
import { cleanupPrefix, freshPrefix, REDIS_URL } from '../queue/helpers.js';

const SECRET = 'test-signing-secret-0123456789';
const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * What Slack shows for each lab state, through the whole path: signed command, queue, a worker
 * diagnosing the real lab over SSH, the report replacing the progress message. And a worker
 * killed with -9 in the middle of a diagnosis: another one finishes it and the asker gets it once.
 */
describe('Slack reports for every lab state', () => {
  let slack: FakeSlack;
  let sshd: SshdLab;
  let lab: Lab;
  let serve: RunningService;
  let port: number;
  let dir: string;
  let env: Record<string, string>;
  const prefix = freshPrefix();
  let users = 0;

  const blocksText = (args: Record<string, unknown>) =>
    JSON.stringify(args.blocks ?? '') + String(args.text ?? '');
  const ask = async (text: string) => {
    const userId = `U0ASK${String(++users).padStart(5, '0')}`;
    const body = slashCommandBody({ text, userId, channelId: 'C0OPS00001' });
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: signedHeaders(body, SECRET),
      body,
    });
    expect(res.status).toBe(200);
    const progress = await slack.waitFor('chat.postMessage', (a) => blocksText(a).includes(userId));
    return progress.result?.ts as string;
  };
  /** A command whose answer is ephemeral (no progress message). */
  const send = async (text: string, userId: string) => {
    const body = slashCommandBody({ text, userId, channelId: 'C0OPS00001' });
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: signedHeaders(body, SECRET),
      body,
    });
    expect(res.status).toBe(200);
  };
  const answer = (ts: string, timeoutMs = 60_000) =>
    slack.waitFor('chat.update', (a) => a.ts === ts, timeoutMs);

  beforeAll(async () => {
    [slack, sshd] = await Promise.all([startFakeSlack(), startSshd()]);
    lab = await startLab({ web: 'nginx' });
    dir = mkdtempSync(join(tmpdir(), 'fpm-medic-slack-'));
    const inventory = join(dir, 'inventory.yaml');
    writeFileSync(
      inventory,
      `hosts:\n  lab-1:\n    address: ${sshd.address}\n    ssh: { user: ${sshd.user}, port: ${sshd.port}, privateKeyPath: ${sshd.clientKeyPath}, knownHostsPath: ${sshd.knownHostsPath} }\ngroups:\n  web: [lab-1]\n`,
    );
    port = await freePort();
    env = {
      PORT: String(port),
      REDIS_URL,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      FPM_MEDIC_INVENTORY: inventory,
      FPM_MEDIC_QUEUE_PREFIX: prefix,
      FPM_MEDIC_AUDIT_LOG: join(dir, 'audit.jsonl'),
    };
    serve = await runService({ slack: true, worker: true }, env);
  });
  afterAll(async () => {
    await cleanupAll([() => serve?.stop(), () => lab?.stop(), () => sshd?.stop(), () => slack?.close()]);
    await cleanupAll([
      () => cleanupPrefix(REDIS_URL, prefix),
      () => rmSync(dir, { recursive: true, force: true }),
    ]);
  });

  // Expected root cause per state, as `fpm-medic diagnose` names it (test/integration/diagnose).
  // The OOM state comes last: its kernel line outlives the lab's log truncation between states.
  const cases: [StateName, string, Record<string, unknown>?][] = [
    ['pool-exhausted', 'slow-requests'],
    ['self-request-deadlock', 'self-request-deadlock'],
    ['request-timeout-kill', 'timeout-chain-misaligned'],
    ['worker-crashed', 'worker-crashed'],
    ['fpm-down', 'fpm-down'],
    ['socket-permission', 'socket-permission'],
    ['listen-backlog-overflow', 'slow-requests'],
    ['restart-window', 'restart-window'],
    ['timeout-chain-misaligned', 'timeout-chain-misaligned'],
    ['max-children-oversized', 'max-children-oversized'],
    // Two slow requests in a window are below the runbook's noise threshold; three are a finding.
    ['slow-requests', 'slow-requests', { requests: 3 }],
    ['worker-oom-killed', 'max-children-oversized'],
  ];

  it('healthy: the report says so', async () => {
    const since = Date.now();
    await lab.induce('healthy');
    const window = Math.ceil((Date.now() - since) / 1000) + 1;
    const update = await answer(await ask(`diagnose lab-1 --window ${window}s`));
    expect(blocksText(update.args)).toMatch(/HEALTHY|healthy/);
  });

  for (const [state, root, options] of cases) {
    it(`${state}: the report names ${root} as the root cause`, async () => {
      const since = Date.now();
      const s = await lab.induce(state, options as never);
      // Only this state's events: the window starts when it was induced.
      const window = Math.ceil((Date.now() - since) / 1000) + 1;
      const update = await answer(await ask(`diagnose lab-1 --window ${window}s`));
      const text = blocksText(update.args);
      expect(text).toContain(`\`${root}\``);
      expect(text).toMatch(/CRITICAL|WARNING/);
      await s.end();
    });
  }

  it('a group gets one message with a line per host; status, hosts and history answer too', async () => {
    const since = Date.now();
    const st = await lab.induce('socket-permission');
    const window = Math.ceil((Date.now() - since) / 1000) + 1;
    const group = blocksText((await answer(await ask(`diagnose web --window ${window}s`))).args);
    expect(group).toContain('lab-1');
    expect(group).toMatch(/critical/i);

    const status = blocksText((await answer(await ask('status lab-1'))).args);
    expect(status).toMatch(/unixpool/);

    await send('hosts', 'U0HOSTS001');
    const hosts = await slack.waitFor('chat.postEphemeral', (a) => a.user === 'U0HOSTS001');
    expect(blocksText(hosts.args)).toContain('lab-1');
    expect(blocksText(hosts.args)).toContain('web');

    await send('history lab-1', 'U0HIST0001');
    const history = await slack.waitFor('chat.postEphemeral', (a) => a.user === 'U0HIST0001');
    expect(blocksText(history.args)).toMatch(/socket-permission/);
    await st.end();
  });

  it('a worker killed with -9 mid-diagnosis: another finishes the job and the asker gets one report', async () => {
    // Hand the work to a worker in another process: this process only serves Slack now.
    await serve.stop();
    serve = await runService({ slack: true, worker: false }, env);
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'child-worker-service.ts')],
      {
        env: { ...process.env, ...env, FPM_MEDIC_LOG_LEVEL: 'error' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let second: RunningService | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
      });
      // A diagnosis that takes a while: the saturated pool's status page times out after 2 s.
      const s = await lab.induce('pool-exhausted');
      const ts = await ask('diagnose lab-1 --window 10m');
      const queue = new Queue('diagnose', { connection: { url: REDIS_URL }, prefix });
      try {
        await waitFor('the diagnosis to be running', async () => (await queue.getActiveCount()) > 0, {
          timeoutMs: 20_000,
        });
      } finally {
        await queue.close();
      }
      child.kill('SIGKILL');
      second = await runService({ slack: false, worker: true }, env, {
        workerTimings: { lockDurationMs: 2_000, stalledIntervalMs: 500 },
      });
      const update = await answer(ts, 90_000);
      expect(blocksText(update.args)).toContain('`pool-exhausted`');
      expect(slack.callsOf('chat.update').filter((c) => c.args.ts === ts)).toHaveLength(1);
      await s.end();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await second?.stop();
    }
  });
});
