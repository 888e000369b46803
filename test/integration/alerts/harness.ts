/**
 * fpm-medic as the alert tests drive it: runService({slack, worker}) with a fresh queue prefix per
 * test, a policy with an alerts section, an inventory whose hosts are all the lab behind one real
 * sshd, and the fake Slack recording what is posted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { readAudit } from '../../../src/audit/index.js';
import { type RunningService, runService } from '../../../src/service/run-service.js';
import type { Lab } from '../../lab/lab.js';
import { freePort } from '../../lab/ports.js';
import type { SshdLab } from '../../lab/sshd.js';
import { waitFor } from '../../lab/wait.js';
import { cleanupAll } from '../../support/cleanup.js';
import type { FakeSlack, SlackCall } from '../../support/fake-slack.js';
import { cleanupPrefix, freshPrefix, keysUnder, REDIS_URL } from '../queue/helpers.js';

export const TOKEN = 'alert-webhook-token-0123456789';
export const PROD = 'C0PROD0001';
export const OPS = 'C0OPS00001';
export const SIGNING_SECRET = 'test-signing-secret-0123456789';

/**
 * Every host is the one lab behind one sshd. Its FPM and nginx are pinned by config path: other
 * labs may be running on the machine (other test files, other people), and discovery would
 * otherwise judge whichever master it finds first.
 */
export function inventoryYaml(sshd: SshdLab, lab: Lab): string {
  const ssh = `{ user: ${sshd.user}, port: ${sshd.port}, privateKeyPath: ${sshd.clientKeyPath}, knownHostsPath: ${sshd.knownHostsPath} }`;
  const pinned = `fpm: { config: ${lab.paths.fpmConf} }, web: { kind: nginx, config: ${lab.webConfigFile}, errorLog: ${lab.logs.webError} }`;
  const host = (name: string, env: string) =>
    `  ${name}: { address: ${sshd.address}, labels: { env: ${env} }, ${pinned} }`;
  return [
    'defaults:',
    `  ssh: ${ssh}`,
    'hosts:',
    host('lab-1', 'prod'),
    host('lab-2', 'prod'),
    host('lab-3', 'prod'),
    host('solo', 'staging'),
    'groups:',
    '  web: [lab-1, lab-2, lab-3]',
    '',
  ].join('\n');
}

export const POLICY = [
  'diagnose: [{ effect: allow }]',
  'alerts:',
  `  defaultChannel: ${OPS}`,
  '  gatherSeconds: 2',
  '  routes:',
  `    - { name: prod, labels: { env: prod }, channel: ${PROD} }`,
  '',
].join('\n');

export const blocksText = (args: Record<string, unknown>) =>
  JSON.stringify(args.blocks ?? '') + String(args.text ?? '');

/** The text of the latest version of the message `ts`: its post, or its last update. */
export function latestText(slack: FakeSlack, ts: string): string | undefined {
  let text: string | undefined;
  for (const c of slack.calls) {
    if (c.method === 'chat.postMessage' && c.result?.ts === ts) text = blocksText(c.args);
    if (c.method === 'chat.update' && c.args.ts === ts) text = blocksText(c.args);
  }
  return text;
}

export function showsIn(
  slack: FakeSlack,
  ts: string,
  match: (text: string) => boolean,
  timeoutMs = 30_000,
): Promise<string> {
  return waitFor(
    `message ${ts} to show what is expected`,
    () => {
      const text = latestText(slack, ts);
      return text !== undefined && match(text) && text;
    },
    { timeoutMs, intervalMs: 50, detail: () => `latest: ${latestText(slack, ts)}` },
  );
}

export class AlertHarness {
  readonly prefix = freshPrefix();
  readonly dir = mkdtempSync(join(tmpdir(), 'fpm-medic-alerts-'));
  service: RunningService | undefined;
  port = 0;
  /** Calls made before this harness started (the fake Slack is shared by a file's tests). */
  private earlier = new Set<Record<string, unknown>>();

  constructor(
    readonly slack: FakeSlack,
    readonly sshd: SshdLab,
    readonly lab: Lab,
  ) {}

  get auditPath(): string {
    return join(this.dir, 'audit.jsonl');
  }

  async start(opts: { token?: string | undefined; policy?: string } = {}): Promise<this> {
    const inventory = join(this.dir, 'inventory.yaml');
    const policy = join(this.dir, 'policy.yaml');
    writeFileSync(inventory, inventoryYaml(this.sshd, this.lab));
    writeFileSync(policy, opts.policy ?? POLICY);
    this.port = await freePort();
    const token = 'token' in opts ? opts.token : TOKEN;
    this.earlier = new Set(this.slack.calls.map((c) => c.args));
    try {
      this.service = await runService(
        { slack: true, worker: true },
        {
          PORT: String(this.port),
          REDIS_URL,
          SLACK_BOT_TOKEN: 'xoxb-test-token',
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: this.slack.url,
          FPM_MEDIC_INVENTORY: inventory,
          FPM_MEDIC_POLICY: policy,
          FPM_MEDIC_QUEUE_PREFIX: this.prefix,
          FPM_MEDIC_AUDIT_LOG: this.auditPath,
          ...(token ? { ALERT_WEBHOOK_TOKEN: token } : {}),
        },
        { alertTuning: { pollMs: 50, debounceMs: 200 } },
      );
    } catch (err) {
      // A service that refused to start leaves nothing behind either.
      rmSync(this.dir, { recursive: true, force: true });
      throw err;
    }
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async post(source: string, body: unknown, token: string | null = TOKEN) {
    const res = await fetch(this.url(`/alerts/${source}`), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Whether a Slack call was made by this harness's service (not an earlier test's). */
  mine = (args: Record<string, unknown>): boolean => !this.earlier.has(args);

  /** This harness's calls of a method. */
  calls(method: string): SlackCall[] {
    return this.slack.callsOf(method).filter((c) => this.mine(c.args));
  }

  /** The alert message posted for `label` in `channel`. */
  root(channel: string, label: string, timeoutMs = 30_000): Promise<SlackCall> {
    return this.slack.waitFor(
      'chat.postMessage',
      (a) =>
        this.mine(a) && a.channel === channel && !a.thread_ts && String(a.text).includes(` on ${label} `),
      timeoutMs,
    );
  }

  /** Alert messages (not thread replies) posted in `channel`. */
  roots(channel: string): SlackCall[] {
    return this.calls('chat.postMessage').filter((c) => c.args.channel === channel && !c.args.thread_ts);
  }

  /** A reply in the thread under `ts` whose text matches. */
  reply(ts: string, match: (text: string) => boolean, timeoutMs = 90_000): Promise<SlackCall> {
    return this.slack.waitFor(
      'chat.postMessage',
      (a) => this.mine(a) && a.thread_ts === ts && match(blocksText(a)),
      timeoutMs,
    );
  }

  /** An update of the alert message whose text matches. */
  updated(ts: string, match: (text: string) => boolean, timeoutMs = 30_000): Promise<SlackCall> {
    return this.slack.waitFor(
      'chat.update',
      (a) => this.mine(a) && a.ts === ts && match(blocksText(a)),
      timeoutMs,
    );
  }

  /** Until the alert message's latest version (its post or last update) matches. */
  shows(ts: string, match: (text: string) => boolean, timeoutMs = 30_000): Promise<string> {
    return showsIn(this.slack, ts, match, timeoutMs);
  }

  repliesUnder(ts: string): SlackCall[] {
    return this.calls('chat.postMessage').filter((c) => c.args.thread_ts === ts);
  }

  async jobCounts(): Promise<Record<string, number>> {
    const queue = new Queue('diagnose', { connection: { url: REDIS_URL }, prefix: this.prefix });
    try {
      return await queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
    } finally {
      await queue.close();
    }
  }

  alertKeys(): Promise<string[]> {
    return keysUnder(REDIS_URL, `${this.prefix}:alerts`);
  }

  audit() {
    return readAudit(this.auditPath);
  }

  async metrics(): Promise<string> {
    return (await fetch(this.url('/metrics'))).text();
  }

  async stop(): Promise<void> {
    await cleanupAll([() => this.service?.stop()]);
    await cleanupAll([
      () => cleanupPrefix(REDIS_URL, this.prefix),
      () => rmSync(this.dir, { recursive: true, force: true }),
    ]);
  }
}
