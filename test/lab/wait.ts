import { readFileSync, statSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export class LabTimeoutError extends Error {
  override name = 'LabTimeoutError';
}

/** Thrown from a waitFor probe when waiting longer cannot help (the process died): ends the wait at once. */
export class WaitAborted extends Error {
  override name = 'WaitAborted';
}

/**
 * Poll until `probe` returns something other than undefined/false. Synchronisation in the lab is
 * always "until this condition holds, or give up with a message that says what was awaited".
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  opts: { timeoutMs?: number; intervalMs?: number; detail?: () => string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      if (e instanceof WaitAborted) throw e;
      lastError = e;
    }
    if (Date.now() > deadline) {
      const extra = opts.detail ? `\n${opts.detail()}` : '';
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new LabTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}${cause}${extra}`);
    }
    await delay(intervalMs);
  }
}

/** A position in a log file, so waits only look at what was written after it. */
export interface LogMark {
  file: string;
  offset: number;
}

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export function markLog(file: string): LogMark {
  return { file, offset: fileSize(file) };
}

export function readLog(file: string, since = 0): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return '';
  }
  // A truncated file (lab reset) makes an old mark point past the end: read from the start then.
  return buf.subarray(since > buf.length ? 0 : since).toString('utf8');
}

export function linesMatching(text: string, re: RegExp): string[] {
  return text.split('\n').filter((l) => re.test(l));
}

/** Wait until at least `count` lines written to `file` after `since` match `re`; returns those lines. */
export function waitForLines(
  file: string,
  re: RegExp,
  opts: { since?: number; count?: number; timeoutMs?: number } = {},
): Promise<string[]> {
  const count = opts.count ?? 1;
  return waitFor(
    `${count}× /${re.source}/ in ${file}`,
    () => {
      const lines = linesMatching(readLog(file, opts.since ?? 0), re);
      return lines.length >= count ? lines : undefined;
    },
    {
      timeoutMs: opts.timeoutMs ?? 15_000,
      detail: () =>
        `--- tail of ${file} ---\n${readLog(file, opts.since ?? 0)
          .split('\n')
          .slice(-15)
          .join('\n')}`,
    },
  );
}
