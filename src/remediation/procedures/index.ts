/**
 * The safe procedures that change a host, called by the remediation flow once an action is
 * approved (src/remediation/types.ts is the contract). Each runs its script's phases from
 * commands/actions/ as audited steps (ctx.step), bounds every remote call, and never throws for
 * host-side trouble: it returns outcome 'refused' (nothing changed) or 'failed' with a summary.
 */
import type { ActionParams, ProcedureContext, ProcedureResult } from '../types.js';
import { fpmReload } from './fpm-reload.js';
import { fpmStart } from './fpm-start.js';
import { killStuckWorkers } from './kill-stuck-workers.js';
import { ProcedureRun } from './procedure-run.js';

export { ACTION_FILES, actionScript } from './scripts.js';

export async function runProcedure(params: ActionParams, ctx: ProcedureContext): Promise<ProcedureResult> {
  const run = new ProcedureRun(params.action, ctx);
  try {
    switch (params.action) {
      case 'fpm-reload':
        return await fpmReload(run);
      case 'fpm-start':
        return await fpmStart(run);
      case 'kill-stuck-workers':
        return await killStuckWorkers(run, params.workers);
    }
  } catch (err) {
    // Only the step runner (the audit) or a bug gets here; the host's own trouble is a result.
    const message = err instanceof Error ? err.message : String(err);
    return run.finish('failed', `${params.action} stopped: ${message}`);
  }
}
