import type { ErrorCode } from '../util/error-codes.js';
import { FpmMedicError } from '../util/errors.js';
import { YamlFileError, type YamlFileErrorOptions } from './file-error.js';
import type { InventoryIssue } from './issues.js';

/**
 * The inventory cannot be used: every problem, one per line (YamlFileError). The CLI exits 64 for
 * every code an InventoryError carries (src/util/error-codes.ts).
 */
export class InventoryError extends YamlFileError {
  constructor(file: string, issues: readonly InventoryIssue[], options?: YamlFileErrorOptions) {
    super(options?.code ?? 'INVENTORY_INVALID', file, issues, options);
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
