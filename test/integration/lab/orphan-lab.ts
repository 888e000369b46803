// Run by lifecycle.test.ts in a child process that is then killed with SIGKILL: a lab whose owner
// died without stop(), which cleanupStaleLabs() must find and remove.
import { startLab } from '../../lab/lab.js';

const lab = await startLab({ web: 'nginx' });
await lab.induce('worker-oom-killed');
process.stdout.write(
  `${JSON.stringify({ dir: lab.dir, fpm: lab.fpmMasterPid, web: lab.webMasterPid, cgroup: lab.cgroupPath })}\n`,
);
setInterval(() => {}, 60_000);
