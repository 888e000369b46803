/**
 * One procedure's bookkeeping: each step goes through the caller's step runner (which audits it
 * before and after), its line is kept for the thread, and the result is assembled at the end.
 * Everything a step reports is redacted first (DESIGN rule 6): the audit log and Slack get the
 * same safe text.
 */
import { redact, redactDeep, redactedExcerpt } from '../../../redact/redact.js';
import type { ActionId } from '../../../runbooks/ids.js';
import type { ProcedureContext, ProcedureResult, StepName, StepOutcome } from '../../types.js';
import { type PhaseRun, runPhase } from './run-phase.js';

export class ProcedureRun {
  readonly steps: ProcedureResult['steps'] = [];
  /** True once anything was sent that changes the host, even if what followed failed. */
  changed = false;
  private readonly started = performance.now();

  readonly action: ActionId;
  /** The action's script in commands/actions/: every phase this run starts is one of its. */
  readonly script: string;

  constructor(
    action: { id: ActionId; script: string },
    readonly ctx: ProcedureContext,
  ) {
    this.action = action.id;
    this.script = action.script;
  }

  get aborted(): boolean {
    return this.ctx.signal?.aborted === true;
  }

  /**
   * Runs `fn` as the audited step `name`. `fn` should not throw; if it does, the step is a failure
   * with the error's message. An error of the step runner itself (the audit could not be written)
   * propagates: nothing may run unaudited.
   */
  async step(name: StepName, fn: () => Promise<StepOutcome>): Promise<StepOutcome> {
    const outcome = await this.ctx.step(name, async (): Promise<StepOutcome> => {
      let out: StepOutcome;
      try {
        out = this.aborted ? { ok: false, summary: `${name} not run: the action was cancelled` } : await fn();
      } catch (err) {
        out = { ok: false, summary: `${name} failed: ${err instanceof Error ? err.message : String(err)}` };
      }
      const safe: StepOutcome = { ok: out.ok, summary: redact(out.summary) };
      if (out.detail) safe.detail = redactDeep(out.detail) as Record<string, unknown>;
      return safe;
    });
    this.steps.push({ name, ok: outcome.ok, summary: outcome.summary });
    return outcome;
  }

  /** One phase of this action's script on the host, bounded by `timeoutMs` and the run's signal. */
  phase(name: string, args: readonly string[], timeoutMs: number): Promise<PhaseRun> {
    const { transport, signal } = this.ctx;
    return runPhase(transport, this.script, name, args, { timeoutMs, ...(signal ? { signal } : {}) });
  }

  finish(outcome: ProcedureResult['outcome'], summary: string): ProcedureResult {
    return {
      action: this.action,
      host: this.ctx.host.name,
      outcome,
      changed: this.changed,
      summary: redact(summary),
      steps: this.steps,
      durationMs: Math.round(performance.now() - this.started),
    };
  }

  elapsed(): string {
    return seconds(performance.now() - this.started);
  }
}

/** "1.4 s", "12 s": durations in summaries. */
/** How long a reload or start command may take on the host: the command timeout, within 5–120 s. */
export function commandLimitSec(commandTimeoutMs: number): number {
  return Math.max(5, Math.min(120, Math.round(commandTimeoutMs / 1000)));
}

export function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}

/** A short poll interval that ends early when the action is cancelled. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** One line, at most `max` characters, for a summary: redacted before it is cut (a cut can hide a secret). */
export function clip(text: string, max = 200): string {
  return redactedExcerpt(text, max);
}
