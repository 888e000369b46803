import type { ProbeFailure, ProbeRun } from '../facts/types.js';
import { BecomeError } from '../transport/errors.js';
import type { Transport } from '../transport/transport.js';
import { buildBundle, type ProbeCall, splitBundle } from './bundle.js';
import { PROBES, type ProbeId } from './catalog.js';
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

export interface RunProbesOptions {
  /** Upper bound for the whole round (default: the sum of the probes' own limits). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Runs a round of probes over one channel and never throws: a probe that could not run becomes a
 * failure fact (timeout, connection lost, non-zero exit), so the report says what could not be
 * read and why. Probes that finished before a timeout keep their output.
 */
export async function runProbes(
  transport: Transport,
  calls: readonly ProbeCall[],
  options: RunProbesOptions = {},
): Promise<ProbeOutput[]> {
  if (calls.length === 0) return [];
  const bundle = buildBundle(calls);
  const timeoutMs = Math.min(options.timeoutMs ?? bundle.timeoutMs, bundle.timeoutMs);
  const started = performance.now();
  let result: Awaited<ReturnType<Transport['runScript']>>;
  try {
    result = await transport.runScript(bundle.script, bundle.args, {
      timeoutMs,
      maxOutputBytes: calls.reduce((n, c) => n + PROBES[c.id].maxOutputBytes, 0),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    const ms = Math.round(performance.now() - started);
    return calls.map((c) => ({
      run: { id: c.id, ok: false, ms, bytes: 0 },
      sections: [],
      failures: [runFailure(c.id, transport.host, err)],
      raw: '',
    }));
  }
  const parts = new Map(splitBundle(result.stdout).map((p) => [p.id, p]));
  return calls.map((c) => {
    const part = parts.get(c.id);
    const output = part?.output ?? '';
    const failures: ProbeFailure[] = [];
    if (!part || part.rc === null) {
      const why = result.timedOut
        ? `no answer within ${timeoutMs} ms (the round's limit); partial output kept`
        : result.code === null
          ? 'the connection ended before this probe finished'
          : `the probe did not run (round exit code ${result.code})`;
      failures.push(probeFailure(c.id, c.id, result.timedOut ? 'timeout' : 'error', why));
    } else if (part.rc !== 0) {
      const detail = result.stderr.trim().split('\n').slice(-3).join(' | ') || `exit code ${part.rc}`;
      failures.push(probeFailure(c.id, c.id, classifyStderr(result.stderr), detail));
    }
    return {
      run: {
        id: c.id,
        ok: failures.length === 0,
        ms: part?.ms ?? Math.round(result.ms),
        bytes: Buffer.byteLength(output),
      },
      sections: splitSections(output),
      failures,
      raw: output,
    };
  });
}

/** One probe on its own channel (tests, `fpm-medic probe --only`). */
export async function runProbe(
  transport: Transport,
  id: ProbeId,
  args: readonly string[],
  options: RunProbesOptions = {},
): Promise<ProbeOutput> {
  const [out] = await runProbes(transport, [{ id, args }], options);
  return out!;
}

/** Probe name of a failure that stopped every probe: sudo would not start the root shell. */
export const BECOME_PROBE = 'become';

/** A run that could not happen at all; a become failure carries its own fix (the sudoers line). */
function runFailure(probe: string, host: string, err: unknown): ProbeFailure {
  if (err instanceof BecomeError)
    return { probe: BECOME_PROBE, target: host, reason: 'permission', detail: err.message, fix: err.fix };
  return probeFailure(probe, host, 'error', err instanceof Error ? err.message : String(err));
}

function classifyStderr(stderr: string): ProbeFailure['reason'] {
  if (/permission denied|operation not permitted/i.test(stderr)) return 'permission';
  if (/not found|No such file/i.test(stderr)) return 'missing-tool';
  return 'error';
}
