import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cleanupStaleLabs } from '../../lab/cleanup.js';
import { startLab } from '../../lab/lab.js';
import { membersOfGroup } from '../../lab/proc.js';
import { waitFor } from '../../lab/wait.js';
import { alive, sh } from './helpers.js';

describe('lab lifecycle', () => {
  it('stop() leaves no process, port, cgroup or directory behind', async () => {
    const lab = await startLab();
    await lab.induce('worker-oom-killed');
    const fpm = lab.fpmMasterPid!;
    const web = lab.webMasterPid!;
    const cg = lab.cgroupPath!;
    const { dir } = lab;
    expect(existsSync(cg)).toBe(true);
    await lab.stop();
    expect(alive(fpm)).toBe(false);
    expect(alive(web)).toBe(false);
    expect(membersOfGroup(fpm)).toEqual([]);
    expect(membersOfGroup(web)).toEqual([]);
    expect(existsSync(cg)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(sh('ss', ['-tln'])).not.toContain(`127.0.0.1:${lab.ports.http} `);
  });

  it('a lab whose owner was SIGKILLed is removed by cleanupStaleLabs()', async () => {
    const script = fileURLToPath(new URL('./orphan-lab.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`orphan-lab exited early (${code})`)));
    });
    const info = JSON.parse(first) as { dir: string; fpm: number; web: number; cgroup: string };
    child.kill('SIGKILL');
    await waitFor('the owner to die', () => child.exitCode !== null || child.signalCode !== null);
    expect(alive(info.fpm)).toBe(true);

    const cleaned = cleanupStaleLabs();
    expect(cleaned).toContain(info.dir);
    await waitFor('orphaned FPM and nginx to be gone', () => !alive(info.fpm) && !alive(info.web));
    expect(membersOfGroup(info.fpm)).toEqual([]);
    expect(existsSync(info.cgroup)).toBe(false);
    expect(existsSync(info.dir)).toBe(false);
  });
});
