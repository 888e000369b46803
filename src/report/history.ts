/**
 * One line of a host's history (`/fpm history`): a diagnosis or an action's outcome, newest first
 * in the store (src/store/report-store.ts). Remediation appends its outcomes without knowing how
 * they are stored.
 */
export interface HistoryEntry {
  time: number;
  kind: 'diagnosis' | 'action';
  host: string;
  verdict?: string;
  rootCauses?: string[];
  reportId?: string;
  by?: string;
  text?: string;
}
