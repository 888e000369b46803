import { randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { SshTarget } from '../../../src/transport/ssh-target.js';
import type { SshdLab } from '../../lab/sshd.js';

export function labTarget(lab: SshdLab, overrides: Partial<SshTarget> = {}): SshTarget {
  return {
    host: `lab-${lab.port}`,
    address: lab.address,
    port: lab.port,
    user: lab.user,
    privateKeyPath: lab.clientKeyPath,
    knownHostsPath: lab.knownHostsPath,
    connectTimeoutMs: 5_000,
    ...overrides,
  };
}

/**
 * A sleep duration no other process on the machine uses, so /proc can tell our test's processes
 * apart from everyone else's (sshd runs on this machine, so remote processes are local ones).
 */
export function uniqueSleep(): string {
  return `600.${randomInt(100_000, 999_999)}`;
}

/** Pids whose argv contains exactly `arg`. */
export function pidsWithArg(arg: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0');
      // Zombies have an empty cmdline; only live processes count.
      if (argv.includes(arg)) pids.push(Number(name));
    } catch {
      // exited between readdir and read
    }
  }
  return pids;
}

/**
 * The unique sleeps a test file starts on the host (`next()`), killed after each test
 * (`afterEach(() => sleeps.killAll())`) so a failed test leaves nothing running.
 */
export function sleepTracker(): { next(): string; killAll(): void } {
  const started: string[] = [];
  return {
    next() {
      const s = uniqueSleep();
      started.push(s);
      return s;
    },
    killAll() {
      for (const s of started.splice(0)) killPidsWithArg(s);
    },
  };
}

/** Cleanup for a failed test: kills only the processes carrying our unique argument. */
export function killPidsWithArg(arg: string): void {
  for (const pid of pidsWithArg(arg)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

export async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** How many public-key logins sshd has accepted so far (one per SSH connection). */
export function loginCount(lab: SshdLab): number {
  return lab
    .log()
    .split('\n')
    .filter((l) => l.includes('Accepted publickey')).length;
}
