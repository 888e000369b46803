/**
 * Runs every cleanup step even when one fails or throws, then reports the failures together: a
 * failing service stop must not leave an sshd or a lab running behind it.
 */
export async function cleanupAll(steps: readonly (() => unknown)[]): Promise<void> {
  const results = await Promise.allSettled(steps.map(async (step) => step()));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length)
    throw new AggregateError(
      failed.map((f) => f.reason),
      `${failed.length} cleanup step(s) failed`,
    );
}
