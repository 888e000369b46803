import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../../lab/lab.js';
import { waitFor } from '../../lab/wait.js';
import { cmdline, fileMode, lines, read, ssUnixListen } from './helpers.js';

// Apache's side of the same failures (REFERENCE §5): mod_proxy_fcgi answers 503 where nginx says 502.
const APACHE_PREFIX = String.raw`^\[[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d\.\d{6} \d{4}\]`;

describe('lab behind apache', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ web: 'apache' });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const errLog = () => lab.logs.webError;
  const sock = () => lab.pools.unixpool.socket!;

  it('runs a self-contained httpd (no /etc/apache2, no envvars)', () => {
    expect(cmdline(lab.webMasterPid!)).toBe(
      `/usr/sbin/apache2 -d ${lab.dir} -f ${lab.dir}/etc/apache2.conf -DFOREGROUND`,
    );
    expect(read(lab.webConfigFile)).toContain(`SetHandler "proxy:unix:${sock()}|fcgi://localhost"`);
    expect(read(lab.webConfigFile)).toContain(
      `SetHandler "proxy:fcgi://127.0.0.1:${lab.pools.tcppool.tcp!.port}"`,
    );
  });

  it('healthy', async () => {
    const s = await lab.induce('healthy');
    expect(Object.values(s.details.responses)).toEqual([200, 200, 200, 200, 200]);
    expect(lines(errLog(), /:(error|crit|warn)\]/)).toEqual([]);
  });

  it('fpm-down: AH02454 (2) + 503', async () => {
    const s = await lab.induce('fpm-down');
    expect(existsSync(sock())).toBe(false);
    expect(
      lines(
        errLog(),
        new RegExp(
          `${APACHE_PREFIX} \\[proxy:error\\] \\[pid \\d+:tid \\d+\\] \\(2\\)No such file or directory: AH02454: FCGI: attempt to connect to Unix domain socket ${sock()} \\(localhost:8000\\) failed$`,
        ),
      ),
    ).toHaveLength(1);
    expect(
      lines(
        errLog(),
        /\[proxy_fcgi:error\] .*\[client 127\.0\.0\.1:\d+\] AH01079: failed to make connection to backend: localhost$/,
      ),
    ).toHaveLength(1);
    expect(s.details.response.status).toBe(503);
  });

  it('pool-exhausted: FPM side identical, Apache threads wait', async () => {
    await lab.induce('pool-exhausted', { holdMs: 20_000 });
    expect(
      lines(
        lab.logs.fpm,
        /WARNING: \[pool unixpool\] server reached pm\.max_children setting \(3\), consider raising it$/,
      ),
    ).toHaveLength(1);
    await waitFor('ss Recv-Q > 0', () => (ssUnixListen(sock())?.recvQ ?? 0) > 0);
    await lab.reset();
  });

  it('socket-permission: AH02454 (13) + 503', async () => {
    const s = await lab.induce('socket-permission');
    expect(fileMode(sock())).toEqual({ mode: '0600', uid: 0, gid: 0 });
    expect(
      lines(
        errLog(),
        new RegExp(
          `\\[proxy:error\\] .*\\(13\\)Permission denied: AH02454: FCGI: attempt to connect to Unix domain socket ${sock()} \\(localhost:8000\\) failed$`,
        ),
      ),
    ).toHaveLength(1);
    expect(lines(errLog(), /AH01079: failed to make connection to backend: localhost$/)).toHaveLength(1);
    expect(s.details.response.status).toBe(503);
  });

  it('request-timeout-kill: AH01067 + AH01075 (104) + 503', async () => {
    const s = await lab.induce('request-timeout-kill');
    expect(
      lines(
        lab.logs.fpm,
        new RegExp(`child ${s.details.killedPid}, script '\\S+/sleep\\.php' .* execution timed out`),
      ),
    ).toHaveLength(1);
    expect(
      lines(lab.logs.fpm, new RegExp(`child ${s.details.killedPid} exited on signal 15 \\(SIGTERM\\)`)),
    ).toHaveLength(1);
    expect(
      lines(
        errLog(),
        /\[proxy_fcgi:error\] .*\[client 127\.0\.0\.1:\d+\] AH01067: Failed to read FastCGI header$/,
      ),
    ).toHaveLength(1);
    expect(
      lines(
        errLog(),
        /\[proxy_fcgi:error\] .*\(104\)Connection reset by peer: \[client 127\.0\.0\.1:\d+\] AH01075: Error dispatching request to :\d*: $/,
      ),
    ).toHaveLength(1);
    expect(s.details.response.status).toBe(503);
  });

  it('worker-crashed: SIGSEGV → AH01067 + AH01075 (104), or AH01075 (32) (sending empty stdin); 503', async () => {
    const s = await lab.induce('worker-crashed');
    expect(
      lines(lab.logs.fpm, new RegExp(`child ${s.details.crashedPid} exited on signal 11 \\(SIGSEGV`)),
    ).toHaveLength(1);
    // mod_proxy_fcgi sends FCGI_PARAMS, then the empty FCGI_STDIN in a second write from its poll
    // loop, while FPM starts the script as soon as the params are in (a GET has no body to wait
    // for). segv.php crashes within milliseconds, so both orders happen (measured: 2 runs in 30):
    // - the worker dies after the empty STDIN arrived: its 8 unread bytes make the close a reset,
    //   Apache fails to read the response header (AH01067) and dispatch fails with (104);
    // - the worker dies first: writing the empty STDIN fails with EPIPE, AH01075 `(sending empty
    //   stdin)`, and no AH01067.
    // Both are REFERENCE §5.2's worker-died family (AH01067 / AH01075 with its `%s` suffix) and
    // both answer 503; fpm-medic classifies (104) and (32) alike as a reset.
    const port = lab.ports.http;
    const fcgiErrors = lines(errLog(), /\[proxy_fcgi:error\]/).map((l) =>
      l
        .replace(new RegExp(`${APACHE_PREFIX} \\[proxy_fcgi:error\\] \\[pid \\d+:tid \\d+\\] `), '')
        .replace(/\[client 127\.0\.0\.1:\d+\] /, '[client] '),
    );
    expect([
      [
        '[client] AH01067: Failed to read FastCGI header',
        `(104)Connection reset by peer: [client] AH01075: Error dispatching request to :${port}: `,
      ],
      [`(32)Broken pipe: [client] AH01075: Error dispatching request to :${port}: (sending empty stdin)`],
    ]).toContainEqual(fcgiErrors);
    expect(s.details.response.status).toBe(503);
  });

  it('fpm-down on the TCP pool: AH00957 (111) + AH01079 + 503', async () => {
    const port = lab.pools.tcppool.tcp!.port;
    const s = await lab.induce('fpm-down', { pool: 'tcppool' });
    expect(
      lines(
        errLog(),
        new RegExp(
          `${APACHE_PREFIX} \\[proxy:error\\] \\[pid \\d+:tid \\d+\\] \\(111\\)Connection refused: AH00957: FCGI: attempt to connect to 127\\.0\\.0\\.1:${port} \\(127\\.0\\.0\\.1:${port}\\) failed$`,
        ),
      ),
    ).toHaveLength(1);
    expect(lines(errLog(), /AH01079: failed to make connection to backend: 127\.0\.0\.1$/)).toHaveLength(1);
    expect(s.details.response.status).toBe(503);
    await s.end();
  });

  it('request-timeout-kill on the TCP pool: AH01067 + AH01075 (104) + 503', async () => {
    const s = await lab.induce('request-timeout-kill', { pool: 'tcppool' });
    expect(
      lines(
        lab.logs.fpm,
        new RegExp(`\\[pool tcppool\\] child ${s.details.killedPid}, script .* execution timed out`),
      ),
    ).toHaveLength(1);
    expect(lines(errLog(), /\[proxy_fcgi:error\] .*AH01067: Failed to read FastCGI header$/)).toHaveLength(1);
    expect(s.details.response.status).toBe(503);
    await s.end();
  });

  it('timeout-chain-misaligned (terminate-exceeds-web): ProxyTimeout 3 → AH01075 (70007) + 504', async () => {
    const s = await lab.induce('timeout-chain-misaligned', { variant: 'terminate-exceeds-web' });
    expect(read(lab.webConfigFile)).toMatch(/^ProxyTimeout 3$/m);
    expect(
      lines(
        errLog(),
        /\[proxy_fcgi:error\] .*\(70007\)The timeout specified has expired: \[client 127\.0\.0\.1:\d+\] AH01075: Error dispatching request to :\d*: \(polling\)$/,
      ),
    ).toHaveLength(1);
    expect(s.details.response?.status).toBe(504);
    await s.end();
  });
});
