import type { ErrorCode } from '../util/error-codes.js';
import { FpmMedicError } from '../util/errors.js';
import { formatIssue, type InventoryIssue, sortIssues } from './issues.js';

/**
 * A YAML file (inventory, policy) that cannot be used. The message lists every problem, one per
 * line, as `file:line:col: key.path: what is wrong`, top to bottom like the file; `issues` holds the
 * same for programs. Each file kind subclasses it only for its name and codes, so the listing is
 * written once.
 */
export class YamlFileError extends FpmMedicError {
  readonly file: string;
  readonly issues: readonly InventoryIssue[];
  constructor(
    code: ErrorCode,
    file: string,
    issues: readonly InventoryIssue[],
    options?: { message?: string; cause?: unknown },
  ) {
    const sorted = sortIssues(issues);
    super(code, options?.message ?? sorted.map((issue) => formatIssue(file, issue)).join('\n'), {
      cause: options?.cause,
    });
    this.file = file;
    this.issues = sorted;
  }
}

/** How a subclass is built: the code defaults to the subclass's own. */
export interface YamlFileErrorOptions {
  code?: ErrorCode;
  message?: string;
  cause?: unknown;
}
