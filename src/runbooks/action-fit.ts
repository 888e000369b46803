import type { Signals } from '../analysis/signals.js';
import type { ActionId } from './ids.js';

/**
 * The actions offered fit the host's state: a reload or a kill needs a running FPM (never a reload
 * for a stopped one), a start needs none running (its procedure refuses one that runs anyway).
 * When FPM's masters could not be looked up, nothing is known against any action.
 */
export function actionFits(action: ActionId, signals: Pick<Signals, 'fpm' | 'probes'>): boolean {
  if (signals.probes?.missing.includes('discover-fpm')) return true;
  if (action === 'fpm-start') return !signals.fpm.running;
  return signals.fpm.running;
}
