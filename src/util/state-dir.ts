import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * fpm-medic's directory in the user's XDG state directory (`~/.local/state/fpm-medic`): the CLI's
 * audit log and discovery cache live there, so it works from any directory and leaves no file
 * where it happens to run.
 */
export function stateDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(state, 'fpm-medic');
}
