import { runService, type ServiceRoles } from '../../service/run-service.js';
import { logger } from '../../util/logger.js';

/**
 * Runs until SIGTERM/SIGINT, then drains: running diagnoses finish (or are handed back to the
 * queue for another worker) before the process exits.
 */
export async function serveCommand(roles: ServiceRoles): Promise<number> {
  const service = await runService(roles);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await service.stop();
  return 0;
}
