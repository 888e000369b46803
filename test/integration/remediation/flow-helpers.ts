/**
 * The approval flow on a real Redis (fresh prefix per test) with a recording procedure in place of
 * the host side: what is asserted here is who may approve, when, and how many times anything runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { AuditLog, type AuditRecord, readAudit } from '../../../src/audit/index.js';
import { parseInventory } from '../../../src/config/inventory.js';
import { parsePolicy } from '../../../src/policy/policy.js';
import { Approvals } from '../../../src/remediation/approvals.js';
import type { ExecuteDeps } from '../../../src/remediation/execute.js';
import { ActionGuards } from '../../../src/remediation/guards.js';
import type { ActionRequest, RequestHost } from '../../../src/remediation/request.js';
import { RequestStore } from '../../../src/remediation/request-store.js';
import type { ActionParams, ProcedureContext, ProcedureResult } from '../../../src/remediation/types.js';
import type { HistoryEntry } from '../../../src/report/history.js';
import { RedisDiscoveryCache } from '../../../src/store/discovery-cache.js';
import type { Transport } from '../../../src/transport/transport.js';
import { FakeMembership } from '../../unit/policy/helpers.js';
import { cleanupPrefix, freshPrefix, REDIS_URL } from '../queue/helpers.js';

export const ALICE = 'U0ALICE001';
export const BOB = 'U0BOB00001';
export const CAROL = 'U0CAROL001';
export const OPS = 'C0OPSINC01';
export const SRE = 'S0SREONC01';
/** The app's own Slack workspace (the policy's `workspace`): the people of these tests are of it. */
export const HOME = 'T0HOME0001';

export const INVENTORY = `defaults:
  ssh: { user: root, privateKeyPath: /nonexistent/id_ed25519 }
hosts:
  web-1: { address: 10.0.0.11, labels: { env: prod } }
  web-2: { address: 10.0.0.12, labels: { env: prod } }
  web-3: { address: 10.0.0.13, labels: { env: prod } }
  stage-1: { address: 10.0.1.11, labels: { env: staging } }
groups:
  web: [web-1, web-2, web-3]
`;

export const POLICY = `workspace: ${HOME}
diagnose:
  - effect: allow
actions:
  fpm-reload:
    requireSecondPerson: true
    approvalTtlMinutes: 15
    cooldownMinutes: 10
    maxHostsAtOnce: 2
    approve:
      - effect: allow
        userGroups: [${SRE}]
  kill-stuck-workers:
    requireSecondPerson: false
    cooldownMinutes: 0
    approve:
      - effect: allow
        userGroups: [${SRE}]
autoRemediation:
  - runbook: fpm-down
    actions: [fpm-start]
    labels: { env: staging }
`;

export interface Recorded {
  params: ActionParams;
  host: string;
  at: number;
}

export class FlowHarness {
  readonly prefix = freshPrefix();
  readonly redis = new Redis(REDIS_URL);
  readonly dir = mkdtempSync(join(tmpdir(), 'fpm-medic-flow-'));
  readonly audit = new AuditLog(join(this.dir, 'audit.jsonl'));
  readonly inventory = parseInventory(INVENTORY, 'inventory.yaml');
  readonly policy;
  readonly membership = new FakeMembership({ [SRE]: [ALICE, BOB] });
  readonly requests = new RequestStore(this.redis, this.prefix);
  readonly discoveryCache = new RedisDiscoveryCache(this.redis, this.prefix);
  clock = Date.now();
  readonly guards = new ActionGuards(this.redis, this.prefix, () => this.clock);
  readonly enqueued: string[] = [];
  readonly runs: Recorded[] = [];
  readonly notified: ActionRequest[] = [];
  readonly history: HistoryEntry[] = [];
  /** What the fake procedure answers, per host (default done). */
  outcomes = new Map<string, ProcedureResult['outcome']>();
  /** Holds every procedure until released, to see how many run at once. */
  gate: Promise<void> | undefined;
  running = 0;
  maxRunning = 0;
  readonly approvals: Approvals;

  constructor(policyText = POLICY) {
    this.policy = parsePolicy(policyText, 'policy.yaml', {
      inventory: { hosts: this.inventory.hosts.keys(), groups: this.inventory.groups.keys() },
    });
    this.approvals = new Approvals({
      inventory: this.inventory,
      policy: this.policy,
      membership: this.membership,
      requests: this.requests,
      guards: this.guards,
      audit: this.audit,
      enqueue: async (id) => {
        this.enqueued.push(id);
      },
      now: () => this.clock,
    });
  }

  executeDeps(): ExecuteDeps {
    return {
      inventory: this.inventory,
      policy: this.policy,
      requests: this.requests,
      guards: this.guards,
      audit: this.audit,
      now: () => this.clock,
      transportFor: (host) =>
        ({ host: host.name, runScript: async () => ({}) as never, close: async () => {} }) as Transport,
      runProcedure: async (params: ActionParams, ctx: ProcedureContext): Promise<ProcedureResult> => {
        this.runs.push({ params, host: ctx.host.name, at: Date.now() });
        this.running++;
        this.maxRunning = Math.max(this.maxRunning, this.running);
        try {
          const check = await ctx.step('config-test', async () => ({
            ok: true,
            summary: 'config test passed',
          }));
          if (this.gate) await this.gate;
          const outcome = this.outcomes.get(ctx.host.name) ?? 'done';
          await ctx.step('reload', async () => ({ ok: outcome === 'done', summary: `reload ${outcome}` }));
          return {
            action: params.action,
            host: ctx.host.name,
            outcome,
            changed: outcome !== 'refused',
            summary: `${check.summary}; ${outcome}`,
            steps: [{ name: 'config-test', ok: true, summary: check.summary }],
            durationMs: 1,
          };
        } finally {
          this.running--;
        }
      },
      addHistory: async (e) => {
        this.history.push(e);
      },
      discoveryCache: this.discoveryCache,
      notify: async (r) => {
        this.notified.push(r);
      },
    };
  }

  host(
    name: string,
    reportId = `rep-${name}-${Math.random().toString(16).slice(2, 8)}`,
    ageMin = 1,
  ): RequestHost {
    return { host: name, reportId, reportAt: this.clock - ageMin * 60_000 };
  }

  async auditRecords(): Promise<AuditRecord[]> {
    return readAudit(this.audit.path);
  }

  async close(): Promise<void> {
    await this.audit.close();
    await cleanupPrefix(REDIS_URL, this.prefix, 'remediate');
    this.redis.disconnect();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
