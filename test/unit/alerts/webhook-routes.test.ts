import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { bearerMatches } from '../../../src/alerts/bearer.js';
import type { IntakeSummary } from '../../../src/alerts/intake.js';
import type { AlertSource, NormalizedAlert } from '../../../src/alerts/types.js';
import { alertRoutes } from '../../../src/alerts/webhook-routes.js';
import { Metrics } from '../../../src/http/metrics.js';
import { logger } from '../../../src/util/logger.js';
import { fixture } from './helpers.js';

const TOKEN = 'alert-token-0123456789abcdef';

describe('bearerMatches', () => {
  it('accepts only "Bearer <token>"', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`bearer  ${TOKEN} `, TOKEN)).toBe(true);
    expect(bearerMatches(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
    expect(bearerMatches(`Bearer ${TOKEN.slice(0, -1)}`, TOKEN)).toBe(false);
    expect(bearerMatches(TOKEN, TOKEN)).toBe(false);
    expect(bearerMatches(`Basic ${TOKEN}`, TOKEN)).toBe(false);
    expect(bearerMatches('Bearer ', TOKEN)).toBe(false);
    expect(bearerMatches(undefined, TOKEN)).toBe(false);
    expect(bearerMatches([`Bearer ${TOKEN}`], TOKEN)).toBe(false);
  });
});

describe('the webhook routes (without Redis: the intake is recorded)', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function serve(token: string | undefined, bodyLimit?: number) {
    const calls: [AlertSource, NormalizedAlert[]][] = [];
    const metrics = new Metrics({ defaultMetrics: false });
    const routes = alertRoutes({
      token,
      metrics,
      logger,
      ...(bodyLimit ? { bodyLimit } : {}),
      ingest: async (source, alerts): Promise<IntakeSummary> => {
        calls.push([source, alerts]);
        return { alerts: alerts.length, created: alerts.length, joined: 0, unmapped: 0, orphaned: 0 };
      },
    });
    server = createServer((req, res) => {
      const route = routes.find((r) => r.path === req.url && r.method === req.method);
      if (!route) {
        res.writeHead(404).end();
        return;
      }
      void route.handler(req, res);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const post = async (path: string, body: string, auth?: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
        body,
      });
      return {
        status: res.status,
        body: (await res.json()) as Record<string, unknown>,
        headers: res.headers,
      };
    };
    return { calls, metrics, post };
  }

  const am = JSON.stringify(fixture('alertmanager-firing.json'));

  it('202 with the counts, for each source', async () => {
    const { calls, post, metrics } = await serve(TOKEN);
    const res = await post('/alerts/alertmanager', am, `Bearer ${TOKEN}`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 2, created: 2 });
    const grafana = await post(
      '/alerts/grafana',
      JSON.stringify(fixture('grafana-firing.json')),
      `Bearer ${TOKEN}`,
    );
    expect(grafana.status).toBe(202);
    const generic = await post('/alerts/generic', '{"host":"web-1","title":"X"}', `Bearer ${TOKEN}`);
    expect(generic.status).toBe(202);
    expect(calls.map(([s, a]) => [s, a.length])).toEqual([
      ['alertmanager', 2],
      ['grafana', 2],
      ['generic', 1],
    ]);
    expect(await metrics.registry.getSingleMetricAsString('fpm_medic_alert_requests_total')).toContain(
      'fpm_medic_alert_requests_total{source="alertmanager",outcome="accepted"} 1',
    );
  });

  it('401 without a token or with a wrong one; nothing ingested', async () => {
    const { calls, post } = await serve(TOKEN);
    const none = await post('/alerts/alertmanager', am);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await post('/alerts/alertmanager', am, 'Bearer wrong-token-0000000000')).status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('404 saying alerts are not configured when there is no token, whatever is sent', async () => {
    const { calls, post } = await serve(undefined);
    const res = await post('/alerts/generic', '{}', 'Bearer anything-at-all-000000');
    expect(res.status).toBe(404);
    expect(res.body['error']).toMatch(/alerts are not configured.*ALERT_WEBHOOK_TOKEN/);
    expect(calls).toEqual([]);
  });

  it('400 with the reasons for malformed bodies; nothing ingested', async () => {
    const { calls, post } = await serve(TOKEN);
    const notJson = await post('/alerts/alertmanager', '{"version":', `Bearer ${TOKEN}`);
    expect(notJson.status).toBe(400);
    expect((notJson.body['problems'] as string[])[0]).toMatch(/^\(body\): not JSON/);
    const wrong = await post('/alerts/alertmanager', JSON.stringify({ version: '4' }), `Bearer ${TOKEN}`);
    expect(wrong.status).toBe(400);
    expect(wrong.body['problems']).toContain('groupKey: expected a string');
    expect(calls).toEqual([]);
  });

  it('413 for a body over the limit', async () => {
    const { calls, post } = await serve(TOKEN, 1000);
    const res = await post(
      '/alerts/generic',
      JSON.stringify({ host: 'web-1', title: 'x'.repeat(2000) }),
      `Bearer ${TOKEN}`,
    );
    expect(res.status).toBe(413);
    expect(calls).toEqual([]);
  });
});
