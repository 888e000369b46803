import { formatIssue } from '../config/issues.js';
import { FpmMedicError } from '../util/errors.js';

/** One thing wrong with one runbook file; `line` is 1-based in the file when known. */
export interface RunbookProblem {
  file: string;
  line?: number;
  message: string;
}

/** `file:line: message` (the key is part of the message): the shape of the YAML files' problems. */
export function formatProblem(problem: RunbookProblem): string {
  return formatIssue(problem.file, problem);
}

/**
 * The runbooks cannot be used. Raised at start-up with every problem of every file at once, so an
 * operator fixes them in one pass instead of one restart per mistake.
 */
export class RunbookError extends FpmMedicError {
  readonly problems: readonly RunbookProblem[];
  constructor(problems: readonly RunbookProblem[], options?: { cause?: unknown }) {
    const sorted = [...problems].sort(
      (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0),
    );
    const head = sorted.length === 1 ? 'Invalid runbook:' : `${sorted.length} runbook problems:`;
    super('RUNBOOK_INVALID', [head, ...sorted.map((p) => `  ${formatProblem(p)}`)].join('\n'), options);
    this.problems = sorted;
  }
}

/** A condition failed while being evaluated (for example an int division by zero in an operator's runbook). */
export class RunbookEvaluationError extends FpmMedicError {
  readonly runbook: string;
  readonly expression: string;
  constructor(runbook: string, file: string, expression: string, cause: unknown) {
    const reason = cause instanceof Error ? (cause.message.split('\n')[0] ?? cause.message) : String(cause);
    super('RUNBOOK_EVALUATION_FAILED', `${file}: runbook ${runbook}: "${expression}" failed: ${reason}`, {
      cause,
    });
    this.runbook = runbook;
    this.expression = expression;
  }
}
