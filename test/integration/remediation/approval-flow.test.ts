import { afterEach, describe, expect, it } from 'vitest';
import type { ActionAsk } from '../../../src/remediation/approvals.js';
import { autoRemediate } from '../../../src/remediation/auto.js';
import { executeRequest } from '../../../src/remediation/execute.js';
import { ALICE, BOB, CAROL, FlowHarness, HOME, OPS } from './flow-helpers.js';

let h: FlowHarness;
afterEach(async () => {
  await h?.close();
});

function reloadAsk(by: string, hosts = [h.host('web-1')]): ActionAsk {
  return {
    actor: { userId: by, channelId: OPS, teamId: HOME },
    source: 'slack',
    action: 'fpm-reload',
    runbook: 'pool-exhausted',
    target: hosts.length === 1 ? hosts[0]!.host : 'web',
    hosts,
    threadTs: '1700000000.000100',
  };
}

async function pending(by = ALICE, hosts?: Parameters<typeof reloadAsk>[1]) {
  const asked = await h.approvals.ask(reloadAsk(by, hosts));
  if (asked.kind !== 'created') throw new Error(`expected a new request, got ${asked.kind}`);
  expect(asked.selfApprove).toBe(false);
  return asked.request;
}

describe('approval', () => {
  it('refuses the requester as approver where a second person is required, and lets another approve', async () => {
    h = new FlowHarness();
    const request = await pending(ALICE);
    const self = await h.approvals.approve(request.id, { userId: ALICE, channelId: OPS, teamId: HOME });
    expect(self).toMatchObject({ kind: 'refused' });
    expect(self.kind === 'refused' && self.reason).toBe(
      'fpm-reload on web-1 needs a second person: someone other than the requester must approve it',
    );
    expect(h.enqueued).toEqual([]);
    expect((await h.requests.get(request.id))?.state).toBe('pending');

    const other = await h.approvals.approve(request.id, { userId: BOB, channelId: OPS, teamId: HOME });
    expect(other).toMatchObject({ kind: 'approved', request: { state: 'approved', approvedBy: BOB } });
    expect(h.enqueued).toEqual([request.id]);

    const records = await h.auditRecords();
    expect(records.find((r) => r.phase === 'refused' && r.who.userId === ALICE)?.outcome).toContain(
      'needs a second person',
    );
    expect(
      records.filter((r) => r.kind === 'approval' && r.what === 'approve fpm-reload').map((r) => r.phase),
    ).toEqual(['started', 'completed']);
  });

  it('refuses someone the policy does not name, with its reason', async () => {
    h = new FlowHarness();
    const request = await pending(ALICE);
    const carol = await h.approvals.approve(request.id, { userId: CAROL, channelId: OPS, teamId: HOME });
    expect(carol).toMatchObject({ kind: 'refused' });
    expect(carol.kind === 'refused' && carol.reason).toMatch(
      /^approving fpm-reload on every host is limited to user group S0SREONC01/,
    );
    expect(h.enqueued).toEqual([]);
  });

  it('ten concurrent approvals (double clicks, two approvers, replays) make one approval and one job', async () => {
    h = new FlowHarness();
    const request = await pending(ALICE);
    const clicks = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        h.approvals.approve(request.id, { userId: i % 2 ? BOB : 'U0DAVE0001', channelId: OPS, teamId: HOME }),
      ),
    );
    // Dave is not in the group: refused; of Bob's five clicks one approves, four hear "already".
    expect(clicks.filter((c) => c.kind === 'approved')).toHaveLength(1);
    expect(clicks.filter((c) => c.kind === 'already')).toHaveLength(4);
    expect(h.enqueued).toEqual([request.id]);
    for (const c of clicks.filter((c) => c.kind === 'already'))
      expect(c.kind === 'already' && c.request.approvedBy).toBe(BOB);
  });

  it('clicking the same report button twice names the same request', async () => {
    h = new FlowHarness();
    const host = h.host('web-1', 'rep-same');
    const first = await h.approvals.ask(reloadAsk(ALICE, [host]));
    const again = await h.approvals.ask(reloadAsk(CAROL, [host]));
    expect(first.kind).toBe('created');
    expect(again).toMatchObject({ kind: 'exists', request: { requestedBy: ALICE, state: 'pending' } });
  });

  it('an approval expires with the report it rests on: asking from an old report, and approving late, are refused', async () => {
    h = new FlowHarness();
    const old = await h.approvals.ask(reloadAsk(ALICE, [h.host('web-1', 'rep-old', 16)]));
    expect(old.kind).toBe('refused');
    expect(old.kind === 'refused' && old.reason).toMatch(
      /^this report is 16 min old and fpm-reload needs one under 15 min: run \/fpm diagnose web-1 again/,
    );

    const request = await pending(ALICE, [h.host('web-1', 'rep-new', 10)]);
    h.clock += 6 * 60_000; // the report is now 16 minutes old
    const late = await h.approvals.approve(request.id, { userId: BOB, channelId: OPS, teamId: HOME });
    expect(late).toMatchObject({ kind: 'expired', request: { state: 'expired' } });
    expect(h.enqueued).toEqual([]);
    const again = await h.approvals.approve(request.id, { userId: BOB, channelId: OPS, teamId: HOME });
    expect(again).toMatchObject({ kind: 'already', request: { state: 'expired' } });
  });

  it('honours the cooldown per host and action across requests, and lifts it when nothing was changed', async () => {
    h = new FlowHarness();
    const first = await pending(ALICE);
    expect(await h.approvals.approve(first.id, { userId: BOB, channelId: OPS, teamId: HOME })).toMatchObject({
      kind: 'approved',
    });
    const second = await pending(ALICE);
    const cooled = await h.approvals.approve(second.id, { userId: BOB, channelId: OPS, teamId: HOME });
    expect(cooled).toMatchObject({ kind: 'cooldown', request: { state: 'refused' } });
    expect(cooled.kind === 'cooldown' && cooled.reason).toMatch(
      new RegExp(
        `^cooldown: fpm-reload was approved on web-1 1 min ago \\(request ${first.id}\\); allowed again at `,
      ),
    );
    expect(h.enqueued).toEqual([first.id]);

    // Another host is not affected; after the cooldown the same host is allowed again.
    const web2 = await pending(ALICE, [h.host('web-2')]);
    expect(await h.approvals.approve(web2.id, { userId: BOB, channelId: OPS, teamId: HOME })).toMatchObject({
      kind: 'approved',
    });

    // A refused run (config test failed: nothing changed) releases its cooldown at once.
    h.outcomes.set('web-1', 'refused');
    await executeRequest(first.id, h.executeDeps());
    const third = await pending(ALICE);
    expect(await h.approvals.approve(third.id, { userId: BOB, channelId: OPS, teamId: HOME })).toMatchObject({
      kind: 'approved',
    });
  });
});

describe('execution', () => {
  async function approved(hosts?: Parameters<typeof reloadAsk>[1]) {
    const request = await pending(ALICE, hosts);
    const a = await h.approvals.approve(request.id, { userId: BOB, channelId: OPS, teamId: HOME });
    expect(a.kind).toBe('approved');
    return request.id;
  }

  it('runs once however many times the job runs, and audits every step before and after', async () => {
    h = new FlowHarness();
    const id = await approved();
    const deps = h.executeDeps();
    // A kept discovery of the host: the action may change what it dumped, so it goes.
    await h.discoveryCache.set('web-1', { identity: 'x', dumps: {} });
    await h.discoveryCache.set('web-2', { identity: 'x', dumps: {} });
    const results = await Promise.all([
      executeRequest(id, deps),
      executeRequest(id, deps),
      executeRequest(id, deps),
    ]);
    expect(h.runs).toHaveLength(1);
    // The two duplicates waited for the live run's lease, then found the request done.
    expect(results.map((r) => r?.state)).toEqual(['done', 'done', 'done']);
    const final = await h.requests.get(id);
    expect(final).toMatchObject({ state: 'done', results: [{ host: 'web-1', outcome: 'done' }] });
    // A replay after it finished does nothing.
    await executeRequest(id, deps);
    expect(h.runs).toHaveLength(1);

    const records = await h.auditRecords();
    const steps = records.filter((r) => r.kind === 'action').map((r) => `${r.what}:${r.phase}`);
    expect(steps).toEqual([
      'fpm-reload:started',
      'fpm-reload config-test:started',
      'fpm-reload config-test:completed',
      'fpm-reload reload:started',
      'fpm-reload reload:completed',
      'fpm-reload:completed',
    ]);
    expect(h.history).toMatchObject([{ kind: 'action', host: 'web-1', by: BOB }]);
    expect(h.notified.at(-1)?.state).toBe('done');
    expect(await h.discoveryCache.get('web-1')).toBeUndefined();
    expect(await h.discoveryCache.get('web-2')).toBeDefined();
  });

  it('a job found running (its worker died mid-action) is marked interrupted, not run again', async () => {
    h = new FlowHarness();
    const id = await approved();
    await h.requests.transition(id, ['approved'], 'running');
    const r = await executeRequest(id, h.executeDeps());
    expect(r).toMatchObject({ state: 'interrupted' });
    expect(r?.reason).toMatch(/not run again because a change may be half made/);
    expect(h.runs).toEqual([]);
    const records = await h.auditRecords();
    expect(records.at(-1)).toMatchObject({ kind: 'action', phase: 'refused', what: 'fpm-reload' });
  });

  it('acts on at most K hosts of a group at once, and a failure stops the rest', async () => {
    h = new FlowHarness();
    const id = await approved([h.host('web-1'), h.host('web-2'), h.host('web-3')]);
    let release!: () => void;
    h.gate = new Promise((r) => {
      release = r;
    });
    const run = executeRequest(id, h.executeDeps());
    await expect.poll(() => h.running).toBe(2);
    release();
    await run;
    expect(h.maxRunning).toBe(2);
    expect(h.runs).toHaveLength(3);

    const h2 = new FlowHarness();
    try {
      const hosts = [h2.host('web-1'), h2.host('web-2'), h2.host('web-3')];
      const request = await h2.approvals.ask({ ...reloadAsk(ALICE, hosts), target: 'web' });
      if (request.kind !== 'created') throw new Error(request.kind);
      await h2.approvals.approve(request.request.id, { userId: BOB, channelId: OPS, teamId: HOME });
      h2.outcomes.set('web-1', 'failed');
      h2.outcomes.set('web-2', 'failed');
      const single = { ...h2.executeDeps() };
      const r = await executeRequest(request.request.id, single);
      // Two lanes: web-1 and web-2 start together and fail; web-3 is never started.
      expect(r?.state).toBe('failed');
      expect(r?.results?.find((x) => x.host === 'web-3')).toMatchObject({
        outcome: 'not-run',
        summary: expect.stringMatching(/^not run: stopped after web-[12] failed$/),
      });
      expect(h2.runs.map((x) => x.host).sort()).toEqual(['web-1', 'web-2']);
    } finally {
      await h2.close();
    }
  });

  it('one action at a time on a host: another request running there refuses this one', async () => {
    h = new FlowHarness();
    const lock = await h.guards.lockHost('web-1', 'rq-other', 60_000);
    expect(lock).toBeUndefined();
    const id = await approved();
    const r = await executeRequest(id, h.executeDeps());
    expect(r).toMatchObject({ state: 'refused', reason: 'another action (rq-other) is running on web-1' });
    expect(h.runs).toEqual([]);
  });

  it('at most K hosts of a group at once across requests: a third host waits its turn', async () => {
    h = new FlowHarness();
    // Two other requests hold web-1 and web-2 (maxHostsAtOnce 2 for fpm-reload).
    expect(await h.guards.acquireGroupSlot('web', 'web-1', 2, 60_000)).toEqual([]);
    expect(await h.guards.acquireGroupSlot('web', 'web-2', 2, 60_000)).toEqual([]);
    const id = await approved([h.host('web-3')]);
    const r = await executeRequest(id, h.executeDeps());
    expect(r).toMatchObject({ state: 'refused' });
    expect(r?.reason).toMatch(
      /^2 host\(s\) of group web are being acted on already \(web-1, web-2\); at most 2 at once$/,
    );
    expect(h.runs).toEqual([]);
    // Once one of them is done, the same host may go.
    await h.guards.releaseGroupSlot('web', 'web-1');
    const again = await approved([h.host('web-3')]);
    expect(await executeRequest(again, h.executeDeps())).toMatchObject({ state: 'done' });
  });
});

describe('a group request naming one host twice', () => {
  const worker = (pid: number) => ({
    pid,
    startedAt: 1_700_000_000,
    pool: 'www',
    masterPid: 100,
    conn: `unix:${pid}`,
    durationSec: 90,
  });
  const actionSteps = (records: Awaited<ReturnType<FlowHarness['auditRecords']>>, step: string) =>
    records.filter((r) => r.kind === 'action' && r.what.endsWith(` ${step}`) && r.phase === 'started');

  it('asks for each host once (its newest report) and runs the action once on it', async () => {
    h = new FlowHarness();
    // Two reports of web-1 (an older and a newer diagnosis) and one of web-2 under one button.
    const older = h.host('web-1', 'rep-web1-old', 5);
    const newer = h.host('web-1', 'rep-web1-new', 2);
    const asked = await h.approvals.ask({
      ...reloadAsk(ALICE, [older, h.host('web-2'), newer]),
      target: 'web',
    });
    if (asked.kind !== 'created') throw new Error(asked.kind);
    expect(asked.request.hosts.map((x) => [x.host, x.reportId])).toEqual([
      ['web-1', 'rep-web1-new'],
      ['web-2', expect.any(String)],
    ]);
    expect(
      await h.approvals.approve(asked.request.id, { userId: BOB, channelId: OPS, teamId: HOME }),
    ).toMatchObject({
      kind: 'approved',
    });
    const r = await executeRequest(asked.request.id, h.executeDeps());
    expect(r?.state).toBe('done');
    expect(r?.results?.map((x) => [x.host, x.outcome])).toEqual([
      ['web-1', 'done'],
      ['web-2', 'done'],
    ]);
    expect(h.runs.map((x) => x.host).sort()).toEqual(['web-1', 'web-2']);
    const records = await h.auditRecords();
    expect(
      actionSteps(records, 'reload')
        .map((x) => x.host)
        .sort(),
    ).toEqual(['web-1', 'web-2']);
    const request = records.find((x) => x.what === 'request fpm-reload' && x.phase === 'started');
    expect(request?.detail).toMatchObject({ superseded: ['rep-web1-old'] });
  });

  it('without a cooldown, still kills on the host once', async () => {
    h = new FlowHarness();
    const hosts = [
      { ...h.host('web-1', 'rep-a', 3), workers: [worker(2911)] },
      { ...h.host('web-1', 'rep-b', 2), workers: [worker(2911)] },
    ];
    const asked = await h.approvals.ask({
      actor: { userId: ALICE, channelId: OPS, teamId: HOME },
      source: 'slack',
      action: 'kill-stuck-workers',
      runbook: 'self-request-deadlock',
      target: 'web',
      hosts,
    });
    if (asked.kind !== 'created') throw new Error(asked.kind);
    expect(asked.selfApprove).toBe(true);
    await h.approvals.approve(asked.request.id, { userId: ALICE, channelId: OPS, teamId: HOME });
    const r = await executeRequest(asked.request.id, h.executeDeps());
    expect(r?.state).toBe('done');
    expect(h.runs.map((x) => x.host)).toEqual(['web-1']);
    expect(actionSteps(await h.auditRecords(), 'reload')).toHaveLength(1);
  });

  it('a stored request that lists a host twice (as older versions stored it) runs once on that host', async () => {
    h = new FlowHarness();
    const id = 'rq-0123456789abcdef01234567';
    const now = h.clock;
    await h.requests.create({
      id,
      action: 'fpm-reload',
      runbook: 'pool-exhausted',
      target: 'web',
      hosts: [h.host('web-1', 'rep-x'), h.host('web-1', 'rep-y'), h.host('web-2', 'rep-z')],
      source: 'slack',
      requestedBy: ALICE,
      channelId: OPS,
      requestedAt: now,
      expiresAt: now + 10 * 60_000,
      state: 'approved',
      approvedBy: BOB,
      approvedAt: now,
    });
    const r = await executeRequest(id, h.executeDeps());
    expect(r?.state).toBe('done');
    expect(h.runs.map((x) => x.host).sort()).toEqual(['web-1', 'web-2']);
    expect(r?.results?.map((x) => x.host)).toEqual(['web-1', 'web-2']);
  });
});

describe('auto-remediation', () => {
  const report = (host: string, runbook: string, actions: string[]) =>
    ({
      host,
      verdict: 'critical',
      collectedAt: new Date().toISOString(),
      findings: [{ runbook, rootCause: true, actions, severity: 'critical' }],
    }) as never;

  it('runs only what the policy opts in for the environment, approved by the policy entry', async () => {
    h = new FlowHarness();
    const posted: string[] = [];
    const deps = {
      inventory: h.inventory,
      policy: h.policy,
      approvals: h.approvals,
      post: async (r: { id: string }) => {
        posted.push(r.id);
      },
    };
    const ctx = { reportId: 'rep-auto', channelId: OPS, threadTs: '1.2' };
    const prod = await autoRemediate({ ...ctx, report: report('web-1', 'fpm-down', ['fpm-start']) }, deps);
    expect(prod).toEqual([]); // staging only
    const staging = await autoRemediate(
      { ...ctx, report: report('stage-1', 'fpm-down', ['fpm-start']) },
      deps,
    );
    expect(staging).toMatchObject([{ action: 'fpm-start', outcome: { kind: 'approved' } }]);
    expect(posted).toHaveLength(1);
    expect(h.enqueued).toHaveLength(1);
    const request = await h.requests.get(h.enqueued[0]!);
    expect(request).toMatchObject({
      source: 'alert',
      requestedBy: 'auto',
      approvedBy: 'auto',
      state: 'approved',
    });
    // The same alert report again: the same request, not a second action.
    const again = await autoRemediate({ ...ctx, report: report('stage-1', 'fpm-down', ['fpm-start']) }, deps);
    expect(again).toMatchObject([{ outcome: { kind: 'exists' } }]);
    expect(h.enqueued).toHaveLength(1);
  });
});
