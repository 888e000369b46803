/**
 * A trusted master whose binary was deleted or replaced since it started (what a package upgrade
 * leaves behind) is still a master, but what now sits at that path is not what it runs: it is not
 * run, and the report says why.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFpmDiscovery } from '../../../src/probes/parsers/discover-fpm.js';
import { runProbes } from '../../../src/probes/run-probe.js';
import { LocalTransport } from '../../../src/transport/local-transport.js';
import { waitFor } from '../../lab/wait.js';

describe('a master whose binary was deleted since it started', () => {
  let dir: string;
  let child: ChildProcess;
  let title: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fpm-medic-deleted-'));
    const exe = join(dir, 'php-fpm');
    copyFileSync('/bin/sleep', exe);
    title = `php-fpm: master process (${dir}/php-fpm.conf)`;
    // sleep's argument is part of the title: only the config in the parentheses matters here.
    child = spawn(exe, ['600'], { argv0: title, stdio: 'ignore' });
    await waitFor('the master title', () => {
      try {
        return readFileSync(`/proc/${child.pid}/cmdline`, 'latin1').startsWith(title);
      } catch {
        return false;
      }
    });
    rmSync(exe);
  });

  afterAll(() => {
    child?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts it, runs nothing, and says its binary is gone', async () => {
    const [out] = await runProbes(new LocalTransport('deleted'), [{ id: 'discover-fpm', args: [] }], {
      timeoutMs: 30_000,
    });
    const d = parseFpmDiscovery(out!.sections);
    expect(d.masters.map((m) => m.pid)).toContain(child.pid);
    expect(d.ignoredPids).not.toContain(child.pid);
    const f = d.failures.find((x) => x.target === `pid ${child.pid}`);
    expect(f?.reason).toBe('error');
    expect(f?.detail).toBe(
      `master ${child.pid} runs ${dir}/php-fpm (deleted), deleted or replaced since it started (a package upgrade?): it is not run, so its config is read only when the inventory names it (fpm.config); reload FPM to run the new binary`,
    );
    expect(
      out!.sections.find((s) => s.name === 'fpm-master' && s.attrs.pid === String(child.pid))?.attrs.exe,
    ).toBe(undefined);
  });
});
