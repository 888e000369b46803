import { type ClientRequest, request } from 'node:http';

export interface HttpResult {
  /** HTTP status, or 0 when no response arrived (timeout, reset, refused, aborted). */
  status: number;
  body: string;
  ms: number;
  error?: string;
}

export interface GetOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * One GET to the lab's loopback listener over a fresh connection (no keep-alive: each request is a
 * separate upstream attempt, as with real browsers behind a load balancer). Never throws.
 */
export function httpGet(port: number, path: string, opts: GetOptions = {}): Promise<HttpResult> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    let settled = false;
    let req: ClientRequest | undefined;
    const finish = (r: Omit<HttpResult, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ ...r, ms: Date.now() - started });
    };
    const timer = setTimeout(() => {
      finish({ status: 0, body: '', error: `timeout after ${timeoutMs} ms` });
      req?.destroy();
    }, timeoutMs);
    const onAbort = () => {
      finish({ status: 0, body: '', error: 'aborted' });
      req?.destroy();
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort);
    req = request(
      { host: '127.0.0.1', port, path, method: 'GET', agent: false, headers: { connection: 'close' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (e) => finish({ status: res.statusCode ?? 0, body: '', error: e.message }));
      },
    );
    req.on('error', (e) => finish({ status: 0, body: '', error: e.message }));
    req.end();
  });
}
