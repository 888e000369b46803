/**
 * Which Slack workspace is the app's own. An open rule (no users, no user groups) lets in anyone of
 * that workspace only: a Slack Connect channel also holds guests from other organisations, and
 * they click the same buttons. The answer comes from the policy's `workspace` key when it has one
 * (no network, and several ids for an Enterprise Grid org), else from Slack itself: `auth.test` of
 * the bot token names the workspace the app is installed in (and its Grid org). A payload's own
 * `team` field is not used for this: it names where the click happened, which a guest shares.
 */
import { WorkspaceUnknownError } from './errors.js';

export interface HomeWorkspace {
  /** Team ids (T…) and Enterprise Grid org ids (E…) of the app's own; rejects while unknown. */
  teams(): Promise<ReadonlySet<string>>;
}

/** The policy's `workspace` key, or a test's. */
export class FixedHomeWorkspace implements HomeWorkspace {
  private readonly ids: ReadonlySet<string>;
  constructor(ids: Iterable<string>) {
    this.ids = new Set(ids);
  }
  teams(): Promise<ReadonlySet<string>> {
    return Promise.resolve(this.ids);
  }
}

/** Fetches the app's workspace ids (auth.test's team_id and enterprise_id). */
export type WorkspaceFetch = () => Promise<readonly (string | undefined)[]>;

/** After a failed fetch, callers within this time get the same failure without asking again. */
const RETRY_MS = 30_000;

/**
 * Asks Slack once: a bot token's workspace does not change while the process runs. Concurrent
 * callers share one request; a failure (Slack unreachable at start-up) is retried after a short
 * pause, and until then every open rule grants nothing (fail closed), with the reason.
 */
export class SlackHomeWorkspace implements HomeWorkspace {
  private known: ReadonlySet<string> | undefined;
  private pending: Promise<ReadonlySet<string>> | undefined;
  private failed: { at: number; error: WorkspaceUnknownError } | undefined;

  constructor(
    private readonly fetch: WorkspaceFetch,
    private readonly now: () => number = Date.now,
    private readonly retryMs = RETRY_MS,
  ) {}

  teams(): Promise<ReadonlySet<string>> {
    if (this.known) return Promise.resolve(this.known);
    if (this.failed && this.now() - this.failed.at < this.retryMs) return Promise.reject(this.failed.error);
    this.pending ??= this.ask().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async ask(): Promise<ReadonlySet<string>> {
    try {
      const ids = (await this.fetch()).filter((id): id is string => typeof id === 'string' && id !== '');
      if (ids.length === 0) throw new Error('Slack named no team for the bot token');
      this.known = new Set(ids);
      this.failed = undefined;
      return this.known;
    } catch (err) {
      const error = err instanceof WorkspaceUnknownError ? err : new WorkspaceUnknownError(err);
      this.failed = { at: this.now(), error };
      throw error;
    }
  }
}

/** Whether a person is of the app's own workspace, as far as can be known. */
export type Belonging =
  | { kind: 'ours' }
  /** Another workspace (a Slack Connect guest), or Slack did not say which. */
  | { kind: 'foreign'; teamId: string | undefined }
  | { kind: 'unknown'; why: string };

export async function belongingOf(
  actor: { teamId?: string | undefined; enterpriseId?: string | undefined },
  home: HomeWorkspace | undefined,
): Promise<Belonging> {
  if (!home) {
    return {
      kind: 'unknown',
      why: "this app's own Slack workspace is not known (set workspace: in the policy, docs/policy.md)",
    };
  }
  let teams: ReadonlySet<string>;
  try {
    teams = await home.teams();
  } catch (err) {
    const why = err instanceof WorkspaceUnknownError ? err.message : String(err);
    return { kind: 'unknown', why: `${why}; try again shortly` };
  }
  const ids = [actor.teamId, actor.enterpriseId].filter((id): id is string => id !== undefined);
  return ids.some((id) => teams.has(id)) ? { kind: 'ours' } : { kind: 'foreign', teamId: actor.teamId };
}
