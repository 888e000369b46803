import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';

/** A process identity that survives pid reuse: the pid plus its start time in clock ticks since boot. */
export interface ProcRef {
  pid: number;
  startTicks: number;
}

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgid: number;
  startTicks: number;
}

export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm is in parentheses and may itself contain spaces and parentheses: split at the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: Number(rest[1]),
    pgid: Number(rest[2]),
    startTicks: Number(rest[19]),
  };
}

export function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

export function procRef(pid: number): ProcRef | undefined {
  const st = readStat(pid);
  return st ? { pid, startTicks: st.startTicks } : undefined;
}

/** Alive and still the same process (not a zombie, not a recycled pid). */
export function isAlive(ref: ProcRef | number): boolean {
  const pid = typeof ref === 'number' ? ref : ref.pid;
  const st = readStat(pid);
  if (!st || st.state === 'Z') return false;
  return typeof ref === 'number' || st.startTicks === ref.startTicks;
}

export function listPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

export function childrenOf(ppid: number): ProcStat[] {
  const out: ProcStat[] = [];
  for (const pid of listPids()) {
    const st = readStat(pid);
    if (st && st.ppid === ppid && st.state !== 'Z') out.push(st);
  }
  return out;
}

export function membersOfGroup(pgid: number): ProcStat[] {
  const out: ProcStat[] = [];
  for (const pid of listPids()) {
    const st = readStat(pid);
    if (st && st.pgid === pgid && st.state !== 'Z') out.push(st);
  }
  return out;
}

export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kill a process group we created. Group members are ours while the leader is the process we
 * started, or while the leader pid is gone (FPM workers outlive a killed master; the kernel does not
 * hand out a pid that is still some group's id, so the group cannot have been recycled).
 */
export function killGroup(leader: ProcRef, sig: NodeJS.Signals = 'SIGKILL'): void {
  const st = readStat(leader.pid);
  if (st && st.startTicks !== leader.startTicks) return;
  for (const m of membersOfGroup(leader.pid)) signal(m.pid, sig);
}

export interface Daemon {
  ref: ProcRef;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

/**
 * Start a long-running server in its own process group (so it and every worker it forks can be
 * killed together), with stdout/stderr appended to a file.
 */
export function spawnDaemon(cmd: string, args: string[], stdioFile: string, cwd: string): Daemon {
  const fd = openSync(stdioFile, 'a');
  const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  // Kept referenced: a script using the lab stays alive while the lab runs, and awaiting the exit works.
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, sig) => {
      done = true;
      resolve({ code, signal: sig });
    });
    child.once('error', () => {
      done = true;
      resolve({ code: -1, signal: null });
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${cmd}`);
  const ref = procRef(pid) ?? { pid, startTicks: -1 };
  return { ref, child, exited, hasExited: () => done };
}

export function run(
  cmd: string,
  args: string[],
  timeoutMs = 10_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
