import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlackHole } from './blackhole.js';
import { cleanupStaleLabs, destroyLabSync, LAB_PREFIX, type LabRecord, writeRecord } from './cleanup.js';
import { Fpm } from './fpm.js';
import { baselineFpm, type FpmSpec, POOL_NAMES, type PoolName, renderPhpIni } from './fpm-config.js';
import { type GetOptions, type HttpResult, httpGet } from './http.js';
import { installLayout, type LabLayoutName, ownsLayout } from './layout.js';
import { type LabPaths, labPaths } from './paths.js';
import { freePort } from './ports.js';
import { procRef } from './proc.js';
import { type LabInternals, STATES, type StateDetails, type StateName, type StateOptions } from './states.js';
import { stopStrayFpm, strayFpmMasters } from './stray-fpm.js';
import { Traffic, type TrafficOptions } from './traffic.js';
import { ensureSystemUser } from './users.js';
import { readLog } from './wait.js';
import { WebServer } from './web.js';
import { POOL_PREFIX, WEB_DEFAULTS, type WebKind, type WebSpec } from './web-spec.js';

export type { PoolName } from './fpm-config.js';
export type { HttpResult } from './http.js';
export type { LabLayoutName } from './layout.js';
export type { StateDetails, StateName, StateOptions } from './states.js';
export { STATE_NAMES } from './states.js';
export type { WebKind } from './web-spec.js';

export interface LabOptions {
  web?: WebKind;
  /** Where FPM and Apache live: the lab's own directory (default) or a distribution's paths (layout.ts). */
  layout?: LabLayoutName;
  /** Parent of the lab directory (default: the OS temp dir). */
  baseDir?: string;
  /** Leave the directory (configs, logs) behind after stop(), for post-mortems. */
  keepDir?: boolean;
}

export interface PoolInfo {
  name: PoolName;
  pm: 'static' | 'dynamic' | 'ondemand';
  maxChildren: number;
  /** The unix socket path, or `127.0.0.1:port`. */
  listen: string;
  socket?: string;
  tcp?: { host: string; port: number };
  /** URL path prefix routing to this pool on the web listener ('' for unixpool). */
  urlPrefix: string;
  statusPath: string;
  pingPath: string;
  accessLog: string;
  slowLog: string;
  requestTerminateTimeout: string;
}

export interface Induced<S extends StateName> {
  state: S;
  at: Date;
  details: StateDetails[S];
  /** Back to the healthy baseline (same as lab.reset()). */
  end(): Promise<void>;
}

const WWW_SOURCE = fileURLToPath(new URL('./www/', import.meta.url));

const liveLabs = new Set<Lab>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last line of defence when a test run ends without afterAll (uncaught error, process.exit()).
  // SIGKILL of the runner cannot be caught: cleanupStaleLabs() at the next start handles that.
  process.on('exit', () => {
    for (const lab of liveLabs) lab.destroySync();
  });
}

export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const base = options.baseDir ?? tmpdir();
  cleanupStaleLabs(base);
  const dir = mkdtempSync(join(base, LAB_PREFIX));
  const lab = new Lab(dir, options);
  try {
    await lab.init();
  } catch (e) {
    await lab.stop();
    throw e;
  }
  return lab;
}

/** A disposable PHP-FPM + nginx/Apache stack on loopback, which can be put into every failure state for real. */
export class Lab {
  readonly id: string;
  readonly dir: string;
  readonly web: WebKind;
  readonly paths: LabPaths;
  readonly ports = { http: 0, tcppool: 0, blackhole: 0 };
  private readonly blackholeServer = new BlackHole('127.0.0.2');
  private readonly fpmServer: Fpm;
  private readonly webServer: WebServer;
  private readonly traffics = new Set<Traffic>();
  private resetHooks: (() => void | Promise<void>)[] = [];
  private cgroup: { path: string; home: string } | undefined;
  private currentState: StateName | undefined;
  private dirty = false;
  private stopped = false;

  constructor(
    dir: string,
    private readonly options: LabOptions,
  ) {
    this.dir = dir;
    this.id = basename(dir).slice(LAB_PREFIX.length);
    this.web = options.web ?? 'nginx';
    this.paths = labPaths(dir, options.layout);
    const record = () => this.writeRecord();
    this.fpmServer = new Fpm(this.paths, baselineFpm(this.paths, 0, ''), record);
    this.webServer = new WebServer(this.web, this.paths, this.baselineWeb(), record);
  }

  /** @internal */
  async init(): Promise<void> {
    const p = this.paths;
    // The master runs as root but workers (www-data) must reach www/ and nginx/Apache workers run/.
    chmodSync(p.dir, 0o755);
    for (const d of [p.etc, p.run, join(p.run, 'apache2'), p.log, p.www, p.tmp])
      mkdirSync(d, { recursive: true, mode: 0o755 });
    if (p.layout.poolUser !== 'www-data') await ensureSystemUser(p.layout.poolUser);
    // Recorded before the links exist, so a lab that dies half-way through still has them removed.
    installExitHook();
    liveLabs.add(this);
    this.writeRecord();
    installLayout(p.layout, p.dir);
    for (const d of [
      p.poolDir,
      dirname(p.apacheConf),
      ...(p.layout.apache.includeDir ? [p.layout.apache.includeDir] : []),
    ])
      mkdirSync(d, { recursive: true, mode: 0o755 });
    for (const f of readdirSync(WWW_SOURCE).filter((n) => n.endsWith('.php'))) {
      copyFileSync(join(WWW_SOURCE, f), join(p.www, f));
      chmodSync(join(p.www, f), 0o644);
    }
    writeFileSync(p.phpIni, renderPhpIni());

    this.ports.blackhole = await freePort('127.0.0.2');
    await this.blackholeServer.start(this.ports.blackhole);
    // A freshly released port can be taken by someone else before our server binds it: retry with new ones.
    for (let attempt = 1; ; attempt++) {
      try {
        this.ports.tcppool = await freePort();
        this.fpmServer.writeConfig(this.baselineFpm());
        await this.fpmServer.start();
        break;
      } catch (e) {
        if (attempt >= 3 || !/Address already in use/.test(String(e))) throw e;
      }
    }
    for (let attempt = 1; ; attempt++) {
      try {
        this.ports.http = await freePort();
        this.webServer.writeConfig(this.baselineWeb());
        await this.webServer.start();
        break;
      } catch (e) {
        if (attempt >= 3 || !/Address already in use/.test(String(e))) throw e;
      }
    }
    const ping = await this.get('/ping');
    if (ping.status !== 200)
      throw new Error(`lab started but /ping answered ${ping.status} ${ping.error ?? ''}`);
  }

  // ---- what tests and probes need to know ----

  get baseUrl(): string {
    return `http://127.0.0.1:${this.ports.http}`;
  }

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  get blackhole(): { address: string; url: string; held: number } {
    const b = this.blackholeServer;
    return { address: b.address, url: b.url, held: b.held };
  }

  get current(): StateName | undefined {
    return this.currentState;
  }

  get fpmMasterPid(): number | undefined {
    return this.fpmServer.master?.pid;
  }

  get webMasterPid(): number | undefined {
    return this.webServer.master?.pid;
  }

  get cgroupPath(): string | undefined {
    return this.cgroup?.path;
  }

  get fpmConfig(): FpmSpec {
    return this.fpmServer.spec;
  }

  get webConfig(): WebSpec {
    return this.webServer.spec;
  }

  get logs(): {
    fpm: string;
    webError: string;
    webAccess: string;
    access(pool: PoolName): string;
    slow(pool: PoolName): string;
  } {
    return {
      fpm: this.paths.fpmLog,
      webError: this.webServer.errorLog,
      webAccess: this.webServer.accessLog,
      access: (pool) => this.paths.accessLog(pool),
      slow: (pool) => this.paths.slowLog(pool),
    };
  }

  get webConfigFile(): string {
    return this.webServer.configFile;
  }

  /** The pools as currently configured (a state may have changed them). */
  get pools(): Record<PoolName, PoolInfo> {
    const out = {} as Record<PoolName, PoolInfo>;
    for (const p of this.fpmServer.spec.pools) {
      const unix = p.listen.startsWith('/');
      const [host, port] = p.listen.split(':');
      out[p.name] = {
        name: p.name,
        pm: p.pm,
        maxChildren: p.maxChildren,
        listen: p.listen,
        ...(unix ? { socket: p.listen } : { tcp: { host: host ?? '127.0.0.1', port: Number(port) } }),
        urlPrefix: POOL_PREFIX[p.name],
        statusPath: '/status',
        pingPath: '/ping',
        accessLog: p.accessLog,
        slowLog: p.slowlog,
        requestTerminateTimeout: p.requestTerminateTimeout,
      };
    }
    return out;
  }

  workerPids(pool?: PoolName): number[] {
    return this.fpmServer.workers(pool).map((w) => w.pid);
  }

  /**
   * Release every caller the black hole holds (they read EOF, so their requests end) and keep
   * listening: the workers stuck on it move on to other requests or go idle. Returns how many.
   */
  releaseBlackhole(): number {
    const n = this.blackholeServer.held;
    this.blackholeServer.hangUpAll();
    return n;
  }

  /** FPM masters running this lab's config that the lab did not start (e.g. fpm-medic's fpm-start). */
  strayFpmMasters(): number[] {
    return strayFpmMasters(this.dir, this.strayConf(), this.fpmMasterPid);
  }

  /** GET on the lab's web listener; never throws (status 0 + error when no response). */
  get(path: string, opts?: GetOptions): Promise<HttpResult> {
    return httpGet(this.ports.http, path, opts);
  }

  readLog(file: string, since = 0): string {
    return readLog(file, since);
  }

  // ---- states ----

  /**
   * Put the lab into `state` for real and return once its symptoms are observable. The lab is reset
   * to the healthy baseline first, so any state can follow any other.
   */
  async induce<S extends StateName>(state: S, opts?: StateOptions[S]): Promise<Induced<S>> {
    if (this.stopped) throw new Error('lab is stopped');
    if (this.dirty || this.currentState !== undefined) await this.reset();
    this.currentState = state;
    this.dirty = true;
    const impl = STATES[state];
    const details = await impl(this.internals(), (opts ?? {}) as StateOptions[S]);
    return { state, at: new Date(), details, end: () => this.reset() };
  }

  /**
   * Back to the healthy baseline: traffic stopped, FPM restarted with the baseline config (which
   * also frees stuck workers), the web server restored if a state changed it, and — unless
   * `truncateLogs: false` — every lab log emptied so the next state's evidence stands alone.
   */
  async reset(opts: { truncateLogs?: boolean } = {}): Promise<void> {
    await Promise.all([...this.traffics].map((t) => t.stop()));
    this.traffics.clear();
    this.blackholeServer.hangUpAll();
    await this.fpmServer.stop();
    // A master someone else started on this config would hold the sockets the baseline needs.
    await stopStrayFpm(this.dir, this.strayConf());
    for (const hook of this.resetHooks.splice(0)) await hook();
    const webBase = this.baselineWeb();
    const webChanged =
      JSON.stringify(webBase) !== JSON.stringify(this.webServer.spec) || !this.webServer.master;
    if (webChanged) await this.webServer.stop();
    if (opts.truncateLogs ?? true) this.truncateLogs();
    this.fpmServer.writeConfig(this.baselineFpm());
    await this.fpmServer.start();
    if (webChanged) {
      this.webServer.writeConfig(webBase);
      await this.webServer.start();
    }
    this.currentState = undefined;
    this.dirty = false;
  }

  /**
   * Stop FPM and start it again on its config files as they are now (someone patched them): what
   * an engineer does for a listen.* change, which a reload does not apply (FPM keeps the sockets it
   * inherits). The next reset writes the baseline again.
   */
  async restartFpmAsConfigured(): Promise<void> {
    await this.fpmServer.stop();
    await this.fpmServer.start();
    this.dirty = true;
  }

  /** Kill everything the lab started and remove its cgroup and (unless keepDir) its directory. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([...this.traffics].map((t) => t.stop()));
    await this.blackholeServer.stop();
    await this.fpmServer.stop().catch(() => {});
    await stopStrayFpm(this.dir, this.strayConf()).catch(() => []);
    await this.webServer.stop().catch(() => {});
    for (const hook of this.resetHooks.splice(0)) await Promise.resolve(hook()).catch(() => {});
    this.destroySync();
  }

  /** @internal Synchronous teardown for the exit hook; also the tail of stop(). */
  destroySync(): void {
    liveLabs.delete(this);
    destroyLabSync({ ...this.record(), keepDir: this.options.keepDir ?? false });
  }

  // ---- internals ----

  /** A layout's config outside the directory names this lab's masters only while the layout is ours. */
  private strayConf(): string | undefined {
    return ownsLayout(this.paths.layout.links, this.dir) ? this.paths.fpmConf : undefined;
  }

  private baselineFpm(): FpmSpec {
    return baselineFpm(this.paths, this.ports.tcppool, this.blackholeServer.url);
  }

  private baselineWeb(): WebSpec {
    return {
      port: this.ports.http,
      readTimeoutSec: WEB_DEFAULTS.readTimeoutSec,
      upstreams: {
        unixpool: this.paths.socket('unixpool'),
        tcppool: `127.0.0.1:${this.ports.tcppool}`,
        odpool: this.paths.socket('odpool'),
      },
    };
  }

  private truncateLogs(): void {
    for (const f of readdirSync(this.paths.log)) {
      try {
        truncateSync(join(this.paths.log, f), 0);
      } catch {
        // Removed meanwhile.
      }
    }
  }

  private record(): LabRecord {
    const groups = [this.fpmServer.lastMaster, this.webServer.lastMaster].filter((r) => r !== undefined);
    const owner = procRef(process.pid) ?? { pid: process.pid, startTicks: -1 };
    return {
      owner,
      dir: this.dir,
      groups,
      fpmConf: this.paths.fpmConf,
      links: this.paths.layout.links,
      ...(this.cgroup ? { cgroup: this.cgroup } : {}),
    };
  }

  private writeRecord(): void {
    if (this.stopped) return;
    try {
      writeRecord(this.paths.state, this.record());
    } catch {
      // The directory is being removed.
    }
  }

  private internals(): LabInternals {
    return {
      id: this.id,
      paths: this.paths,
      fpm: this.fpmServer,
      web: this.webServer,
      blackholeAddress: this.blackholeServer.address,
      baselineFpm: () => this.baselineFpm(),
      baselineWeb: () => this.baselineWeb(),
      restartFpm: async (spec) => {
        await this.fpmServer.stop();
        this.fpmServer.writeConfig(spec);
        await this.fpmServer.start();
      },
      restartWeb: (spec) => this.webServer.restart(spec),
      traffic: (opts: TrafficOptions) => {
        const t = new Traffic(this.ports.http, opts);
        this.traffics.add(t);
        void t.done.then(() => this.traffics.delete(t));
        return t;
      },
      get: (path, opts) => this.get(path, opts),
      onReset: (fn) => {
        this.resetHooks.push(fn);
      },
      recordCgroup: (cg) => {
        this.cgroup = cg;
        this.writeRecord();
      },
    };
  }
}

export { POOL_NAMES };
