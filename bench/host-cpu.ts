import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { SshdLab } from '../test/lab/sshd.js';

/**
 * What a diagnosis costs the host: the CPU of every sshd session it opened and all they ran
 * (shells, probes, php-fpm -tt, nginx -T), read from the kernel as the lab sshd listener's own
 * and reaped children's time (/proc/PID/stat utime, stime, cutime, cstime) before and after, once
 * every session has ended and been reaped.
 */
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function listenerCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14-17 of stat(5), counted from 1; f[0] is field 3.
  const ticks = [11, 12, 13, 14].reduce((n, i) => n + Number(f[i]), 0);
  return (ticks * 1000) / CLK_TCK;
}

/** Until the listener has no session left (each reaped): a bench may wait on the kernel. */
async function sessionsReaped(sshd: SshdLab): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await sshd.sessionPids()).length === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('sshd sessions did not end within 5 s');
}

export interface HostCost {
  cpuMs: number;
  /** Bytes the client read back, when the measured function says. */
  bytes?: number;
}

/** The host CPU of one run of `fn` (which must close its connections before it resolves). */
export async function hostCpu(sshd: SshdLab, fn: () => Promise<number | undefined>): Promise<HostCost> {
  const pid = sshd.listenerPid();
  if (!pid) throw new Error('sshd is not running');
  await sessionsReaped(sshd);
  const before = listenerCpuMs(pid);
  const bytes = await fn();
  await sessionsReaped(sshd);
  return { cpuMs: listenerCpuMs(pid) - before, ...(bytes !== undefined ? { bytes } : {}) };
}

/** Medians over `runs` alternating runs of each, after a warm-up of each. */
export async function pairedHostCpu(
  sshd: SshdLab,
  runs: number,
  fns: readonly (() => Promise<number | undefined>)[],
): Promise<HostCost[]> {
  for (const fn of fns) await hostCpu(sshd, fn);
  const got: HostCost[][] = fns.map(() => []);
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? fns.map((_, j) => j) : fns.map((_, j) => fns.length - 1 - j);
    for (const j of order) got[j]!.push(await hostCpu(sshd, fns[j]!));
  }
  return got.map((costs) => {
    const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const bytes = costs.map((c) => c.bytes).filter((b): b is number => b !== undefined);
    return { cpuMs: mid(costs.map((c) => c.cpuMs)), ...(bytes.length ? { bytes: mid(bytes) } : {}) };
  });
}
