/**
 * An error's message quotes what failed - a Redis URL, an SSH command, a host's output - and a
 * Slack reply that shows it is shown to the channel's members: it is redacted first.
 */
import type { App } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { APPROVE_ACTION_ID, encodeRequestValue } from '../../../src/slack/blocks/action-value.js';
import {
  type RemediationHandlerDeps,
  registerRemediationHandlers,
} from '../../../src/slack/remediation-handlers.js';

type Handler = (args: Record<string, unknown>) => Promise<void>;

/** The Bolt app as the handlers use it: they register actions, the test clicks them. */
function fakeApp(): { app: App; handlers: Map<string, Handler> } {
  const handlers = new Map<string, Handler>();
  const app = { action: (id: string | RegExp, handler: Handler) => handlers.set(String(id), handler) };
  return { app: app as unknown as App, handlers };
}

describe('error replies in Slack', () => {
  it('a failed approval answers the clicker without the secret its error quoted', async () => {
    const { app, handlers } = fakeApp();
    const quiet = () => {};
    const deps = {
      approvals: {
        approve: async () => {
          throw new Error('ERR AUTH redis://default:R3dis-Pa55@cache-1:6379/0 WRONGPASS invalid password');
        },
      },
      logger: { error: quiet, warn: quiet, info: quiet },
    } as unknown as RemediationHandlerDeps;
    registerRemediationHandlers(app, deps);
    const posted: unknown[] = [];
    await handlers.get(APPROVE_ACTION_ID)?.({
      ack: async () => {},
      body: { user: { id: 'U1' }, channel: { id: 'C1' }, message: { ts: '1.1' } },
      action: { type: 'button', value: encodeRequestValue(`rq-${'0'.repeat(24)}`) },
      client: { chat: { postEphemeral: async (m: unknown) => posted.push(m) } },
    });
    const reply = JSON.stringify(posted);
    expect(reply).toContain('redis://default:[redacted]@cache-1:6379/0');
    expect(reply).not.toContain('R3dis-Pa55');
  });
});
