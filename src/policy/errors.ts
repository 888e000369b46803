import { YamlFileError, type YamlFileErrorOptions } from '../config/file-error.js';
import type { InventoryIssue } from '../config/issues.js';
import type { ErrorCode } from '../util/error-codes.js';
import { FpmMedicError } from '../util/errors.js';

export type PolicyIssue = InventoryIssue;

/**
 * The policy file cannot be used: every problem, one per line (YamlFileError). The bot refuses to
 * start rather than run with a policy it half understood.
 */
export class PolicyError extends YamlFileError {
  constructor(file: string, issues: readonly PolicyIssue[], options?: YamlFileErrorOptions) {
    super(options?.code ?? 'POLICY_INVALID', file, issues, options);
  }
}

/**
 * FPM_MEDIC_POLICY names a file that cannot be read. Never treated as "no policy": that would
 * open diagnosis to everyone because of a typo in a path.
 */
export class PolicyNotFoundError extends PolicyError {
  constructor(file: string, message: string, options?: { code?: ErrorCode; cause?: unknown }) {
    super(file, [], { code: options?.code ?? 'POLICY_NOT_FOUND', message, cause: options?.cause });
  }
}

/** A user group's members could not be listed, and no earlier answer is cached. */
export class GroupMembershipError extends FpmMedicError {
  readonly groupId: string;
  /** What went wrong, without the group: "ratelimited", "missing_scope". */
  readonly why: string;
  constructor(groupId: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super('GROUP_MEMBERSHIP_UNAVAILABLE', `could not list the members of user group ${groupId}: ${why}`, {
      cause,
    });
    this.groupId = groupId;
    this.why = why;
  }
}

/** Slack could not say which workspace the app is installed in, and nothing is known yet. */
export class WorkspaceUnknownError extends FpmMedicError {
  readonly why: string;
  constructor(cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super('WORKSPACE_UNKNOWN', `could not learn which Slack workspace this app is installed in: ${why}`, {
      cause,
    });
    this.why = why;
  }
}
