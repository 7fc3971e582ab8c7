// The cost of `src/usage/` (issue 16), on a project (default: healthchecks from ../shared/corpus)
// and then on a synthetic tree of N files (default 50,000: that project's files copied over and
// over, to show the walk stays bounded on a big repository):
//   - in process, after one unmeasured run: the walk alone; walk + parse + map without a cache; cold (an empty cache
//     directory: parse every file and write the facts) and warm (the facts read back, each file
//     only read and hashed); files per second and CPU ms of each;
//   - whole scans (`pypy-ready scan`, each a child process, CPU from bench/rusage.mjs) of the demo
//     (fixtures/demo-django) and of the project, against the demo index on 127.0.0.1 (packages it
//     does not list are unknown: the usage step is the same), with a warm HTTP cache: --no-usage,
//     usage cold (the usage facts removed first) and usage warm; the median of BENCH_RUNS (3).
// Needs `npm run build` first (it runs dist/; BENCH_DIST names another build).
//   node bench/usage.mjs [PROJECT] [N]     (PROJECT '' for the default)
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const dist = resolve(process.env.BENCH_DIST ?? join(root, 'dist'));
const { usageOf } = await import(pathToFileURL(join(dist, 'usage/usage.js')).href);
const { pythonFiles } = await import(pathToFileURL(join(dist, 'usage/walk.js')).href);
const { CACHE_SUBDIR } = await import(pathToFileURL(join(dist, 'usage/facts-cache.js')).href);
const { loadFixtureDir, startIndexServer } = await import(pathToFileURL(join(dist, 'devserver/index-server.js')).href);

const project = resolve(process.argv[2] || join(here, '../../shared/corpus/projects/healthchecks__healthchecks'));
const wanted = Number(process.argv[3] ?? 50_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const scratch = mkdtempSync(join(tmpdir(), 'pypy-ready-usage-bench-'));

/** Wall and CPU time of one call. */
async function timed(fn) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return { value, wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

let jitWarm = false;

async function measure(label, dir) {
  // One unmeasured run first, so that the three compared below all run on warm JIT code (the
  // whole-scan figures further down are separate processes, and pay the warm-up as users do).
  if (!jitWarm) await usageOf(dir, { cwd: dir });
  jitWarm = true;
  const walk = await timed(() => pythonFiles(dir));
  const files = walk.value.files.length;
  const rate = (ms) => Math.round(files / (ms / 1000));
  const line = (name, t) => `${name} ${t.wallMs.toFixed(0)} ms, ${t.cpuMs.toFixed(0)} ms CPU (${rate(t.cpuMs)} files/s of CPU)`;
  const cacheDir = join(scratch, `cache-${label.replace(/\W+/g, '-')}`);
  const none = await timed(() => usageOf(dir, { cwd: dir }));
  const cold = await timed(() => usageOf(dir, { cwd: dir, cacheDir }));
  const warm = await timed(() => usageOf(dir, { cwd: dir, cacheDir }));
  console.log(`${label}: ${files} .py files${walk.value.truncated ? ` (${walk.value.truncated})` : ''}; ${none.value.byDistribution.size} distributions, ${none.value.parseErrors.length} parse notes`);
  console.log(`  ${line('walk', walk)}`);
  console.log(`  ${line('walk + parse + map, no cache:', none)}`);
  console.log(`  ${line('cold cache (parse, write):', cold)}; ${cold.value.parsed} parsed`);
  console.log(`  ${line('warm cache (read, hash):', warm)}; ${warm.value.parsed} parsed`);
}

/** CPU ms of one `pypy-ready scan` child process. */
function scanCpu(args) {
  const usageFile = join(scratch, `rusage-${process.hrtime.bigint()}.json`);
  const code = `const { main } = await import(${JSON.stringify(pathToFileURL(join(dist, 'cli/main.js')).href)}); process.exitCode = await main(process.argv.slice(1));`;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', join(here, 'rusage.mjs'), '--input-type=module', '-e', code, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: scratch, NO_COLOR: '1', BENCH_RUSAGE: usageFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (status) => {
      try {
        done(JSON.parse(readFileSync(usageFile, 'utf8')).cpuMs);
      } catch {
        fail(new Error(`scan exited with ${status}: ${stderr}`));
      }
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function scans(label, path, index) {
  const cacheDir = join(scratch, `scan-cache-${label}`);
  const args = ['scan', path, '--index-url', index.simpleUrl, '--cache-dir', cacheDir, '--fail-on', 'never', '--format', 'json'];
  await scanCpu(args); // the HTTP cache warmed once
  const runs = { noUsage: [], cold: [], warm: [] };
  for (let i = 0; i < RUNS; i++) {
    runs.noUsage.push(await scanCpu([...args, '--no-usage']));
    rmSync(join(cacheDir, CACHE_SUBDIR), { recursive: true, force: true });
    runs.cold.push(await scanCpu(args));
    runs.warm.push(await scanCpu(args));
  }
  const [n, c, w] = [median(runs.noUsage), median(runs.cold), median(runs.warm)];
  console.log(`scan ${label} (CPU ms, median of ${RUNS}): --no-usage ${n.toFixed(0)}; usage cold ${c.toFixed(0)} (+${(c - n).toFixed(0)}); usage warm ${w.toFixed(0)} (+${(w - n).toFixed(0)})`);
}

try {
  await measure(`project ${project}`, project);
  const index = await startIndexServer({ packages: loadFixtureDir(join(root, 'fixtures/demo-index')) });
  try {
    await scans('demo', 'fixtures/demo-django', index);
    await scans('project', project, index);
  } finally {
    await index.close();
  }
  if (wanted > 0) {
    const tree = join(scratch, 'tree');
    const per = (await pythonFiles(project)).files.length;
    const copies = Math.ceil(wanted / Math.max(1, per));
    for (let i = 0; i < copies; i++) cpSync(project, join(tree, `copy${i}`), { recursive: true, filter: (src) => !src.includes('/.git') });
    console.log(`synthetic tree: ${copies} copies in ${readdirSync(tree).length} folders`);
    await measure(`synthetic ~${copies * per}`, tree);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
