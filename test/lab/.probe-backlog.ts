// temporary investigation script (removed before finishing)
import { execFileSync } from 'node:child_process';
import { startLab } from './lab.js';
import { readLog } from './wait.js';

const lab = await startLab({ web: 'nginx' });
try {
  for (let round = 0; round < Number(process.argv[2] ?? 3); round++) {
    const t0 = Date.now();
    const s = await lab.induce('listen-backlog-overflow', { holdMs: 15_000 });
    const tRet = Date.now() - t0;
    const sock = s.details.socket;
    const samples: string[] = [];
    let last = '';
    const tEnd = Date.now() + 14_000;
    while (Date.now() < tEnd) {
      const out = execFileSync('ss', ['-xln'], { encoding: 'utf8' });
      const row = out.split('\n').find((r) => r.includes(sock));
      const f = row?.trim().split(/\s+/) ?? [];
      const v = `${f[2]}/${f[3]} w=${lab.workerPids('unixpool').length}`;
      if (v !== last) samples.push(`${Date.now() - t0}ms ${v}`);
      last = v;
      await new Promise((r) => setTimeout(r, 20));
    }
    console.log(`round ${round} returned at ${tRet}ms queue ${JSON.stringify(s.details.listenQueue)}`);
    console.log(samples.join('\n'));
    console.log(
      readLog(lab.logs.fpm)
        .split('\n')
        .filter((l) => /WARNING|child \d+ started|ready/.test(l))
        .join('\n'),
    );
  }
} finally {
  await lab.stop();
}
