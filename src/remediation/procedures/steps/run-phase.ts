import { type Section, splitSections } from '../../../probes/sections.js';
import type { Transport } from '../../../transport/transport.js';
import { actionScript } from './scripts.js';

export interface PhaseRun {
  /** False when the script did not run to its end: connection lost, timed out, refused arguments. */
  ok: boolean;
  sections: Section[];
  /** What went wrong, in one line, when !ok. */
  error?: string;
  timedOut: boolean;
  ms: number;
}

export interface PhaseOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Phases print little: anything beyond this is a runaway and is cut. */
const MAX_OUTPUT_BYTES = 1 << 20;

/**
 * Runs one phase of an action script (`sh -s -- PHASE ARGS`) with a hard deadline (DESIGN rule 7)
 * and never throws: a host-side problem is a result the procedure reports, not an exception.
 */
export async function runPhase(
  transport: Transport,
  /** The action's script in commands/actions/ (its registry entry's `script`). */
  script: string,
  phase: string,
  args: readonly string[],
  options: PhaseOptions,
): Promise<PhaseRun> {
  const started = performance.now();
  try {
    const r = await transport.runScript(actionScript(script), [phase, ...args], {
      timeoutMs: options.timeoutMs,
      maxOutputBytes: MAX_OUTPUT_BYTES,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const sections = splitSections(r.stdout);
    const ms = Math.round(r.ms);
    if (r.timedOut)
      return { ok: false, sections, timedOut: true, ms, error: `no answer within ${options.timeoutMs} ms` };
    if (r.code !== 0) {
      const why = r.stderr.trim().split('\n').slice(-2).join(' | ');
      const error =
        r.code === null
          ? 'the connection ended before the step finished'
          : `exit code ${r.code}${why ? `: ${why}` : ''}`;
      return { ok: false, sections, timedOut: false, ms, error };
    }
    return { ok: true, sections, timedOut: false, ms };
  } catch (err) {
    return {
      ok: false,
      sections: [],
      timedOut: false,
      ms: Math.round(performance.now() - started),
      error: err instanceof Error ? err.message : String(err),
    };
  }
}
