/** What the source registers with Slack, read from the code itself so a new call cannot slip past. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../../..');

export function sourceFiles(dir = join(ROOT, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

function matchesIn(re: RegExp): Set<string> {
  const out = new Set<string>();
  for (const file of sourceFiles()) {
    for (const m of readFileSync(file, 'utf8').matchAll(re)) out.add(m[1]!);
  }
  return out;
}

/**
 * Web API methods called through a WebClient: the codebase names it `client` (Bolt's) or `slack`
 * (`client.chat.postMessage(`, `deps.slack.usergroups.users.list(`), and `apiCall('method')`.
 */
export function webApiMethods(): Set<string> {
  const calls = matchesIn(/\b(?:client|slack)\.([a-z]+(?:\.[a-zA-Z]+){1,2})\(/g);
  for (const m of matchesIn(/\bapiCall\(\s*'([^']+)'/g)) calls.add(m);
  // The SDK's upload helper calls two methods of its own (and posts the bytes to their URL).
  if (matchesIn(/\b(?:client|slack)\.(filesUploadV2)\(/g).size > 0) {
    calls.add('files.getUploadURLExternal');
    calls.add('files.completeUploadExternal');
  }
  return calls;
}

/** Slash commands registered with Bolt (`app.command('/fpm', ...)`). */
export function slashCommands(): Set<string> {
  return matchesIn(/\bapp\.command\(\s*'([^']+)'/g);
}

/** Does the app register interactive handlers (buttons, views)? */
export function registersInteractivity(): boolean {
  return matchesIn(/\bapp\.(action|view|shortcut|options)\(/g).size > 0;
}
