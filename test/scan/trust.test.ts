/**
 * The places where a scan used to mislead without saying so (issue 9), each driven through `scan()`
 * or the CLI against the local index over real HTTP, from the projects in fixtures/trust/. Every
 * expectation follows from pip's behaviour or the packaging standards, not from our own output.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import { renderText } from '../../src/report/text.js';
import { scan, type ScanOptions } from '../../src/scan/index.js';
import type { Finding, ScanResult } from '../../src/scan/types.js';
import { captureIO } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

const TRUST = resolve(REPO_ROOT, 'fixtures/trust');
const INDEX = loadFixtureDir(join(TRUST, 'index'));
let server: IndexServer;

beforeAll(async () => {
  server = await startIndexServer({
    packages: INDEX,
    // hidden-deps publishes a PEP 658 file that the index fails to serve, and no JSON API.
    faults: [{ kind: 'status', status: 500, path: /hidden_deps-1\.0-py3-none-any\.whl\.metadata$/ }],
  });
});
afterAll(async () => {
  await server.close();
});

function options(dir: string, extra: Partial<ScanOptions> = {}): ScanOptions {
  return { paths: ['.'], cwd: join(TRUST, dir), env: {}, index: { indexUrl: server.simpleUrl, cacheDir: null, netrc: false, retries: 0 }, ...extra };
}

function findingOf(result: ScanResult, name: string, targetPrefix: string, project?: string): Finding {
  const found = result.findings.find((f) => f.name === name && f.target.startsWith(`${targetPrefix}-`) && (project === undefined || f.project === project));
  if (!found) throw new Error(`no finding for ${name} on ${targetPrefix}: ${result.findings.map((f) => `${f.project}:${f.name}@${f.target}`).join(', ')}`);
  return found;
}

async function cli(args: string[], cwd: string) {
  const io = captureIO({ cwd });
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

describe('class 1: a lock file carries a graph, walked for the target', () => {
  let result: ScanResult;
  beforeAll(async () => {
    result = await scan(options('lock-uv', { targets: ['pypy3.11-7.3', 'cpython3.11'] }));
  });

  it('installs what the edges reach on PyPy, with the chain that brought each in', () => {
    expect(findingOf(result, 'psycopg', 'pypy3.11-7.3')).toMatchObject({ verdict: 'pure', version: '3.2.3', via: [] });
    expect(findingOf(result, 'httptools', 'pypy3.11-7.3')).toMatchObject({ verdict: 'pure', version: '0.6.4', via: ['uvicorn'] });
    expect(findingOf(result, 'h11', 'pypy3.11-7.3').via).toEqual(['uvicorn']);
  });

  it('gives no verdict on PyPy to packages reachable only through edges whose markers exclude it', () => {
    const onPypy = result.findings.filter((f) => f.target.startsWith('pypy3.11-7.3-')).map((f) => f.name);
    expect(onPypy).not.toContain('uvloop');
    expect(onPypy).not.toContain('psycopg-binary');
    expect(onPypy).not.toContain('colorama'); // sys_platform == 'win32'
    const hidden = result.notInstalled.filter((n) => n.target.startsWith('pypy3.11-7.3-')).map((n) => n.name).sort();
    expect(hidden).toEqual(['colorama', 'psycopg-binary', 'uvloop']);
  });

  it('installs them on CPython, where those markers hold (colorama still only on Windows)', () => {
    expect(findingOf(result, 'uvloop', 'cpython3.11')).toMatchObject({ verdict: 'native-wheel', version: '0.21.0', via: ['uvicorn'] });
    expect(findingOf(result, 'psycopg-binary', 'cpython3.11')).toMatchObject({ verdict: 'native-wheel', via: ['psycopg'] });
    expect(result.findings.some((f) => f.name === 'colorama')).toBe(false);
  });

  it('shows "not installed on this target, by marker" only with --verbose', () => {
    expect(renderText(result)).not.toMatch(/Not installed on this target/);
    expect(renderText(result, { verbose: true })).toMatch(/Not installed on this target, by marker \(\d+\):\n(.*\n)*\s+uvloop on pypy3\.11-7\.3/);
  });
});

describe('class 1 (poetry.lock): dependency markers and extras in the lock decide what installs', () => {
  let result: ScanResult;
  beforeAll(async () => {
    result = await scan(options('lock-poetry', { targets: ['pypy3.11-7.3', 'cpython3.11'] }));
  });

  it('leaves out psycopg-binary on PyPy, where its edge marker is false, and installs it on CPython', () => {
    expect(result.findings.some((f) => f.name === 'psycopg-binary' && f.target.startsWith('pypy3.11-7.3-'))).toBe(false);
    expect(result.notInstalled.map((n) => `${n.name}@${n.target.split('-')[0]}`).sort()).toEqual(['colorama@cpython3.11', 'colorama@pypy3.11', 'psycopg-binary@pypy3.11']);
    expect(findingOf(result, 'psycopg-binary', 'cpython3.11')).toMatchObject({ verdict: 'native-wheel', via: ['psycopg'] });
    expect(findingOf(result, 'psycopg', 'pypy3.11-7.3')).toMatchObject({ verdict: 'pure', version: '3.2.3' });
  });
});

describe('class 2: CPython baselines are judged as CPython', () => {
  let result: ScanResult;
  beforeAll(async () => {
    result = await scan(options('baseline', { targets: ['pypy3.11-7.3', 'cpython3.11'] }));
  });

  it('does not apply the PyPy knowledge base on CPython: psycopg2-binary is a native wheel there', () => {
    expect(findingOf(result, 'psycopg2-binary', 'pypy3.11-7.3').verdict).toBe('known-broken');
    const cpython = findingOf(result, 'psycopg2-binary', 'cpython3.11');
    expect(cpython).toMatchObject({ verdict: 'native-wheel', severity: 'ok', file: 'psycopg2_binary-2.9.10-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl' });
    expect(cpython.evidence.join('\n')).not.toMatch(/knowledge base/);
  });

  it('calls a compiled CPython wheel native, never pypy-wheel, and says nothing about cpyext', () => {
    const lxml = findingOf(result, 'lxml', 'cpython3.11');
    expect(lxml).toMatchObject({ verdict: 'native-wheel', file: 'lxml-6.0.0-cp311-cp311-manylinux_2_28_x86_64.whl' });
    for (const f of result.findings.filter((x) => x.target.startsWith('cpython3.11-'))) {
      expect(f.verdict, f.name).not.toBe('pypy-wheel');
      expect([...f.evidence, f.suggestion ?? ''].join('\n'), f.name).not.toMatch(/cpyext|PyPy/);
    }
    expect(findingOf(result, 'lxml', 'pypy3.11-7.3').verdict).toBe('pypy-wheel');
  });

  it('resolves cffi from the index on CPython (it is built into PyPy only)', () => {
    expect(findingOf(result, 'cffi', 'pypy3.11-7.3')).toMatchObject({ verdict: 'cffi', file: null });
    expect(findingOf(result, 'cffi', 'cpython3.11')).toMatchObject({ verdict: 'native-wheel', version: '1.17.1' });
  });
});

describe('class 3: each project of a monorepo is resolved on its own', () => {
  let result: ScanResult;
  beforeAll(async () => {
    server.requests.length = 0;
    result = await scan(options('monorepo', { targets: ['pypy3.11-7.3'] }));
  });

  it('lets a/ pin django<5 and b/ require django>=5.2, both fine', () => {
    expect(result.projects.sort()).toEqual(['a', 'b']);
    expect(findingOf(result, 'django', 'pypy3.11-7.3', 'a')).toMatchObject({ verdict: 'pure', version: '4.2.17', severity: 'ok' });
    expect(findingOf(result, 'django', 'pypy3.11-7.3', 'b')).toMatchObject({ verdict: 'pure', version: '5.2.9', severity: 'ok' });
  });

  it('fetches a package shared by both projects once', () => {
    expect(server.requests.filter((r) => r.path === '/simple/django/')).toHaveLength(1);
  });

  it('groups the text report by project', () => {
    const text = renderText(result);
    expect(text).toMatch(/^Project a \(1 package\(s\)\)$/m);
    expect(text).toMatch(/^Project b \(1 package\(s\)\)$/m);
    expect(text).toMatch(/in 2 projects/);
  });
});

describe('class 4: nothing unverified is fine', () => {
  let result: ScanResult;
  beforeAll(async () => {
    result = await scan(options('unchecked', { targets: ['pypy3.11-8.0'] }));
  });

  it('a package whose dependency metadata could not be fetched carries a warning', () => {
    const f = findingOf(result, 'hidden-deps', 'pypy3.11-8.0');
    expect(f.verdict).toBe('pure');
    expect(f.severity).toBe('warning');
    expect(f.unchecked.join('\n')).toMatch(/^dependencies not checked: .*HTTP 500/m);
  });

  it('a dependency whose marker cannot be evaluated is reported on its parent, not dropped silently', () => {
    const f = findingOf(result, 'odd-marker', 'pypy3.11-8.0');
    expect(f.severity).toBe('warning');
    expect(f.unchecked.join('\n')).toMatch(/dependency h11 not checked: its marker could not be evaluated/);
  });

  it('a root whose marker cannot be evaluated is assessed, and flagged as not fully checked', () => {
    const f = findingOf(result, 'click', 'pypy3.11-8.0');
    expect(f.severity).toBe('warning');
    expect(f.unchecked.join('\n')).toMatch(/marker could not be evaluated/);
    expect(findingOf(result, 'h11', 'pypy3.11-8.0')).toMatchObject({ severity: 'ok', unchecked: [] });
  });

  it('counts for --fail-on warning, and the summary says how many packages were not fully checked', async () => {
    expect(renderText(result)).toMatch(/^Summary .*; 3 package\(s\) not fully checked/m);
    const base = ['.', '--index-url', server.simpleUrl, '--no-cache', '--target', 'pypy3.11-8.0'];
    expect((await cli(base, join(TRUST, 'unchecked'))).code).toBe(0);
    expect((await cli([...base, '--fail-on', 'warning'], join(TRUST, 'unchecked'))).code).toBe(1);
  });
});

describe('class 5: exit codes tell the truth', () => {
  const base = (): string[] => ['.', '--index-url', server.simpleUrl, '--no-cache', '--target', 'pypy3.11-8.0'];

  it('a manifest that cannot be parsed: the report of everything else is printed, then exit 2', async () => {
    const { code, out, err } = await cli(base(), join(TRUST, 'broken-manifest'));
    expect(code).toBe(2);
    expect(out).toMatch(/click 8\.1\.7/);
    expect(out).toMatch(/h11 0\.14\.0/);
    expect(out).toMatch(/pyproject\.toml:\d+/);
    expect(err).toMatch(/manifest problem/);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
  });

  it('no manifest under a path: one line naming the path, exit 2', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'pypy-ready-empty-'));
    const { code, out, err } = await cli(base(), empty);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toMatch(/no Python manifest .* found under \./);
  });

  it('every package unknown because no index answered (refused connection): exit 3', async () => {
    const down = await startIndexServer({ packages: {} });
    const url = down.simpleUrl;
    await down.close();
    const { code, out, err } = await cli(['.', '--index-url', url, '--no-cache', '--target', 'pypy3.11-8.0', '--format', 'json'], join(TRUST, 'pip-options/plain'));
    expect(code).toBe(3);
    const report = JSON.parse(out) as ScanResult;
    expect(report.findings.every((f) => f.verdict === 'unknown')).toBe(true);
    expect(err).toMatch(/no index could be reached/);
  });
});

describe('class 6: index failover like pip', () => {
  it('skips an index that errors, with one warning naming it (redacted), and takes packages from the others', async () => {
    const broken = await startIndexServer({ packages: INDEX, faults: [{ kind: 'status', status: 503 }] });
    try {
      const primary = broken.simpleUrl.replace('http://', 'http://robot:s3cr3t-token@');
      const result = await scan({
        ...options('pip-options/plain', { targets: ['pypy3.11-8.0'] }),
        index: { indexUrl: primary, extraIndexUrls: [server.simpleUrl], cacheDir: null, netrc: false, retries: 0 },
      });
      expect(result.indexReachable).toBe(true);
      expect(findingOf(result, 'betalib', 'pypy3.11-8.0')).toMatchObject({ verdict: 'pure', version: '1.0' });
      const warnings = result.errors.filter((e) => e.kind === 'index');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.severity).toBe('warning');
      expect(warnings[0]!.message).toContain(new URL(broken.simpleUrl).host);
      expect(JSON.stringify(result)).not.toContain('s3cr3t-token');
      expect(warnings[0]!.message).not.toContain(new URL(server.simpleUrl).port);
    } finally {
      await broken.close();
    }
  });

  it('"no index could be reached" names only the indexes that failed', async () => {
    const down = await startIndexServer({ packages: {} });
    const url = down.simpleUrl;
    await down.close();
    const empty = await startIndexServer({ packages: {} });
    try {
      const answered = await scan({ ...options('pip-options/plain', { targets: ['pypy3.11-8.0'] }), index: { indexUrl: url, extraIndexUrls: [empty.simpleUrl], cacheDir: null, netrc: false, retries: 0 } });
      // The second index answered (404 for everything): the first is a warning, not "unreachable".
      expect(answered.indexReachable).toBe(true);
      expect(answered.errors.map((e) => e.message).join('\n')).not.toMatch(/no index could be reached/);
      const alone = await scan({ ...options('pip-options/plain', { targets: ['pypy3.11-8.0'] }), index: { indexUrl: url, cacheDir: null, netrc: false, retries: 0 } });
      const message = alone.errors.find((e) => e.kind === 'index')!.message;
      expect(message).toMatch(/^no index could be reached/);
      expect(message).toContain(new URL(url).host);
      expect(message).not.toContain(new URL(empty.simpleUrl).host);
    } finally {
      await empty.close();
    }
  });
});

describe('class 7: pip options in requirements files (and on the command line) change the answer', () => {
  const on = async (dir: string, args: string[] = []): Promise<ScanResult> => {
    const { out } = await cli(['.', '--index-url', server.simpleUrl, '--no-cache', '--target', 'pypy3.11-7.3', '--format', 'json', ...args], join(TRUST, dir));
    return JSON.parse(out) as ScanResult;
  };

  it('--only-binary :all: turns a compiled package without a PyPy wheel into no-distribution', async () => {
    expect(findingOf(await on('pip-options/plain'), 'ujson', 'pypy3.11-7.3').verdict).toBe('source-build');
    const ujson = findingOf(await on('pip-options/only-binary'), 'ujson', 'pypy3.11-7.3');
    expect(ujson).toMatchObject({ verdict: 'no-distribution', severity: 'error', file: null });
    expect(ujson.evidence.join('\n')).toMatch(/only-binary/);
    expect(findingOf(await on('pip-options/plain', ['--only-binary', ':all:']), 'ujson', 'pypy3.11-7.3').verdict).toBe('no-distribution');
  });

  it('--no-binary takes the sdist even where a PyPy wheel exists', async () => {
    expect(findingOf(await on('pip-options/plain'), 'wheelful', 'pypy3.11-7.3').verdict).toBe('pypy-wheel');
    expect(findingOf(await on('pip-options/no-binary'), 'wheelful', 'pypy3.11-7.3')).toMatchObject({ file: 'wheelful-1.0.tar.gz' });
    expect(findingOf(await on('pip-options/plain', ['--no-binary', 'wheelful']), 'wheelful', 'pypy3.11-7.3').file).toBe('wheelful-1.0.tar.gz');
  });

  it('--prefer-binary takes an older release with a wheel over a newer sdist-only one', async () => {
    expect(findingOf(await on('pip-options/plain'), 'buildonly', 'pypy3.11-7.3')).toMatchObject({ version: '2.0', verdict: 'source-build' });
    expect(findingOf(await on('pip-options/prefer-binary'), 'buildonly', 'pypy3.11-7.3')).toMatchObject({ version: '1.0', verdict: 'pure', file: 'buildonly-1.0-py3-none-any.whl' });
    expect(findingOf(await on('pip-options/plain', ['--prefer-binary']), 'buildonly', 'pypy3.11-7.3').version).toBe('1.0');
  });

  it('--pre admits pre-releases', async () => {
    expect(findingOf(await on('pip-options/plain'), 'betalib', 'pypy3.11-7.3').version).toBe('1.0');
    expect(findingOf(await on('pip-options/pre'), 'betalib', 'pypy3.11-7.3').version).toBe('2.0b1');
    expect(findingOf(await on('pip-options/plain', ['--pre']), 'betalib', 'pypy3.11-7.3').version).toBe('2.0b1');
  });
});

describe('class 8: yanked pins', () => {
  it('a release pinned exactly is installed even when yanked, reported as a warning with the reason', async () => {
    const result = await scan(options('yanked/pinned', { targets: ['pypy3.11-8.0'] }));
    const f = findingOf(result, 'yankable', 'pypy3.11-8.0');
    expect(f).toMatchObject({ version: '1.1', file: 'yankable-1.1-py3-none-any.whl', severity: 'warning' });
    expect(f.evidence.join('\n')).toMatch(/yanked \(broken build: imports fail\)/);
    expect(f.suggestion).toMatch(/yanked/);
  });

  it('an unpinned requirement never picks it', async () => {
    const result = await scan(options('yanked/unpinned', { targets: ['pypy3.11-8.0'] }));
    expect(findingOf(result, 'yankable', 'pypy3.11-8.0')).toMatchObject({ version: '1.0', severity: 'ok' });
  });
});

describe('class 12: Poetry optional dependencies belong to their extra; every finding names its group', () => {
  let result: ScanResult;
  beforeAll(async () => {
    result = await scan(options('poetry-optional', { targets: ['pypy3.11-8.0'] }));
  });

  it('puts an optional = true dependency in the extra that lists it, not in main', () => {
    expect(findingOf(result, 'psycopg2-binary', 'pypy3.11-8.0').groups).toEqual(['optional:pg']);
    expect(findingOf(result, 'django', 'pypy3.11-8.0').groups).toEqual(['main']);
    expect(findingOf(result, 'click', 'pypy3.11-8.0').groups).toEqual(['group:dev']);
  });

  it('shows the group in the text report', () => {
    expect(renderText(result)).toMatch(/^ {2}psycopg2-binary {2}\(pyproject\.toml:\d+, group optional:pg\)$/m);
  });
});
