/**
 * Text cut to fit a report line is redacted before the cut: cut first, a URL's password loses the
 * "@" that marks it, and the redaction every report gets before it is shown no longer sees it.
 */
import { describe, expect, it } from 'vitest';
import { webErrorWithRequest } from '../../../src/analysis/web-log.js';
import type { WebErrorEvent } from '../../../src/facts/types.js';
import { REDACTED, redactDeep, redactedExcerpt } from '../../../src/redact/redact.js';
import { clip } from '../../../src/remediation/procedures/steps/procedure-run.js';

const PASSWORD = 'S3cr3tPassw0rdThatRunsPastTheCut';

describe('redact before shortening', () => {
  it('an evidence line quoting a request with a URL password past the cut comes out redacted', () => {
    // nginx logs the request line; the evidence keeps 60 characters of it, which end inside the password.
    const request = `GET /sso/callback?next=https://deploy:${PASSWORD}@intranet.example.com/ HTTP/1.1`;
    expect(request.indexOf('@')).toBeGreaterThan(60);
    const event: WebErrorEvent = {
      time: 1_764_000_000,
      server: 'nginx',
      level: 'error',
      kind: 'read-timeout',
      upstream: 'unix:/run/php/php8.2-fpm.sock',
      request,
      text: `2026/11/22 03:41:12 [error] 812#812: *4411 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.0.7, server: shop.example.com, request: "${request}"`,
    };
    // What a report shows: the analyzer's evidence line, then the redaction of the whole report.
    const shown = redactDeep({ evidence: [{ source: 'nginx', text: webErrorWithRequest(event) }] });
    const text = shown.evidence[0]?.text ?? '';
    expect(text).toContain('request "GET /sso/callback?next=https://deploy:');
    expect(text).not.toContain(PASSWORD.slice(0, 6));
  });

  it("a procedure's summary of host output is redacted before it is clipped", () => {
    const output = `${'x'.repeat(150)} DATABASE_URL=mysql://shop:${PASSWORD}@db-1/shop`;
    // The clip at 200 characters falls inside the password, before its "@".
    expect(output.indexOf('@')).toBeGreaterThan(200);
    expect(clip(output)).not.toContain(PASSWORD.slice(0, 6));
  });

  it('an excerpt keeps what is not secret, on one line, within its length', () => {
    const excerpt = redactedExcerpt('connect failed:\n  mysql://shop:pw1@db-1:3306/shop\n  retrying', 50);
    expect(excerpt).toBe(`connect failed: mysql://shop:${REDACTED}@db-1:3306…`);
    expect(excerpt.length).toBeLessThanOrEqual(50);
  });
});
