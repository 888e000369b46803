/**
 * The redactor (DESIGN.md rule 6: secrets never leave the host into Slack or logs). Everything
 * shown or logged goes through `redact` (text) or `redactDeep` (structures) first.
 *
 * It keeps what an engineer needs - the name, the host, the path, the kind of credential - and
 * masks only the secret: `mysql://app:[redacted]@db-1/shop`, `DB_PASSWORD=[redacted]`,
 * `Authorization: Bearer [redacted]`. It is idempotent (already redacted text comes out the same)
 * and linear in the input's length, so a multi-megabyte log is safe to pass through.
 */
export { redactDeep } from './deep.js';
export { redactedExcerpt } from './excerpt.js';
export { redact } from './text.js';
export { REDACTED } from './values.js';
