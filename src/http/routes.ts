import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { redact } from '../redact/redact.js';
import type { Metrics } from './metrics.js';

/**
 * /healthz (the process answers), /readyz (Redis answers: without it no command can be queued),
 * /metrics (Prometheus). Served beside /slack/events by the Slack receiver's custom routes.
 */
export interface Route {
  path: string;
  method: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

export function healthRoutes(deps: {
  redis: Redis;
  metrics: Metrics;
  /** Whether a command would be queued right now (the queue's own connection is up). */
  queueAvailable?: () => boolean;
}): Route[] {
  return [
    { path: '/healthz', method: 'GET', handler: (_req, res) => send(res, 200, 'ok\n') },
    {
      path: '/readyz',
      method: 'GET',
      handler: async (_req, res) => {
        try {
          // A bounded ping: a hung Redis must not hang the probe that asks whether we are ready.
          const pong = await Promise.race([
            deps.redis.ping(),
            new Promise<never>((_, reject) =>
              setTimeout(() => reject(new Error('no answer within 1s')), 1000).unref(),
            ),
          ]);
          if (pong !== 'PONG') return send(res, 503, `redis answered ${pong}\n`);
          if (deps.queueAvailable && !deps.queueAvailable())
            return send(res, 503, 'job queue reconnecting\n');
          send(res, 200, 'ready\n');
        } catch (err) {
          send(res, 503, `redis unavailable: ${redact((err as Error).message)}\n`);
        }
      },
    },
    {
      path: '/metrics',
      method: 'GET',
      handler: async (_req, res) =>
        send(res, 200, await deps.metrics.registry.metrics(), deps.metrics.registry.contentType),
    },
  ];
}
