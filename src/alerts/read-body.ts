import type { IncomingMessage } from 'node:http';
import { AlertBodyTooLargeError } from './errors.js';

/**
 * Reads a request body of at most `limit` bytes. A larger one is refused as soon as its
 * Content-Length says so, or the moment the bytes pass the limit: never buffered whole.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new AlertBodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new AlertBodyTooLargeError(limit);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
