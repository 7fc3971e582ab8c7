// Files read per second by `src/usage/` (issue 16): the walk alone, and walk + parse + map, on a
// project (default: healthchecks from ../shared/corpus), then on a synthetic tree of N files
// (default 50,000) made of that project's files copied over and over, to show the walk stays
// bounded on a big repository. Needs `npm run build` first (it runs dist/).
//   node bench/usage.mjs [PROJECT] [N]
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { usageOf } from '../dist/usage/usage.js';
import { pythonFiles } from '../dist/usage/walk.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const project = resolve(process.argv[2] ?? join(here, '../../shared/corpus/projects/healthchecks__healthchecks'));
const wanted = Number(process.argv[3] ?? 50_000);

async function measure(label, root) {
  let t = performance.now();
  const walked = await pythonFiles(root);
  const walkMs = performance.now() - t;
  t = performance.now();
  const usage = await usageOf(root, { cwd: root });
  const allMs = performance.now() - t;
  const rate = (ms) => Math.round(walked.files.length / (ms / 1000));
  console.log(`${label}: ${walked.files.length} .py files${walked.truncated ? ` (${walked.truncated})` : ''}; walk ${walkMs.toFixed(0)} ms (${rate(walkMs)} files/s); walk + parse + map ${allMs.toFixed(0)} ms (${rate(allMs)} files/s); ${usage.byDistribution.size} distributions, ${usage.parseErrors.length} parse notes`);
}

await measure(`project ${project}`, project);

if (wanted > 0) {
  const tree = mkdtempSync(join(tmpdir(), 'pypy-ready-usage-bench-'));
  try {
    const per = (await pythonFiles(project)).files.length;
    const copies = Math.ceil(wanted / Math.max(1, per));
    for (let i = 0; i < copies; i++) cpSync(project, join(tree, `copy${i}`), { recursive: true, filter: (src) => !src.includes('/.git') });
    console.log(`synthetic tree: ${copies} copies in ${readdirSync(tree).length} folders`);
    await measure(`synthetic ~${copies * per}`, tree);
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}
