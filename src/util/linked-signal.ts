/**
 * An AbortSignal that aborts when any of its sources does, and lets go of them when disposed.
 * AbortSignal.any keeps a listener on each source for as long as the combined signal may still be
 * reachable: on a transport's long-lived close signal those pile up run after run (Node's
 * "MaxListenersExceededWarning: 11 abort listeners added to [AbortSignal]", nodejs/node#48951).
 * Here each run removes its own as soon as it ends.
 */
export interface LinkedSignal {
  signal: AbortSignal;
  dispose(): void;
}

export function linkedSignal(sources: readonly (AbortSignal | undefined)[]): LinkedSignal {
  const controller = new AbortController();
  const present = sources.filter((s): s is AbortSignal => s !== undefined);
  const aborted = present.find((s) => s.aborted);
  if (aborted) {
    controller.abort(aborted.reason);
    return { signal: controller.signal, dispose: () => {} };
  }
  const dispose = (): void => {
    for (const s of present) s.removeEventListener('abort', onAbort);
  };
  function onAbort(this: AbortSignal): void {
    controller.abort(this.reason);
    dispose();
  }
  for (const s of present) s.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, dispose };
}
