import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../../src/analysis/analyze.js';
import type { FpmStatusProcess, HostFacts } from '../../../src/facts/types.js';
import { buildHostReport } from '../../../src/report/host-report.js';
import { namedWorkers, type StuckWorker } from '../../../src/report/named-workers.js';
import type { Finding, Runbook } from '../../../src/runbooks/index.js';
import { evaluateRunbooks } from '../../../src/runbooks/index.js';
import { compileRunbooks } from '../../../src/runbooks/loader.js';
import { workerPidsAt } from '../../../src/runbooks/signal-spec.js';
import {
  accepted,
  baseFacts,
  conn,
  listener,
  NOW,
  nginxWeb,
  pool,
  WEB,
  webCapture,
  worker,
} from '../analysis/helpers.js';
import { loadProblems, minimalFrontMatter, runbookText, shippedRunbooks } from '../runbooks/helpers.js';

let shipped: Runbook[] = [];
beforeAll(async () => {
  shipped = await shippedRunbooks();
});

/** The workers a shipped runbook names on these facts: its `workers:` signal, resolved. */
function stuckWorkers(facts: HostFacts, runbook: string): StuckWorker[] {
  const path = shipped.find((r) => r.id === runbook)?.workers;
  return path ? namedWorkers(facts, workerPidsAt(analyze(facts).signals, path)) : [];
}

describe('stuck workers in the captured snapshot (web capture: nginx + php-fpm8.2)', () => {
  it('self-request-deadlock: the worker calling its own nginx, with the socket it accepted its request on', () => {
    const f = webCapture();
    const proc = f.processes.find((p) => p.pid === 27615)!;
    expect(stuckWorkers(f, 'self-request-deadlock')).toEqual([
      {
        pid: 27615,
        startedAt: Math.round(proc.startedAt),
        pool: 'www',
        masterPid: 27594,
        // ss: u_str ESTAB 8 0 .../run/www.sock 111950 * 112054 users:(("php-fpm8.2",pid=27615,fd=5))
        conn: 'unix:111950',
        durationSec: 2,
      },
    ]);
  });

  it('slow-external-call: the worker waiting on the endpoint that never answers', () => {
    expect(stuckWorkers(webCapture(), 'slow-external-call')).toMatchObject([
      { pid: 27614, pool: 'www', masterPid: 27594, conn: 'unix:110972' },
    ]);
    expect(webCapture().fpm.pools[0]!.listen).toEqual({ kind: 'unix', path: `${WEB}/run/www.sock` });
  });

  it('none once the requests finished', () => {
    const after = webCapture({ runtime: 'runtime-after.txt' });
    expect(stuckWorkers(after, 'self-request-deadlock')).toEqual([]);
    expect(stuckWorkers(after, 'slow-external-call')).toEqual([]);
  });

  it('a worker whose request cannot be named (no accepted connection) is left out, not guessed', () => {
    const f = webCapture();
    f.connections = f.connections.filter((c) => !(c.pid === 27614 && c.kind === 'unix'));
    expect(stuckWorkers(f, 'slow-external-call')).toEqual([]);
  });

  it('never a worker of a master the diagnosis leaves out (fpm.config pins another one)', () => {
    const f = webCapture();
    f.fpm.masters = [{ ...f.fpm.masters[0]!, pid: 1 }];
    expect(stuckWorkers(f, 'self-request-deadlock')).toEqual([]);
    expect(stuckWorkers(f, 'slow-external-call')).toEqual([]);
  });

  it('runbooks that do not offer kill-stuck-workers name nobody', () => {
    expect(stuckWorkers(webCapture(), 'fpm-down')).toEqual([]);
    expect(stuckWorkers(webCapture(), 'worker-oom-killed')).toEqual([]);
  });
});

function statusProcess(pid: number, state: string, durationSec: number): FpmStatusProcess {
  return {
    pid,
    state,
    startTime: NOW - 600,
    requests: 10,
    requestDurationUs: durationSec * 1e6,
    requestMethod: 'GET',
    requestUri: '/report.php',
    contentLength: 0,
    user: '-',
    script: '/srv/www/report.php',
    lastRequestCpu: 0,
    lastRequestMemory: 0,
  };
}

/** Pool www on /run/php/www.sock behind nginx (read timeout 60 s): 401 at 75 s, 402 at 10 s, 403 idle. */
function busyHost(readTimeoutSec = 60, withStatus = true): HostFacts {
  const web = nginxWeb();
  web.routes[0]!.readTimeoutSec = readTimeoutSec;
  const f = baseFacts({
    fpm: { ...baseFacts().fpm, pools: [pool('www', { maxChildren: 3 })] },
    web,
    processes: [worker(401, 'www'), worker(402, 'www'), worker(403, 'www')],
    listeners: [listener('/run/php/www.sock', { pids: [100, 401, 402, 403], recvQ: 5 })],
    connections: [accepted(401, '/run/php/www.sock'), accepted(402, '/run/php/www.sock')],
  });
  if (withStatus) {
    f.status = [
      {
        pool: 'www',
        ok: true,
        ms: 4,
        status: {
          pool: 'www',
          processManager: 'dynamic',
          startTime: NOW - 600,
          startSince: 600,
          acceptedConn: 100,
          listenQueue: 0,
          maxListenQueue: 0,
          listenQueueLen: 0,
          idleProcesses: 1,
          activeProcesses: 2,
          totalProcesses: 3,
          maxActiveProcesses: 3,
          maxChildrenReached: 1,
          slowRequests: 0,
          processes: [
            statusProcess(401, 'Running', 75),
            statusProcess(402, 'Running', 10),
            statusProcess(403, 'Idle', 0),
          ],
        },
      },
    ];
  }
  return f;
}

describe('stuck by duration: requests the web server has already given up on', () => {
  for (const runbook of ['pool-exhausted', 'listen-backlog-overflow', 'slow-requests']) {
    it(`${runbook}: busy workers whose request has run at least the read timeout`, () => {
      expect(stuckWorkers(busyHost(), runbook)).toEqual([
        {
          pid: 401,
          startedAt: NOW - 600,
          pool: 'www',
          masterPid: 100,
          conn: 'unix:4010',
          request: 'GET /report.php',
          durationSec: 75,
        },
      ]);
    });
  }

  it('a shorter read timeout names the shorter request too', () => {
    expect(stuckWorkers(busyHost(5), 'pool-exhausted').map((w) => w.pid)).toEqual([401, 402]);
  });

  it('60 s when no web server config says', () => {
    const f = busyHost();
    delete f.web;
    expect(stuckWorkers(f, 'pool-exhausted').map((w) => w.pid)).toEqual([401]);
    const status = f.status[0]!;
    if (status.ok) status.status.processes[0]!.requestDurationUs = 59e6;
    expect(stuckWorkers(f, 'pool-exhausted')).toEqual([]);
  });

  it('without the status page nobody: a process age is not a request duration', () => {
    expect(stuckWorkers(busyHost(60, false), 'pool-exhausted')).toEqual([]);
  });

  it('a TCP pool names the request by its two ends', () => {
    const f = busyHost(5);
    f.fpm.pools = [pool('www', { listen: { kind: 'tcp', host: '127.0.0.1', port: 9000 } })];
    f.web!.routes[0]!.target = { kind: 'tcp', host: '127.0.0.1', port: 9000 };
    f.listeners = [listener('127.0.0.1:9000', { pids: [100, 401, 402, 403] })];
    f.connections = [
      conn(401, '127.0.0.1:9000', '127.0.0.1:40001'),
      conn(402, '127.0.0.1:9000', '127.0.0.1:40002'),
    ];
    expect(stuckWorkers(f, 'pool-exhausted').map((w) => w.conn)).toEqual([
      'tcp:127.0.0.1:9000,127.0.0.1:40001',
      'tcp:127.0.0.1:9000,127.0.0.1:40002',
    ]);
  });
});

describe('the report carries them', () => {
  const finding = (runbook: string, actions: Finding['actions']): Finding => ({
    runbook,
    severity: 'critical',
    rootCause: true,
    symptoms: [],
    explainedBy: [],
    title: runbook,
    summary: runbook,
    evidence: [],
    actions,
    fix: '',
    confidence: 1,
    missingProbes: [],
  });

  it('on findings offering kill-stuck-workers, only when some are named; process_control_timeout too', () => {
    const f = webCapture();
    f.fpm.globals = [
      { masterPid: 1, configPath: '/a', processControlTimeoutSec: 10 },
      { masterPid: 2, configPath: '/b', processControlTimeoutSec: 0 },
    ];
    const r = buildHostReport({
      facts: f,
      findings: [
        finding('self-request-deadlock', ['kill-stuck-workers', 'fpm-reload']),
        finding('slow-requests', ['kill-stuck-workers']),
        finding('max-children-oversized', ['fpm-reload']),
      ],
      unreachable: false,
      durationMs: 1,
      runbooks: shipped,
      signals: analyze(f).signals,
    });
    expect(r.findings[0]!.workers?.map((w) => w.pid)).toEqual([27615]);
    expect('workers' in r.findings[1]!).toBe(false);
    expect('workers' in r.findings[2]!).toBe(false);
    expect(r.processControlTimeoutSec).toBe(0);
  });

  it('no FPM config read: no process_control_timeout', () => {
    const r = buildHostReport({ facts: webCapture(), findings: [], unreachable: false, durationMs: 1 });
    expect('processControlTimeoutSec' in r).toBe(false);
  });
});

describe("an operator's runbook names its own workers (its workers: key)", () => {
  const mine = (workers: string) =>
    runbookText(
      minimalFrontMatter('my-deadlock', {
        when: 'when: selfRequest.workers > 0',
        actions: 'actions: [kill-stuck-workers]',
        workers,
      }),
    );

  /** The operator's runbook alone, judged on the captured snapshot. */
  const reportWith = (f: HostFacts, workers: string) => {
    const runbooks = compileRunbooks([{ file: 'my-deadlock.md', text: mine(workers) }]);
    const analysis = analyze(f);
    return buildHostReport({
      facts: f,
      findings: evaluateRunbooks(runbooks, analysis),
      unreachable: false,
      durationMs: 1,
      runbooks,
      signals: analysis.signals,
    });
  };

  it('offers kill-stuck-workers with the workers of the signal it names, as a shipped one does', () => {
    const f = webCapture();
    const r = reportWith(f, 'workers: selfRequest.pids');
    expect(r.findings.map((x) => x.runbook)).toEqual(['my-deadlock']);
    expect(r.findings[0]!.workers).toEqual(stuckWorkers(f, 'self-request-deadlock'));
    expect(r.findings[0]!.workers?.map((w) => w.pid)).toEqual([27615]);
  });

  it('without the key it names nobody (its button is then refused)', () => {
    const r = reportWith(webCapture(), '');
    expect(r.findings.map((x) => x.runbook)).toEqual(['my-deadlock']);
    expect('workers' in r.findings[0]!).toBe(false);
  });

  it('a key naming no pid list fails start-up with the file, line and the lists it may name', () => {
    expect(loadProblems([{ file: 'my-deadlock.md', text: mine('workers: selfRequest.targets') }])).toEqual([
      'my-deadlock.md:9: workers: unknown value "selfRequest.targets" (did you mean "selfRequest.pids"?); ' +
        'expected one of: selfRequest.pids, external.topPids, abandoned.pids',
    ]);
  });
});
