import { randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { redactDeep } from '../redact/redact.js';
import { stateDir } from '../util/state-dir.js';
import type { AuditEntryInput, AuditRecord } from './types.js';

/**
 * The audit log (DESIGN.md rule 5): an append-only JSON Lines file. Each record is written before
 * the thing it describes runs, and fsynced before `begin` returns, so a process killed mid-action
 * still leaves its "started" line; the closing line (same id) follows when it ends.
 *
 * Several processes (serve and workers) may share the file: it is opened O_APPEND and each line
 * goes out in one write(2) of at most MAX_LINE_BYTES, so lines never interleave. Within a process
 * one queue orders the writes, and a burst of appends shares one fsync (group commit).
 * Everything written goes through `redactDeep` first (rule 6).
 */
/**
 * Without FPM_MEDIC_AUDIT_LOG: the user's state directory (XDG), so the CLI works from any
 * directory and leaves no file where it happens to run. Services set the variable to a volume
 * shared by the bot and its workers.
 */
export function defaultAuditLog(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return join(stateDir(env), 'audit.jsonl');
}

/** One record per write(2), kept small: long strings are cut, then `detail` dropped. */
export const MAX_LINE_BYTES = 4096;
const MAX_STRING_CHARS = 300;

export interface AuditLogOptions {
  /** A closing line that could not be written (the action already ran): reported, not thrown. */
  onError?: (err: Error) => void;
  now?: () => Date;
}

export function auditLogPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.FPM_MEDIC_AUDIT_LOG || defaultAuditLog(env);
}

interface Pending {
  line: Buffer;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class AuditLog {
  private file: Promise<FileHandle> | undefined;
  private pending: Pending[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly options: AuditLogOptions = {},
  ) {}

  static fromEnv(env: Readonly<Record<string, string | undefined>>, options: AuditLogOptions = {}): AuditLog {
    return new AuditLog(auditLogPath(env), options);
  }

  /**
   * Writes the "started" record and returns once it is on disk. It throws when it cannot be
   * written: the caller must then not run the thing (nothing runs unaudited).
   */
  async begin(input: AuditEntryInput): Promise<AuditEntry> {
    const id = randomUUID();
    await this.append({ ...input, id, time: this.now(), phase: 'started' });
    return new AuditEntry(this, id, input);
  }

  /** A refusal: one record, nothing ran. */
  async refused(input: AuditEntryInput, reason: string): Promise<void> {
    await this.append({ ...input, id: randomUUID(), time: this.now(), phase: 'refused', outcome: reason });
  }

  /** Appends one record (redacted) and resolves once it is fsynced. */
  append(record: AuditRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`audit log ${this.path} is closed`));
    const line = Buffer.from(serialise(redactDeep(record)), 'utf8');
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ line, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Waits for queued records, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.draining;
    const file = this.file;
    this.file = undefined;
    if (file) await (await file.catch(() => undefined))?.close();
  }

  /** @internal closing lines report failures instead of throwing. */
  reportError(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    if (this.options.onError) this.options.onError(e);
    else process.stderr.write(`fpm-medic: audit log ${this.path}: ${e.message}\n`);
  }

  /** @internal */
  now(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length) {
        const batch = this.pending.splice(0);
        try {
          const fh = await this.open();
          for (const { line } of batch) await writeLine(fh, line);
          await fh.sync();
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err as Error);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private open(): Promise<FileHandle> {
    this.file ??= (async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const fh = await open(this.path, 'a', 0o640);
      await syncDir(dirname(this.path));
      return fh;
    })().catch((err) => {
      this.file = undefined; // try again on the next record
      throw err;
    });
    return this.file;
  }
}

/** The handle `begin` returns: closes the record with the same id. Only the first close writes. */
export class AuditEntry {
  private done = false;

  constructor(
    private readonly log: AuditLog,
    readonly id: string,
    private readonly input: AuditEntryInput,
  ) {}

  complete(outcome: string, detail?: Record<string, unknown>): Promise<void> {
    return this.close('completed', outcome, detail);
  }

  fail(error: unknown, detail?: Record<string, unknown>): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    return this.close('failed', message, detail);
  }

  private async close(
    phase: 'completed' | 'failed',
    outcome: string,
    detail: Record<string, unknown> | undefined,
  ): Promise<void> {
    if (this.done) return;
    this.done = true;
    const { detail: _started, ...input } = this.input;
    try {
      await this.log.append({
        ...input,
        id: this.id,
        time: this.log.now(),
        phase,
        outcome,
        ...(detail ? { detail } : {}),
      });
    } catch (err) {
      this.log.reportError(err);
    }
  }
}

/** One write(2) in O_APPEND mode; a short write (disk full) is finished rather than lost. */
async function writeLine(fh: FileHandle, line: Buffer): Promise<void> {
  let offset = 0;
  while (offset < line.length) {
    const { bytesWritten } = await fh.write(line, offset, line.length - offset);
    if (bytesWritten <= 0) throw new Error('audit log write wrote nothing');
    offset += bytesWritten;
  }
}

/** A newly created file's directory entry is durable too (best effort: not every FS allows it). */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // e.g. a filesystem without directory fsync
  }
}

/** JSON line of at most MAX_LINE_BYTES: long strings are cut, then the detail, then what/outcome. */
export function serialise(record: AuditRecord): string {
  let line = `${JSON.stringify(record)}\n`;
  if (Buffer.byteLength(line) <= MAX_LINE_BYTES) return line;
  const short = shorten(record, MAX_STRING_CHARS) as AuditRecord;
  line = `${JSON.stringify(short)}\n`;
  if (Buffer.byteLength(line) <= MAX_LINE_BYTES) return line;
  const bare = shorten({ ...short, detail: { truncated: true } }, 80) as AuditRecord;
  return `${JSON.stringify(bare)}\n`;
}

function shorten(value: unknown, max: number): unknown {
  if (typeof value === 'string') return value.length > max ? `${value.slice(0, max)}…` : value;
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => shorten(v, max));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shorten(v, max)]));
  return value;
}
