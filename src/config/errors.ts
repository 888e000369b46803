import type { ErrorCode } from '../util/error-codes.js';
import { FpmMedicError } from '../util/errors.js';
import { formatIssue, type InventoryIssue, sortIssues } from './issues.js';

/**
 * The inventory cannot be used. The message lists every problem, one per line, as
 * `file:line:col: key.path: what is wrong`; `issues` holds the same for programs.
 * The CLI exits 64 for any InventoryError.
 */
export class InventoryError extends FpmMedicError {
  readonly file: string;
  readonly issues: readonly InventoryIssue[];
  constructor(
    file: string,
    issues: readonly InventoryIssue[],
    options?: { code?: ErrorCode; message?: string; cause?: unknown },
  ) {
    const sorted = sortIssues(issues);
    super(
      options?.code ?? 'INVENTORY_INVALID',
      options?.message ?? sorted.map((issue) => formatIssue(file, issue)).join('\n'),
      { cause: options?.cause },
    );
    this.file = file;
    this.issues = sorted;
  }
}

/** No inventory was given, or the file cannot be read. */
export class InventoryNotFoundError extends InventoryError {
  constructor(file: string, message: string, options?: { code?: ErrorCode; cause?: unknown }) {
    super(file, [], { code: options?.code ?? 'INVENTORY_NOT_FOUND', message, cause: options?.cause });
  }
}

/** A diagnose target that is neither a host nor a group of the inventory. */
export class UnknownHostError extends FpmMedicError {
  readonly target: string;
  readonly suggestions: readonly string[];
  constructor(target: string, suggestions: readonly string[], message: string) {
    super('UNKNOWN_HOST', message);
    this.target = target;
    this.suggestions = suggestions;
  }
}
