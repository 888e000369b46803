/** The runbook engine: load runbooks/*.md once at start-up, evaluate them per host. */
export { createCelEnvironment, signalsToCel } from './cel-env.js';
export {
  CONFIDENCE,
  type EvaluateInput,
  type EvaluateOptions,
  evaluateRunbooks,
  verdictOf,
} from './engine.js';
export { RunbookError, RunbookEvaluationError, type RunbookProblem } from './errors.js';
export { ACTION_IDS, type ActionId, SEVERITIES, type Severity, SHIPPED_RUNBOOK_IDS } from './ids.js';
export {
  compileRunbooks,
  defaultRunbookDir,
  type LoadRunbooksOptions,
  loadRunbooks,
  RUNBOOK_DIRS_ENV,
  type RunbookSource,
  runbookDirsFromEnv,
} from './loader.js';
export type { EvidenceMap, Finding, Runbook, Verdict } from './types.js';
