/**
 * The alert path under a storm: 10,000 alerts for 50 hosts, as Alertmanager webhook deliveries
 * (20 alerts each, 4 alert names per host, in random order, paced over 8 s, 4 in flight), into the real
 * `fpm-medic serve` (Bolt HTTP, Redis state, alert worker, fake Slack). The diagnosis itself is
 * stubbed (a worker whose processor returns a report at once): this measures the alert path —
 * webhook, dedup, gathering, threads, queueing, answers in threads — not SSH.
 *   tsx bench/alerts.ts            (REDIS_URL, default redis://127.0.0.1:6379)
 * Expected: 50 triages (one per host), every alert counted, the Redis state bounded.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebClient } from '@slack/web-api';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadInventory } from '../src/config/inventory.js';
import type { HostFacts } from '../src/facts/types.js';
import { Metrics } from '../src/http/metrics.js';
import { type DiagnosisWorker, startDiagnosisWorker } from '../src/queue/index.js';
import { multiHostNames } from '../src/queue/keys.js';
import type { HostReport } from '../src/report/host-report.js';
import { answerAskers, type DiagnosisJobDeps, type DiagnosisResult } from '../src/service/diagnosis-jobs.js';
import { runService } from '../src/service/run-service.js';
import type { ReportStore } from '../src/store/report-store.js';
import { logger } from '../src/util/logger.js';
import { freePort } from '../test/lab/ports.js';
import { startFakeSlack } from '../test/support/fake-slack.js';

export interface AlertBenchResult {
  alerts: number;
  hosts: number;
  deliveries: number;
  /** Time to deliver every alert (all acknowledged). */
  sendMs: number;
  ackP50Ms: number;
  ackP99Ms: number;
  /** From the first delivery until every triage was answered in its thread (gathering: 2 s). */
  triagedMs: number;
  triages: number;
  /** Thread replies posted by the (stubbed) diagnosis worker. */
  threadReports: number;
  /** Alerts counted in Redis, over every incident. */
  counted: number;
  /** What the alert messages say once settled, summed. */
  shown: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  heapBeforeMb: number;
  heapAfterMb: number;
  redisKeys: number;
  redisBytes: number;
  pendingWork: number;
}

const TOKEN = 'bench-alert-token-0123456789';
const NAMES = ['PhpFpmDown', 'PhpFpmPoolSaturated', 'NginxHigh5xx', 'PhpFpmSlowRequests'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const mb = (bytes: number) => bytes / (1 << 20);

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stubReport(host: string): HostReport {
  return {
    host,
    verdict: 'healthy',
    durationMs: 1,
    collectedAt: new Date().toISOString(),
    windowMinutes: 15,
    windowSeconds: 900,
    findings: [],
    probes: [],
    failures: [],
  } as unknown as HostReport;
}

export async function benchAlerts(
  opts: { redisUrl?: string; alerts?: number; hosts?: number; perDelivery?: number; spreadMs?: number } = {},
): Promise<AlertBenchResult> {
  const redisUrl = opts.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const total = opts.alerts ?? 10_000;
  const hostCount = opts.hosts ?? 50;
  const perDelivery = opts.perDelivery ?? 20;
  const prefix = `{fpm-medic-bench-${randomBytes(4).toString('hex')}}`;
  const dir = mkdtempSync(join(tmpdir(), 'fpm-medic-alert-bench-'));
  const slack = await startFakeSlack();
  const hosts = Array.from({ length: hostCount }, (_, i) => `web-${String(i + 1).padStart(2, '0')}`);
  const inventoryPath = join(dir, 'inventory.yaml');
  writeFileSync(
    inventoryPath,
    [
      'defaults:',
      '  ssh: { user: root, privateKeyPath: /nonexistent/key, knownHostsPath: /nonexistent/known_hosts }',
      'hosts:',
      ...hosts.map(
        (h, i) => `  ${h}: { address: 10.1.${Math.floor(i / 250)}.${(i % 250) + 1}, labels: { env: prod } }`,
      ),
      '',
    ].join('\n'),
  );
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, 'alerts:\n  defaultChannel: C0BENCH001\n  gatherSeconds: 2\n');
  const port = await freePort();
  const redis = new Redis(redisUrl);
  const before = process.memoryUsage();
  const service = await runService(
    { slack: true, worker: false },
    {
      PORT: String(port),
      REDIS_URL: redisUrl,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: 'bench-signing-secret-0123456789',
      SLACK_API_URL: slack.url,
      FPM_MEDIC_INVENTORY: inventoryPath,
      FPM_MEDIC_POLICY: policy,
      FPM_MEDIC_QUEUE_PREFIX: prefix,
      FPM_MEDIC_AUDIT_LOG: join(dir, 'audit.jsonl'),
      FPM_MEDIC_LOG_LEVEL: 'error',
      ALERT_WEBHOOK_TOKEN: TOKEN,
    },
  );
  // The stubbed diagnosis: a report per host at once, answered in the thread as for real.
  const inventory = await loadInventory(inventoryPath);
  const quiet = logger.child({}, { level: 'error' });
  const deps: DiagnosisJobDeps = {
    inventory,
    runbooks: [],
    store: {} as ReportStore,
    metrics: new Metrics({ defaultMetrics: false }),
    logger: quiet,
    slack: new WebClient('xoxb-bench', { slackApiUrl: slack.url }),
    audit: {} as never,
    approvalsEnabled: false,
  };
  const answered = new Map<string, number>();
  let allAnsweredAt: number | undefined;
  const answer = answerAskers(deps);
  const worker: DiagnosisWorker = startDiagnosisWorker<DiagnosisResult>({
    connection: redisUrl,
    prefix,
    concurrency: 16,
    process: async (job) => ({
      target: job.alert?.label ?? job.target,
      group: false,
      reports: (multiHostNames(job.target) ?? [job.target]).map((h) => ({
        id: randomBytes(8).toString('hex'),
        report: stubReport(h),
        facts: {} as HostFacts,
      })),
    }),
    onDone: async (outcome, replies, job) => {
      answered.set(job.data.target, (answered.get(job.data.target) ?? 0) + 1);
      if (answered.size === hostCount) allAnsweredAt ??= performance.now();
      await answer(outcome, replies);
    },
  });

  try {
    // 4 alerts per host (one per name), each sent total / (hosts × 4) times, shuffled.
    const alerts = Array.from({ length: total }, (_, i) => {
      const host = i % hostCount;
      const name = NAMES[Math.floor(i / hostCount) % NAMES.length]!;
      return { host, name };
    });
    for (let i = alerts.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [alerts[i], alerts[j]] = [alerts[j]!, alerts[i]!];
    }
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const deliveries: string[] = [];
    for (let i = 0; i < alerts.length; i += perDelivery) {
      const batch = alerts.slice(i, i + perDelivery).map(({ host, name }) => {
        const labels = {
          alertname: name,
          instance: `10.1.${Math.floor(host / 250)}.${(host % 250) + 1}:9253`,
          job: 'php-fpm',
          severity: 'critical',
        };
        return {
          status: 'firing',
          labels,
          annotations: { summary: `${name} on ${hosts[host]}` },
          startsAt,
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus.example:9090/graph',
          fingerprint: `${host.toString(16).padStart(4, '0')}${NAMES.indexOf(name).toString(16).padStart(12, '0')}`,
        };
      });
      deliveries.push(
        JSON.stringify({
          receiver: 'fpm-medic',
          status: 'firing',
          alerts: batch,
          groupLabels: {},
          commonLabels: {},
          commonAnnotations: {},
          externalURL: 'http://alertmanager.example:9093',
          version: '4',
          groupKey: '{}:{}',
          truncatedAlerts: 0,
        }),
      );
    }

    // Paced over a few seconds, so the storm goes on after the threads are posted and triaged:
    // late alerts join open incidents and the messages' counts are refreshed (debounced).
    const spreadMs = opts.spreadMs ?? Number(process.env.BENCH_ALERT_SPREAD_MS ?? 8_000);
    const acks: number[] = [];
    const t0 = performance.now();
    let next = 0;
    const sender = async () => {
      while (next < deliveries.length) {
        const index = next++;
        const body = deliveries[index]!;
        const at = t0 + (index * spreadMs) / deliveries.length;
        if (at > performance.now()) await new Promise((r) => setTimeout(r, at - performance.now()));
        const t = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}/alerts/alertmanager`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body,
        });
        await res.arrayBuffer();
        acks.push(performance.now() - t);
        if (res.status !== 202) throw new Error(`bench: webhook answered ${res.status}`);
      }
    };
    await Promise.all(Array.from({ length: Number(process.env.BENCH_ALERT_SENDERS ?? 4) }, sender));
    const sendMs = performance.now() - t0;

    // Every host's triage answered in its thread.
    await until('50 triages', () => (answered.size >= hostCount ? true : undefined), 60_000);
    const triagedMs = (allAnsweredAt ?? performance.now()) - t0;
    const threadReports = slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts).length;

    // Counted in Redis: every incident's count, summed.
    const base = `${prefix}:alerts`;
    const incKeys = (await redis.keys(`${base}:inc:*`)).filter((k) => !/:(names|firing|resolved)$/.test(k));
    let counted = 0;
    for (const k of incKeys) counted += Number(await redis.hget(k, 'count'));

    // Shown: the alert messages, once their debounced updates have settled.
    const shownNow = () => {
      const last = new Map<string, number>();
      for (const c of slack.calls) {
        if (c.method === 'chat.postMessage' && !c.args.thread_ts && c.result?.ts) {
          last.set(String(c.result.ts), Number(/· (\d+) alerts?$/.exec(String(c.args.text))?.[1] ?? 0));
        }
        if (c.method === 'chat.update') {
          last.set(String(c.args.ts), Number(/· (\d+) alerts?$/.exec(String(c.args.text))?.[1] ?? 0));
        }
      }
      return [...last.values()].reduce((n, v) => n + v, 0);
    };
    const shown = await until(
      'the alert messages to show every alert',
      () => {
        const n = shownNow();
        return n === total ? n : undefined;
      },
      30_000,
    ).catch(() => shownNow());
    const pendingWork = await until(
      'the alert work to drain',
      async () => ((await redis.zcard(`${base}:due`)) === 0 ? 0 : undefined),
      30_000,
    ).catch(async () => redis.zcard(`${base}:due`));

    const keys = await redis.keys(`${base}:*`);
    let redisBytes = 0;
    for (const k of keys) redisBytes += Number((await redis.memory('USAGE', k)) ?? 0);
    const after = process.memoryUsage();
    acks.sort((a, b) => a - b);
    return {
      alerts: total,
      hosts: hostCount,
      deliveries: deliveries.length,
      sendMs,
      ackP50Ms: percentile(acks, 50),
      ackP99Ms: percentile(acks, 99),
      triagedMs,
      triages: answered.size,
      threadReports,
      counted,
      shown,
      rssBeforeMb: mb(before.rss),
      rssAfterMb: mb(after.rss),
      heapBeforeMb: mb(before.heapUsed),
      heapAfterMb: mb(after.heapUsed),
      redisKeys: keys.length,
      redisBytes,
      pendingWork,
    };
  } finally {
    await worker.close({ graceMs: 5_000 });
    await service.stop();
    const queue = new Queue('diagnose', { connection: redis, prefix });
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    const left = await redis.keys(`${prefix}:*`);
    if (left.length) await redis.del(...left);
    redis.disconnect();
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The bench's rows: figure, fpm-medic, baseline (what it should be), verdict. */
export function alertRows(r: AlertBenchResult): string[] {
  const row = (name: string, value: string, target: string, ok?: boolean) =>
    `${name.padEnd(50)} ${value.padStart(12)} ${target.padStart(12)}${ok === undefined ? '' : ok ? '    ok' : '    OFF'}`;
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    `alert storm: ${n(r.alerts)} alerts for ${r.hosts} hosts in ${r.deliveries} Alertmanager deliveries (diagnosis stubbed: this measures the alert path, not SSH)`,
    row('  triages (one per host)', n(r.triages), n(r.hosts), r.triages === r.hosts),
    row(
      '  triage reports posted in their threads',
      n(r.threadReports),
      n(r.hosts),
      r.threadReports === r.hosts,
    ),
    row('  alerts counted in Redis (none lost)', n(r.counted), n(r.alerts), r.counted === r.alerts),
    row('  alerts shown on the alert messages', n(r.shown), n(r.alerts), r.shown === r.alerts),
    row(
      '  all delivered (paced) in, target < 60 s',
      `${(r.sendMs / 1000).toFixed(1)} s`,
      '60.0 s',
      r.sendMs < 60_000,
    ),
    row('  webhook ack p50 / p99', `${r.ackP50Ms.toFixed(1)} / ${r.ackP99Ms.toFixed(1)}`, 'ms', undefined),
    row(
      '  all 50 triages answered in their threads after',
      `${(r.triagedMs / 1000).toFixed(1)} s`,
      '',
      undefined,
    ),
    row(
      '  RSS before -> after',
      `${r.rssBeforeMb.toFixed(0)} -> ${r.rssAfterMb.toFixed(0)}`,
      'MiB',
      undefined,
    ),
    row(
      '  heap used before -> after',
      `${r.heapBeforeMb.toFixed(0)} -> ${r.heapAfterMb.toFixed(0)}`,
      'MiB',
      undefined,
    ),
    row(
      '  Redis alert state: keys / bytes',
      `${r.redisKeys} / ${(r.redisBytes / 1024).toFixed(0)} KiB`,
      `≤ ${r.hosts * 7 + 10} keys`,
      r.redisKeys <= r.hosts * 7 + 10,
    ),
    row('  alert work left pending', String(r.pendingWork), '0', r.pendingWork === 0),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await benchAlerts();
  process.stdout.write(`${'figure'.padEnd(50)} ${'fpm-medic'.padStart(12)} ${'expected'.padStart(12)}\n`);
  process.stdout.write(`${alertRows(r).join('\n')}\n`);
  process.exit(0);
}
