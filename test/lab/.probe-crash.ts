// temporary investigation script (removed before finishing)
import { startLab } from './lab.js';
import { readLog } from './wait.js';

const n = Number(process.argv[2] ?? 20);
const web = (process.argv[3] ?? 'apache') as 'apache' | 'nginx';
const lab = await startLab({ web });
const tally: Record<string, number> = {};
let noKernel = 0;
const t0 = Date.now();
try {
  for (let i = 0; i < n; i++) {
    const s = await lab.induce('worker-crashed');
    if (!s.details.dmesgLine) noKernel++;
    const key = readLog(lab.logs.webError)
      .split('\n')
      .filter((l) => /proxy_fcgi:error|\[error\]/.test(l))
      .map((l) =>
        l
          .replace(/^\[[^\]]*\] /, '')
          .replace(/\[pid \d+:tid \d+\] /, '')
          .replace(/client 127\.0\.0\.1:\d+/, 'client')
          .replace(/^\S+ \S+ \[error\] \d+#\d+: \*\d+ /, '')
          .replace(/, client.*/, ''),
      )
      .join(' || ');
    const k = `${s.details.response.status} ${key}`;
    tally[k] = (tally[k] ?? 0) + 1;
  }
} finally {
  console.log(JSON.stringify(tally, null, 1), 'noKernel', noKernel, 'sec', (Date.now() - t0) / 1000);
  await lab.stop();
}
