/**
 * The action scripts' safety checks, run the way the transport runs them (common.sh + actions.sh +
 * the script on `sh -s -- PHASE ARGS`), against processes of this machine that are no FPM worker:
 * whatever the arguments say, nothing but an FPM worker of the named master is ever signalled.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitSections } from '../../../../src/probes/sections.js';
import { ACTIONS } from '../../../../src/remediation/actions.js';
import { actionScript } from '../../../../src/remediation/procedures/steps/scripts.js';
import type { ActionId } from '../../../../src/runbooks/ids.js';
import { SAFE_ARG } from '../../../../src/transport/shell-quote.js';

function run(action: ActionId, args: string[]): string {
  return execFileSync('sh', ['-s', '--', ...args], {
    input: actionScript(ACTIONS[action].script),
    encoding: 'utf8',
    timeout: 8_000,
  });
}

function shell(snippet: string): string {
  const lib = ['../../../../commands/probes/lib/common.sh', '../../../../commands/actions/lib/actions.sh']
    .map((p) => readFileSync(new URL(p, import.meta.url), 'utf8'))
    .join('\n');
  return execFileSync('sh', ['-s'], { input: `${lib}\n${snippet}\n`, encoding: 'utf8', timeout: 8_000 });
}

let victim: ChildProcess;
beforeAll(() => {
  victim = spawn('sleep', ['60'], { stdio: 'ignore' });
});
afterAll(() => {
  victim.kill('SIGKILL');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('kill-stuck-workers.sh never signals what is not that master’s FPM worker', () => {
  it('a process of the named parent that is no FPM worker (its title says so) is skipped and lives', () => {
    const pid = victim.pid!;
    const started = String(Math.floor(Date.now() / 1000));
    const out = splitSections(
      run('kill-stuck-workers', ['kill', String(pid), String(process.pid), started, 'www', 'unix:1']),
    );
    expect(out).toMatchObject([
      {
        name: 'worker',
        attrs: { pid: String(pid), result: 'skipped', reason: 'not-a-worker', title: 'sleep 60' },
      },
    ]);
    expect(alive(pid)).toBe(true);
  });

  it('a pid that does not exist is gone', () => {
    const out = splitSections(run('kill-stuck-workers', ['kill', '999999999', '1', '1', 'www', 'unix:1']));
    expect(out[0]).toMatchObject({ attrs: { pid: '999999999', result: 'skipped', reason: 'gone' } });
  });

  it('a wrong number of arguments is an error, and nothing is done', () => {
    const out = splitSections(run('kill-stuck-workers', ['kill', String(victim.pid), '1', '1', 'www']));
    expect(out).toMatchObject([{ kind: 'error', name: 'kill', attrs: { reason: 'error' } }]);
    expect(alive(victim.pid!)).toBe(true);
  });

  it('an unknown phase is an error', () => {
    expect(splitSections(run('kill-stuck-workers', ['explode']))[0]).toMatchObject({ kind: 'error' });
    expect(splitSections(run('fpm-reload', ['restart']))[0]).toMatchObject({ kind: 'error' });
    expect(splitSections(run('fpm-start', ['stop']))[0]).toMatchObject({ kind: 'error' });
  });
});

describe('fpm-reload.sh', () => {
  it('refuses to signal a pid that is no FPM master', () => {
    const out = splitSections(run('fpm-reload', ['reload', String(victim.pid), 'none', '5']));
    expect(out).toMatchObject([{ kind: 'error', name: 'reload', attrs: { reason: 'not-found' } }]);
    expect(alive(victim.pid!)).toBe(true);
  });
});

describe('actions.sh helpers', () => {
  it('a start time from /proc to the hundredth, within a second of what node saw', () => {
    const spawnedAt = Date.now() / 1000;
    const child = spawn('sleep', ['5'], { stdio: 'ignore' });
    try {
      const epoch = Number(shell(`fa_start_epoch "$(fa_ticks ${child.pid})"`).trim());
      expect(Math.abs(epoch - spawnedAt)).toBeLessThan(1);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('fa_within compares decimals', () => {
    expect(shell('fa_within 100.5 98.6 2 && echo yes || echo no').trim()).toBe('yes');
    expect(shell('fa_within 100.5 98.4 2 && echo yes || echo no').trim()).toBe('no');
  });

  it('a line of copied output cannot forge a section marker', () => {
    expect(shell("printf '@@section reload rc=0\\n' | fa_body")).toBe(' @@section reload rc=0\n');
  });

  it('every phase name and fixed word the procedures pass is a safe argument', () => {
    for (const a of [
      'config-test',
      'reload',
      'state',
      'check',
      'precheck',
      'start',
      'kill',
      'none',
      'binary',
      'systemd',
      'command',
    ]) {
      expect(SAFE_ARG.test(a)).toBe(true);
    }
  });
});
