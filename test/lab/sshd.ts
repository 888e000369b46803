/**
 * A real OpenSSH sshd for transport tests: its own temp dir, keys, config and free port on
 * 127.0.0.1, running in the foreground as our child. Several can run at once (jump host tests).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';

// Last line of defence when a run ends without afterAll (uncaught error, process.exit()), as for
// the lab: sshd and its sessions are our children, not detached, but they outlive us otherwise.
const liveSshds = new Map<string, () => void>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const destroy of liveSshds.values()) destroy();
  });
}

function childPidsSync(ppid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) out.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export interface SshdLab {
  readonly address: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  readonly dir: string;
  readonly hostKeyPath: string;
  /** `ssh-ed25519 AAAA...` (no comment). */
  readonly hostPublicKey: string;
  readonly clientKeyPath: string;
  /** Pins this sshd's host key as `[127.0.0.1]:PORT`. */
  readonly knownHostsPath: string;
  /** sshd's stderr so far (-e), for assertion messages. */
  log(): string;
  /** Pids of the per-connection sshd processes (children of the listener). */
  sessionPids(): Promise<number[]>;
  /** The listener's pid while it runs: its reaped children's CPU is what the sessions cost. */
  listenerPid(): number | undefined;
  /** Kills every per-connection sshd process: clients see their connection drop. */
  killSessions(): Promise<void>;
  /** Stops the listener and all sessions but keeps keys and port, for startDaemon(). */
  stopDaemon(): Promise<void>;
  /** Starts sshd again on the same port with the same keys. */
  startDaemon(): Promise<void>;
  /** Stops everything and removes the temp dir. */
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Extra sshd_config lines. */
  extraConfig?: string[];
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

/** Resolves when something on the port sends an SSH banner; polls until the deadline. */
export async function waitForSshBanner(
  port: number,
  timeoutMs: number,
  isDead?: () => string | null,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const dead = isDead?.();
    if (dead) throw new Error(dead);
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      const timer = setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 1000);
      s.once('data', (d) => {
        clearTimeout(timer);
        last = d.toString('latin1');
        s.destroy();
        resolve(last.startsWith('SSH-2.0-'));
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        last = e.message;
        resolve(false);
      });
      s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd on port ${port} did not answer within ${timeoutMs} ms (last: ${last})`);
}

export async function keygen(path: string, comment = 'fpm-medic-lab'): Promise<string> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  const pub = (await readFile(`${path}.pub`, 'utf8')).trim().split(/\s+/);
  return `${pub[0]} ${pub[1]}`;
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

async function childrenOf(pid: number): Promise<number[]> {
  try {
    const { stdout } = await run('pgrep', ['-P', String(pid)]);
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((s) => Number(s));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

export async function startSshd(options: SshdOptions = {}): Promise<SshdLab> {
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(tmpdir(), 'fpm-medic-sshd-'));
  const hostKeyPath = join(dir, 'ssh_host_ed25519_key');
  const clientKeyPath = join(dir, 'id_ed25519');
  const knownHostsPath = join(dir, 'known_hosts');
  const authorizedKeys = join(dir, 'authorized_keys');
  const configPath = join(dir, 'sshd_config');
  const [hostPublicKey, clientPublicKey] = await Promise.all([
    keygen(hostKeyPath, 'lab-host'),
    keygen(clientKeyPath, 'lab-client'),
  ]);
  // sshd reads authorized_keys as the user logging in: readable by all (a public key), in a
  // directory others may enter, so the lab's non-root users (users.ts) log in with the same key.
  // The private keys beside it stay 0600.
  await chmod(dir, 0o755);
  await writeFile(authorizedKeys, `${clientPublicKey}\n`, { mode: 0o644 });

  let port = 0;
  let child: ChildProcess | null = null;
  let log = '';
  installExitHook();
  liveSshds.set(dir, () => {
    const c = child as ChildProcess | null;
    if (c?.pid) {
      for (const pid of [...childPidsSync(c.pid), c.pid]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const writeConfig = async (): Promise<void> => {
    // sshd takes the first value of a keyword, so extra lines go first to override defaults.
    const lines = [
      ...(options.extraConfig ?? []),
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyPath}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PrintMotd no',
      'LogLevel VERBOSE',
    ];
    await writeFile(configPath, `${lines.join('\n')}\n`);
  };

  const launch = async (): Promise<void> => {
    await writeConfig();
    const c = spawn(SSHD, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    let exitInfo: string | null = null;
    c.on('exit', (code, sig) => {
      exitInfo = `sshd exited (code ${code}, signal ${sig}): ${log.trim().split('\n').slice(-3).join(' | ')}`;
    });
    await waitForSshBanner(port, 10_000, () => exitInfo);
  };

  // Another process may take the port between freePort() and sshd's bind: retry on a new one.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (err) {
      const c = child as ChildProcess | null;
      if (c) {
        c.kill('SIGKILL');
        await exited(c, 5000);
      }
      if (attempt >= 5) {
        liveSshds.delete(dir);
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  await writeFile(knownHostsPath, `[127.0.0.1]:${port} ${hostPublicKey}\n`);

  const sessionPids = async (): Promise<number[]> => {
    const c = child as ChildProcess | null;
    return c?.pid ? childrenOf(c.pid) : [];
  };
  const killSessions = async (): Promise<void> => {
    for (const pid of await sessionPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  };
  const stopDaemon = async (): Promise<void> => {
    const c = child as ChildProcess | null;
    if (!c) return;
    const sessions = await sessionPids();
    c.kill('SIGTERM');
    if (!(await exited(c, 5000))) {
      c.kill('SIGKILL');
      await exited(c, 5000);
    }
    // With -D the listener's death does not end running sessions; the lab must not leak them.
    for (const pid of sessions) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    child = null;
  };

  return {
    address: '127.0.0.1',
    port,
    user: 'root',
    dir,
    hostKeyPath,
    hostPublicKey,
    clientKeyPath,
    knownHostsPath,
    log: () => log,
    sessionPids,
    listenerPid: () => (child as ChildProcess | null)?.pid,
    killSessions,
    stopDaemon,
    startDaemon: async () => {
      if (!child) await launch();
    },
    stop: async () => {
      await stopDaemon();
      liveSshds.delete(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
