export { diagnosisOutcome } from './diagnosis.js';
export { AuditEntry, AuditLog, type AuditLogOptions, auditLogPath, defaultAuditLog } from './log.js';
export {
  type AuditEvent,
  type AuditFilter,
  formatAuditText,
  pairAudit,
  parseAudit,
  readAudit,
} from './read.js';
export { becomeDetail } from './run-as.js';
export type * from './types.js';
