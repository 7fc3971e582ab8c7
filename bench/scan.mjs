// Benchmark: a whole scan of a project with many dependencies against the local index over real
// HTTP, cold (no cache) and warm (revalidated cache). Prints figures; asserts nothing.
//   npm run bench -- [packages=300] [latencyMs=20]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startIndexServer } from '../dist/devserver/index-server.js';
import { scan } from '../dist/index.js';
import { IndexClient } from '../dist/pypi/client.js';

const count = Number(process.argv[2] ?? 300);
const latencyMs = Number(process.argv[3] ?? 20);

// Synthetic but realistic listings: a mix of pure, PyPy-wheel, CPython-only and sdist-only packages,
// each with three releases and a few dependencies on other packages of the set.
const packages = {};
for (let i = 0; i < count; i++) {
  const name = `pkg${i}`;
  const versions = {};
  for (const minor of [0, 1, 2]) {
    const v = `1.${minor}.0`;
    const kind = i % 4;
    const files =
      kind === 0
        ? [`${name}-${v}-py3-none-any.whl`, `${name}-${v}.tar.gz`]
        : kind === 1
          ? [`${name}-${v}-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`, `${name}-${v}-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`, `${name}-${v}-pp311-pypy311_pp73-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`, `${name}-${v}.tar.gz`]
          : kind === 2
            ? [`${name}-${v}-cp311-cp311-manylinux_2_28_x86_64.whl`, `${name}-${v}-cp39-abi3-manylinux_2_28_x86_64.whl`, `${name}-${v}.tar.gz`]
            : [`${name}-${v}.tar.gz`];
    versions[v] = { requiresPython: '>=3.9', files, requiresDist: i + 1 < count && i % 3 === 0 ? [`pkg${i + 1}>=1.0`] : [] };
  }
  packages[name] = { versions };
}

const project = mkdtempSync(join(tmpdir(), 'pypy-ready-bench-'));
writeFileSync(join(project, 'requirements.txt'), Array.from({ length: count }, (_, i) => `pkg${i}>=1.0\n`).join(''));
const cacheDir = mkdtempSync(join(tmpdir(), 'pypy-ready-bench-cache-'));

const server = await startIndexServer({ packages, faults: latencyMs > 0 ? [{ kind: 'latency', ms: latencyMs }] : [] });
async function run(label, cache) {
  const client = new IndexClient({ indexUrl: server.simpleUrl, cacheDir: cache, env: {} });
  server.resetLog();
  const start = performance.now();
  const result = await scan({ paths: [project], cwd: project, env: {}, client });
  const ms = performance.now() - start;
  const stats = client.stats();
  await client.close();
  console.log(
    `${label.padEnd(28)} ${ms.toFixed(0).padStart(6)} ms  ${result.findings.length} findings (${new Set(result.findings.map((f) => f.name)).size} packages x ${result.targets.length} targets)  ` +
      `${server.requests.length} HTTP requests, max in flight ${server.maxInFlight()}, cache hits ${stats.cacheHits}, revalidated ${stats.revalidated}`,
  );
}

console.log(`pypy-ready scan benchmark: ${count} direct dependencies, ${latencyMs} ms server latency per request, Node ${process.version}`);
await run('cold, no cache', null);
await run('cold, filling the cache', cacheDir);
await run('warm, revalidating cache', cacheDir);
await server.close();
