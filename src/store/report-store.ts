import type { Redis } from 'ioredis';
import type { HistoryEntry } from '../report/history.js';
import type { HostReport } from '../report/host-report.js';

/**
 * Finished diagnoses kept in Redis for the "raw evidence" button and `/fpm history`: the report
 * and the raw probe output (redacted only when shown), for a day; a short history per host.
 * Keys share the queue's hash tag so a Redis Cluster keeps them on one slot.
 */
export interface StoredReport {
  id: string;
  report: HostReport;
  /** Raw probe output by probe id. */
  raw: Record<string, string>;
  requestedBy?: string;
}

const REPORT_TTL_SEC = 24 * 3600;
const HISTORY_LENGTH = 50;

export class ReportStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private reportKey(id: string): string {
    return `${this.prefix}:report:${id}`;
  }

  private historyKey(host: string): string {
    return `${this.prefix}:history:${host}`;
  }

  async save(stored: StoredReport): Promise<void> {
    const entry: HistoryEntry = {
      time: Math.floor(Date.now() / 1000),
      kind: 'diagnosis',
      host: stored.report.host,
      verdict: stored.report.verdict,
      rootCauses: stored.report.findings.filter((f) => f.rootCause).map((f) => f.runbook),
      reportId: stored.id,
      ...(stored.requestedBy ? { by: stored.requestedBy } : {}),
    };
    await this.redis
      .multi()
      .set(this.reportKey(stored.id), JSON.stringify(stored), 'EX', REPORT_TTL_SEC)
      .lpush(this.historyKey(stored.report.host), JSON.stringify(entry))
      .ltrim(this.historyKey(stored.report.host), 0, HISTORY_LENGTH - 1)
      .exec();
  }

  async get(id: string): Promise<StoredReport | undefined> {
    const text = await this.redis.get(this.reportKey(id));
    return text ? (JSON.parse(text) as StoredReport) : undefined;
  }

  async addHistory(entry: HistoryEntry): Promise<void> {
    await this.redis
      .multi()
      .lpush(this.historyKey(entry.host), JSON.stringify(entry))
      .ltrim(this.historyKey(entry.host), 0, HISTORY_LENGTH - 1)
      .exec();
  }

  async history(host: string, limit = 10): Promise<HistoryEntry[]> {
    const items = await this.redis.lrange(this.historyKey(host), 0, limit - 1);
    return items.map((i) => JSON.parse(i) as HistoryEntry);
  }
}
