/**
 * Where a lab's FPM and web server live on the host, as each distribution lays them out (issue 11).
 *
 * The default, `lab`, keeps every file under the lab's own directory. The others put the lab at a
 * distribution's real paths, so that discovery meets what it meets on such a host: the master's
 * title names /etc/php-fpm.conf, the binary is /usr/sbin/php-fpm82, the pool runs as `apache`.
 * Their system paths are links into the lab's directory (symlinks for files and directories, a hard
 * link for a binary, so /proc/PID/exe and the kernel's comm carry the distribution's name), made at
 * start and removed by the lab's teardown, the stale-lab clean-up included. Only one lab per layout
 * can run at a time on a machine: a second one is refused with the first one's directory.
 *
 *   layout  FPM binary            config                       sockets          logs               pool user
 *   rhel    /usr/sbin/php-fpm     /etc/php-fpm.conf,           /run/php-fpm/    /var/log/php-fpm/  apache
 *                                 /etc/php-fpm.d/*.conf
 *           Apache as /usr/sbin/httpd, /etc/httpd/conf/httpd.conf + /etc/httpd/conf.d/php.conf
 *   remi    /opt/remi/php82/root/usr/sbin/php-fpm  /etc/opt/remi/php82/php-fpm.conf and php-fpm.d/,
 *           /var/opt/remi/php82/run/php-fpm/, /var/opt/remi/php82/log/php-fpm/, apache (Remi's SCL)
 *   alpine  /usr/sbin/php-fpm82   /etc/php82/php-fpm.conf,     /run/php-fpm82/  /var/log/php82/    nobody
 *                                 /etc/php82/php-fpm.d/*.conf
 */
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

export type LabLayoutName = 'lab' | 'rhel' | 'remi' | 'alpine';

/** Debian's binaries, which every layout runs (under its own name where the layout has one). */
export const DEBIAN_FPM_BIN = '/usr/sbin/php-fpm8.2';
export const DEBIAN_APACHE_BIN = '/usr/sbin/apache2';

/** A system path the layout puts in place: a symlink to a directory or file in the lab, or a hard link to a binary. */
export interface LayoutLink {
  path: string;
  target: string;
  kind: 'dir' | 'file' | 'binary';
  /** The top directory that holds `path` and may have to be created (Remi's /opt/remi); pruned when empty. */
  under?: string;
}

export interface LabLayout {
  name: LabLayoutName;
  fpmBin: string;
  apacheBin: string;
  /** The pools' `user =`: what the distribution's own www.conf sets (`group =` is left to FPM: the user's group). */
  poolUser: string;
  /** Where FPM's files are, as the host shows them; the log names are those of the distribution's own config. */
  fpm: {
    conf: string;
    poolDir: string;
    phpIni: string;
    run: string;
    log: string;
    errorLog: string;
    poolLog(pool: string, kind: 'slow' | 'access'): string;
  };
  /** Apache's main file and the directory of the files it includes (RHEL's conf.d), if split. */
  apache: { conf: string; includeDir?: string };
  links: LayoutLink[];
}

/** The layout of a lab in `dir`, whose own files sit in etc/, run/ and log/ (paths.ts). */
export function labLayout(name: LabLayoutName, dir: string): LabLayout {
  const etc = join(dir, 'etc');
  const run = join(dir, 'run');
  const log = join(dir, 'log');
  // RHEL's and Remi's www.conf name them /var/log/php-fpm/www-slow.log; Alpine's leaves them to the pool.
  const dotted = (at: string) => (pool: string, kind: string) => join(at, `${pool}.${kind}.log`);
  const dashed = (at: string) => (pool: string, kind: string) => join(at, `${pool}-${kind}.log`);
  const own = {
    fpm: {
      conf: join(etc, 'php-fpm.conf'),
      poolDir: join(etc, 'pool.d'),
      phpIni: join(etc, 'php.ini'),
      run,
      log,
      errorLog: join(log, 'php-fpm.log'),
      poolLog: dotted(log),
    },
    apache: { conf: join(etc, 'apache2.conf') },
  };
  switch (name) {
    case 'lab':
      return {
        name,
        fpmBin: DEBIAN_FPM_BIN,
        apacheBin: DEBIAN_APACHE_BIN,
        poolUser: 'www-data',
        ...own,
        links: [],
      };
    case 'rhel':
      return {
        name,
        fpmBin: '/usr/sbin/php-fpm',
        apacheBin: '/usr/sbin/httpd',
        poolUser: 'apache',
        fpm: {
          conf: '/etc/php-fpm.conf',
          poolDir: '/etc/php-fpm.d',
          phpIni: own.fpm.phpIni,
          run: '/run/php-fpm',
          log: '/var/log/php-fpm',
          errorLog: '/var/log/php-fpm/error.log',
          poolLog: dashed('/var/log/php-fpm'),
        },
        apache: { conf: '/etc/httpd/conf/httpd.conf', includeDir: '/etc/httpd/conf.d' },
        links: [
          { path: '/usr/sbin/php-fpm', target: DEBIAN_FPM_BIN, kind: 'binary' },
          { path: '/usr/sbin/httpd', target: DEBIAN_APACHE_BIN, kind: 'binary' },
          { path: '/etc/php-fpm.conf', target: own.fpm.conf, kind: 'file' },
          { path: '/etc/php-fpm.d', target: own.fpm.poolDir, kind: 'dir' },
          { path: '/run/php-fpm', target: run, kind: 'dir' },
          { path: '/var/log/php-fpm', target: log, kind: 'dir' },
          { path: '/etc/httpd', target: join(etc, 'httpd'), kind: 'dir' },
        ],
      };
    case 'remi': {
      const scl = '/opt/remi/php82';
      const etcScl = '/etc/opt/remi/php82';
      const varScl = '/var/opt/remi/php82';
      return {
        name,
        fpmBin: `${scl}/root/usr/sbin/php-fpm`,
        apacheBin: DEBIAN_APACHE_BIN,
        poolUser: 'apache',
        fpm: {
          conf: `${etcScl}/php-fpm.conf`,
          poolDir: `${etcScl}/php-fpm.d`,
          phpIni: `${etcScl}/php.ini`,
          run: `${varScl}/run/php-fpm`,
          log: `${varScl}/log/php-fpm`,
          errorLog: `${varScl}/log/php-fpm/error.log`,
          poolLog: dashed(`${varScl}/log/php-fpm`),
        },
        apache: own.apache,
        links: [
          { path: etcScl, target: etc, kind: 'dir', under: '/etc/opt/remi' },
          { path: `${varScl}/run/php-fpm`, target: run, kind: 'dir', under: '/var/opt/remi' },
          { path: `${varScl}/log/php-fpm`, target: log, kind: 'dir', under: '/var/opt/remi' },
          {
            path: `${scl}/root/usr/sbin/php-fpm`,
            target: DEBIAN_FPM_BIN,
            kind: 'binary',
            under: '/opt/remi',
          },
        ],
      };
    }
    case 'alpine':
      return {
        name,
        fpmBin: '/usr/sbin/php-fpm82',
        apacheBin: DEBIAN_APACHE_BIN,
        poolUser: 'nobody',
        fpm: {
          conf: '/etc/php82/php-fpm.conf',
          poolDir: '/etc/php82/php-fpm.d',
          phpIni: '/etc/php82/php.ini',
          run: '/run/php-fpm82',
          log: '/var/log/php82',
          errorLog: '/var/log/php82/error.log',
          poolLog: dotted('/var/log/php82'),
        },
        apache: own.apache,
        links: [
          { path: '/usr/sbin/php-fpm82', target: DEBIAN_FPM_BIN, kind: 'binary' },
          { path: '/etc/php82', target: etc, kind: 'dir' },
          { path: '/run/php-fpm82', target: run, kind: 'dir' },
          { path: '/var/log/php82', target: log, kind: 'dir' },
        ],
      };
  }
}

/** The lab directory a link points into ('' for a hard link to the binary), else undefined. */
function labOf(link: LayoutLink): string | undefined {
  try {
    if (link.kind === 'binary') return statSync(link.path).ino === statSync(link.target).ino ? '' : undefined;
    return /^(.*\/fpm-medic-lab-[^/]+)/.exec(readlinkSync(link.path))?.[1];
  } catch {
    return undefined;
  }
}

function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Put the layout's links in place. A path held by something else (a real installation) or by a
 * running lab is never touched: the lab refuses to start and nothing is changed. A link left by a
 * lab whose directory is gone is replaced.
 */
export function installLayout(layout: LabLayout, dir: string): void {
  for (const link of layout.links.filter((l) => present(l.path))) {
    const owner = labOf(link);
    if (owner === undefined)
      throw new Error(`the ${layout.name} lab layout needs ${link.path}, which this machine already has`);
    if (owner !== '' && owner !== dir && existsSync(owner))
      throw new Error(`a lab with the ${layout.name} layout already runs in ${owner} (${link.path})`);
  }
  // Binaries last: a lab whose links are only half made owns no binary (removeLayoutSync).
  const ordered = [
    ...layout.links.filter((l) => l.kind !== 'binary'),
    ...layout.links.filter((l) => l.kind === 'binary'),
  ];
  for (const link of ordered) {
    rmSync(link.path, { force: true });
    if (link.under) mkdirSync(dirname(link.path), { recursive: true, mode: 0o755 });
    if (link.kind === 'binary') {
      linkSync(link.target, link.path);
      continue;
    }
    mkdirSync(link.kind === 'dir' ? link.target : dirname(link.target), { recursive: true, mode: 0o755 });
    symlinkSync(link.target, link.path);
  }
}

/**
 * Whether the layout's paths are this lab's: only then are masters running its config (which is
 * outside the lab's directory) this lab's to stop. A lab refused at start, or one whose paths another
 * lab has taken over since, must leave those masters alone.
 */
export function ownsLayout(links: readonly LayoutLink[], dir: string): boolean {
  const own = links.filter((l) => l.kind !== 'binary');
  return own.length > 0 && own.every((l) => labOf(l) === dir);
}

/**
 * Remove the links that are still this lab's (synchronous: it runs from the exit hook too). A
 * binary is shared by every lab of the layout, so it goes only with a layout the lab owns: a lab
 * refused at start must not pull the binary from under the running one.
 */
export function removeLayoutSync(links: readonly LayoutLink[], dir: string): void {
  const owned = ownsLayout(links, dir);
  for (const link of links) {
    const owner = labOf(link);
    if (owner === dir || (owner === '' && owned)) rmSync(link.path, { force: true });
    if (link.under) pruneEmpty(dirname(link.path), link.under);
  }
}

/** rmdir `from` and its parents up to `top` while they are empty: never anything that holds a file. */
function pruneEmpty(from: string, top: string): void {
  for (let d = from; d === top || d.startsWith(`${top}/`); d = dirname(d)) {
    try {
      rmdirSync(d);
    } catch {
      return;
    }
  }
}
