import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FpmSpec, type PoolName, renderFpmConf, renderPool } from './fpm-config.js';
import type { LabPaths } from './paths.js';
import {
  childrenOf,
  type Daemon,
  isAlive,
  killGroup,
  membersOfGroup,
  type ProcRef,
  readCmdline,
  signal,
  spawnDaemon,
} from './proc.js';
import { markLog, readLog, WaitAborted, waitFor } from './wait.js';

export interface FpmWorker {
  pid: number;
  pool: PoolName;
}

/** One php-fpm master (Debian's php-fpm8.2, under the layout's name), run in the foreground as the lab's child, in its own process group. */
export class Fpm {
  private daemon: Daemon | undefined;
  spec: FpmSpec;

  constructor(
    private readonly paths: LabPaths,
    spec: FpmSpec,
    private readonly onProcessChange: () => void,
  ) {
    this.spec = spec;
  }

  get master(): ProcRef | undefined {
    return this.daemon && !this.daemon.hasExited() ? this.daemon.ref : undefined;
  }

  /** The last master started, even if it is dead now (stale-lab cleanup needs its group id). */
  get lastMaster(): ProcRef | undefined {
    return this.daemon?.ref;
  }

  writeConfig(spec: FpmSpec): void {
    this.spec = spec;
    mkdirSync(spec.poolDir, { recursive: true });
    for (const f of readdirSync(spec.poolDir)) rmSync(join(spec.poolDir, f));
    writeFileSync(this.paths.fpmConf, renderFpmConf(spec));
    for (const pool of spec.pools) writeFileSync(this.paths.poolConf(pool.name), renderPool(pool));
  }

  /** Start the master and return once it logged "ready to handle connections". */
  async start(): Promise<ProcRef> {
    if (this.master) throw new Error('php-fpm is already running in this lab');
    const mark = markLog(this.paths.fpmLog);
    const d = spawnDaemon(
      this.paths.layout.fpmBin,
      ['--nodaemonize', '-y', this.paths.fpmConf, '-c', this.paths.phpIni],
      this.paths.fpmStdio,
      this.paths.dir,
    );
    this.daemon = d;
    this.onProcessChange();
    await waitFor(
      'php-fpm to be ready',
      () => {
        if (d.hasExited()) {
          // Errors before the log is open (a bad -c, a busy socket) go to stdio, not the log.
          throw new WaitAborted(
            `php-fpm exited at start-up:\n${readLog(this.paths.fpmLog, mark.offset)}\n` +
              `stdio:\n${readLog(this.paths.fpmStdio).slice(-2000)}`,
          );
        }
        return /NOTICE: ready to handle connections/.test(readLog(this.paths.fpmLog, mark.offset));
      },
      { timeoutMs: 15_000, detail: () => readLog(this.paths.fpmLog, mark.offset) },
    ).catch((e: unknown) => {
      killGroup(d.ref);
      throw e;
    });
    return d.ref;
  }

  /**
   * Stop like a service manager: SIGTERM ("Terminating ...", workers killed, sockets unlinked), then
   * SIGKILL for anything still in the group after the grace period.
   */
  async stop(graceMs = 10_000): Promise<void> {
    const d = this.daemon;
    if (!d) return;
    if (!d.hasExited()) {
      signal(d.ref.pid, 'SIGTERM');
      await Promise.race([d.exited, new Promise((r) => setTimeout(r, graceMs))]);
    }
    await this.killRemaining(d.ref);
    this.onProcessChange();
  }

  /** The whole group gets SIGKILL at once: no clean-up runs, so unix socket files stay behind. */
  async kill9(): Promise<void> {
    const d = this.daemon;
    if (!d) return;
    await this.killRemaining(d.ref);
    this.onProcessChange();
  }

  private async killRemaining(ref: ProcRef): Promise<void> {
    killGroup(ref, 'SIGKILL');
    await waitFor('php-fpm processes to exit', () => membersOfGroup(ref.pid).length === 0 && !isAlive(ref), {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    await this.daemon?.exited;
  }

  workers(pool?: PoolName): FpmWorker[] {
    const m = this.master;
    if (!m) return [];
    const out: FpmWorker[] = [];
    for (const c of childrenOf(m.pid)) {
      const match = /^php-fpm: pool (\S+)/.exec(readCmdline(c.pid));
      const name = match?.[1] as PoolName | undefined;
      if (name && (!pool || name === pool)) out.push({ pid: c.pid, pool: name });
    }
    return out;
  }
}
