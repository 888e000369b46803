import { open, readFile } from 'node:fs/promises';
import type { AuditRecord } from './types.js';

export interface AuditFilter {
  /** Records about this host, or aimed at it (a group name matches its `target` records). */
  host?: string;
  /** Records at or after this moment (epoch milliseconds or a Date). */
  since?: number | Date;
  /** Read only this much of the end of the file (a chat view needs the recent records only). */
  tailBytes?: number;
}

/**
 * Reads the audit log, oldest first. A line that is not a whole record (the torn tail a crash
 * mid-write can leave, with whatever was appended after it) is skipped, never fatal. A log not
 * written yet reads as empty.
 */
export async function readAudit(path: string, filter: AuditFilter = {}): Promise<AuditRecord[]> {
  let text: string;
  try {
    text =
      filter.tailBytes === undefined ? await readFile(path, 'utf8') : await readTail(path, filter.tailBytes);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseAudit(text, filter);
}

/** The last `bytes` of the file; the cut first line fails to parse and is skipped. */
async function readTail(path: string, bytes: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, bytes);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, size - length);
    return buf.toString('utf8');
  } finally {
    await fh.close();
  }
}

export function parseAudit(text: string, filter: AuditFilter = {}): AuditRecord[] {
  const since = filter.since === undefined ? undefined : Number(filter.since);
  const out: AuditRecord[] = [];
  for (const line of text.split('\n')) {
    const record = parseLine(line);
    if (!record) continue;
    if (filter.host !== undefined && record.host !== filter.host && record.target !== filter.host) continue;
    if (since !== undefined && Date.parse(record.time) < since) continue;
    out.push(record);
  }
  return out;
}

function parseLine(line: string): AuditRecord | undefined {
  if (!line.trim()) return undefined;
  try {
    const r = JSON.parse(line) as Partial<AuditRecord> | null;
    if (!r || typeof r !== 'object' || typeof r.id !== 'string' || typeof r.phase !== 'string')
      return undefined;
    if (typeof r.time !== 'string' || Number.isNaN(Date.parse(r.time))) return undefined;
    return r as AuditRecord;
  } catch {
    return undefined;
  }
}

/** A started record and what closed it (if anything did), or a record that stands alone. */
export interface AuditEvent {
  started?: AuditRecord;
  closed?: AuditRecord;
}

/** Pairs each "started" with its completion (same id), in the order things began. */
export function pairAudit(records: readonly AuditRecord[]): AuditEvent[] {
  const events: AuditEvent[] = [];
  const open = new Map<string, AuditEvent>();
  for (const r of records) {
    if (r.phase === 'started') {
      const e: AuditEvent = { started: r };
      open.set(r.id, e);
      events.push(e);
      continue;
    }
    const e = open.get(r.id);
    if (e && !e.closed) e.closed = r;
    else events.push({ closed: r });
  }
  return events;
}

/** One line per event: `time kind who what [host] -> outcome`. */
export function formatAuditText(records: readonly AuditRecord[]): string {
  return pairAudit(records)
    .map((e) => formatEvent(e))
    .join('');
}

function formatEvent({ started, closed }: AuditEvent): string {
  const r = (started ?? closed)!;
  const who = [
    r.who?.userId,
    r.who?.teamId ? `of ${r.who.teamId}` : undefined,
    r.who?.channelId ? `in ${r.who.channelId}` : undefined,
    `(${r.who?.source})`,
  ]
    .filter(Boolean)
    .join(' ');
  const where = r.host ? ` host=${r.host}` : r.target ? ` target=${r.target}` : '';
  let result: string;
  if (!closed) result = '(no completion recorded)';
  else {
    const took = started ? ` in ${formatMs(Date.parse(closed.time) - Date.parse(started.time))}` : '';
    result = `${closed.phase}${closed.outcome ? `: ${closed.outcome}` : ''}${took}`;
  }
  return `${r.time}  ${r.kind.padEnd(9)} ${who}  ${r.what}${where}  -> ${result}\n`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.max(0, ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}
