/**
 * Issue 14, part 3: apply-config on the real lab (php-fpm8.2, nginx, Apache, sshd with a pinned key).
 * The report's patch is applied by the action's own steps; every outcome is proved by the files on
 * disk, the servers' processes and the next diagnosis. The lab lives in a directory only root can
 * write: apply-config refuses files in world-writable places such as /tmp (docs/security.md).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedHost } from '../../../src/config/types.js';
import type { Diagnosis } from '../../../src/diagnosis/diagnose.js';
import type { ConfigPatch } from '../../../src/fixes/index.js';
import { runProcedure } from '../../../src/remediation/procedures/index.js';
import type {
  ProcedureContext,
  ProcedureResult,
  StepName,
  StepOutcome,
} from '../../../src/remediation/types.js';
import { type DiagnosisHarness, startDiagnosisHarness, summary } from '../diagnose/lab-diagnosis-harness.js';

const TRUSTED_BASE = '/var/lib/fpm-medic-test-labs';

interface Audited {
  name: StepName;
  ok: boolean;
  summary: string;
}

function harness(web: 'nginx' | 'apache') {
  let h: DiagnosisHarness;
  beforeAll(async () => {
    mkdirSync(TRUSTED_BASE, { recursive: true, mode: 0o755 });
    h = await startDiagnosisHarness(web, undefined, { baseDir: TRUSTED_BASE });
  });
  afterEach(async () => {
    await h?.lab.reset();
  });
  afterAll(async () => {
    await h?.stop();
  });
  const host = (): ResolvedHost => ({
    ...h.pinned,
    web: { ...h.pinned.web, healthUrl: h.lab.url('/health.php') },
  });
  /** Runs apply-config with `patch` (the finding's, unless a test injects another). */
  const run = async (patch: ConfigPatch): Promise<{ result: ProcedureResult; audit: Audited[] }> => {
    const audit: Audited[] = [];
    const ctx: ProcedureContext = {
      transport: h.transport,
      host: host(),
      step: async <T extends StepOutcome>(name: StepName, fn: () => Promise<T>): Promise<T> => {
        const out = await fn();
        audit.push({ name, ok: out.ok, summary: out.summary });
        return out;
      },
    };
    return { result: await runProcedure({ action: 'apply-config', patch }, ctx), audit };
  };
  const apply = (d: Diagnosis, runbook: string) => {
    const f = d.report.findings.find((x) => x.runbook === runbook);
    expect(f?.actions, summary(d)).toContain('apply-config');
    return run(f!.patch!);
  };
  return {
    get h() {
      return h;
    },
    apply,
    run,
    diagnose: (since: number) => h.diagnosePinned(since),
  };
}

const steps = (r: ProcedureResult) => r.steps.map((s) => `${s.name}:${s.ok ? 'ok' : 'failed'}`);

/** The hidden backups apply-config left next to `file`. */
const backupsOf = (file: string) =>
  readdirSync(dirname(file)).filter(
    (n) => n.startsWith(`.${file.split('/').pop()}.fpm-medic-`) && n.endsWith('.bak'),
  );

describe('apply-config behind nginx', () => {
  const t = harness('nginx');

  it('an oversized pool is patched, FPM reloaded gracefully, and the next diagnosis is clean', async () => {
    const since = Date.now();
    const s = await t.h.lab.induce('max-children-oversized', { maxChildren: 5000 });
    const d = await t.diagnose(since);
    const change = d.report.patch?.changes.find(
      (c) => c.directive === 'pm.max_children' && c.scope === 'odpool',
    );
    expect(change, summary(d)).toBeDefined();
    const before = readFileSync(change!.file, 'utf8');
    const masterBefore = t.h.lab.fpmMasterPid;

    const { result, audit } = await t.apply(d, 'max-children-oversized');
    expect(result.outcome, result.summary).toBe('done');
    expect(steps(result)).toEqual([
      'precheck:ok',
      'backup:ok',
      'write:ok',
      'config-test:ok',
      'reload:ok',
      'verify:ok',
      'verify:ok',
    ]);
    expect(audit.map((a) => a.name)).toEqual(result.steps.map((x) => x.name));
    expect(result.summary).toMatch(/in effect in php-fpm -tt|health 200/);
    // Written in place, the rest of the file untouched; the original kept beside it.
    const after = readFileSync(change!.file, 'utf8');
    expect(after).toContain(`pm.max_children = ${change!.to}\n`);
    expect(after.split('\n').length).toBeGreaterThanOrEqual(before.split('\n').length);
    const [backup] = backupsOf(change!.file);
    expect(readFileSync(`${dirname(change!.file)}/${backup}`, 'utf8')).toBe(before);
    // A graceful reload keeps the master (SIGUSR2 re-execs in place).
    expect(t.h.lab.fpmMasterPid).toBe(masterBefore);

    const next = await t.diagnose(Date.now());
    expect(
      next.report.findings.map((f) => f.runbook),
      summary(next),
    ).not.toContain('max-children-oversized');
    await s.end();
  }, 240_000);

  it('a timeout chain is aligned across FPM and nginx: pool files and nginx.conf written, both reloaded', async () => {
    const since = Date.now();
    const s = await t.h.lab.induce('timeout-chain-misaligned', { variant: 'mixed-routes' });
    const d = await t.diagnose(since);
    const patch = d.report.findings.find((f) => f.runbook === 'timeout-chain-misaligned')?.patch;
    expect(patch, summary(d)).toBeDefined();
    const reloads = new Set(patch!.changes.map((c) => c.reload));
    expect([...reloads].sort()).toEqual(['fpm', 'nginx']);
    expect(patch!.files.length).toBeGreaterThanOrEqual(2);

    const { result } = await t.apply(d, 'timeout-chain-misaligned');
    expect(result.outcome, result.summary).toBe('done');
    expect(steps(result).filter((x) => x.startsWith('reload'))).toEqual(['reload:ok', 'reload:ok']);
    expect(steps(result).filter((x) => x.startsWith('config-test'))).toEqual([
      'config-test:ok',
      'config-test:ok',
    ]);
    expect(result.summary).toMatch(/nginx master \d+ runs \d+ new worker/);
    const nginxConf = readFileSync(t.h.lab.webConfigFile, 'utf8');
    expect(nginxConf).not.toMatch(/fastcgi_read_timeout 3s;/);

    const next = await t.diagnose(Date.now());
    expect(
      next.report.findings.map((f) => f.runbook),
      summary(next),
    ).not.toContain('timeout-chain-misaligned');
    await s.end();
  }, 240_000);

  it('a file edited after the diagnosis is refused: nothing written, nothing reloaded', async () => {
    const since = Date.now();
    const s = await t.h.lab.induce('max-children-oversized', { maxChildren: 5000 });
    const d = await t.diagnose(since);
    const file = d.report.patch!.changes.find((c) => c.directive === 'pm.max_children')!.file;
    // Someone edits the pool file between the diagnosis and the approval.
    writeFileSync(file, `${readFileSync(file, 'utf8')}; edited by hand\n`);
    const edited = readFileSync(file, 'utf8');
    const master = t.h.lab.fpmMasterPid;

    const { result } = await t.apply(d, 'max-children-oversized');
    expect(result.outcome).toBe('refused');
    expect(result.changed).toBe(false);
    expect(result.summary).toContain('changed since the diagnosis');
    expect(steps(result)).toEqual(['precheck:failed']);
    expect(readFileSync(file, 'utf8')).toBe(edited);
    expect(backupsOf(file)).toEqual([]);
    expect(t.h.lab.fpmMasterPid).toBe(master);
    await s.end();
  }, 240_000);

  it('a patch whose config test fails is rolled back before any reload, and the site keeps answering', async () => {
    const since = Date.now();
    const s = await t.h.lab.induce('max-children-oversized', { maxChildren: 5000 });
    const d = await t.diagnose(since);
    const f = d.report.findings.find((x) => x.runbook === 'max-children-oversized')!;
    // The injected failure: FPM refuses pm.max_children below pm.start_servers. The pool's
    // start_servers line goes with it, so the diff shown is still exactly the diff written.
    const patch = structuredClone(f.patch!);
    const mc = patch.changes.find((c) => c.directive === 'pm.max_children')!;
    mc.to = '0';
    mc.newText = 'pm.max_children = 0';
    const { fileDiff } = await import('../../../src/fixes/diff.js');
    for (const file of patch.files)
      file.diff = fileDiff(
        file.path,
        patch.changes.filter((c) => c.file === file.path),
      );
    const before = readFileSync(mc.file, 'utf8');
    const master = t.h.lab.fpmMasterPid;

    const { result } = await t.run(patch);
    expect(result.outcome, result.summary).toBe('failed');
    expect(result.summary).toMatch(/^rolled back: config test failed \(exit \d+\): .*max_children/);
    expect(steps(result)).toEqual([
      'precheck:ok',
      'backup:ok',
      'write:ok',
      'config-test:failed',
      'rollback:ok',
    ]);
    expect(readFileSync(mc.file, 'utf8')).toBe(before);
    expect(t.h.lab.fpmMasterPid).toBe(master);
    expect((await t.h.lab.get('/health.php')).status).toBe(200);
    await s.end();
  }, 240_000);
});

describe('apply-config behind Apache', () => {
  const t = harness('apache');

  it("Apache's ProxyTimeout is patched, Apache reloaded gracefully, and the chain is clean", async () => {
    const since = Date.now();
    const s = await t.h.lab.induce('timeout-chain-misaligned', { variant: 'mixed-routes' });
    const d = await t.diagnose(since);
    const patch = d.report.findings.find((f) => f.runbook === 'timeout-chain-misaligned')?.patch;
    const pt = patch?.changes.find((c) => c.directive === 'ProxyTimeout');
    expect(pt, summary(d)).toMatchObject({ from: '3', reload: 'apache' });

    const { result } = await t.apply(d, 'timeout-chain-misaligned');
    expect(result.outcome, result.summary).toBe('done');
    expect(result.summary).toMatch(/apache master \d+ runs \d+ new worker/);
    expect(readFileSync(pt!.file, 'utf8')).toContain(`ProxyTimeout ${pt!.to}\n`);

    const next = await t.diagnose(Date.now());
    expect(
      next.report.findings.map((f) => f.runbook),
      summary(next),
    ).not.toContain('timeout-chain-misaligned');
    await s.end();
  }, 240_000);
});
