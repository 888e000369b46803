import { ErrorCode, type WebAPIPlatformError } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { explainStartError, SlackAuthError } from '../../../src/slack/start-error.js';

/** The shape @slack/web-api gives a refused call (its platformErrorFromResult). */
function refused(error: string): WebAPIPlatformError {
  return Object.assign(new Error(`An API error occurred: ${error}`), {
    code: ErrorCode.PlatformError,
    data: { ok: false, error },
  }) as WebAPIPlatformError;
}

describe('explainStartError', () => {
  it('names the variable to fix when Slack refuses the token', () => {
    const socket = explainStartError(refused('invalid_auth'), true);
    expect(socket).toBeInstanceOf(SlackAuthError);
    expect((socket as Error).message).toMatch(/SLACK_APP_TOKEN \(invalid_auth\).*connections:write/);
    const http = explainStartError(refused('token_revoked'), false);
    expect((http as Error).message).toMatch(/SLACK_BOT_TOKEN \(token_revoked\)/);
  });

  it('leaves other failures as they are', () => {
    const busy = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    expect(explainStartError(busy, false)).toBe(busy);
    const limited = refused('ratelimited');
    expect(explainStartError(limited, true)).toBe(limited);
  });
});
