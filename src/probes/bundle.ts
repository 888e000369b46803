import { readFileSync } from 'node:fs';
import { PROBES, type ProbeId, probesDirectory } from './catalog.js';

/**
 * One round of probes as one script, so a round costs one SSH channel (one sshd session, one
 * login shell) instead of one per probe: on a loaded host the sessions, not the probes, were most
 * of the cost. Every byte still comes from commands/probes/.
 *
 * Arguments are not written into the script: they all travel as `sh -s -- ARGS`, validated and
 * quoted by the transport, and each probe's subshell keeps only its own slice of them. The slice
 * bounds are numbers generated here, never data.
 */
export interface ProbeCall {
  id: ProbeId;
  args: readonly string[];
}

export interface Bundle {
  script: string;
  args: string[];
  timeoutMs: number;
}

const bodies = new Map<ProbeId, string>();

/** One probe script as commands/probes/ holds it. */
export function probeBody(id: ProbeId): string {
  let text = bodies.get(id);
  if (text === undefined) {
    text = readFileSync(`${probesDirectory()}${PROBES[id].file}`, 'utf8');
    bodies.set(id, text);
  }
  return text;
}

/** lib/common.sh: the helpers every probe runs after. */
export function commonScript(): string {
  return readFileSync(`${probesDirectory()}lib/common.sh`, 'utf8');
}

/**
 * The round's script. Low-priority probes come after the normal ones (a shell can lower its
 * priority, never raise it back): the shell lowers itself once, before the first of them, which
 * also says what the kernel granted (the "priority" section).
 */
export function buildBundle(calls: readonly ProbeCall[]): Bundle {
  const parts = [commonScript(), 'fm_all=$#'];
  // Before the first probe, at the round's own priority: it is the moment the snapshot shows.
  if (calls.some((c) => PROBES[c.id].readsProcesses)) parts.push('fm_keep_ps');
  const args: string[] = [];
  let lowered = false;
  for (const call of calls) {
    const skip = args.length;
    const take = call.args.length;
    args.push(...call.args);
    const low = PROBES[call.id].priority === 'low';
    if (!low && lowered)
      throw new Error(`probe ${call.id} runs at normal priority: put it before the low ones`);
    const first = low && !lowered;
    if (first) parts.push('fm_lower_priority');
    lowered ||= low;
    parts.push(
      `fm_probe_begin ${call.id}`,
      '(',
      ...(first ? ['fm_priority'] : []),
      // Rebuild "$@" as this probe's slice: append the wanted ones, then drop the originals.
      `fm_i=0; for fm_a do fm_i=$((fm_i + 1)); if [ "$fm_i" -gt ${skip} ] && [ "$fm_i" -le ${skip + take} ]; then set -- "$@" "$fm_a"; fi; done; shift "$fm_all"`,
      `FM_PROBE=${call.id}`,
      probeBody(call.id),
      ')',
      `fm_probe_end ${call.id} $?`,
    );
  }
  return {
    script: `${parts.join('\n')}\n`,
    args,
    // The probes run one after the other: the round may take as long as all of them together.
    timeoutMs: calls.reduce((n, c) => n + PROBES[c.id].timeoutMs, 0),
  };
}

const BEGIN = /^@@probe (\S+) start=(\d+)$/;
const END = /^@@probe-end (\S+) rc=(\d+) end=(\d+)$/;

export interface ProbePart {
  id: string;
  /** Null when the probe never finished (the round timed out or the connection dropped). */
  rc: number | null;
  /** Host-side wall time; null when unknown. */
  ms: number | null;
  output: string;
}

/** Splits a bundle's stdout into each probe's output, by the markers. */
export function splitBundle(stdout: string): ProbePart[] {
  const parts: ProbePart[] = [];
  let current: { id: string; start: number; lines: string[] } | undefined;
  for (const line of stdout.split('\n')) {
    const b = BEGIN.exec(line);
    if (b) {
      if (current) parts.push({ id: current.id, rc: null, ms: null, output: current.lines.join('\n') });
      current = { id: b[1]!, start: Number(b[2]), lines: [] };
      continue;
    }
    const e = END.exec(line);
    if (e && current && e[1] === current.id) {
      parts.push({
        id: current.id,
        rc: Number(e[2]),
        ms: Number(e[3]) - current.start,
        output: current.lines.join('\n'),
      });
      current = undefined;
      continue;
    }
    current?.lines.push(line);
  }
  if (current) parts.push({ id: current.id, rc: null, ms: null, output: current.lines.join('\n') });
  return parts;
}
