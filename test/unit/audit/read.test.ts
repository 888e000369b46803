import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatAuditText, parseAudit, readAudit } from '../../../src/audit/index.js';
import type { AuditRecord } from '../../../src/audit/types.js';
import { parseAuditSince } from '../../../src/cli/commands/audit.js';

const rec = (r: Partial<AuditRecord> & Pick<AuditRecord, 'id' | 'time' | 'phase'>): AuditRecord => ({
  kind: 'command',
  who: { userId: 'U0ALICE001', channelId: 'C0OPS00001', source: 'slack' },
  what: '/fpm diagnose web-1',
  ...r,
});
const jsonl = (rs: AuditRecord[]) => rs.map((r) => `${JSON.stringify(r)}\n`).join('');

const records = [
  rec({ id: 'a', time: '2026-11-20T03:00:00.000Z', phase: 'started', host: 'web-1', target: 'web-1' }),
  rec({
    id: 'a',
    time: '2026-11-20T03:00:01.500Z',
    phase: 'completed',
    host: 'web-1',
    target: 'web-1',
    outcome: 'queued',
  }),
  rec({
    id: 'b',
    time: '2026-11-20T03:30:00.000Z',
    phase: 'started',
    kind: 'diagnosis',
    what: 'diagnose web',
    target: 'web',
  }),
  rec({
    id: 'c',
    time: '2026-11-20T03:40:00.000Z',
    phase: 'refused',
    kind: 'refusal',
    what: 'diagnose web-2',
    host: 'web-2',
    outcome: 'env=prod: #ops only',
  }),
  rec({
    id: 'd',
    time: '2026-11-20T03:41:00.000Z',
    phase: 'started',
    kind: 'diagnosis',
    what: 'diagnose web-1',
    host: 'web-1',
    target: 'web-1',
    who: { userId: 'ops', source: 'cli' },
  }),
  rec({
    id: 'd',
    time: '2026-11-20T03:41:02.000Z',
    phase: 'failed',
    kind: 'diagnosis',
    what: 'diagnose web-1',
    host: 'web-1',
    target: 'web-1',
    who: { userId: 'ops', source: 'cli' },
    outcome: 'ssh: timeout',
  }),
];

describe('readAudit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fpm-medic-audit-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every record, skipping a torn last line (a crash mid-write)', async () => {
    const path = join(dir, 'torn.jsonl');
    writeFileSync(path, `${jsonl(records)}{"id":"e","time":"2026-11-20T03:42:00.000Z","kind":"comm`);
    expect(await readAudit(path)).toEqual(records);
  });

  it('skips a torn line followed by later appends, and lines that are not records', () => {
    const text = `${jsonl(records.slice(0, 1))}{"id":"x","ti${jsonl(records.slice(1, 2))}\n[1,2]\nnull\n{"id":"y"}\n${jsonl(records.slice(2))}`;
    // The torn fragment swallows the line appended after it; every other record survives.
    expect(parseAudit(text).map((r) => `${r.id}:${r.phase}`)).toEqual([
      'a:started',
      'b:started',
      'c:refused',
      'd:started',
      'd:failed',
    ]);
  });

  it('a log not written yet reads as empty', async () => {
    expect(await readAudit(join(dir, 'missing.jsonl'))).toEqual([]);
  });

  it('filters by host (or a group target) and by time', () => {
    const text = jsonl(records);
    expect(parseAudit(text, { host: 'web-1' }).map((r) => r.id)).toEqual(['a', 'a', 'd', 'd']);
    expect(parseAudit(text, { host: 'web' }).map((r) => r.id)).toEqual(['b']);
    expect(parseAudit(text, { since: Date.parse('2026-11-20T03:40:00Z') }).map((r) => r.id)).toEqual([
      'c',
      'd',
      'd',
    ]);
    expect(parseAudit(text, { host: 'web-2', since: new Date('2026-11-20T03:41:00Z') })).toEqual([]);
  });
});

describe('formatAuditText', () => {
  it('one line per event: started and its completion together, an open one marked as such', () => {
    expect(formatAuditText(records).split('\n')).toEqual([
      '2026-11-20T03:00:00.000Z  command   U0ALICE001 in C0OPS00001 (slack)  /fpm diagnose web-1 host=web-1  -> completed: queued in 1.5s',
      '2026-11-20T03:30:00.000Z  diagnosis U0ALICE001 in C0OPS00001 (slack)  diagnose web target=web  -> (no completion recorded)',
      '2026-11-20T03:40:00.000Z  refusal   U0ALICE001 in C0OPS00001 (slack)  diagnose web-2 host=web-2  -> refused: env=prod: #ops only',
      '2026-11-20T03:41:00.000Z  diagnosis ops (cli)  diagnose web-1 host=web-1  -> failed: ssh: timeout in 2.0s',
      '',
    ]);
  });

  it("names the person's Slack workspace when the record has it (a Slack Connect guest stands out)", () => {
    const view = rec({
      id: 'v',
      time: '2026-11-20T04:00:00.000Z',
      phase: 'refused',
      kind: 'refusal',
      what: 'raw-evidence',
      host: 'web-1',
      who: { userId: 'U0GUEST001', teamId: 'T0GUEST001', channelId: 'C0OPS00001', source: 'slack' },
      outcome: 'not ours',
    });
    expect(formatAuditText([view])).toBe(
      '2026-11-20T04:00:00.000Z  refusal   U0GUEST001 of T0GUEST001 in C0OPS00001 (slack)  raw-evidence host=web-1  -> refused: not ours\n',
    );
  });

  it('a completion whose start is outside the window stands alone', () => {
    expect(formatAuditText(records.slice(1, 2))).toContain('-> completed: queued\n');
  });
});

describe('parseAuditSince', () => {
  const now = Date.parse('2026-11-20T04:00:00Z');
  it('takes a duration back from now or an ISO time', () => {
    expect(parseAuditSince('1h', now)).toBe(Date.parse('2026-11-20T03:00:00Z'));
    expect(parseAuditSince('30d', now)).toBe(now - 30 * 86_400_000);
    expect(parseAuditSince('2026-11-20T03:41:00Z', now)).toBe(Date.parse('2026-11-20T03:41:00Z'));
    expect(() => parseAuditSince('yesterday-ish', now)).toThrow(/invalid duration/);
  });
});
