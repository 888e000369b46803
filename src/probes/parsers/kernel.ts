import type { CgroupOomCounter, HostClock, OomKill, ProbeFailure } from '../../facts/types.js';
import { sectionFailures } from '../section-failures.js';
import { type Section, splitSections } from '../sections.js';
import { parseClock } from './clock.js';
import type { ParseContext } from './context.js';
import { bootSecondsToEpoch, localToEpoch, monthIndex, parseUtcOffset } from './time.js';

export type KernelLogSource = 'dmesg' | 'journal';

// The kill line of kernels since 4.19 (REFERENCE §6.1); UID/pgtables/oom_score_adj came later.
const KILL_NEW =
  /(Out of memory|Memory cgroup out of memory)(?: \(oom_kill_allocating_task\))?: Killed process (\d+) \(([^)]*)\) total-vm:(\d+)kB, anon-rss:(\d+)kB/;
// Older kernels (§6.2): "...: Kill process P (comm) score N or sacrifice child", then a bare
// "Killed process P (comm) total-vm:..." line.
const KILL_OLD_INTENT = /(Out of memory|Memory cgroup out of memory): Kill process (\d+) \((.*)\) score \d+/;
const KILL_OLD = /(?:^|\] |kernel: )Killed process (\d+) \(([^)]*)\)(?: total-vm:(\d+)kB, anon-rss:(\d+)kB)?/;
const SUMMARY = /oom-kill:(\S+)/;
const TASK_IN = /Task in (\S+) killed as a result of limit of (\S+)/;

interface Stamped {
  time: number;
  msg: string;
  raw: string;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** A kernel log line -> its time (epoch seconds) and message, or undefined when it has no stamp. */
function stamp(line: string, source: KernelLogSource, ctx: ParseContext): Stamped | undefined {
  const raw = line.replace(/^<\d+>/, '');
  if (source === 'journal') {
    // short-iso: 2024-01-15T03:42:17+0000 host kernel: msg   (newer systemd: +00:00, or .123456 with -precise)
    const m =
      /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?([+-]\d{2}:?\d{2}|Z) \S+ kernel: (.*)$/.exec(
        raw,
      );
    if (!m) return undefined;
    const off = m[8] === 'Z' ? 0 : parseUtcOffset(m[8]!);
    const t =
      localToEpoch(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, off) + (m[7] ? Number(m[7]) : 0);
    return { time: round3(t), msg: m[9]!, raw };
  }
  const boot = /^\[\s*(\d+\.\d+)\] (.*)$/.exec(raw);
  if (boot) return { time: round3(bootSecondsToEpoch(Number(boot[1]), ctx.clock)), msg: boot[2]!, raw };
  // dmesg -T: [Mon Jan 15 03:42:17 2024], host local time.
  const ct = /^\[\w{3} (\w{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})\] (.*)$/.exec(raw);
  if (ct) {
    const mon = monthIndex(ct[1]!);
    if (mon === undefined) return undefined;
    const t = localToEpoch(+ct[6]!, mon, +ct[2]!, +ct[3]!, +ct[4]!, +ct[5]!, ctx.clock.utcOffsetMin);
    return { time: t, msg: ct[7]!, raw };
  }
  return undefined;
}

/** "constraint=CONSTRAINT_MEMCG,...,task_memcg=/x,task=php-fpm8.2,pid=1,uid=33" -> fields. */
function summaryFields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

/**
 * OOM kills from the kernel-log section of kernel.sh (dmesg raw "[ seconds]" lines, or
 * journalctl -k -o short-iso). One OomKill per killed pid; the memcg comes from the "oom-kill:"
 * summary (printed before the kill line since 5.x) or the pre-4.19 "Task in X killed" line.
 */
export function parseOomKills(text: string, ctx: ParseContext, source: KernelLogSource = 'dmesg'): OomKill[] {
  const kills: OomKill[] = [];
  const memcgByPid = new Map<number, string>();
  let lastTaskMemcg: string | undefined;
  let oldIntent: { pid: number; cgroup: boolean } | undefined;
  for (const line of text.split('\n')) {
    const s = stamp(line, source, ctx);
    if (!s) continue;
    const summary = SUMMARY.exec(s.msg);
    if (summary) {
      const f = summaryFields(summary[1]!);
      const pid = Number(f.get('pid'));
      const memcg = f.get('task_memcg') ?? f.get('oom_memcg');
      if (pid && memcg) memcgByPid.set(pid, memcg);
      continue;
    }
    const taskIn = TASK_IN.exec(s.msg);
    if (taskIn) {
      lastTaskMemcg = taskIn[1]!;
      continue;
    }
    const intent = KILL_OLD_INTENT.exec(s.msg);
    if (intent) {
      oldIntent = { pid: Number(intent[2]), cgroup: intent[1] === 'Memory cgroup out of memory' };
      continue;
    }
    const nk = KILL_NEW.exec(s.msg);
    const ok = nk ? undefined : KILL_OLD.exec(s.msg.startsWith('Killed process') ? s.msg : '');
    if (!nk && !ok) continue;
    const kill: OomKill = nk
      ? {
          time: s.time,
          pid: Number(nk[2]),
          comm: nk[3]!,
          totalVmKb: Number(nk[4]),
          anonRssKb: Number(nk[5]),
          cgroup: nk[1] === 'Memory cgroup out of memory',
          text: s.msg,
        }
      : {
          time: s.time,
          pid: Number(ok![1]),
          comm: ok![2]!,
          // The intent line names the victim's parent when a child was sacrificed; the cgroup
          // flag holds for both.
          cgroup: oldIntent?.cgroup ?? lastTaskMemcg !== undefined,
          text: s.msg,
        };
    if (ok?.[3]) kill.totalVmKb = Number(ok[3]);
    if (ok?.[4]) kill.anonRssKb = Number(ok[4]);
    if (!nk && lastTaskMemcg) kill.memcg = lastTaskMemcg;
    oldIntent = undefined;
    lastTaskMemcg = undefined;
    kills.push(kill);
  }
  const seen = new Set<string>();
  return kills
    .map((k) => {
      const memcg = memcgByPid.get(k.pid);
      return memcg && !k.memcg ? { ...k, memcg } : k;
    })
    .filter((k) => {
      const key = `${k.pid}@${Math.floor(k.time)}`;
      if (seen.has(key) || k.time < ctx.since) return false;
      seen.add(key);
      return true;
    });
}

/** memory.events (v2: "oom N", "oom_kill N") or memory.oom_control (v1: "under_oom 0", "oom_kill N"). */
export function parseCgroupOom(
  body: string,
  attrs: { pid?: string; path?: string; version?: string },
): CgroupOomCounter | undefined {
  const f = new Map<string, number>();
  for (const line of body.split('\n')) {
    const m = /^(\w+)\s+(\d+)\s*$/.exec(line.trim());
    if (m) f.set(m[1]!, Number(m[2]));
  }
  // v1 before Linux 4.13 has no oom_kill line: nothing to count then.
  if (!f.has('oom_kill')) return undefined;
  const counter: CgroupOomCounter = {
    pid: Number(attrs.pid ?? 0),
    path: attrs.path ?? '',
    version: attrs.version === '1' ? 1 : 2,
    oomKills: f.get('oom_kill')!,
  };
  if (f.has('oom')) counter.ooms = f.get('oom')!;
  if (f.has('under_oom')) counter.underOom = f.get('under_oom') === 1;
  return counter;
}

export interface KernelLogFacts {
  oomKills: OomKill[];
  cgroupOom: CgroupOomCounter[];
  failures: ProbeFailure[];
  /** The clock kernel.sh read alongside dmesg (its uptime is what the raw times count from). */
  clock?: HostClock;
}

/**
 * The whole output of kernel.sh. dmesg times are converted with the clock kernel.sh printed next
 * to them when there is one (the same moment as the uptime they count from), else ctx.clock.
 */
export function parseKernelProbe(output: string | Section[], ctx: ParseContext): KernelLogFacts {
  const sections = typeof output === 'string' ? splitSections(output) : output;
  const ok = sections.filter((s) => s.kind === 'section');
  const clockBody = ok.find((s) => s.name === 'clock')?.body;
  const clock = clockBody !== undefined ? parseClock(clockBody) : undefined;
  const local: ParseContext = clock ? { clock, since: ctx.since } : ctx;
  const facts: KernelLogFacts = {
    oomKills: [],
    cgroupOom: [],
    failures: sectionFailures('kernel', sections),
  };
  if (clock) facts.clock = clock;
  for (const s of ok) {
    if (s.name === 'kernel-log') {
      facts.oomKills.push(
        ...parseOomKills(s.body, local, s.attrs.source === 'journal' ? 'journal' : 'dmesg'),
      );
    } else if (s.name === 'cgroup-oom') {
      const c = parseCgroupOom(s.body, s.attrs);
      if (c) facts.cgroupOom.push(c);
    }
  }
  return facts;
}
