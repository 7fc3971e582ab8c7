// `npm run bench`: the tool's figures side by side with real pip's, on the same synthetic index over
// real HTTP with injected latency. Each scenario runs the CLI as a child process (its own CPU and
// peak RSS, read by the preloaded rusage.mjs), RUNS times (default 5), and prints min / median /
// max. Writes bench/results.json. Asserts nothing: figures are for the README and the issue notes.
//
//   npm run bench                      all scenarios
//   BENCH_RUNS=3 BENCH_ONLY=cold,pip npm run bench
//
// Scenarios: cold (empty cache), warm with ETag only (every page revalidated, 304), warm with
// `Cache-Control: max-age=600` (as PyPI sends: no request at all), --offline from the cache,
// start-up (--version, --help), and 3,000 packages at --concurrency 64; then pip's dry run
// (`pip install --dry-run --report - --no-deps --only-binary=:all:` for PyPy 3.11) on the same
// project and index, whose median over ours is `pipRatio`.
import { execFileSync, fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { benchIndex } from './index-data.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
// BENCH_CLI: another build of the tool (say, a worktree of an earlier commit) against the same server.
const cli = process.env.BENCH_CLI ?? join(root, 'bin', 'pypy-ready.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const COUNT = Number(process.env.BENCH_PACKAGES ?? 300);
const LARGE_COUNT = Number(process.env.BENCH_LARGE_PACKAGES ?? 3000);
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const wanted = (name) => only === null || only.has(name);
const scratch = mkdtempSync(join(tmpdir(), 'pypy-ready-bench-'));

// ---- the index server, in its own process ----
async function startServer(count, { cacheControl } = {}) {
  const child = fork(join(here, 'serve.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    child.send({ count, latencyMs: LATENCY_MS, cacheControl });
  });
  return {
    url,
    simpleUrl: `${url}/simple/`,
    /** Requests since the last call, by status. */
    stats: () => new Promise((resolve) => {
      child.once('message', resolve);
      child.send('stats');
    }),
    close: () => new Promise((resolve) => {
      child.once('exit', resolve);
      child.disconnect();
    }),
  };
}

function project(count) {
  const dir = mkdtempSync(join(scratch, `project-${count}-`));
  writeFileSync(join(dir, 'requirements.txt'), benchIndex(count).requirements);
  return dir;
}

// ---- one measured run of a command ----
const cleanEnv = { PATH: process.env.PATH, HOME: scratch, PIP_CONFIG_FILE: '/dev/null', NO_COLOR: '1', LANG: 'C.UTF-8' };

function measure(command, args, { env = {}, rusage = true } = {}) {
  const usageFile = join(scratch, `rusage-${process.hrtime.bigint()}.json`);
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...cleanEnv, ...env, ...(rusage ? { BENCH_RUSAGE: usageFile } : {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - start;
      let usage = {};
      if (rusage) {
        try {
          usage = JSON.parse(readFileSync(usageFile, 'utf8'));
        } catch {
          // the run died before exit: reported through its code
        }
      }
      resolve({ code, wallMs, ...usage, stdout, stderr });
    });
  });
}

const tool = (args, env) => measure(process.execPath, ['--import', join(here, 'rusage.mjs'), cli, ...args], { env });

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1] };
}

const results = { machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30) }, runs: RUNS, latencyMs: LATENCY_MS, packages: COUNT, largePackages: LARGE_COUNT, figures: {} };

function fmt(s, unit = 'ms') {
  const f = (v) => (unit === 'MiB' ? v.toFixed(0) : v >= 100 ? v.toFixed(0) : v.toFixed(1));
  return `${f(s.min)} / ${f(s.median)} / ${f(s.max)} ${unit}`;
}

/** Run `once` RUNS times (after `prepare` each time), record and print the figures. */
async function scenario(name, label, once, { prepare, runs = RUNS } = {}) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    if (prepare) await prepare();
    const sample = await once();
    if (sample.failure) {
      console.log(`${label.padEnd(34)} FAILED: ${sample.failure}`);
      results.figures[name] = { failed: sample.failure };
      return null;
    }
    samples.push(sample);
  }
  const figure = { label, wallMs: summary(samples.map((s) => s.wallMs)) };
  if (samples[0].cpuMs !== undefined) figure.cpuMs = summary(samples.map((s) => s.cpuMs));
  if (samples[0].maxRssMiB !== undefined) figure.peakRssMiB = summary(samples.map((s) => s.maxRssMiB));
  if (samples[0].requests !== undefined) figure.requests = summary(samples.map((s) => s.requests));
  results.figures[name] = figure;
  console.log(
    `${label.padEnd(34)} wall ${fmt(figure.wallMs)}` +
      (figure.cpuMs ? `   cpu ${fmt(figure.cpuMs)}` : '') +
      (figure.peakRssMiB ? `   rss ${fmt(figure.peakRssMiB, 'MiB')}` : '') +
      (figure.requests ? `   requests ${figure.requests.median}` : ''),
  );
  return figure;
}

/** A scan of `dir` through the CLI; the server's request count comes along. */
function scanRun(server, dir, cacheDir, extra = []) {
  return async () => {
    await server.stats(); // reset the log
    const output = join(scratch, 'report.json');
    const run = await tool(['scan', dir, '--index-url', server.simpleUrl, '--format', 'json', '--output', output, '--fail-on', 'never', ...(cacheDir ? ['--cache-dir', cacheDir] : ['--no-cache']), ...extra]);
    const { requests, statuses } = await server.stats();
    if (run.code !== 0) return { failure: `exit ${run.code}: ${run.stderr.trim().split('\n').slice(-2).join(' | ')}` };
    const report = JSON.parse(readFileSync(output, 'utf8'));
    const unknown = report.findings.filter((f) => f.verdict === 'unknown').length;
    if (unknown > 0 && !extra.includes('--offline')) return { failure: `${unknown} findings unknown (statuses ${JSON.stringify(statuses)})` };
    return { ...run, requests };
  };
}

console.log(`pypy-ready benchmark: ${COUNT} packages (3 of them with 20,000 files), ${LATENCY_MS} ms per response, ${RUNS} runs each, min / median / max`);
console.log(`machine: ${results.machine.cpus} x ${results.machine.cpuModel}, ${results.machine.memoryGiB} GiB, Node ${process.version}`);

const dir = project(COUNT);
const etagServer = await startServer(COUNT);
const freshCache = () => {
  const cache = join(scratch, 'cache-cold');
  rmSync(cache, { recursive: true, force: true });
  return cache;
};

if (wanted('cold')) {
  await scenario('cold', 'cold (empty cache), 2 targets', scanRun(etagServer, dir, join(scratch, 'cache-cold')), { prepare: freshCache });
}
if (wanted('warm-etag') || wanted('offline')) {
  const cache = join(scratch, 'cache-etag');
  rmSync(cache, { recursive: true, force: true });
  await scanRun(etagServer, dir, cache)();
  if (wanted('warm-etag')) await scenario('warmEtag', 'warm, ETag only (304s)', scanRun(etagServer, dir, cache));
  if (wanted('offline')) await scenario('offline', '--offline from the cache', scanRun(etagServer, dir, cache, ['--offline']));
}
if (wanted('warm-max-age')) {
  const server = await startServer(COUNT, { cacheControl: 'max-age=600, public' });
  const cache = join(scratch, 'cache-max-age');
  await scanRun(server, dir, cache)();
  await scenario('warmMaxAge', 'warm, max-age=600 (no requests)', scanRun(server, dir, cache));
  await server.close();
}
if (wanted('startup')) {
  const node = await scenario('startupNode', 'node -e 0 (node itself)', () => measure(process.execPath, ['-e', '0'], { rusage: false }), { runs: RUNS * 2 });
  await scenario('startupVersion', 'pypy-ready --version', () => measure(process.execPath, [cli, '--version'], { rusage: false }), { runs: RUNS * 2 });
  await scenario('startupHelp', 'pypy-ready --help', () => measure(process.execPath, [cli, '--help'], { rusage: false }), { runs: RUNS * 2 });
  void node;
}
let pip = null;
if (wanted('pip')) {
  pip = await scenario('pip', "pip's dry run (no deps), same index", async () => {
    await etagServer.stats();
    const target = mkdtempSync(join(scratch, 'pip-target-'));
    const run = await measure('python3', [
      '-m', 'pip', 'install', '--dry-run', '--report', '-', '--no-deps', '--only-binary=:all:',
      '--implementation', 'pp', '--abi', 'pypy311_pp73', '--python-version', '3.11', '--platform', 'manylinux_2_17_x86_64',
      '--ignore-installed', '--target', target, '--no-cache-dir', '--disable-pip-version-check', '--quiet',
      '--index-url', etagServer.simpleUrl, '-r', join(dir, 'requirements.txt'),
    ], { rusage: false });
    const { requests } = await etagServer.stats();
    if (run.code !== 0) return { failure: `pip exit ${run.code}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}` };
    const installed = JSON.parse(run.stdout).install.length;
    if (installed !== COUNT) return { failure: `pip chose ${installed} of ${COUNT} packages` };
    return { ...run, requests };
  });
}
await etagServer.close();

if (wanted('large')) {
  const large = project(LARGE_COUNT);
  const server = await startServer(LARGE_COUNT);
  await scenario('large', `${LARGE_COUNT} packages, --concurrency 64`, scanRun(server, large, join(scratch, 'cache-large'), ['--concurrency', '64']), {
    prepare: () => rmSync(join(scratch, 'cache-large'), { recursive: true, force: true }),
  });
  await server.close();
}

const cold = results.figures.cold;
if (pip && cold?.wallMs) {
  results.pipRatio = Number((pip.wallMs.median / cold.wallMs.median).toFixed(1));
  console.log(`pip's dry run takes ${results.pipRatio}x as long as a cold pypy-ready scan (medians of wall time)`);
}
let pipVersion = null;
try {
  pipVersion = execFileSync('python3', ['-m', 'pip', '--version'], { encoding: 'utf8' }).trim().split(' from ')[0];
} catch {
  // no pip: its scenario failed above and says so
}
results.pip = pipVersion;
results.date = new Date().toISOString().slice(0, 10);
if (!only) writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
rmSync(scratch, { recursive: true, force: true });
