import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ActionId } from '../../runbooks/ids.js';

/**
 * Every byte an action runs on a host comes from commands/actions/: the probes' helpers
 * (commands/probes/lib/common.sh, for the output protocol), the actions' helpers
 * (commands/actions/lib/actions.sh), then the action itself, streamed to `sh -s -- PHASE ARGS`.
 */
const commandsDir = fileURLToPath(new URL('../../../commands/', import.meta.url));

export const ACTION_FILES: Record<ActionId, string> = {
  'fpm-reload': 'fpm-reload.sh',
  'fpm-start': 'fpm-start.sh',
  'kill-stuck-workers': 'kill-stuck-workers.sh',
};

const cache = new Map<ActionId, string>();

/** The exact text streamed to `sh -s`, as a person would run it by hand (see the scripts' headers). */
export function actionScript(action: ActionId): string {
  let text = cache.get(action);
  if (text === undefined) {
    text = [
      readFileSync(`${commandsDir}probes/lib/common.sh`, 'utf8'),
      readFileSync(`${commandsDir}actions/lib/actions.sh`, 'utf8'),
      readFileSync(`${commandsDir}actions/${ACTION_FILES[action]}`, 'utf8'),
    ].join('\n');
    cache.set(action, text);
  }
  return text;
}

export function actionsDirectory(): string {
  return `${commandsDir}actions/`;
}
