/**
 * Bounded capture of a command's output, shared by the SSH and local transports. Chunks are kept
 * as bytes and decoded once at the end so a UTF-8 character split across chunks survives.
 */

/** A few MB: every probe's output is far below this; a runaway `cat` is not. */
export const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

export class CappedBuffer {
  private chunks: Buffer[] = [];
  private kept = 0;
  /** Bytes seen, including the discarded ones. */
  seen = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    this.seen += chunk.length;
    const room = this.cap - this.kept;
    if (room <= 0) {
      if (chunk.length > 0) this.truncated = true;
      return;
    }
    if (chunk.length > room) {
      this.chunks.push(chunk.subarray(0, room));
      this.kept += room;
      this.truncated = true;
      return;
    }
    this.chunks.push(chunk);
    this.kept += chunk.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export function resolveMaxOutputBytes(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_OUTPUT_BYTES;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`maxOutputBytes must be >= 0, got ${value}`);
  return Math.floor(value);
}

export function assertTimeout(timeoutMs: number): void {
  // Rule 7: every remote command has a timeout, so "no timeout" is not a value we accept.
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
  }
}
