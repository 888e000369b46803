import { existsSync } from 'node:fs';
import { MemoryCgroup, memoryCgroupAvailable, memoryCgroupOf } from './cgroup.js';
import type { Fpm } from './fpm.js';
import type { FpmSpec, PoolName, PoolSpec } from './fpm-config.js';
import type { GetOptions, HttpResult } from './http.js';
import { dmesgLine, kernelNowSec, waitForPrintkRatelimitBudget } from './kernel-log.js';
import type { LabPaths } from './paths.js';
import { commOf, FPM, oomKillLine, segfaultLine, type WebSignature, webSignature } from './signatures.js';
import { type ListenQueue, pidsConnectedTo, tcpListenQueue, unixListenQueue } from './sockets.js';
import type { Traffic, TrafficOptions } from './traffic.js';
import { linesMatching, markLog, readLog, waitFor, waitForLines } from './wait.js';
import type { WebServer } from './web.js';
import { POOL_PREFIX, type WebSpec } from './web-spec.js';

/** What a state needs from the lab. */
export interface LabInternals {
  readonly id: string;
  readonly paths: LabPaths;
  readonly fpm: Fpm;
  readonly web: WebServer;
  readonly blackholeAddress: string;
  baselineFpm(): FpmSpec;
  baselineWeb(): WebSpec;
  /** Stop FPM, write `spec`, start it again (a restart, not a reload: listen.* changes need new sockets). */
  restartFpm(spec: FpmSpec): Promise<void>;
  restartWeb(spec: WebSpec): Promise<void>;
  traffic(opts: TrafficOptions): Traffic;
  get(path: string, opts?: GetOptions): Promise<HttpResult>;
  /** Runs during the next reset, after FPM and traffic are stopped. */
  onReset(fn: () => void | Promise<void>): void;
  recordCgroup(cg: { path: string; home: string } | undefined): void;
}

export const STATE_NAMES = [
  'healthy',
  'pool-exhausted',
  'self-request-deadlock',
  'slow-external-call',
  'request-timeout-kill',
  'worker-oom-killed',
  'worker-crashed',
  'fpm-down',
  'socket-permission',
  'listen-backlog-overflow',
  'restart-window',
  'timeout-chain-misaligned',
  'max-children-oversized',
  'slow-requests',
  'clients-gave-up',
  'fpm-stopped-after-oom',
] as const;
export type StateName = (typeof STATE_NAMES)[number];

/**
 * `pool`: which pool a state targets (default `unixpool`). `tcppool` (pm static, 2 children,
 * 127.0.0.1:<port>, listen.backlog 3) is reached under `/tcp/`. socket-permission has no TCP form.
 */
export interface PoolOption {
  pool?: PoolName;
}

export interface StateOptions {
  healthy: Record<string, never>;
  /** holdMs: how long the traffic keeps the pool full (it stops by itself); sleepSec: length of each request. */
  'pool-exhausted': PoolOption & { holdMs?: number; sleepSec?: number };
  'self-request-deadlock': PoolOption & { holdMs?: number };
  /** concurrency defaults to max_children − 1, so one worker stays free to serve the status page. */
  'slow-external-call': PoolOption & { holdMs?: number; concurrency?: number };
  'request-timeout-kill': PoolOption & { terminateTimeoutSec?: number; sleepSec?: number };
  'worker-oom-killed': PoolOption & { limitMiB?: number };
  'worker-crashed': PoolOption & { how?: 'ffi' | 'signal' };
  /**
   * stopped: clean stop, socket file removed (ENOENT; a TCP pool: refused). stale-socket: the whole FPM
   * group killed -9, socket file left (refused); unix pools only.
   */
  'fpm-down': PoolOption & { variant?: 'stopped' | 'stale-socket' };
  'socket-permission': Record<string, never>;
  'listen-backlog-overflow': PoolOption & { backlog?: number; holdMs?: number };
  'restart-window': PoolOption & { errorsBeforeStart?: number };
  /**
   * terminate-zero: request_terminate_timeout = 0 (FPM never kills).
   * terminate-exceeds-web: web read timeout 3 s below request_terminate_timeout 20 s; a 5 s request gets a 504.
   * mixed-routes: the site's read timeout is 3 s but tcppool's route allows 30 s (nginx: its
   * location; Apache: ProxySet timeout= on its worker), and unixpool never kills (terminate 0).
   */
  'timeout-chain-misaligned': { variant?: 'terminate-zero' | 'terminate-exceeds-web' | 'mixed-routes' };
  'max-children-oversized': { maxChildren?: number; warmWorkers?: number };
  'slow-requests': PoolOption & { requests?: number; sleepSec?: number };
  /**
   * Every worker inside a long request (`sleepSec`, default 30) whose client gave up after
   * `clientTimeoutSec` (default 4, a load balancer's timeout), and `abandoned` (default 10) more
   * connections the clients abandoned in the accept queue (`backlog`, default 64, leaves room).
   */
  'clients-gave-up': PoolOption & {
    sleepSec?: number;
    clientTimeoutSec?: number;
    abandoned?: number;
    backlog?: number;
  };
  /**
   * The kernel OOM-kills a worker (worker-oom-killed), then FPM is stopped cleanly (SIGTERM:
   * "Terminating ...", "exiting, bye-bye!"). earlier-master (default): FPM was restarted in between,
   * so the kill hit a worker of an earlier master; same-master: the OOM-hit master itself is stopped.
   */
  'fpm-stopped-after-oom': PoolOption & { variant?: 'earlier-master' | 'same-master' };
}

export interface StateDetails {
  healthy: { responses: Record<string, number> };
  'pool-exhausted': {
    pool: PoolName;
    /** The pool's listen address: a unix socket path or `127.0.0.1:port`. */
    socket: string;
    maxChildren: number;
    listenQueue: ListenQueue;
    /** dynamic/ondemand pools only: a static pool never logs "server reached max_children". */
    maxChildrenLine?: string;
  };
  'self-request-deadlock': { pool: PoolName; ownListener: string; workerPids: number[] };
  'slow-external-call': { pool: PoolName; endpoint: string; workerPids: number[] };
  'request-timeout-kill': {
    pool: PoolName;
    terminateTimeoutSec: number;
    killedPid: number;
    response: HttpResult;
    fpmLines: string[];
    webLine: string;
  };
  'worker-oom-killed': {
    pool: PoolName;
    cgroup: string;
    limitBytes: number;
    killedPid: number;
    response: HttpResult;
    dmesgLine: string;
    fpmLine: string;
    webLine: string;
  };
  'worker-crashed': {
    pool: PoolName;
    crashedPid: number;
    response: HttpResult;
    fpmLine: string;
    webLine: string;
    /** how=ffi only: `php-fpm8.2[pid]: segfault at …` (the layout's binary name) (posix_kill leaves no kernel line). */
    dmesgLine?: string;
  };
  'fpm-down': {
    pool: PoolName;
    variant: 'stopped' | 'stale-socket';
    /** The pool's listen address: a unix socket path or `127.0.0.1:port`. */
    socket: string;
    socketFileExists: boolean;
    response: HttpResult;
    webLine: string;
  };
  'socket-permission': { pool: PoolName; socket: string; response: HttpResult; webLine: string };
  'listen-backlog-overflow': {
    pool: PoolName;
    /** The pool's listen address: a unix socket path or `127.0.0.1:port`. */
    socket: string;
    backlog: number;
    listenQueue: ListenQueue;
    /**
     * nginx only. unix: `(11: Resource temporarily unavailable)`; TCP: `upstream timed out (110: …) while
     * connecting to upstream` (the SYN is dropped). Apache waits in connect() instead of failing.
     */
    webLine?: string;
  };
  'restart-window': {
    pool: PoolName;
    oldMasterPid: number;
    newMasterPid: number;
    stoppedAt: Date;
    startedAt: Date;
    failures: HttpResult[];
    webLines: string[];
  };
  'timeout-chain-misaligned': {
    variant: 'terminate-zero' | 'terminate-exceeds-web' | 'mixed-routes';
    maxExecutionTimeSec: number;
    requestTerminateTimeout: string;
    webReadTimeoutSec: number;
    response?: HttpResult;
    webLine?: string;
  };
  'max-children-oversized': { pool: PoolName; maxChildren: number; workerPids: number[] };
  'slow-requests': { pool: PoolName; slowlog: string; entries: number; fpmLines: string[] };
  'clients-gave-up': {
    pool: PoolName;
    /** The pool's listen address: a unix socket path or `127.0.0.1:port`. */
    socket: string;
    maxChildren: number;
    sleepSec: number;
    /** The workers inside a request (every one of the pool's). */
    workerPids: number[];
    listenQueue: ListenQueue;
    /** What every client got: status 0 and a timeout error. */
    responses: HttpResult[];
  };
  'fpm-stopped-after-oom': {
    pool: PoolName;
    variant: 'earlier-master' | 'same-master';
    killedPid: number;
    /** The master whose worker the kernel killed, and the one stopped cleanly afterwards. */
    oomMasterPid: number;
    stoppedMasterPid: number;
    dmesgLine: string;
    /** FPM's "exiting, bye-bye!" of the clean stop. */
    stopLine: string;
    response: HttpResult;
    webLine: string;
  };
}

type Impl<S extends StateName> = (lab: LabInternals, opts: StateOptions[S]) => Promise<StateDetails[S]>;

const MAIN: PoolName = 'unixpool';

function withPool(spec: FpmSpec, name: PoolName, patch: Partial<PoolSpec>): FpmSpec {
  return {
    ...spec,
    pools: spec.pools.map((p) => (p.name === name ? { ...p, ...patch, env: { ...p.env } } : p)),
  };
}

function pool(spec: FpmSpec, name: PoolName): PoolSpec {
  const p = spec.pools.find((x) => x.name === name);
  if (!p) throw new Error(`no pool ${name}`);
  return p;
}

/** URL path of `script` (e.g. `/sleep.php?s=3`) on the pool: `/tcp/sleep.php?s=3` for tcppool. */
function urlOn(name: PoolName, script: string): string {
  return `${POOL_PREFIX[name]}${script}`;
}

function isTcp(p: PoolSpec): boolean {
  return !p.listen.startsWith('/');
}

/** The pool's accept queue, from ss: `ss -xl` for a unix socket, `ss -tl` for a TCP port. */
function listenQueueOf(p: PoolSpec): Promise<ListenQueue | undefined> {
  return isTcp(p) ? tcpListenQueue(Number(p.listen.split(':')[1])) : unixListenQueue(p.listen);
}

function webLines(lab: LabInternals, sig: WebSignature, since: number, count = 1, timeoutMs = 15_000) {
  return waitForLines(lab.web.errorLog, webSignature(lab.web.kind, sig), { since, count, timeoutMs });
}

function fpmLines(lab: LabInternals, re: RegExp, since: number, count = 1, timeoutMs = 15_000) {
  return waitForLines(lab.paths.fpmLog, re, { since, count, timeoutMs });
}

function pidOf(line: string, re: RegExp): number {
  return Number(re.exec(line)?.[1]);
}

const healthy: Impl<'healthy'> = async (lab) => {
  const responses: Record<string, number> = {};
  for (const path of ['/health.php', '/tcp/health.php', '/od/health.php', '/ping', '/status']) {
    responses[path] = (await lab.get(path)).status;
  }
  return { responses };
};

const poolExhausted: Impl<'pool-exhausted'> = async (lab, opts) => {
  const name = opts.pool ?? MAIN;
  const p = pool(lab.baselineFpm(), name);
  const sleepSec = opts.sleepSec ?? 8;
  const fpmMark = markLog(lab.paths.fpmLog);
  // max_children running plus as many again waiting in the socket's accept queue.
  lab.traffic({
    path: urlOn(name, `/sleep.php?s=${sleepSec}`),
    concurrency: p.maxChildren * 2,
    durationMs: opts.holdMs ?? 45_000,
    maxRequests: 200,
    timeoutMs: (sleepSec * 3 + 10) * 1000,
  });
  // A static pool has all its children from the start and never logs max_children (REFERENCE §2).
  const maxChildrenLine =
    p.pm === 'static'
      ? undefined
      : (await fpmLines(lab, FPM.maxChildren(name), fpmMark.offset, 1, 20_000))[0];
  const listenQueue = await waitFor(`requests queued on the ${name} listener (ss Recv-Q > 0)`, async () => {
    const q = await listenQueueOf(p);
    return q && q.recvQ > 0 ? q : undefined;
  });
  return {
    pool: name,
    socket: p.listen,
    maxChildren: p.maxChildren,
    listenQueue,
    ...(maxChildrenLine !== undefined ? { maxChildrenLine } : {}),
  };
};

const selfRequestDeadlock: Impl<'self-request-deadlock'> = async (lab, opts) => {
  const name = opts.pool ?? MAIN;
  const p = pool(lab.baselineFpm(), name);
  const ownListener = `127.0.0.1:${lab.web.spec.port}`;
  // More callers than workers: the outer requests take every worker before any inner request is
  // accepted. self.php calls health.php under its own prefix, so the inner requests need this pool.
  lab.traffic({
    path: urlOn(name, '/self.php'),
    concurrency: p.maxChildren + 2,
    durationMs: opts.holdMs ?? 45_000,
    maxRequests: 60,
    timeoutMs: (lab.web.spec.readTimeoutSec + 15) * 1000,
  });
  const workerPids = await waitFor(
    `every ${name} worker to hold a connection to ${ownListener}`,
    async () => {
      const workers = lab.fpm.workers(name).map((w) => w.pid);
      const hit = await pidsConnectedTo(workers, ownListener);
      return workers.length >= p.maxChildren && hit.length >= p.maxChildren ? hit : undefined;
    },
    { timeoutMs: 20_000 },
  );
  return { pool: name, ownListener, workerPids };
};

const slowExternalCall: Impl<'slow-external-call'> = async (lab, opts) => {
  const name = opts.pool ?? MAIN;
  const p = pool(lab.baselineFpm(), name);
  const concurrency = opts.concurrency ?? Math.max(1, p.maxChildren - 1);
  lab.traffic({
    path: urlOn(name, '/api.php'),
    concurrency,
    durationMs: opts.holdMs ?? 45_000,
    maxRequests: concurrency * 4,
    timeoutMs: (lab.web.spec.readTimeoutSec + 5) * 1000,
  });
  const workerPids = await waitFor(
    `${concurrency} ${name} workers connected to ${lab.blackholeAddress}`,
    async () => {
      const hit = await pidsConnectedTo(
        lab.fpm.workers(name).map((w) => w.pid),
        lab.blackholeAddress,
      );
      return hit.length >= concurrency ? hit : undefined;
    },
  );
  return { pool: name, endpoint: lab.blackholeAddress, workerPids };
};

const requestTimeoutKill: Impl<'request-timeout-kill'> = async (lab, opts) => {
  const name = opts.pool ?? MAIN;
  const t = opts.terminateTimeoutSec ?? 2;
  const sleepSec = opts.sleepSec ?? t + 4;
  await lab.restartFpm(
    withPool(lab.baselineFpm(), name, { requestTerminateTimeout: `${t}s`, requestSlowlogTimeout: '1s' }),
  );
  const fpmMark = markLog(lab.paths.fpmLog);
  const webMark = markLog(lab.web.errorLog);
  const response = await lab.get(urlOn(name, `/sleep.php?s=${sleepSec}`), {
    timeoutMs: (sleepSec + 10) * 1000,
  });
  const [timedOut] = await fpmLines(lab, FPM.timedOut(name), fpmMark.offset);
  const killedPid = pidOf(timedOut ?? '', FPM.timedOut(name));
  const exited = await fpmLines(lab, FPM.exitedOnSignal(name, 15, 'SIGTERM'), fpmMark.offset);
  const [webLine] = await webLines(lab, 'worker-died', webMark.offset);
  return {
    pool: name,
    terminateTimeoutSec: t,
    killedPid,
    response,
    fpmLines: [timedOut ?? '', ...exited],
    webLine: webLine ?? '',
  };
};

const workerOomKilled: Impl<'worker-oom-killed'> = async (lab, opts) => {
  const name = opts.pool ?? MAIN;
  const master = lab.fpm.master;
  if (!master) throw new Error('php-fpm is not running');
  if (!memoryCgroupAvailable())
    throw new Error('worker-oom-killed needs the cgroup v1 memory controller at /sys/fs/cgroup/memory');
  const home = memoryCgroupOf(master.pid) ?? '/';
  const cg = new MemoryCgroup(`fpm-medic-lab-${lab.id}`);
  const limitBytes = (opts.limitMiB ?? 64) * 1024 * 1024;
  cg.create(limitBytes);
  lab.recordCgroup({ path: cg.path, home });
  // Runs once FPM is stopped, i.e. once nothing is left in the group.
  lab.onReset(() => {
    cg.remove(home);
    lab.recordCgroup(undefined);
  });
  // The master first, so that any worker forked while the others are moved lands in the group too.
  cg.add(master.pid);
  for (const w of lab.fpm.workers()) cg.add(w.pid);
  const fpmMark = markLog(lab.paths.fpmLog);
  const webMark = markLog(lab.web.errorLog);
  const kernelMark = kernelNowSec() - 1;
  const response = await lab.get(urlOn(name, '/mem.php?step=8&max=1024'), { timeoutMs: 30_000 });
  const re = FPM.exitedOnSignal(name, 9, 'SIGKILL');
  const [fpmLine] = await fpmLines(lab, re, fpmMark.offset);
  const killedPid = pidOf(fpmLine ?? '', /child (\d+) exited/);
  const line = await waitFor(`the kernel's OOM kill line for pid ${killedPid}`, () =>
    dmesgLine(oomKillLine(killedPid, commOf(lab.paths.layout.fpmBin)), kernelMark),
  );
  const [webLine] = await webLines(lab, 'worker-died', webMark.offset);
  return {
    pool: name,
    cgroup: cg.path,
    limitBytes,
    killedPid,
    response,
    dmesgLine: line,
    fpmLine: fpmLine ?? '',
    webLine: webLine ?? '',
  };
};

const workerCrashed: Impl<'worker-crashed'> = async (lab, opts) => {
  const name = opts.pool ?? MAIN;
  const how = opts.how ?? 'ffi';
  // The kernel's "segfault at" line is rate-limited machine-wide: crash only once it is sure to be printed.
  if (how === 'ffi') await waitForPrintkRatelimitBudget();
  const fpmMark = markLog(lab.paths.fpmLog);
  const webMark = markLog(lab.web.errorLog);
  const kernelMark = kernelNowSec() - 1;
  const response = await lab.get(urlOn(name, `/segv.php?how=${how}`));
  const re = FPM.exitedOnSignal(name, 11, 'SIGSEGV');
  const [fpmLine] = await fpmLines(lab, re, fpmMark.offset);
  const crashedPid = pidOf(fpmLine ?? '', /child (\d+) exited/);
  // Printed in the faulting task before the signal kills it, so it precedes FPM's exit line.
  const kernelLine =
    how === 'ffi'
      ? await waitFor(`the kernel's segfault line for pid ${crashedPid}`, () =>
          dmesgLine(segfaultLine(crashedPid, commOf(lab.paths.layout.fpmBin)), kernelMark),
        )
      : undefined;
  const [webLine] = await webLines(lab, 'worker-died', webMark.offset);
  return {
    pool: name,
    crashedPid,
    response,
    fpmLine: fpmLine ?? '',
    webLine: webLine ?? '',
    ...(kernelLine ? { dmesgLine: kernelLine } : {}),
  };
};

const fpmDown: Impl<'fpm-down'> = async (lab, opts) => {
  const name = opts.pool ?? MAIN;
  const p = pool(lab.baselineFpm(), name);
  const variant = opts.variant ?? 'stopped';
  if (variant === 'stale-socket' && isTcp(p))
    throw new Error(`fpm-down stale-socket needs a unix pool: ${name} listens on ${p.listen}`);
  if (variant === 'stopped') await lab.fpm.stop();
  else await lab.fpm.kill9();
  const webMark = markLog(lab.web.errorLog);
  const response = await lab.get(urlOn(name, '/health.php'));
  // A stopped master unlinks its sockets (ENOENT); a TCP port nobody listens on refuses (111).
  const sig = variant === 'stopped' && !isTcp(p) ? 'enoent' : 'refused';
  const [webLine] = await webLines(lab, sig, webMark.offset);
  return {
    pool: name,
    variant,
    socket: p.listen,
    socketFileExists: !isTcp(p) && existsSync(p.listen),
    response,
    webLine: webLine ?? '',
  };
};

const socketPermission: Impl<'socket-permission'> = async (lab) => {
  // Root-owned 0600: only root may connect, the web server's www-data workers may not.
  await lab.restartFpm(
    withPool(lab.baselineFpm(), MAIN, { listenOwner: 'root', listenGroup: 'root', listenMode: '0600' }),
  );
  const webMark = markLog(lab.web.errorLog);
  const response = await lab.get('/health.php');
  const [webLine] = await webLines(lab, 'eacces', webMark.offset);
  return { pool: MAIN, socket: lab.paths.socket(MAIN), response, webLine: webLine ?? '' };
};

const listenBacklogOverflow: Impl<'listen-backlog-overflow'> = async (lab, opts) => {
  const name = opts.pool ?? MAIN;
  const backlog = opts.backlog ?? 2;
  const spec = withPool(lab.baselineFpm(), name, { listenBacklog: backlog });
  await lab.restartFpm(spec);
  const p = pool(spec, name);
  const tcp = isTcp(p);
  const webMark = markLog(lab.web.errorLog);
  const fpmMark = markLog(lab.paths.fpmLog);
  const slow = {
    path: urlOn(name, '/sleep.php?s=10'),
    durationMs: opts.holdMs ?? 45_000,
    maxRequests: 400,
    timeoutMs: 40_000,
    pauseMs: 250,
  };
  // unix: enough callers to fill every worker and the accept queue (backlog + 1) with room to spare;
  // rejected callers pause before retrying, so the overflow is sustained without a busy loop.
  // TCP: exactly enough to fill workers and queue first. A SYN that arrives while the queue still has
  // room is answered, and if the queue fills before its final ACK, that ACK is dropped: the client
  // side is ESTABLISHED (the server's SYN-RECV), so nginx sends the request and waits the read
  // timeout, not the connect timeout (measured: a burst of 8 callers left 2 such connections and no
  // connect error at all). Only SYNs sent once the queue is full are dropped: those callers follow.
  lab.traffic({ ...slow, concurrency: p.maxChildren + backlog + (tcp ? 1 : 4) });
  // Every worker busy first. Before that the queue is full only for a moment: the first burst fills
  // it before the start_servers workers have accepted, and FPM forks the last child up to
  // max_children about a second later, which takes one more connection out (measured: Recv-Q 3, 1,
  // 3, 2, 3 in the first 1.5 s). FPM logs max_children once all its children are busy; from then on
  // nothing leaves the queue until the first sleep.php ends, 10 s after it started. A static pool
  // has every child from the start (and never logs max_children): the queue alone tells.
  if (p.pm !== 'static') await fpmLines(lab, FPM.maxChildren(name), fpmMark.offset, 1, 20_000);
  // The kernel holds backlog + 1 connections before it refuses (unix) or drops (TCP) more (REFERENCE §7.1).
  const listenQueue = await waitFor(
    `the ${name} accept queue to be full`,
    async () => {
      const q = await listenQueueOf(p);
      return q && q.recvQ > backlog ? q : undefined;
    },
    { timeoutMs: 20_000 },
  );
  if (tcp) lab.traffic({ ...slow, concurrency: 3 });
  // nginx connects non-blocking: on a unix socket it fails at once with EAGAIN; on TCP the dropped SYN
  // leaves it waiting fastcgi_connect_timeout (2 s on the lab's TCP route), then 504. Apache's blocking
  // connect() to a unix socket just waits in the kernel for room in the queue, so it logs nothing here.
  const webLine =
    lab.web.kind === 'nginx'
      ? (await webLines(lab, tcp ? 'connect-timeout' : 'eagain', webMark.offset, 1, 20_000))[0]
      : undefined;
  return { pool: name, socket: p.listen, backlog, listenQueue, webLine };
};

const restartWindow: Impl<'restart-window'> = async (lab, opts) => {
  const name = opts.pool ?? MAIN;
  const old = lab.fpm.master;
  if (!old) throw new Error('php-fpm is not running');
  const t = lab.traffic({
    path: urlOn(name, '/health.php'),
    concurrency: 2,
    durationMs: 30_000,
    maxRequests: 600,
    timeoutMs: 5_000,
    pauseMs: 50,
  });
  await waitFor('traffic to be served', () => t.count(200) >= 4);
  const webMark = markLog(lab.web.errorLog);
  // A restart (stop, then start) where a reload was due: between the two, every request fails.
  const stoppedAt = new Date();
  await lab.fpm.stop();
  await webLines(lab, 'connect-failed', webMark.offset, opts.errorsBeforeStart ?? 3);
  lab.fpm.writeConfig(lab.baselineFpm());
  const neu = await lab.fpm.start();
  const startedAt = new Date();
  const servedBefore = t.count(200);
  await waitFor('traffic to be served by the new master', () => t.count(200) > servedBefore);
  await t.stop();
  const webLinesSeen = linesMatching(
    readLog(lab.web.errorLog, webMark.offset),
    webSignature(lab.web.kind, 'connect-failed'),
  );
  return {
    pool: name,
    oldMasterPid: old.pid,
    newMasterPid: neu.pid,
    stoppedAt,
    startedAt,
    failures: t.results.filter((r) => r.status !== 200),
    webLines: webLinesSeen,
  };
};

const timeoutChainMisaligned: Impl<'timeout-chain-misaligned'> = async (lab, opts) => {
  const variant = opts.variant ?? 'terminate-zero';
  if (variant === 'terminate-zero') {
    await lab.restartFpm(withPool(lab.baselineFpm(), MAIN, { requestTerminateTimeout: '0' }));
    return {
      variant,
      maxExecutionTimeSec: 10,
      requestTerminateTimeout: '0',
      webReadTimeoutSec: lab.web.spec.readTimeoutSec,
    };
  }
  if (variant === 'mixed-routes') {
    await lab.restartFpm(withPool(lab.baselineFpm(), MAIN, { requestTerminateTimeout: '0' }));
    const web = { ...lab.baselineWeb(), readTimeoutSec: 3, readTimeoutSecByPool: { tcppool: 30 } };
    await lab.restartWeb(web);
    return { variant, maxExecutionTimeSec: 10, requestTerminateTimeout: '0', webReadTimeoutSec: 3 };
  }
  const web = { ...lab.baselineWeb(), readTimeoutSec: 3 };
  await lab.restartWeb(web);
  const webMark = markLog(lab.web.errorLog);
  const response = await lab.get('/sleep.php?s=5', { timeoutMs: 20_000 });
  const [webLine] = await webLines(lab, 'read-timeout', webMark.offset);
  return {
    variant,
    maxExecutionTimeSec: 10,
    requestTerminateTimeout: pool(lab.baselineFpm(), MAIN).requestTerminateTimeout,
    webReadTimeoutSec: web.readTimeoutSec,
    response,
    webLine,
  };
};

const maxChildrenOversized: Impl<'max-children-oversized'> = async (lab, opts) => {
  const maxChildren = opts.maxChildren ?? 5000;
  const warm = opts.warmWorkers ?? 2;
  // Idle workers are kept a minute so their RSS can be measured.
  await lab.restartFpm(withPool(lab.baselineFpm(), 'odpool', { maxChildren, processIdleTimeout: '60s' }));
  // ondemand forks on accept and may serve two near-simultaneous connections with one child in
  // turn: keep concurrent requests coming until `warm` children exist side by side.
  const t = lab.traffic({
    path: '/od/sleep.php?s=1',
    concurrency: warm,
    durationMs: 20_000,
    maxRequests: warm * 10,
    timeoutMs: 10_000,
  });
  const workerPids = await waitFor(
    `${warm} odpool workers`,
    () => {
      const pids = lab.fpm.workers('odpool').map((w) => w.pid);
      return pids.length >= warm ? pids : undefined;
    },
    { timeoutMs: 20_000, detail: () => `warm-up responses: ${JSON.stringify(t.results)}` },
  );
  await t.stop();
  return { pool: 'odpool', maxChildren, workerPids };
};

const slowRequests: Impl<'slow-requests'> = async (lab, opts) => {
  const name = opts.pool ?? MAIN;
  const n = opts.requests ?? 2;
  const p = pool(lab.baselineFpm(), name);
  const slowMark = markLog(p.slowlog);
  const fpmMark = markLog(lab.paths.fpmLog);
  const t = lab.traffic({
    path: urlOn(name, `/sleep.php?s=${opts.sleepSec ?? 3}`),
    concurrency: n,
    durationMs: 30_000,
    maxRequests: n,
    timeoutMs: 20_000,
  });
  const lines = await fpmLines(lab, FPM.tooSlow(name), fpmMark.offset, n);
  const entries = await waitFor(`${n} slowlog entries`, () => {
    const c = (readLog(p.slowlog, slowMark.offset).match(/^script_filename = .*sleep\.php$/gm) ?? []).length;
    return c >= n ? c : undefined;
  });
  await t.done;
  return { pool: name, slowlog: p.slowlog, entries, fpmLines: lines };
};

const clientsGaveUp: Impl<'clients-gave-up'> = async (lab, opts) => {
  const name = opts.pool ?? MAIN;
  const sleepSec = opts.sleepSec ?? 30;
  const abandoned = opts.abandoned ?? 10;
  const clientTimeoutMs = (opts.clientTimeoutSec ?? 4) * 1000;
  // FPM must not kill the requests first: its terminate timeout stays above the sleep, as on a
  // host where nobody aligned it (the web server's read timeout no longer matters: clients leave).
  const spec = withPool(lab.baselineFpm(), name, {
    listenBacklog: opts.backlog ?? 64,
    requestTerminateTimeout: `${sleepSec + 30}s`,
  });
  await lab.restartFpm(spec);
  const p = pool(spec, name);
  // One request per client: max_children take every worker, the rest wait in the accept queue,
  // and every client gives up at its timeout (the web server then closes its side).
  const t = lab.traffic({
    path: urlOn(name, `/sleep.php?s=${sleepSec}`),
    concurrency: p.maxChildren + abandoned,
    durationMs: clientTimeoutMs + 5_000,
    maxRequests: p.maxChildren + abandoned,
    timeoutMs: clientTimeoutMs,
  });
  await t.done;
  const listenQueue = await waitFor(
    `${abandoned} abandoned connections in the ${name} accept queue`,
    async () => {
      const q = await listenQueueOf(p);
      return q && q.recvQ >= abandoned ? q : undefined;
    },
    { timeoutMs: 10_000 },
  );
  const workerPids = lab.fpm.workers(name).map((w) => w.pid);
  return {
    pool: name,
    socket: p.listen,
    maxChildren: p.maxChildren,
    sleepSec,
    workerPids,
    listenQueue,
    responses: t.results,
  };
};

const fpmStoppedAfterOom: Impl<'fpm-stopped-after-oom'> = async (lab, opts) => {
  const name = opts.pool ?? MAIN;
  const p = pool(lab.baselineFpm(), name);
  const variant = opts.variant ?? 'earlier-master';
  const oomMasterPid = lab.fpm.master?.pid ?? 0;
  const oom = await workerOomKilled(lab, { pool: name });
  // A restart: the new master starts outside the memory cgroup, as after a deploy or a reboot of FPM.
  if (variant === 'earlier-master') await lab.restartFpm(lab.baselineFpm());
  const stoppedMasterPid = lab.fpm.master?.pid ?? 0;
  const fpmMark = markLog(lab.paths.fpmLog);
  await lab.fpm.stop();
  const [stopLine] = await fpmLines(lab, /exiting, bye-bye!/, fpmMark.offset);
  const webMark = markLog(lab.web.errorLog);
  const response = await lab.get(urlOn(name, '/health.php'));
  // A stopped master unlinks its sockets (ENOENT); a TCP port nobody listens on refuses (111).
  const [webLine] = await webLines(lab, isTcp(p) ? 'refused' : 'enoent', webMark.offset);
  return {
    pool: name,
    variant,
    killedPid: oom.killedPid,
    oomMasterPid,
    stoppedMasterPid,
    dmesgLine: oom.dmesgLine,
    stopLine: stopLine ?? '',
    response,
    webLine: webLine ?? '',
  };
};

export const STATES: { [S in StateName]: Impl<S> } = {
  healthy,
  'pool-exhausted': poolExhausted,
  'self-request-deadlock': selfRequestDeadlock,
  'slow-external-call': slowExternalCall,
  'request-timeout-kill': requestTimeoutKill,
  'worker-oom-killed': workerOomKilled,
  'worker-crashed': workerCrashed,
  'fpm-down': fpmDown,
  'socket-permission': socketPermission,
  'listen-backlog-overflow': listenBacklogOverflow,
  'restart-window': restartWindow,
  'timeout-chain-misaligned': timeoutChainMisaligned,
  'max-children-oversized': maxChildrenOversized,
  'slow-requests': slowRequests,
  'clients-gave-up': clientsGaveUp,
  'fpm-stopped-after-oom': fpmStoppedAfterOom,
};
