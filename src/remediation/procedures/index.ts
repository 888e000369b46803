/**
 * The safe procedures that change a host, called by the remediation flow once an action is
 * approved (src/remediation/types.ts is the contract). Each runs its script's phases from
 * commands/actions/ as audited steps (ProcedureRun.step), bounds every remote call, and never
 * throws for host-side trouble: it returns outcome 'refused' (nothing changed) or 'failed' with a
 * summary. Which procedure an action runs is its registry entry's (src/remediation/actions.ts).
 */
import { actionSpec } from '../actions.js';
import type { ActionParams, ProcedureContext, ProcedureResult } from '../types.js';
import { ProcedureRun } from './steps/procedure-run.js';

export async function runProcedure(params: ActionParams, ctx: ProcedureContext): Promise<ProcedureResult> {
  const spec = actionSpec(params.action);
  const run = new ProcedureRun(spec, ctx);
  try {
    return await spec.procedure(run, params);
  } catch (err) {
    // Only the step runner (the audit) or a bug gets here; the host's own trouble is a result.
    const message = err instanceof Error ? err.message : String(err);
    return run.finish('failed', `${params.action} stopped: ${message}`);
  }
}
