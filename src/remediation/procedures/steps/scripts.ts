import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Every byte an action runs on a host comes from commands/actions/: the probes' helpers
 * (commands/probes/lib/common.sh, for the output protocol), the actions' helpers
 * (commands/actions/lib/actions.sh), then the action itself, streamed to `sh -s -- PHASE ARGS`.
 */
const commandsDir = fileURLToPath(new URL('../../../../commands/', import.meta.url));

const cache = new Map<string, string>();
const SCRIPT_FILE = /^[a-z0-9]+(?:-[a-z0-9]+)*\.sh$/;

/**
 * The exact text streamed to `sh -s`, as a person would run it by hand (see the scripts' headers).
 * `file` is an action's script in commands/actions/, as its registry entry names it
 * (src/remediation/actions.ts).
 */
export function actionScript(file: string): string {
  if (!SCRIPT_FILE.test(file)) throw new TypeError(`not an action script name: ${file}`);
  let text = cache.get(file);
  if (text === undefined) {
    text = [
      readFileSync(`${commandsDir}probes/lib/common.sh`, 'utf8'),
      readFileSync(`${commandsDir}actions/lib/actions.sh`, 'utf8'),
      readFileSync(`${commandsDir}actions/${file}`, 'utf8'),
    ].join('\n');
    cache.set(file, text);
  }
  return text;
}
