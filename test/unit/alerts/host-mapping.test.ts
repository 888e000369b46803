import { describe, expect, it } from 'vitest';
import { buildHostIndex, hostPart, mapAlertHost } from '../../../src/alerts/host-mapping.js';
import { DEFAULT_HOST_LABELS } from '../../../src/policy/alert-routing.js';
import { INVENTORY } from './helpers.js';

const index = buildHostIndex(INVENTORY);
const map = (
  labels: Record<string, string>,
  hostLabels: readonly string[] = DEFAULT_HOST_LABELS,
  host?: string,
) => mapAlertHost({ labels, ...(host ? { host } : {}) }, hostLabels, index);

describe('hostPart', () => {
  it.each([
    ['10.0.0.11:9253', '10.0.0.11'],
    ['10.0.0.11', '10.0.0.11'],
    ['web-1:9253', 'web-1'],
    ['[2001:db8::3]:9253', '2001:db8::3'],
    ['2001:db8::3', '2001:db8::3'],
    ['https://web-2.prod.example.com/health', 'web-2.prod.example.com'],
    ['http://[2001:db8::3]:8080/', '2001:db8::3'],
    ['web-1:notaport', 'web-1:notaport'],
  ])('%s -> %s', (value, host) => expect(hostPart(value)).toBe(host));
});

describe('mapAlertHost', () => {
  it('instance with its port: the host whose address it is', () => {
    expect(map({ instance: '10.0.0.11:9253' })).toMatchObject({
      mapped: true,
      host: 'web-1',
      label: 'instance',
      via: 'address',
    });
  });

  it('instance naming the host, with or without a port', () => {
    expect(map({ instance: 'web-1:9253' })).toMatchObject({ host: 'web-1', via: 'name' });
    expect(map({ instance: 'db-1' })).toMatchObject({ host: 'db-1', via: 'name' });
  });

  it('a DNS address, and a fully qualified name whose first label is a host', () => {
    expect(map({ instance: 'web-2.prod.example.com:9253' })).toMatchObject({ host: 'web-2', via: 'address' });
    expect(map({ instance: 'db-1.prod.example.com:9100' })).toMatchObject({
      host: 'db-1',
      via: 'short-name',
    });
  });

  it('selfAddresses count as the host, IPv4 and IPv6, any port', () => {
    expect(map({ instance: '203.0.113.10:443' })).toMatchObject({ host: 'web-3', via: 'address' });
    expect(map({ instance: '[2001:db8::3]:9253' })).toMatchObject({ host: 'web-3', via: 'address' });
  });

  it('labels are tried in the configured order; the first that maps wins', () => {
    const labels = { host: 'db-1', instance: '10.0.0.11:9253' };
    expect(map(labels)).toMatchObject({ host: 'db-1', label: 'host' });
    expect(map(labels, ['instance', 'host'])).toMatchObject({ host: 'web-1', label: 'instance' });
    expect(map({ fpm_medic_host: 'web-3', instance: '10.0.0.11:9253' })).toMatchObject({ host: 'web-3' });
    // A label that names nothing is passed over.
    expect(map({ host: 'nope', instance: '10.0.0.11:9253' })).toMatchObject({
      host: 'web-1',
      label: 'instance',
    });
  });

  it("the generic form's host comes first", () => {
    expect(map({ instance: '10.0.0.11:9253' }, DEFAULT_HOST_LABELS, 'db-1')).toMatchObject({
      host: 'db-1',
      label: 'host',
    });
  });

  it('unmapped: says what was tried, and which values were ambiguous', () => {
    expect(map({ instance: '10.0.0.99:9253', job: 'php' })).toEqual({
      mapped: false,
      tried: ['instance=10.0.0.99:9253'],
      ambiguous: [],
    });
    expect(map({ instance: '10.0.0.50:9253' })).toEqual({
      mapped: false,
      tried: ['instance=10.0.0.50:9253'],
      ambiguous: ['10.0.0.50 is the address of edge-a, edge-b'],
    });
    expect(map({ job: 'php' })).toEqual({ mapped: false, tried: [], ambiguous: [] });
    // A host label outside the configured list is not looked at.
    expect(map({ node: 'web-1' }, ['instance'])).toMatchObject({ mapped: false });
  });

  it('"local" is no address to match', () => {
    expect(map({ instance: 'local:9253' })).toMatchObject({ mapped: false });
    expect(map({ instance: 'here' })).toMatchObject({ host: 'here', via: 'name' });
  });
});
