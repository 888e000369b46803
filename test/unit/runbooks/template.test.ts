import { describe, expect, it } from 'vitest';
import { DERIVED_SPEC, derive } from '../../../src/runbooks/derived.js';
import { SIGNAL_SPEC } from '../../../src/runbooks/signal-spec.js';
import { compileTemplate, renderTemplate } from '../../../src/runbooks/template.js';
import { endpoint, exhaustedPool, pool, signalsWith } from './signals-builder.js';

const ROOT = { ...SIGNAL_SPEC, derived: { fields: DERIVED_SPEC } };

function render(source: string, signals = signalsWith({})): string {
  const result = compileTemplate(source, ROOT);
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('; '));
  return renderTemplate(result.template, { ...signals, derived: derive(signals) });
}

describe('templates', () => {
  it('fills {{path}} from signals, joins lists, maps over lists of records', () => {
    const signals = signalsWith({
      selfRequest: { workers: 2, targets: ['127.0.0.1:80', '10.0.0.11:443'], pids: [1, 2] },
      external: {
        endpoints: [endpoint(), endpoint({ peer: '10.0.0.60:3306', pids: [7] })],
        topMaxDurationSec: 42.456,
      },
    });
    expect(render('{{selfRequest.workers}} -> {{ selfRequest.targets }}', signals)).toBe(
      '2 -> 127.0.0.1:80, 10.0.0.11:443',
    );
    expect(render('{{external.endpoints.peer}} / {{external.endpoints.pids}}', signals)).toBe(
      '10.0.0.50:443, 10.0.0.60:3306 / 2911, 2912, 7',
    );
    expect(render('{{external.topMaxDurationSec}}s, {{crashes.signals}}', signals)).toBe('42.46s, none');
  });

  it('rejects unknown names, groups and anything that is not a plain path', () => {
    const problems = (source: string) => {
      const result = compileTemplate(source, ROOT);
      return result.ok ? [] : result.problems.map((p) => p.message);
    };
    expect(problems('{{fpm.mastrs}}')).toEqual([
      'placeholder {{fpm.mastrs}}: unknown name "mastrs" in fpm; did you mean "masters"?',
    ]);
    expect(problems('{{#pools}}x{{/pools}}')).toHaveLength(2);
    expect(problems('{{fpm.masters.count}}')).toEqual([
      'placeholder {{fpm.masters.count}}: fpm.masters is a single value, it has no "count"',
    ]);
    expect(problems('{{pools}}')[0]).toContain(
      'pools is a list of records; name one of its fields: name, pm,',
    );
    expect(problems('a {{fpm.masters')).toEqual(['"{{" without a matching "}}"']);
  });
});

describe('derived values for runbook text', () => {
  it('commands point at the exhausted pool, unix or TCP', () => {
    const unix = derive(
      signalsWith({
        pools: [pool({ name: 'api' }), exhaustedPool({ name: 'shop', listen: '/run/php/shop.sock' })],
      }),
    );
    expect(unix.primaryPool).toBe('shop');
    expect(unix.ssListenCommand).toBe('ss -lx src /run/php/shop.sock');
    expect(unix.fcgiConnect).toBe('/run/php/shop.sock');
    expect(unix.exhaustedPoolDetail).toEqual(['shop: 10/10 busy, 37 queued']);
    const tcp = derive(
      signalsWith({ pools: [exhaustedPool({ listen: '9000', listenKind: 'tcp', queued: 0 })] }),
    );
    expect(tcp.ssListenCommand).toBe("ss -ltn 'sport = :9000'");
    expect(tcp.fcgiConnect).toBe('127.0.0.1:9000');
    expect(tcp.exhaustedPoolDetail).toEqual(['www: 10/10 busy, status page timed out']);
  });

  it('shares the memory-safe max_children between pools and says when not to raise it', () => {
    const d = derive(
      signalsWith({
        pools: [pool({ name: 'www', maxChildren: 60 }), pool({ name: 'api', maxChildren: 40 })],
        memory: { maxChildrenTotal: 100, suggestedMaxChildren: 30 },
      }),
    );
    expect(d.suggestedMaxChildrenSplit).toEqual(['[www] pm.max_children = 18', '[api] pm.max_children = 12']);
    expect(d.primarySuggestedMaxChildren).toBe(18);
    expect(d.maxChildrenAdvice).toMatch(
      /^Memory fits only about 30 workers in total \(100 configured, ~60 MB each\): do not raise/,
    );
    expect(derive(signalsWith({ memory: { suggestedMaxChildren: -1 } })).maxChildrenFit).toMatch(/unknown/);
  });

  it('timeouts read as people write them', () => {
    const d = derive(
      signalsWith({
        timeoutChain: { maxExecutionTimeSec: -1, requestTerminateTimeoutSec: 0, terminateOff: true },
      }),
    );
    expect([d.maxExecutionTimeText, d.requestTerminateTimeoutText, d.webReadTimeoutText]).toEqual([
      'unknown',
      '0 (off)',
      '60s',
    ]);
    expect(d.webReadTimeoutDirective).toBe('fastcgi_read_timeout');
    expect(d.window).toBe('15m');
  });
});
