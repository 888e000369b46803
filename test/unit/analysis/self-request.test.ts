import { describe, expect, it } from 'vitest';
import { analyzeSelfRequest } from '../../../src/analysis/self-request.js';
import {
  accepted,
  baseFacts,
  conn,
  listener,
  nginxProcess,
  nginxWeb,
  pool,
  webCapture,
  worker,
} from './helpers.js';

describe('self-request from the captured snapshot', () => {
  it('finds the worker that was calling its own nginx (selfcall.php)', () => {
    const { value, evidence } = analyzeSelfRequest(webCapture());
    expect(value).toEqual({ workers: 1, targets: ['127.0.0.1:19201'], pids: [27615] });
    expect(evidence.map((e) => e.text)).toEqual([
      'worker 27615 (pool www) -> 127.0.0.1:19201 (own nginx listener), worker up 2s',
    ]);
  });

  it('does not take the worker blocked on the fake remote API (127.0.0.1:19212) for a self-request', () => {
    expect(analyzeSelfRequest(webCapture()).value.pids).not.toContain(27614);
  });

  it('still finds it when web discovery failed: ss shows what nginx listens on', () => {
    const { value, evidence } = analyzeSelfRequest(webCapture({ noWebConfig: true }));
    expect(value.pids).toEqual([27615]);
    expect(evidence[0]!.text).toContain('(own nginx listener)');
  });

  it('nothing once the requests finished', () => {
    const { value, evidence } = analyzeSelfRequest(webCapture({ runtime: 'runtime-after.txt' }));
    expect(value).toEqual({ workers: 0, targets: [], pids: [] });
    expect(evidence).toEqual([]);
  });
});

describe('self-request matching rules', () => {
  // nginx on 0.0.0.0:80; this host is 10.0.0.11 (seen as the local side of nginx's own connection).
  const host = () =>
    baseFacts({
      fpm: { ...baseFacts().fpm, pools: [pool('www')] },
      web: nginxWeb(),
      processes: [worker(301, 'www'), worker(302, 'www'), worker(303, 'www'), nginxProcess(50)],
      listeners: [
        listener('0.0.0.0:80', { pids: [50] }),
        listener('/run/php/www.sock', { pids: [100, 301, 302, 303] }),
      ],
      connections: [
        accepted(301, '/run/php/www.sock'),
        conn(50, '10.0.0.11:80', '198.51.100.7:50000', { process: 'nginx' }),
      ],
    });

  it('a wildcard listener is reached through any of the host own addresses', () => {
    const f = host();
    f.connections.push(conn(301, '10.0.0.11:41000', '10.0.0.11:80'));
    expect(analyzeSelfRequest(f).value).toMatchObject({ workers: 1, targets: ['10.0.0.11:80'] });
  });

  it('loopback reaches a wildcard listener too, even while the connect is still pending', () => {
    const f = host();
    f.connections.push(conn(302, '127.0.0.1:41000', '127.0.0.1:80', { state: 'SYN-SENT' }));
    const { value, evidence } = analyzeSelfRequest(f);
    expect(value.pids).toEqual([302]);
    expect(evidence[0]!.text).toBe(
      'worker 302 (pool www) -> 127.0.0.1:80 (own nginx listener) [SYN-SENT], worker up 600s',
    );
  });

  it('port 80 on another machine is not this host', () => {
    const f = host();
    f.connections.push(conn(301, '10.0.0.11:41000', '10.0.0.99:80'));
    expect(analyzeSelfRequest(f).value.workers).toBe(0);
  });

  it('an inventory selfAddress (the load balancer) counts; with a port, only that port', () => {
    const f = host();
    f.connections.push(
      conn(301, '10.0.0.11:41000', '203.0.113.10:443'),
      conn(302, '10.0.0.11:41001', '203.0.113.10:8443'),
    );
    expect(analyzeSelfRequest(f, { selfAddresses: [{ host: '203.0.113.10' }] }).value.pids).toEqual([
      301, 302,
    ]);
    const withPort = analyzeSelfRequest(f, { selfAddresses: [{ host: '203.0.113.10', port: 443 }] });
    expect(withPort.value).toMatchObject({ pids: [301], targets: ['203.0.113.10:443'] });
    expect(withPort.evidence[0]!.text).toContain('(inventory selfAddress)');
  });

  it('nginx own connections to its clients are not worker self-requests', () => {
    expect(analyzeSelfRequest(host()).value.workers).toBe(0);
  });
});
