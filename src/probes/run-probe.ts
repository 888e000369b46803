import type { ProbeFailure, ProbeRun } from '../facts/types.js';
import type { Transport } from '../transport/transport.js';
import { PROBES, type ProbeId, probeScript } from './catalog.js';
import { probeFailure } from './failure-fix.js';
import { type Section, splitSections } from './sections.js';

export interface ProbeOutput {
  run: ProbeRun;
  sections: Section[];
  /** The run as a whole failed: timeout, non-zero exit, connection lost. */
  failures: ProbeFailure[];
  /** Raw stdout, kept for `--raw` and the "raw evidence" view (redacted before it is shown). */
  raw: string;
}

/**
 * Runs one probe and never throws: a probe that could not run becomes a failure fact (timeout,
 * connection lost, non-zero exit) so the report says what could not be read and why.
 */
export async function runProbe(
  transport: Transport,
  id: ProbeId,
  args: readonly string[],
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<ProbeOutput> {
  const spec = PROBES[id];
  const started = performance.now();
  try {
    const result = await transport.runScript(probeScript(id), args, {
      timeoutMs: options.timeoutMs ?? spec.timeoutMs,
      maxOutputBytes: spec.maxOutputBytes,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const sections = splitSections(result.stdout);
    // The script's own @@error sections are turned into failures by its parser, which knows
    // their targets; here only the run as a whole can fail.
    const failures: ProbeFailure[] = [];
    let ok = true;
    if (result.timedOut) {
      ok = false;
      failures.push(
        probeFailure(id, id, 'timeout', `no answer within ${spec.timeoutMs} ms; partial output kept`),
      );
    } else if (result.code !== 0) {
      ok = false;
      const detail = result.stderr.trim().split('\n').slice(-3).join(' | ') || `exit code ${result.code}`;
      failures.push(probeFailure(id, id, classifyStderr(result.stderr), detail));
    }
    return {
      run: { id, ok, ms: Math.round(result.ms), bytes: result.bytes },
      sections,
      failures,
      raw: result.stdout,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      run: { id, ok: false, ms: Math.round(performance.now() - started), bytes: 0 },
      sections: [],
      failures: [probeFailure(id, transport.host, 'error', message)],
      raw: '',
    };
  }
}

function classifyStderr(stderr: string): ProbeFailure['reason'] {
  if (/permission denied|operation not permitted/i.test(stderr)) return 'permission';
  if (/not found|No such file/i.test(stderr)) return 'missing-tool';
  return 'error';
}
