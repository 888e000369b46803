/**
 * A process writing to the audit log, for the tests that kill it or race it against another.
 * `hang <path>`: begin() one action, print "started <id>", then never finish (the test kill -9s it).
 * `append <path> <n> <tag>`: print "ready", wait for "go" on stdin, append n records at once, exit.
 */
import { createInterface } from 'node:readline';
import { AuditLog } from '../../../src/audit/index.js';

const [mode, path, count, tag] = process.argv.slice(2);
const log = new AuditLog(path!);

if (mode === 'hang') {
  const entry = await log.begin({
    kind: 'action',
    who: { userId: 'U0ALICE001', channelId: 'C0OPS00001', source: 'slack' },
    what: 'restart-fpm',
    host: 'web-1',
  });
  process.stdout.write(`started ${entry.id}\n`);
  setInterval(() => {}, 1 << 30); // kept alive until killed
} else if (mode === 'append') {
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line === 'go') break;
  lines.close();
  const padding = 'p'.repeat(1500); // long lines: interleaving would show
  // Five lanes appending one after another: batches of the in-process queue, spread over time so
  // the two processes' writes race each other.
  const lanes = 5;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = lane; i < Number(count); i += lanes)
        await log.begin({ kind: 'command', who: { source: 'cli' }, what: `${tag} ${i} ${padding}` });
    }),
  );
  await log.close();
  process.stdout.write('done\n');
} else {
  throw new Error(`usage: child-audit.ts hang|append <path> [n] [tag]`);
}
