import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, auditLogPath } from '../../../src/audit/index.js';
import { MAX_LINE_BYTES } from '../../../src/audit/log.js';
import type { AuditRecord } from '../../../src/audit/types.js';

const lines = (path: string): AuditRecord[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditRecord);

const who = { userId: 'U0ALICE001', channelId: 'C0OPS00001', source: 'slack' as const };

describe('AuditLog', () => {
  let dir: string;
  let path: string;
  let log: AuditLog;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fpm-medic-audit-'));
    path = join(dir, 'nested', 'audit.jsonl');
    log = new AuditLog(path, { now: () => new Date('2026-11-20T03:41:00.000Z') });
  });
  afterEach(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('begin() has the started record in the file when it returns; complete() closes it with the same id', async () => {
    const entry = await log.begin({
      kind: 'command',
      who,
      what: '/fpm diagnose web-1',
      host: 'web-1',
      target: 'web-1',
    });
    expect(lines(path)).toEqual([
      {
        id: entry.id,
        time: '2026-11-20T03:41:00.000Z',
        kind: 'command',
        phase: 'started',
        who,
        what: '/fpm diagnose web-1',
        host: 'web-1',
        target: 'web-1',
      },
    ]);
    await entry.complete('queued');
    await entry.complete('again'); // only the first close writes
    const [, closed, ...rest] = lines(path);
    expect(rest).toEqual([]);
    expect(closed).toMatchObject({
      id: entry.id,
      phase: 'completed',
      outcome: 'queued',
      kind: 'command',
      who,
      host: 'web-1',
    });
  });

  it('fail() records the error message; refused() is one standalone record', async () => {
    const entry = await log.begin({ kind: 'diagnosis', who, what: 'diagnose web', target: 'web' });
    await entry.fail(new Error('ssh: connection refused'));
    await log.refused({ kind: 'refusal', who, what: 'diagnose web-1', host: 'web-1' }, 'env=prod: #ops only');
    const [, failed, refusal] = lines(path);
    expect(failed).toMatchObject({ id: entry.id, phase: 'failed', outcome: 'ssh: connection refused' });
    expect(refusal).toMatchObject({
      kind: 'refusal',
      phase: 'refused',
      outcome: 'env=prod: #ops only',
      host: 'web-1',
    });
    expect(refusal!.id).not.toBe(entry.id);
  });

  it('redacts everything it writes, and keeps Slack ids, hosts and numbers', async () => {
    const entry = await log.begin({
      kind: 'action',
      who,
      what: 'restart php-fpm DB_PASSWORD=hunter2secret',
      host: 'web-1',
      detail: { dsn: 'mysql://app:hunter2secret@db-1/shop', password: 'hunter2secret', windowSec: 900 },
    });
    await entry.fail(new Error('Authorization: Bearer sk_live_hunter2secret failed'));
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('hunter2secret');
    const [started, failed] = lines(path);
    expect(started!.what).toBe('restart php-fpm DB_PASSWORD=[redacted]');
    expect(started!.detail).toEqual({
      dsn: 'mysql://app:[redacted]@db-1/shop',
      password: '[redacted]',
      windowSec: 900,
    });
    expect(started!.who).toEqual(who);
    expect(failed!.outcome).toContain('[redacted]');
  });

  it('many concurrent appends from one process: every line whole, none lost, none interleaved', async () => {
    const big = 'x'.repeat(2000);
    const entries = await Promise.all(
      Array.from({ length: 300 }, (_, i) => log.begin({ kind: 'command', who, what: `cmd ${i} ${big}` })),
    );
    await Promise.all(entries.map((e, i) => e.complete(`done ${i}`)));
    const raw = readFileSync(path, 'utf8').split('\n');
    expect(raw.pop()).toBe('');
    expect(raw).toHaveLength(600);
    const records = raw.map((l) => JSON.parse(l) as AuditRecord);
    expect(new Set(records.filter((r) => r.phase === 'started').map((r) => r.id)).size).toBe(300);
    for (const e of entries)
      expect(records.filter((r) => r.id === e.id).map((r) => r.phase)).toEqual(['started', 'completed']);
  });

  it('keeps every line under MAX_LINE_BYTES: long strings cut, then the detail dropped', async () => {
    await log.begin({ kind: 'command', who, what: 'w'.repeat(10_000), detail: { a: 'y'.repeat(10_000) } });
    const huge = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 'z'.repeat(200)]));
    await log.begin({ kind: 'command', who, what: 'huge', detail: huge });
    const raw = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    for (const l of raw) expect(Buffer.byteLength(`${l}\n`)).toBeLessThanOrEqual(MAX_LINE_BYTES);
    const [cut, dropped] = raw.map((l) => JSON.parse(l) as AuditRecord);
    expect(cut!.what.length).toBeLessThan(400);
    expect(dropped!.detail).toEqual({ truncated: true });
  });

  it('refuses to begin once closed, and when the file cannot be written', async () => {
    await log.close();
    await expect(log.begin({ kind: 'command', who, what: 'x' })).rejects.toThrow(/closed/);
    const notAFile = new AuditLog(dir); // a directory
    await expect(notAFile.begin({ kind: 'command', who, what: 'x' })).rejects.toThrow();
    await notAFile.close();
  });

  it('reports a closing line it could not write instead of throwing', async () => {
    const errors: Error[] = [];
    const l = new AuditLog(path, { onError: (e) => errors.push(e) });
    const entry = await l.begin({ kind: 'command', who, what: 'x' });
    await l.close();
    await entry.complete('queued');
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/closed/)]);
  });

  it('takes its path from FPM_MEDIC_AUDIT_LOG', () => {
    expect(auditLogPath({ FPM_MEDIC_AUDIT_LOG: '/var/log/fpm-medic/audit.jsonl' })).toBe(
      '/var/log/fpm-medic/audit.jsonl',
    );
    // Unset or empty: the user's XDG state directory, never the directory the CLI runs in.
    expect(auditLogPath({ HOME: '/home/ops' })).toBe('/home/ops/.local/state/fpm-medic/audit.jsonl');
    expect(auditLogPath({ FPM_MEDIC_AUDIT_LOG: '', XDG_STATE_HOME: '/srv/state' })).toBe(
      '/srv/state/fpm-medic/audit.jsonl',
    );
  });
});
