/**
 * One exec channel's life on an SSH link: opening it (retrying at the MaxSessions edge), knowing
 * when the server closed it, and killing what it runs. Shared by single runs (ssh-transport.ts)
 * and sessions of several scripts (ssh-session.ts).
 */
import type { ClientChannel } from 'ssh2';
import { ChannelError, ConnectionLostError, ConnectTimeoutError } from './errors.js';
import type { Semaphore } from './semaphore.js';
import type { SshLink } from './ssh-link.js';
import { describeTarget } from './ssh-target.js';

/** How long we wait for the server to confirm a channel close, and for the kill command. */
export const KILL_STEP_MS = 3_000;

/**
 * Opens an exec channel, retrying briefly when the server refuses it: sshd frees a session slot
 * a moment after it confirms the previous channel's close, so at the MaxSessions edge an open can
 * fail transiently.
 */
export async function openExecRetrying(
  link: SshLink,
  command: string,
  withinMs: number,
): Promise<ClientChannel> {
  const until = Date.now() + withinMs;
  for (let delay = 25; ; delay = Math.min(delay * 2, 400)) {
    try {
      return await openExec(link, command);
    } catch (err) {
      const transient = err instanceof ChannelError && /open failed/i.test(err.message);
      if (!transient || !link.alive || Date.now() + delay > until) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function openExec(link: SshLink, command: string): Promise<ClientChannel> {
  const failure = (err: Error): Error =>
    link.alive
      ? new ChannelError(`${describeTarget(link.target)}: could not start command (${err.message})`, {
          cause: err,
        })
      : new ConnectionLostError(`connection to ${describeTarget(link.target)} lost`, { cause: err });
  return new Promise((resolve, reject) => {
    try {
      link.client.exec(command, (err, channel) => {
        if (err) {
          reject(failure(err));
          return;
        }
        // A write after the peer closed surfaces as an 'error' event; unhandled, it would crash us.
        channel.on('error', () => {});
        trackClose(channel);
        resolve(channel);
      });
    } catch (err) {
      // ssh2 throws synchronously when the socket is already gone.
      reject(failure(err as Error));
    }
  });
}

/**
 * Each channel's close, recorded from the moment it opens: the server closes a run's channel as
 * soon as its group is killed, often before we get round to waiting for it.
 */
const channelClosed = new WeakMap<ClientChannel, Promise<void>>();

function trackClose(channel: ClientChannel): void {
  channelClosed.set(channel, new Promise<void>((resolve) => channel.once('close', () => resolve())));
}

/** Resolves when the channel has closed, or after `ms`. */
export function closed(channel: ClientChannel, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    channelClosed.get(channel),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Kills the remote group over a fresh channel, then closes the run's own channel. The order
 * matters: sshd does not confirm a session channel's close while its child is still running, so
 * closing first would just wait. Kill channels come from their own small pool (KILL_CHANNELS) so
 * that maxChannels runs + kills stay within OpenSSH's MaxSessions even when every run times out.
 *
 * `kill` is the command that kills the run (null: its process group is not known yet); `started`
 * says whether anything may be running: once the script was sent, or while sudo runs (become),
 * which may hang on its own before the script is sent.
 */
export async function killRemote(
  link: SshLink,
  channel: ClientChannel | null,
  kill: string | null,
  started: boolean,
  killSlots: Semaphore,
): Promise<string | null> {
  let problem: string | null = null;
  if (!started) {
    // The wrapper is still waiting for its script on stdin: EOF makes `sh -s` exit having run
    // nothing, so there is nothing to kill.
    channel?.end();
  } else if (kill === null) {
    problem = 'the remote process id was not yet known; relying on the remote timeout backstop';
  } else if (!link.alive) {
    problem = 'connection lost before the remote process group could be killed';
  } else {
    let release: (() => void) | null = null;
    try {
      // Kills queue behind each other when many runs time out together; each takes a round trip.
      release = await killSlots.acquire(AbortSignal.timeout(3 * KILL_STEP_MS));
      const killer = await withTimeout(
        openExecRetrying(link, kill, KILL_STEP_MS),
        KILL_STEP_MS,
        'kill channel did not open',
      );
      // ssh2 emits 'close' only once the readable sides ended, which needs them drained.
      killer.resume();
      killer.stderr.resume();
      killer.end();
      await closed(killer, KILL_STEP_MS);
    } catch (err) {
      problem = `could not kill the remote process group: ${(err as Error).message}`;
    } finally {
      release?.();
    }
  }
  if (channel) {
    channel.close();
    await closed(channel, KILL_STEP_MS);
  }
  return problem;
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConnectTimeoutError(message)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
