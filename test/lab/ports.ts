import { createServer } from 'node:net';

// Other engineers' fixed-port labs and the fixture capture scripts (test/fixtures/capture: 19100-19309)
// live here; an ephemeral port never falls in it, but be explicit.
const RESERVED = { from: 19100, to: 19399 };

/** A port the kernel just handed out on `host`. It is released before returning, so a race is possible; callers retry. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, host, () => {
        const addr = srv.address();
        const p = typeof addr === 'object' && addr ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (port > 0 && (port < RESERVED.from || port > RESERVED.to)) return port;
  }
  throw new Error(`no free port on ${host}`);
}
