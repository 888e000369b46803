/**
 * `npm run bench`: fpm-medic's figures beside their baselines, in one run, on the real lab.
 *   1. diagnose of one host vs `ssh host sh -s < the same probe scripts`   (target ≤ 1.3×), and
 *      what it costs the host in CPU, first and with the discovery kept (target ≤ 400 ms)
 *   2. diagnose of a 20-host group vs parallel-ssh running the same scripts (target ≤ 1.2×)
 *   3. bytes read per diagnosis while the logs grow 1000×                   (flat)
 *   4. the Slack ack with 1,000 jobs queued; 5. an alert storm (bench/alerts.ts)
 *   6. 50 alert threads into one channel at Slack's per-channel rate (bench/slack-storm.ts)
 * The 20 "hosts" are 20 sshd on loopback in front of the same lab machine.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedHost } from '../src/config/types.js';
import { diagnoseHost, diagnoseHosts } from '../src/diagnosis/diagnose.js';
import { loadRunbooks } from '../src/runbooks/index.js';
import { FileDiscoveryCache } from '../src/store/discovery-cache.js';
import { type Lab, startLab } from '../test/lab/lab.js';
import { type SshdLab, startSshd } from '../test/lab/sshd.js';
import { alertRows, benchAlerts } from './alerts.js';
import { baselineStream } from './baseline-stream.js';
import { pairedHostCpu } from './host-cpu.js';
import { benchQueueAck } from './queue-ack.js';
import { benchSlackAck } from './slack-ack.js';
import { benchSlackStorm } from './slack-storm.js';
import { pairedMedians, row } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const GROUP = 20;

function hostOf(
  name: string,
  sshd: SshdLab,
  keyPath = sshd.clientKeyPath,
  knownHosts = sshd.knownHostsPath,
): ResolvedHost {
  return {
    name,
    address: sshd.address,
    local: false,
    ssh: {
      user: sshd.user,
      port: sshd.port,
      privateKeyPath: keyPath,
      knownHostsPath: knownHosts,
      agent: false,
      connectTimeoutMs: 10_000,
      maxChannels: 8,
      jump: null,
    },
    commandTimeoutMs: 30_000,
    labels: {},
    selfAddresses: [],
    fpm: {},
    web: {},
    groups: [],
  } as ResolvedHost;
}

function run(cmd: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.slice(0, 500)}`)),
    );
    child.stdin.end(input);
  });
}

const sshOpts = (s: SshdLab, key: string, knownHosts: string) => [
  '-i',
  key,
  '-p',
  String(s.port),
  '-o',
  `UserKnownHostsFile=${knownHosts}`,
  '-o',
  'StrictHostKeyChecking=yes',
  '-o',
  'BatchMode=yes',
  '-o',
  'LogLevel=ERROR',
];

/** Older history (2 days before the window) prepended to each log, `factor` times its size. */
function growLogs(lab: Lab, totalBytes: number): { file: string; size: number }[] {
  const old = {
    fpm: '[18-Nov-2026 10:00:00] NOTICE: [pool unixpool] child 4242 started\n',
    web: '2026/11/18 10:00:00 [error] 42#42: *1 open() "/x/favicon.ico" failed (2: No such file or directory), client: 127.0.0.1, server: lab.example, request: "GET /favicon.ico HTTP/1.1", host: "lab.example"\n',
  };
  const files = [
    { file: lab.logs.fpm, line: old.fpm },
    { file: lab.logs.webError, line: old.web },
  ];
  return files.map(({ file, line }) => {
    const current = readFileSync(file, 'utf8');
    const filler = line.repeat(Math.max(1, Math.ceil((totalBytes - current.length) / line.length)));
    writeFileSync(file, filler);
    appendFileSync(file, current);
    return { file, size: statSync(file).size };
  });
}

async function main(): Promise<void> {
  const runbooks = await loadRunbooks();
  const sshd = await startSshd();
  const lab = await startLab({ web: 'nginx' });
  const extra: SshdLab[] = [];
  const work = mkdtempSync(join(tmpdir(), 'fpm-medic-bench-'));
  const lines: string[] = [];
  try {
    await lab.induce('healthy');
    const host = hostOf('lab-1', sshd);
    const first = await diagnoseHost(host, runbooks, { windowSec: 900 });
    const stream = baselineStream(first.collected.facts);

    // 1. One host.
    const sshScripts = () =>
      run(
        'ssh',
        [
          ...sshOpts(sshd, sshd.clientKeyPath, sshd.knownHostsPath),
          `${sshd.user}@${sshd.address}`,
          'sh',
          '-s',
        ],
        stream,
      );
    const [medic, ssh] = await pairedMedians(
      RUNS,
      () => diagnoseHost(host, runbooks, { windowSec: 900 }),
      sshScripts,
    );
    lines.push(row('1 host: diagnose vs ssh host sh -s < scripts', medic, ssh, 'ms', 1.3));

    // 1b. What one diagnosis costs the host (bench/host-cpu.ts): CPU of the sshd sessions and all
    // they ran, first with fresh dumps, then with the discovery kept from the diagnosis before.
    const cache = new FileDiscoveryCache(join(work, 'discovery'));
    const readBytes = (d: Awaited<ReturnType<typeof diagnoseHost>>) =>
      d.report.probes.reduce((n, p) => n + p.bytes, 0);
    await diagnoseHost(host, runbooks, { windowSec: 900, discoveryCache: cache });
    const [fresh, kept, floor] = await pairedHostCpu(sshd, RUNS, [
      async () => readBytes(await diagnoseHost(host, runbooks, { windowSec: 900 })),
      async () => readBytes(await diagnoseHost(host, runbooks, { windowSec: 900, discoveryCache: cache })),
      () => sshScripts().then(() => undefined),
    ]);
    lines.push(
      row('host CPU: diagnose vs ssh host sh -s < scripts', fresh!.cpuMs, floor!.cpuMs, 'ms'),
      row('host CPU: 2nd diagnosis (discovery kept) vs 400 ms', kept!.cpuMs, 400, 'ms', 1.0),
      row('bytes read: 2nd diagnosis vs first', kept!.bytes!, fresh!.bytes!, 'B'),
    );

    // 2. A group of 20 sshd on loopback, one client key and one known_hosts for all.
    for (let i = 0; i < GROUP; i++) extra.push(await startSshd());
    const pub = readFileSync(`${sshd.clientKeyPath}.pub`, 'utf8');
    const knownHosts = join(work, 'known_hosts');
    writeFileSync(knownHosts, extra.map((s) => readFileSync(s.knownHostsPath, 'utf8')).join(''));
    for (const s of extra) appendFileSync(join(s.dir, 'authorized_keys'), pub);
    const hosts = extra.map((s, i) => hostOf(`web-${i + 1}`, s, sshd.clientKeyPath, knownHosts));
    const hostsFile = join(work, 'hosts');
    writeFileSync(hostsFile, extra.map((s) => `${s.user}@${s.address}:${s.port}\n`).join(''));
    const [group, pssh] = await pairedMedians(
      RUNS,
      () => diagnoseHosts(hosts, runbooks, { windowSec: 900, concurrency: 32 }),
      () =>
        run(
          'parallel-ssh',
          // parallel-ssh's own -i means "inline output": the key reaches ssh through -x.
          [
            ...['-h', hostsFile, '-p', '32', '-t', '60', '-I', '-x', `-i ${sshd.clientKeyPath}`],
            ...[
              '-O',
              `UserKnownHostsFile=${knownHosts}`,
              '-O',
              'StrictHostKeyChecking=yes',
              '-O',
              'BatchMode=yes',
            ],
            ...['sh', '-s'],
          ],
          stream,
        ),
    );
    lines.push(row(`${GROUP} hosts: diagnose vs parallel-ssh`, group, pssh, 'ms', 1.2));

    // 3. Bytes read while the logs grow 1000× (older history; the window's content is the same).
    const bytesOf = async () =>
      (await diagnoseHost(host, runbooks, { windowSec: 900 })).report.probes.reduce((n, p) => n + p.bytes, 0);
    const base = growLogs(lab, 100 << 10);
    const bytesBase = await bytesOf();
    const big = growLogs(lab, (100 << 10) * 1000);
    const bytesBig = await bytesOf();
    const sizes = (g: { size: number }[]) =>
      `${(g.reduce((n, x) => n + x.size, 0) / (1 << 20)).toFixed(1)} MiB of logs`;
    lines.push(
      row(`bytes read per diagnosis: ${sizes(big)} vs ${sizes(base)}`, bytesBig, bytesBase, 'B', 1.05),
    );
  } finally {
    await Promise.all(extra.map((s) => s.stop()));
    await lab.stop();
    await sshd.stop();
    rmSync(work, { recursive: true, force: true });
  }
  // 4. Slack's slash-command ack with 1,000 jobs waiting: the figure and the queue's share of it.
  const ack = await benchSlackAck();
  const enqueue = await benchQueueAck();
  const pair = (p50: number, p99: number) => `${p50.toFixed(1)} / ${p99.toFixed(1)} ms`.padStart(18);
  lines.push(
    `${`slash-command ack, ${ack.queued} jobs queued (p50 / p99)`.padEnd(50)} ${pair(ack.p50Ms, ack.p99Ms)}   target < 100 ms${ack.p99Ms < 100 ? '  ok' : '  OVER'}`,
    `${'  of which the enqueue (p50 / p99)'.padEnd(50)} ${pair(enqueue.p50Ms, enqueue.p99Ms)}`,
  );
  // 5. An alert storm: 10,000 alerts for 50 hosts -> 50 triages, every alert counted (bench/alerts.ts).
  lines.push(...alertRows(await benchAlerts()));
  // 6. Threads into one channel against a fake that enforces about one message per second.
  const storm = await benchSlackStorm();
  lines.push(
    `${row(`${storm.threads} threads into one channel vs the 1/s floor`, storm.ms, storm.floorMs, 'ms', 1.1)}` +
      `  (${storm.delivered}/${storm.threads} delivered${storm.inOrder ? ', in order' : ', OUT OF ORDER'}, ${storm.limited} 429s)`,
  );
  process.stdout.write(
    `${'figure'.padEnd(50)} ${'fpm-medic'.padStart(12)} ${'baseline'.padStart(12)} ${'ratio'.padStart(8)}\n`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
process.exit(0);
