import { join } from 'node:path';
import type { PoolName } from './fpm-config.js';

/** Every file a lab writes, all under its own directory: nothing in /etc, /run or /var/log is touched. */
export interface LabPaths {
  dir: string;
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

export function labPaths(dir: string): LabPaths {
  const etc = join(dir, 'etc');
  const run = join(dir, 'run');
  const log = join(dir, 'log');
  return {
    dir,
    etc,
    run,
    log,
    www: join(dir, 'www'),
    tmp: join(dir, 'tmp'),
    state: join(dir, 'lab.json'),
    fpmConf: join(etc, 'php-fpm.conf'),
    poolDir: join(etc, 'pool.d'),
    phpIni: join(etc, 'php.ini'),
    fpmPid: join(run, 'php-fpm.pid'),
    fpmLog: join(log, 'php-fpm.log'),
    fpmStdio: join(log, 'php-fpm.stdio.log'),
    nginxConf: join(etc, 'nginx.conf'),
    nginxParams: join(etc, 'fastcgi_params'),
    nginxPid: join(run, 'nginx.pid'),
    nginxErrorLog: join(log, 'nginx-error.log'),
    nginxAccessLog: join(log, 'nginx-access.log'),
    apacheConf: join(etc, 'apache2.conf'),
    apachePid: join(run, 'apache2.pid'),
    apacheErrorLog: join(log, 'apache-error.log'),
    apacheAccessLog: join(log, 'apache-access.log'),
    webStdio: join(log, 'web.stdio.log'),
    socket: (pool) => join(run, `${pool}.sock`),
    poolConf: (pool) => join(etc, 'pool.d', `${pool}.conf`),
    accessLog: (pool) => join(log, `${pool}.access.log`),
    slowLog: (pool) => join(log, `${pool}.slow.log`),
  };
}
