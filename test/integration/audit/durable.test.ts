import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readAudit } from '../../../src/audit/index.js';
import type { AuditRecord } from '../../../src/audit/types.js';

const CHILD = fileURLToPath(new URL('./child-audit.ts', import.meta.url));

/** A child writing the audit log, and a promise of the first stdout line matching `re`. */
function start(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const line = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(out);
        if (m) {
          child.stdout!.off('data', onData);
          child.off('exit', onExit);
          resolve(m);
        }
      };
      const onData = (d: Buffer) => {
        out += d;
        check();
      };
      const onExit = (code: number | null, signal: string | null) =>
        reject(new Error(`child exited (${code ?? signal}) before ${re}; stdout: ${out}`));
      child.stdout!.on('data', onData);
      child.once('exit', onExit);
      check();
    });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { child, line, exited };
}

describe('the audit log across processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fpm-medic-audit-int-'));
  const children: ChildProcess[] = [];
  afterEach(async () => {
    await Promise.all(
      children.splice(0).map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const gone = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await gone;
      }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('kill -9 right after begin() returns: the started record is in the file', async () => {
    const path = join(dir, 'killed.jsonl');
    const c = start(['hang', path]);
    children.push(c.child);
    const [, id] = await c.line(/started (\S+)\n/);
    c.child.kill('SIGKILL');
    await c.exited;
    expect(c.child.signalCode).toBe('SIGKILL');
    const records = await readAudit(path);
    expect(records).toEqual([
      expect.objectContaining({ id, kind: 'action', phase: 'started', what: 'restart-fpm', host: 'web-1' }),
    ]);
  });

  it('two processes appending 500 records each at once: 1000 whole lines', async () => {
    const path = join(dir, 'shared.jsonl');
    const cs = [start(['append', path, '500', 'one']), start(['append', path, '500', 'two'])];
    children.push(...cs.map((c) => c.child));
    await Promise.all(cs.map((c) => c.line(/ready\n/)));
    const done = cs.map((c) => c.line(/done\n/));
    for (const c of cs) c.child.stdin!.write('go\n');
    await Promise.all(done);
    await Promise.all(cs.map((c) => c.exited));

    const raw = readFileSync(path, 'utf8').split('\n');
    expect(raw.pop()).toBe(''); // ends with a newline: no torn tail
    expect(raw).toHaveLength(1000);
    const records = raw.map((l) => JSON.parse(l) as AuditRecord); // every line parses whole
    for (const tag of ['one', 'two']) {
      const mine = records.filter((r) => r.what.startsWith(`${tag} `));
      expect(new Set(mine.map((r) => r.what.split(' ')[1])).size).toBe(500);
    }
    expect(new Set(records.map((r) => r.id)).size).toBe(1000);
  });
});
