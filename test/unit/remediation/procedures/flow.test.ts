/**
 * The procedures' flow against a transport that answers with the captured outputs: the reload is
 * never sent after a failed config test, every remote call happens inside an audited step, and
 * trouble comes back as a result, never as an exception.
 */
import { describe, expect, it } from 'vitest';
import type { ResolvedHost } from '../../../../src/config/types.js';
import { runProcedure } from '../../../../src/remediation/procedures/index.js';
import type { ProcedureContext, StepName, StepOutcome } from '../../../../src/remediation/types.js';
import type { RunResult, RunScriptOptions, Transport } from '../../../../src/transport/transport.js';
import { actionFixture, CONF } from './helpers.js';

/** Pools as FPM prints them with neither pm.status_path nor ping.path set. */
const withoutPingPaths = (text: string) =>
  text.replace(/(pm\.status_path|ping\.path) = \S+/g, '$1 = undefined');

function bundle(discoverFpm: (text: string) => string = (t) => t): string {
  // What one round of runtime + discover-fpm prints: each probe's captured output between markers.
  return [
    '@@probe runtime start=1000',
    actionFixture('discover-runtime.txt'),
    '@@probe-end runtime rc=0 end=1010',
    '@@probe discover-fpm start=1010',
    discoverFpm(actionFixture('discover-fpm.txt')),
    '@@probe-end discover-fpm rc=0 end=1100',
    '',
  ].join('\n');
}

interface Call {
  action: string;
  args: readonly string[];
  inStep: StepName | undefined;
}

class ReplayTransport implements Transport {
  readonly host = 'capture';
  readonly calls: Call[] = [];
  current: StepName | undefined;
  constructor(
    private readonly answer: (action: string, phase: string, n: number) => string,
    private readonly discoverFpm?: (text: string) => string,
  ) {}

  async runScript(script: string, args: readonly string[], _o: RunScriptOptions): Promise<RunResult> {
    const action = /^# (fpm-reload|fpm-start|kill-stuck-workers)\.sh PHASE/m.exec(script)?.[1] ?? 'probes';
    this.calls.push({ action, args, inStep: this.current });
    const n = this.calls.filter((c) => c.action === action && c.args[0] === args[0]).length;
    const stdout = action === 'probes' ? bundle(this.discoverFpm) : this.answer(action, args[0] ?? '', n);
    return { stdout, stderr: '', code: 0, timedOut: false, truncated: false, ms: 5, bytes: stdout.length };
  }

  async close(): Promise<void> {}
}

const host: ResolvedHost = {
  name: 'capture',
  address: '127.0.0.1',
  local: false,
  ssh: null,
  commandTimeoutMs: 30_000,
  labels: {},
  selfAddresses: [],
  fpm: { config: CONF },
  web: { healthUrl: 'http://127.0.0.1:19301/health.php' },
  groups: [],
};

function context(
  transport: ReplayTransport,
  audit: { name: StepName; phase: string; ok?: boolean }[],
  on: ResolvedHost = host,
): ProcedureContext {
  return {
    transport,
    host: on,
    step: async <T extends StepOutcome>(name: StepName, run: () => Promise<T>): Promise<T> => {
      audit.push({ name, phase: 'started' });
      transport.current = name;
      try {
        const out = await run();
        audit.push({ name, phase: 'ended', ok: out.ok });
        return out;
      } finally {
        transport.current = undefined;
      }
    },
  };
}

describe('fpm-reload flow', () => {
  it('a failed config test refuses the reload: nothing is sent, nothing changed, the error is quoted', async () => {
    const t = new ReplayTransport((action, phase) => {
      if (phase === 'config-test') return actionFixture('config-test-bad.txt');
      throw new Error(`unexpected ${action} ${phase}`);
    });
    const audit: { name: StepName; phase: string; ok?: boolean }[] = [];
    const r = await runProcedure({ action: 'fpm-reload' }, context(t, audit));
    expect(r).toMatchObject({ action: 'fpm-reload', host: 'capture', outcome: 'refused', changed: false });
    expect(r.summary).toMatch(
      /config test failed \(exit 78\): \[.*bad\.conf:5\] unknown entry 'pm\.max_childrn'/,
    );
    expect(r.summary).toMatch(/reload refused, nothing changed$/);
    expect(r.steps.map((s) => [s.name, s.ok])).toEqual([
      ['precheck', true],
      ['config-test', false],
    ]);
    expect(t.calls.map((c) => c.args[0])).not.toContain('reload');
    expect(audit.map((a) => `${a.name}:${a.phase}`)).toEqual([
      'precheck:started',
      'precheck:ended',
      'config-test:started',
      'config-test:ended',
    ]);
  });

  it('a reload that comes back: the master re-forked, every worker new, pings and health answer', async () => {
    const t = new ReplayTransport((_action, phase, n) => {
      if (phase === 'config-test') return actionFixture('config-test-ok.txt');
      if (phase === 'reload') return actionFixture('reload-signal.txt');
      if (phase === 'state')
        return actionFixture(n === 1 ? 'reload-state-early.txt' : 'reload-state-done.txt');
      if (phase === 'check') return actionFixture('check-ok.txt');
      throw new Error(`unexpected ${phase}`);
    });
    const audit: { name: StepName; phase: string; ok?: boolean }[] = [];
    const r = await runProcedure({ action: 'fpm-reload' }, context(t, audit));
    expect(r.outcome).toBe('done');
    expect(r.changed).toBe(true);
    expect(r.summary).toMatch(
      /^config test passed; reloaded with SIGUSR2; 4 old workers gone, 4 new up; master pid \d+ -> \d+; ping unixpool \d+ ms, tcppool \d+ ms; health 200 in \d+ ms; \d+\.\d s$/,
    );
    expect(r.steps.map((s) => s.name)).toEqual(['precheck', 'config-test', 'reload', 'verify']);
    // Every remote call ran inside an audited step.
    expect(t.calls.every((c) => c.inStep !== undefined)).toBe(true);
    // The reload went to the discovered master, with its error log, and no command of the inventory's.
    const reload = t.calls.find((c) => c.args[0] === 'reload')!;
    expect(reload.inStep).toBe('reload');
    expect(reload.args.slice(2, 3)).toEqual(['/tmp/fpm-medic-actions-capture/log/php-fpm.log']);
    expect(reload.args).toHaveLength(4);
  });

  it('with no ping or status path and no healthUrl: reloaded, "not verified: nothing to check", no empty check run', async () => {
    const t = new ReplayTransport((_action, phase, n) => {
      if (phase === 'config-test') return actionFixture('config-test-ok.txt');
      if (phase === 'reload') return actionFixture('reload-signal.txt');
      if (phase === 'state')
        return actionFixture(n === 1 ? 'reload-state-early.txt' : 'reload-state-done.txt');
      throw new Error(`unexpected ${phase}`);
    }, withoutPingPaths);
    const r = await runProcedure({ action: 'fpm-reload' }, context(t, [], { ...host, web: {} }));
    expect(r).toMatchObject({ outcome: 'unverified', changed: true });
    expect(r.summary).toMatch(
      /^config test passed; reloaded with SIGUSR2; 4 old workers gone, 4 new up; master pid \d+ -> \d+; not verified: nothing to check \(/,
    );
    expect(r.summary).toContain(
      'to verify, set ping.path (e.g. ping.path = /ping) or pm.status_path in pools ',
    );
    expect(r.steps.at(-1)).toMatchObject({ name: 'verify', ok: false });
    expect(t.calls.map((c) => c.args[0])).not.toContain('check');
  });

  it('an audit failure stops the procedure with a result, not an exception', async () => {
    const t = new ReplayTransport(() => actionFixture('config-test-ok.txt'));
    const ctx: ProcedureContext = {
      transport: t,
      host,
      step: async () => {
        throw new Error('audit log not writable');
      },
    };
    const r = await runProcedure({ action: 'fpm-reload' }, ctx);
    expect(r).toMatchObject({
      outcome: 'failed',
      changed: false,
      summary: 'fpm-reload stopped: audit log not writable',
    });
    expect(t.calls).toEqual([]);
  });
});

describe('fpm-start and kill-stuck-workers flows', () => {
  it('fpm-start refuses while FPM runs, after the precheck only', async () => {
    const t = new ReplayTransport((_a, phase) => {
      if (phase === 'precheck') return actionFixture('start-precheck-running.txt');
      throw new Error(`unexpected ${phase}`);
    });
    const r = await runProcedure({ action: 'fpm-start' }, context(t, []));
    expect(r).toMatchObject({ outcome: 'refused', changed: false });
    expect(r.summary).toMatch(/^FPM is running, pid \d+: use fpm-reload; nothing changed$/);
    expect(t.calls.map((c) => c.args[0])).toEqual(['precheck']);
  });

  it('kill-stuck-workers whose pool has no ping or status path: killed, "not verified: nothing to check"', async () => {
    const t = new ReplayTransport((_action, phase) => {
      if (phase === 'kill') return actionFixture('kill-mixed.txt');
      throw new Error(`unexpected ${phase}`);
    }, withoutPingPaths);
    const worker = {
      pid: 557,
      startedAt: 1_795_222_875,
      pool: 'unixpool',
      masterPid: 124,
      conn: 'unix:123456',
      durationSec: 80,
    };
    const r = await runProcedure({ action: 'kill-stuck-workers', workers: [worker] }, context(t, []));
    expect(r, r.summary).toMatchObject({ outcome: 'unverified', changed: true });
    expect(r.summary).toMatch(
      /; not verified: nothing to check \(pool unixpool: no ping\.path or pm\.status_path to ask\); to verify, set ping\.path \(e\.g\. ping\.path = \/ping\) or pm\.status_path in pool unixpool$/,
    );
    expect(t.calls.map((c) => c.args[0])).not.toContain('check');
  });

  it('kill-stuck-workers with no worker named is refused without touching the host', async () => {
    const t = new ReplayTransport(() => '');
    const r = await runProcedure({ action: 'kill-stuck-workers', workers: [] }, context(t, []));
    expect(r).toMatchObject({
      outcome: 'refused',
      changed: false,
      summary: 'no workers named: nothing to kill; nothing changed',
    });
    expect(t.calls).toEqual([]);
  });
});
