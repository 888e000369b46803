import { describe, expect, it } from 'vitest';
import { EXIT as CLI_EXIT } from '../../../src/cli/exit-codes.js';
import { ERROR_CODES, type ErrorCode, exitCodeOf, httpStatusOf } from '../../../src/util/error-codes.js';
import { EXIT } from '../../../src/util/exit-codes.js';

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

describe('the error-code list', () => {
  it.each(CODES)('%s maps to one of the CLI exit codes', (code) => {
    expect(Object.values(EXIT)).toContain(exitCodeOf(code));
  });

  it('the CLI reads the same exit numbers', () => {
    expect(CLI_EXIT).toBe(EXIT);
    expect(EXIT).toEqual({ ok: 0, warning: 1, critical: 2, unknown: 3, usage: 64 });
  });

  it('bad input and configuration exit 64, everything else 3 (as before the list existed)', () => {
    expect(CODES.filter((code) => exitCodeOf(code) === EXIT.usage).sort()).toEqual(
      [
        'BAD_DURATION',
        'ENV_INVALID',
        'INVENTORY_INVALID',
        'INVENTORY_NOT_FOUND',
        'INVENTORY_NOT_SET',
        'POLICY_INVALID',
        'POLICY_NOT_FOUND',
        'RUNBOOK_INVALID',
        'SLACK_AUTH_FAILED',
        'UNKNOWN_HOST',
      ].sort(),
    );
    for (const code of CODES) expect([EXIT.usage, EXIT.unknown]).toContain(exitCodeOf(code));
  });

  it('only the alert webhook codes have an HTTP status: 400 bad payload, 413 too large', () => {
    const withStatus = CODES.filter((code) => httpStatusOf(code) !== undefined);
    expect(Object.fromEntries(withStatus.map((code) => [code, httpStatusOf(code)]))).toEqual({
      ALERT_PAYLOAD_INVALID: 400,
      ALERT_BODY_TOO_LARGE: 413,
    });
  });
});
