import { join } from 'node:path';
import type { PoolName } from './fpm-config.js';
import { type LabLayout, type LabLayoutName, labLayout } from './layout.js';

/**
 * Every file a lab writes, all under its own directory. With a distribution's layout (layout.ts)
 * FPM's paths are that distribution's, links into the same directory.
 */
export interface LabPaths {
  dir: string;
  layout: LabLayout;
  etc: string;
  run: string;
  log: string;
  www: string;
  tmp: string;
  state: string;
  fpmConf: string;
  poolDir: string;
  phpIni: string;
  fpmPid: string;
  fpmLog: string;
  fpmStdio: string;
  nginxConf: string;
  nginxParams: string;
  nginxPid: string;
  nginxErrorLog: string;
  nginxAccessLog: string;
  apacheConf: string;
  apachePid: string;
  apacheErrorLog: string;
  apacheAccessLog: string;
  webStdio: string;
  socket(pool: PoolName): string;
  poolConf(pool: PoolName): string;
  accessLog(pool: PoolName): string;
  slowLog(pool: PoolName): string;
}

export function labPaths(dir: string, layoutName: LabLayoutName = 'lab'): LabPaths {
  const etc = join(dir, 'etc');
  const run = join(dir, 'run');
  const log = join(dir, 'log');
  const layout = labLayout(layoutName, dir);
  const fpm = layout.fpm;
  return {
    dir,
    layout,
    etc,
    run,
    log,
    www: join(dir, 'www'),
    tmp: join(dir, 'tmp'),
    state: join(dir, 'lab.json'),
    fpmConf: fpm.conf,
    poolDir: fpm.poolDir,
    phpIni: fpm.phpIni,
    fpmPid: join(fpm.run, 'php-fpm.pid'),
    fpmLog: fpm.errorLog,
    fpmStdio: join(log, 'php-fpm.stdio.log'),
    nginxConf: join(etc, 'nginx.conf'),
    nginxParams: join(etc, 'fastcgi_params'),
    nginxPid: join(run, 'nginx.pid'),
    nginxErrorLog: join(log, 'nginx-error.log'),
    nginxAccessLog: join(log, 'nginx-access.log'),
    apacheConf: layout.apache.conf,
    apachePid: join(run, 'apache2.pid'),
    apacheErrorLog: join(log, 'apache-error.log'),
    apacheAccessLog: join(log, 'apache-access.log'),
    webStdio: join(log, 'web.stdio.log'),
    socket: (pool) => join(fpm.run, `${pool}.sock`),
    poolConf: (pool) => join(fpm.poolDir, `${pool}.conf`),
    accessLog: (pool) => fpm.poolLog(pool, 'access'),
    slowLog: (pool) => fpm.poolLog(pool, 'slow'),
  };
}
