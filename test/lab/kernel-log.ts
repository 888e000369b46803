import { readFileSync } from 'node:fs';
import { run } from './proc.js';
import { linesMatching, waitFor } from './wait.js';

/**
 * The kernel's unhandled-signal messages (`php-fpm8.2[pid]: segfault at …` from show_signal_msg(),
 * `traps: …` from do_trap()/do_general_protection()) are gated by printk_ratelimit(): one shared,
 * machine-wide budget of `kernel.printk_ratelimit_burst` (10) messages per
 * `kernel.printk_ratelimit` (5) seconds. A crash inside a window whose budget is spent leaves no
 * line at all (later: `show_signal_msg: N callbacks suppressed`). Measured in the lab: 12 crashes in
 * 2 s, the last two had no line.
 *
 * A window lasts `interval` seconds from the call that opened it, so every message printed in the
 * current window is among those printed in the last `interval` seconds. While fewer than `burst`
 * were printed in that span, the next one is printed, whether the window is still open or expires.
 */
const RATELIMITED =
  /^\[\s*(\d+\.\d+)\] (?:\S+\[\d+\]: segfault at |traps: |\S+\[\d+\] trap |\S+\[\d+\] general protection)/;

export async function dmesgText(): Promise<string> {
  const { code, stdout, stderr } = await run('dmesg', []);
  if (code !== 0) throw new Error(`dmesg failed (${code}): ${stderr.trim()}`);
  return stdout;
}

const STAMP = /^\[\s*(\d+\.\d+)\] /;

/**
 * The first kernel line matching `re` printed at or after `sinceSec` (a kernelNowSec() reading).
 * Without the bound a pid-based pattern can hit an older process: pid_max is often 32768.
 */
export async function dmesgLine(re: RegExp, sinceSec = 0): Promise<string | undefined> {
  return linesMatching(await dmesgText(), re).find((l) => Number(STAMP.exec(l)?.[1] ?? 0) >= sinceSec);
}

function sysctlNumber(name: string, fallback: number): number {
  try {
    const v = Number(readFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8').trim());
    return Number.isFinite(v) ? v : fallback;
  } catch {
    return fallback;
  }
}

/** printk timestamps are local_clock(), which counts like CLOCK_MONOTONIC (both exclude suspend). */
export function kernelNowSec(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/**
 * Wait until the printk_ratelimit() budget has room, so that the next unhandled-signal message is
 * printed for sure. Two messages of margin for crashes elsewhere on the machine meanwhile.
 */
export async function waitForPrintkRatelimitBudget(): Promise<void> {
  const intervalSec = sysctlNumber('kernel.printk_ratelimit', 5);
  const burst = sysctlNumber('kernel.printk_ratelimit_burst', 10);
  if (intervalSec <= 0) return; // rate limiting switched off
  // Half a second of margin for the two clocks and jiffies granularity.
  const spanSec = intervalSec + 0.5;
  const allowed = Math.max(1, burst - 2);
  let recent = 0;
  await waitFor(
    `fewer than ${allowed} rate-limited kernel messages in the last ${spanSec} s (printk_ratelimit budget)`,
    async () => {
      const now = kernelNowSec();
      recent = (await dmesgText())
        .split('\n')
        .map((l) => RATELIMITED.exec(l)?.[1])
        .filter((s) => s !== undefined && now - Number(s) < spanSec).length;
      return recent < allowed;
    },
    { timeoutMs: (spanSec + 10) * 1000, intervalMs: 250, detail: () => `${recent} in the last ${spanSec} s` },
  );
}
