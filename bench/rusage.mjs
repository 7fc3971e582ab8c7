// Preloaded into each measured run (node --import): writes the process's own CPU time and peak
// RSS to BENCH_RUSAGE when it exits, so the figures are the tool's alone.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RUSAGE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssMiB: usage.maxRSS / 1024 }));
  });
}
