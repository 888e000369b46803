import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { VERBS } from '../../../src/slack/command.js';
import { ROOT, registersInteractivity, slashCommands, webApiMethods } from './source-scan.js';

/**
 * The Slack app manifest users install (slack-app-manifest.yaml) against what the code registers:
 * a scope the code needs but the manifest lacks fails in production with missing_scope, and one
 * the manifest asks for but the code never uses is a permission nobody should grant.
 */

/** The bot scope each Web API method needs (api.slack.com/methods); null: none. */
const METHOD_SCOPES: Record<string, string | null> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.delete': 'chat:write',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  'usergroups.users.list': 'usergroups:read',
  'usergroups.list': 'usergroups:read',
  'users.info': 'users:read',
  'conversations.info': 'channels:read',
  'views.open': null,
  'views.update': null,
  'auth.test': null,
  'apps.connections.open': null,
};

interface Manifest {
  features: { slash_commands: { command: string; url: string; usage_hint: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url: string }; socket_mode_enabled: boolean };
}

const manifest = parse(readFileSync(join(ROOT, 'slack-app-manifest.yaml'), 'utf8')) as Manifest;

describe('slack-app-manifest.yaml', () => {
  it('asks for exactly the scopes the code needs', () => {
    const needed = new Set<string>();
    for (const method of webApiMethods()) {
      expect(method in METHOD_SCOPES, `add ${method}'s scope to METHOD_SCOPES and the manifest`).toBe(true);
      const scope = METHOD_SCOPES[method];
      if (scope) needed.add(scope);
    }
    if (slashCommands().size) needed.add('commands');
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });

  it('declares every slash command the app registers, with every verb in its usage hint', () => {
    expect(manifest.features.slash_commands.map((c) => c.command).sort()).toEqual(
      [...slashCommands()].sort(),
    );
    const hint = manifest.features.slash_commands.find((c) => c.command === '/fpm')?.usage_hint ?? '';
    for (const verb of VERBS) expect(hint).toContain(verb);
  });

  it('enables interactivity for the buttons, on the receiver Bolt listens on', () => {
    expect(registersInteractivity()).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    // Bolt's receivers listen on /slack/events unless told otherwise; the app does not tell them.
    const urls = [
      manifest.settings.interactivity.request_url,
      ...manifest.features.slash_commands.map((c) => c.url),
    ];
    for (const url of urls) expect(new URL(url).pathname).toBe('/slack/events');
    const app = readFileSync(join(ROOT, 'src/slack/app.ts'), 'utf8');
    expect(app).not.toMatch(/\bendpoints\s*:/);
  });

  it('ships for HTTP mode; Socket Mode is the documented switch', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect(readFileSync(join(ROOT, 'slack-app-manifest.yaml'), 'utf8')).toContain('SLACK_APP_TOKEN');
  });
});
