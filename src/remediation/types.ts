/**
 * The contract between the remediation flow (approval, exactly-once, cooldown, blast radius,
 * audit: src/remediation/*.ts) and the safe procedures that change a host
 * (src/remediation/procedures/, commands/actions/*.sh).
 */
import type { ResolvedHost } from '../config/inventory.js';
import type { ConfigPatch } from '../fixes/index.js';
import type { StuckWorker } from '../report/named-workers.js';
import type { ActionId } from '../runbooks/ids.js';
import type { Transport } from '../transport/transport.js';

/** One step of a procedure, each audited before it runs and after it ends. */
export type StepName =
  | 'precheck'
  | 'backup'
  | 'write'
  | 'config-test'
  | 'reload'
  | 'start'
  | 'kill'
  | 'verify'
  /** apply-config: the backups put back after a failure, and what changed reloaded again. */
  | 'rollback';

export interface StepOutcome {
  ok: boolean;
  /** One line, with numbers, for the Slack thread and the audit record. */
  summary: string;
  detail?: Record<string, unknown>;
}

/**
 * Runs one step: the caller writes the audit "started" record (fsynced) before `run` is called and
 * the completed/failed record after. It rethrows what `run` throws.
 */
export type StepRunner = <T extends StepOutcome>(name: StepName, run: () => Promise<T>) => Promise<T>;

export interface ProcedureContext {
  transport: Transport;
  host: ResolvedHost;
  step: StepRunner;
  signal?: AbortSignal;
}

/**
 * What a procedure is given: the action, and for one that targets named workers, those workers;
 * for apply-config, the patch that was approved.
 */
export interface ActionParams {
  action: ActionId;
  workers?: readonly StuckWorker[];
  patch?: ConfigPatch;
}

export interface ProcedureResult {
  action: ActionId;
  host: string;
  /**
   * done: acted and verified. refused: a pre-check stopped it and nothing was changed (config test
   * failed, FPM already running, every worker moved on). failed: it acted, or tried to, and the
   * verification or the act itself failed. unverified: it acted and nothing it could see went
   * wrong, but there was nothing to ask whether the site answers (no pool has a ping.path or
   * pm.status_path, no web.healthUrl): never reported as verified, and it says how to add a check.
   */
  outcome: 'done' | 'refused' | 'failed' | 'unverified';
  /** True once the host was changed (a signal sent, a command run). */
  changed: boolean;
  /** One line with numbers: "config test passed; 3 workers replaced by 3 new; ping 3 ms; health 200 in 9 ms". */
  summary: string;
  /** One line per step, in order, for the thread. */
  steps: { name: StepName; ok: boolean; summary: string }[];
  durationMs: number;
}
