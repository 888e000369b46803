import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { renderApacheConf } from './apache-config.js';
import { renderFastcgiParams, renderNginxConf } from './nginx-config.js';
import type { LabPaths } from './paths.js';
import {
  type Daemon,
  isAlive,
  killGroup,
  membersOfGroup,
  type ProcRef,
  signal,
  spawnDaemon,
} from './proc.js';
import { markLog, readLog, WaitAborted, waitFor } from './wait.js';
import type { WebKind, WebSpec } from './web-spec.js';

export const NGINX_BIN = '/usr/sbin/nginx';

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** nginx or Apache in the foreground, as the lab's child, in its own process group. */
export class WebServer {
  private daemon: Daemon | undefined;
  spec: WebSpec;

  constructor(
    readonly kind: WebKind,
    private readonly paths: LabPaths,
    spec: WebSpec,
    private readonly onProcessChange: () => void,
  ) {
    this.spec = spec;
  }

  get master(): ProcRef | undefined {
    return this.daemon && !this.daemon.hasExited() ? this.daemon.ref : undefined;
  }

  get lastMaster(): ProcRef | undefined {
    return this.daemon?.ref;
  }

  get errorLog(): string {
    return this.kind === 'nginx' ? this.paths.nginxErrorLog : this.paths.apacheErrorLog;
  }

  get accessLog(): string {
    return this.kind === 'nginx' ? this.paths.nginxAccessLog : this.paths.apacheAccessLog;
  }

  get configFile(): string {
    return this.kind === 'nginx' ? this.paths.nginxConf : this.paths.apacheConf;
  }

  writeConfig(spec: WebSpec): void {
    this.spec = spec;
    if (this.kind === 'nginx') {
      writeFileSync(this.paths.nginxParams, renderFastcgiParams());
      writeFileSync(this.paths.nginxConf, renderNginxConf(spec, this.paths));
    } else {
      for (const [file, text] of renderApacheConf(spec, this.paths)) writeFileSync(file, text);
    }
  }

  async start(): Promise<ProcRef> {
    if (this.master) throw new Error(`${this.kind} is already running in this lab`);
    const stdioMark = markLog(this.paths.webStdio);
    const errMark = markLog(this.errorLog);
    const d =
      this.kind === 'nginx'
        ? spawnDaemon(
            NGINX_BIN,
            ['-c', this.paths.nginxConf, '-e', this.paths.nginxErrorLog, '-g', 'daemon off;'],
            this.paths.webStdio,
            this.paths.dir,
          )
        : spawnDaemon(
            this.paths.layout.apacheBin,
            ['-d', this.paths.dir, '-f', this.paths.apacheConf, '-DFOREGROUND'],
            this.paths.webStdio,
            this.paths.dir,
          );
    this.daemon = d;
    this.onProcessChange();
    const why = () =>
      `${readLog(this.paths.webStdio, stdioMark.offset)}\n${readLog(this.errorLog, errMark.offset)}`.trim();
    await waitFor(
      `${this.kind} to listen on 127.0.0.1:${this.spec.port}`,
      async () => {
        if (d.hasExited()) throw new WaitAborted(`${this.kind} exited at start-up: ${why()}`);
        return portAccepts(this.spec.port);
      },
      { timeoutMs: 15_000, detail: why },
    ).catch((e: unknown) => {
      killGroup(d.ref);
      throw e;
    });
    return d.ref;
  }

  async stop(graceMs = 5_000): Promise<void> {
    const d = this.daemon;
    if (!d) return;
    if (!d.hasExited()) {
      // Fast shutdown for both (nginx: SIGTERM; httpd: SIGTERM = "-k stop").
      signal(d.ref.pid, 'SIGTERM');
      await Promise.race([d.exited, new Promise((r) => setTimeout(r, graceMs))]);
    }
    killGroup(d.ref, 'SIGKILL');
    await waitFor(
      `${this.kind} processes to exit`,
      () => membersOfGroup(d.ref.pid).length === 0 && !isAlive(d.ref),
      {
        timeoutMs: 10_000,
        intervalMs: 50,
      },
    );
    await d.exited;
    this.onProcessChange();
  }

  async restart(spec: WebSpec): Promise<void> {
    await this.stop();
    this.writeConfig(spec);
    await this.start();
  }
}
