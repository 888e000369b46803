/**
 * apply-config.sh's own phases (its header has the protocol): the files it may write, the backups,
 * the writes and restores, the web server's config test, reload and state.
 */
import type { Section } from '../../../probes/sections.js';
import { type CommandRun, parseCommandRun } from '../steps/parse-command-run.js';
import { lines, num, outputLines, type ProcRef, scriptProblem } from '../steps/parse-common.js';

/** The section `name` for `path`, or the script's reason it has none. */
export function fileResult(
  sections: readonly Section[],
  name: 'file' | 'backup' | 'write' | 'restore',
  path: string,
): { ok: true; attrs: Record<string, string> } | { ok: false; reason: string; problem: string } {
  const s = sections.find((x) => x.kind === 'section' && x.name === name && x.attrs['path'] === path);
  if (s) return { ok: true, attrs: s.attrs };
  const e = sections.find((x) => x.kind === 'error' && x.name === name && x.attrs['path'] === path);
  if (e)
    return { ok: false, reason: e.attrs['reason'] ?? 'error', problem: e.body.trim().split('\n')[0] ?? '' };
  return {
    ok: false,
    reason: 'error',
    problem: scriptProblem(sections) ?? `${name} printed nothing for ${path}`,
  };
}

export interface WebTest {
  ok: boolean;
  ran: boolean;
  rc?: number;
  ms?: number;
  exe?: string;
  /** What nginx -t / apache2 -t said: its error lines when it failed. */
  output: string[];
  problem?: string;
}

export function parseWebTest(sections: readonly Section[]): WebTest {
  const s = sections.find((x) => x.kind === 'section' && x.name === 'web-test');
  if (!s)
    return {
      ok: false,
      ran: false,
      output: [],
      problem: scriptProblem(sections) ?? 'the test printed nothing',
    };
  const rc = num(s.attrs['rc']) ?? 1;
  const t: WebTest = {
    ok: rc === 0,
    ran: true,
    rc,
    ms: num(s.attrs['ms']) ?? 0,
    output: outputLines(s.body),
  };
  if (s.attrs['exe']) t.exe = s.attrs['exe'];
  return t;
}

function procLines(body: string): ProcRef[] {
  const out: ProcRef[] = [];
  for (const line of lines(body)) {
    const m = /^(\d+) (\d+)$/.exec(line.trim());
    if (m) out.push({ pid: Number(m[1]), ticks: Number(m[2]) });
  }
  return out;
}

export interface WebReload {
  before?: { pid: number; ticks: number; children: ProcRef[] };
  run?: CommandRun;
  problem?: string;
}

export function parseWebReload(sections: readonly Section[]): WebReload {
  const out: WebReload = {};
  const b = sections.find((x) => x.kind === 'section' && x.name === 'before');
  if (b) {
    out.before = {
      pid: num(b.attrs['pid']) ?? 0,
      ticks: num(b.attrs['ticks']) ?? 0,
      children: procLines(b.body),
    };
  }
  const run = parseCommandRun(sections, 'reload');
  if (run) out.run = run;
  else out.problem = scriptProblem(sections) ?? 'the reload printed nothing';
  return out;
}

export interface WebState {
  alive: boolean;
  ticks?: number;
  children: ProcRef[];
}

export function parseWebState(sections: readonly Section[]): WebState | undefined {
  const s = sections.find((x) => x.kind === 'section' && x.name === 'web-master');
  if (!s) return undefined;
  const ticks = num(s.attrs['ticks']);
  return {
    alive: s.attrs['alive'] === '1',
    ...(ticks !== undefined ? { ticks } : {}),
    children: procLines(s.body),
  };
}
