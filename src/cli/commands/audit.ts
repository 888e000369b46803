import { auditLogPath, formatAuditText, readAudit } from '../../audit/index.js';
import { BadDurationError } from '../../util/duration.js';
import { EXIT } from '../exit-codes.js';

export interface AuditCliOptions {
  host?: string;
  since?: string;
  format: 'text' | 'json';
  /** The log to read (default: $FPM_MEDIC_AUDIT_LOG, else ./fpm-medic-audit.jsonl). */
  file?: string;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: a duration back from now (90s, 15m, 1h, 30d) or an ISO 8601 time; epoch ms. */
export function parseAuditSince(text: string, now = Date.now()): number {
  const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  if (m) return now - Number(m[1]) * UNIT_MS[m[2]!]!;
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new BadDurationError(text);
  return t;
}

/** `fpm-medic audit`: what was asked, refused and run, with who, where, when and the outcome. */
export async function auditCommand(opts: AuditCliOptions): Promise<number> {
  const since = opts.since === undefined ? undefined : parseAuditSince(opts.since);
  const records = await readAudit(opts.file ?? auditLogPath(process.env), {
    ...(opts.host ? { host: opts.host } : {}),
    ...(since !== undefined ? { since } : {}),
  });
  process.stdout.write(
    opts.format === 'json' ? `${JSON.stringify(records, null, 2)}\n` : formatAuditText(records),
  );
  return EXIT.ok;
}
