/**
 * Lock files carry a graph (issue 9, class 1): `ManifestProject.lockGraphs`, the edges each lock
 * records, with their markers, extras and (for uv forks) versions, for the resolver to walk.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssue, loadManifests, sniffFormat, type LockEdge, type LockGraph, type LockNode, type ManifestProject } from '../../src/manifests/index.js';
import { parsePdmLock, parsePoetryLock, parseUvLock } from '../../src/manifests/locks.js';
import { corpusDir, fixturesDir } from './helpers.js';

async function load(dir: string): Promise<ManifestProject> {
  const abs = path.join(fixturesDir, 'lock-graph', dir);
  const [p] = await loadManifests([abs], { cwd: abs, env: {} });
  return p!;
}

function onlyGraph(p: ManifestProject): LockGraph {
  expect(p.lockGraphs).toHaveLength(1);
  return p.lockGraphs![0]!;
}

/** `name[extras] ==version ; marker`: every field of an edge, in one line. */
function edgeText(e: LockEdge): string {
  return `${e.name}${e.extras.length ? `[${e.extras.join(',')}]` : ''}${e.version ? ` ==${e.version}` : ''}${e.markerText ? ` ; ${e.markerText}` : ''}`;
}

/** Every edge of the graph as `node version [extra] -> edge`. */
function allEdges(g: LockGraph): string[] {
  return g.nodes.flatMap((n) => [
    ...n.dependencies.map((e) => `${n.name} ${n.version} -> ${edgeText(e)}`),
    ...Object.entries(n.optionalDependencies).flatMap(([extra, es]) => es.map((e) => `${n.name} ${n.version} [${extra}] -> ${edgeText(e)}`)),
  ]);
}

function node(g: LockGraph, name: string, version?: string): LockNode {
  const found = g.nodes.filter((n) => n.name === name && (version === undefined || n.version === version));
  expect(found, `${name} ${version ?? ''}`).toHaveLength(1);
  return found[0]!;
}

describe('uv.lock graph', async () => {
  const p = await load('uv');
  const g = onlyGraph(p);

  it('records every dependency and optional-dependency edge with its marker, extras and fork version', () => {
    expect(g).toMatchObject({ file: 'uv.lock', hasEdges: true });
    expect(allEdges(g)).toEqual([
      "click 8.1.8 -> colorama ; sys_platform == 'win32'",
      "psycopg 3.2.3 -> typing-extensions ; python_full_version < '3.13'",
      "psycopg 3.2.3 -> tzdata ; sys_platform == 'win32'",
      "psycopg 3.2.3 [binary] -> psycopg-binary ; implementation_name != 'pypy'",
      "pytest 8.3.4 -> colorama ; sys_platform == 'win32'",
      'pytest 8.3.4 -> iniconfig',
      'pytest 8.3.4 -> pluggy',
      'uvicorn 0.32.1 -> click',
      'uvicorn 0.32.1 -> h11',
      "uvicorn 0.32.1 -> typing-extensions ; python_full_version < '3.11'",
      "uvicorn 0.32.1 [standard] -> colorama ; sys_platform == 'win32'",
      'uvicorn 0.32.1 [standard] -> httptools',
      "uvicorn 0.32.1 [standard] -> uvloop ; sys_platform != 'win32' and platform_python_implementation != 'PyPy'",
      "webapp 0.1.0 -> numpy ==2.0.2 ; python_full_version < '3.10'",
      "webapp 0.1.0 -> numpy ==2.2.6 ; python_full_version >= '3.10'",
      'webapp 0.1.0 -> uvicorn[standard]',
      'webapp 0.1.0 [pg] -> psycopg[binary]',
    ]);
  });

  it('keeps each fork of a package as its own node, with resolution-markers as the node marker', () => {
    expect(g.nodes.filter((n) => n.name === 'numpy').map((n) => [n.version, n.markerText])).toEqual([
      ['2.0.2', "python_full_version < '3.10'"],
      ['2.2.6', "python_full_version >= '3.10'"],
    ]);
    expect(node(g, 'uvloop')).toEqual({ name: 'uvloop', version: '0.21.0', markerText: null, dependencies: [], optionalDependencies: {}, url: null, localPath: null });
  });

  it('takes the roots, with their groups, from the project entry (source editable "."), itself a node with its local path', () => {
    expect(g.roots).toEqual([
      { name: 'numpy', version: '2.0.2', markerText: "python_full_version < '3.10'", extras: [], group: 'main' },
      { name: 'numpy', version: '2.2.6', markerText: "python_full_version >= '3.10'", extras: [], group: 'main' },
      { name: 'uvicorn', version: null, markerText: null, extras: ['standard'], group: 'main' },
      { name: 'psycopg', version: null, markerText: null, extras: ['binary'], group: 'optional:pg' },
      { name: 'pytest', version: null, markerText: null, extras: [], group: 'group:dev' },
    ]);
    // The pyproject names the same groups for the same requirements.
    expect(p.requirements.filter((r) => r.direct).map((r) => [r.normalizedName, r.group])).toEqual([
      ['hatchling', 'build'],
      ['numpy', 'main'],
      ['uvicorn', 'main'],
      ['psycopg', 'optional:pg'],
      ['pytest', 'group:dev'],
    ]);
    expect(node(g, 'webapp')).toMatchObject({ version: '0.1.0', localPath: '.' });
    expect(p.issues).toEqual([]);
  });

  it('a virtual workspace root: the members and the root groups of [manifest] are the roots; members are nodes', async () => {
    const w = onlyGraph(await load('uv-workspace'));
    expect(w.roots).toEqual([
      { name: 'core', version: null, markerText: null, extras: [], group: 'main' },
      { name: 'worker', version: null, markerText: null, extras: [], group: 'main' },
      { name: 'pytest', version: null, markerText: null, extras: [], group: 'group:dev' },
    ]);
    expect(allEdges(w)).toEqual([
      'core 0.3.0 -> msgpack',
      'pytest 8.3.4 -> iniconfig',
      'worker 0.3.0 -> core',
      "worker 0.3.0 -> msgpack ; platform_python_implementation == 'CPython'",
    ]);
    expect(node(w, 'worker').localPath).toBe('packages/worker');
  });

  it('reports malformed edges with file:line and keeps the rest', () => {
    const text = [
      '[[package]]',
      'name = "a"',
      'version = "1"',
      'source = { registry = "https://pypi.org/simple" }',
      'dependencies = [',
      '    { marker = "os_name == \'nt\'" },',
      '    "b",',
      '    { name = "c", extra = ["x", 7] },',
      ']',
      '',
      '[package.optional-dependencies]',
      'y = "not an array"',
      '',
    ].join('\n');
    const r = parseUvLock(text, 'uv.lock');
    expect(r.graph.nodes[0]!.dependencies).toEqual([{ name: 'c', version: null, markerText: null, extras: ['x'] }]);
    expect(r.graph.nodes[0]!.optionalDependencies).toEqual({ y: [] });
    expect(r.issues.map(formatIssue)).toEqual([
      'uv.lock:6:5: warning: a 1: dependency entry without a name',
      'uv.lock:7:6: warning: a 1: dependency entry without a name',
      'uv.lock:12:6: warning: a 1 [y]: expected an array of dependency tables',
    ]);
  });
});

describe('poetry.lock graph', async () => {
  const p = await load('poetry');
  const g = onlyGraph(p);

  it('records constraint strings, tables and multiple-constraints arrays; optional dependencies only under the extras that list them', () => {
    expect(g).toMatchObject({ file: 'poetry.lock', hasEdges: true, roots: null });
    expect(allEdges(g)).toEqual([
      'exceptiongroup 1.2.2 -> typing-extensions ; python_version < "3.13"',
      'pandas 2.2.3 -> numpy ; python_version < "3.11"',
      'pandas 2.2.3 -> numpy ; python_version == "3.11"',
      'pandas 2.2.3 -> numpy ; python_version >= "3.12"',
      'pandas 2.2.3 -> python-dateutil',
      'pandas 2.2.3 -> pytz',
      'pandas 2.2.3 -> tzdata',
      'psycopg 3.2.3 -> typing-extensions ; python_version < "3.13"',
      'psycopg 3.2.3 -> tzdata ; sys_platform == "win32"',
      // Poetry 2 writes the extra into the marker; the resolver evaluates it with the extra requested.
      'psycopg 3.2.3 [binary] -> psycopg-binary ; implementation_name != "pypy" and extra == "binary"',
      'pytest 8.3.4 -> colorama ; sys_platform == "win32"',
      'pytest 8.3.4 -> exceptiongroup ; python_version < "3.11"',
      'pytest 8.3.4 -> iniconfig',
      'pytest 8.3.4 -> pluggy',
      'python-dateutil 2.9.0.post0 -> six',
    ]);
    // Extras nobody requested (psycopg c/pool/test, pandas performance/test) have no locked edges.
    expect(Object.keys(node(g, 'psycopg').optionalDependencies)).toEqual(['binary']);
    expect(node(g, 'pandas').optionalDependencies).toEqual({});
  });

  it('takes the node marker from `markers`, joining the per-group markers of Poetry 2', () => {
    expect(node(g, 'psycopg-binary').markerText).toBe('implementation_name != "pypy"');
    expect(node(g, 'typing-extensions').markerText).toBe('(python_version < "3.13") or (python_version < "3.11")');
    expect(node(g, 'pandas').markerText).toBeNull();
    expect(g.nodes.filter((n) => n.name === 'numpy').map((n) => n.markerText)).toEqual(['python_version < "3.10"', 'python_version >= "3.10"']);
  });

  it('an edge names the one locked version its constraint allows when the lock holds several; ambiguous stays null', () => {
    // pandas' numpy constraints (>=1.22.4 …) allow both locked versions: null, the node markers decide.
    expect(node(g, 'pandas').dependencies.filter((e) => e.name === 'numpy').map((e) => e.version)).toEqual([null, null, null]);
    const text = [
      '[[package]]', 'name = "numpy"', 'version = "1.26.4"', '',
      '[[package]]', 'name = "numpy"', 'version = "2.2.6"', '',
      '[[package]]', 'name = "scipy"', 'version = "1.13.1"', '',
      '[package.dependencies]',
      'numpy = [',
      '    {version = ">=1.22.4,<2.0", markers = "python_version < \\"3.10\\""},',
      '    {version = "^2.1", markers = "python_version >= \\"3.10\\""},',
      ']',
      '',
      '[package.extras]',
      'test = ["pytest"]',
      '',
      '[metadata]', 'lock-version = "2.0"', 'python-versions = ">=3.9"', '',
    ].join('\n');
    const r = parsePoetryLock(text, 'poetry.lock');
    expect(r.issues).toEqual([]);
    expect(r.graph.nodes[2]!.dependencies).toEqual([
      { name: 'numpy', version: '1.26.4', markerText: 'python_version < "3.10"', extras: [] },
      { name: 'numpy', version: '2.2.6', markerText: 'python_version >= "3.10"', extras: [] },
    ]);
  });

  it('old locks: `python`/`platform` keys become markers, optional tables without an extra marker still go to their extra', () => {
    const text = [
      '[[package]]', 'name = "requests"', 'version = "2.22.0"', 'category = "main"', 'optional = false', '',
      '[package.dependencies]',
      'chardet = ">=3.0.2,<3.1.0"',
      'pyOpenSSL = {version = ">=0.14", optional = true}',
      'win-inet-pton = {version = "*", optional = true, markers = "sys_platform == \\"win32\\" and python_version == \\"2.7\\""}',
      'PySocks = {version = ">=1.5.6,<1.5.7 || >1.5.7", optional = true}',
      'enum34 = {version = "*", python = "<3.4"}',
      'pywin32 = {version = "*", platform = "win32"}',
      'broken = 3',
      '',
      '[package.extras]',
      'security = ["pyOpenSSL (>=0.14)", "cryptography (>=1.3.4)"]',
      'socks = ["PySocks (>=1.5.6,!=1.5.7)", "win-inet-pton ; sys_platform == \\"win32\\" and python_version == \\"2.7\\""]',
      'bad = ["???"]',
      '',
    ].join('\n');
    const r = parsePoetryLock(text, 'poetry.lock');
    const g1 = r.graph;
    expect(allEdges(g1)).toEqual([
      'requests 2.22.0 -> chardet',
      'requests 2.22.0 -> enum34 ; python_version < "3.4"',
      'requests 2.22.0 -> pywin32 ; sys_platform == "win32"',
      'requests 2.22.0 [security] -> pyopenssl',
      'requests 2.22.0 [socks] -> pysocks',
      'requests 2.22.0 [socks] -> win-inet-pton ; sys_platform == "win32" and python_version == "2.7"',
    ]);
    expect(r.issues.map(formatIssue)).toEqual([
      'poetry.lock:14:10: warning: requests 2.22.0: dependency "broken" should be a constraint string or a table',
      'poetry.lock:19:9: warning: invalid requirement: expected a package name at column 1 of requirement "???"',
    ]);
  });
});

describe('pdm.lock graph', async () => {
  const p = await load('pdm');
  const g = onlyGraph(p);

  it('parses the PEP 508 strings and folds each `extras = [...]` entry into its package as optionalDependencies', () => {
    expect(g).toMatchObject({ file: 'pdm.lock', hasEdges: true, roots: null });
    // 26 [[package]] entries, 4 of them extras entries.
    expect(g.nodes).toHaveLength(22);
    expect(allEdges(g)).toEqual([
      'coverage 7.6.9 [toml] -> tomli ; python_full_version <= "3.11.0a6"',
      'httpcore 1.0.7 -> certifi',
      'httpcore 1.0.7 -> h11',
      'httpx 0.28.1 -> certifi',
      'httpx 0.28.1 -> httpcore',
      'httpx 0.28.1 -> idna',
      'httpx 0.28.1 [socks] -> socksio',
      'linkify-it-py 2.0.3 -> uc-micro-py',
      'markdown-it-py 3.0.0 -> mdurl',
      // One entry for [linkify,plugins] together: its edges go to each of the two extras.
      'markdown-it-py 3.0.0 [linkify] -> linkify-it-py',
      'markdown-it-py 3.0.0 [linkify] -> mdit-py-plugins',
      'markdown-it-py 3.0.0 [plugins] -> linkify-it-py',
      'markdown-it-py 3.0.0 [plugins] -> mdit-py-plugins',
      'mdit-py-plugins 0.4.2 -> markdown-it-py',
      'psycopg 3.2.3 -> typing-extensions ; python_version < "3.13"',
      'psycopg 3.2.3 -> tzdata ; sys_platform == "win32"',
      'psycopg 3.2.3 [binary] -> psycopg-binary ; implementation_name != "pypy"',
      'pytest 8.3.4 -> colorama ; sys_platform == "win32"',
      'pytest 8.3.4 -> iniconfig',
      'pytest 8.3.4 -> pluggy',
      'pytest 8.3.4 -> tomli ; python_version < "3.11"',
      'pytest-cov 6.0.0 -> coverage[toml]',
      'pytest-cov 6.0.0 -> pytest',
    ]);
    expect(node(g, 'psycopg-binary').markerText).toBe('implementation_name != "pypy"');
    expect(p.issues).toEqual([]);
  });

  it('an extras entry of its own wins over a combined one for that extra', () => {
    const entry = (extras: string, deps: string) => `[[package]]\nname = "m"\nversion = "1.0"\n${extras}dependencies = [${deps}]\n\n`;
    const text =
      entry('', '"base"') +
      entry('extras = ["a", "b"]\n', '"m==1.0", "from-a", "from-b"') +
      entry('extras = ["a"]\n', '"m==1.0", "from-a"') +
      entry('extras = ["c"]\n', '"m[a]==1.0", "from-c"');
    const r = parsePdmLock(text, 'pdm.lock');
    expect(r.issues).toEqual([]);
    expect(allEdges(r.graph)).toEqual([
      'm 1.0 -> base',
      'm 1.0 [a] -> from-a',
      // A self-reference with extras stays: `m[c]` also installs `m[a]`.
      'm 1.0 [c] -> m[a]',
      'm 1.0 [c] -> from-c',
      'm 1.0 [b] -> from-a',
      'm 1.0 [b] -> from-b',
    ]);
  });

  it('reports an invalid dependency string as a one-line warning with file:line and keeps the other edges', () => {
    const text = '[[package]]\nname = "a"\nversion = "1.0"\ndependencies = [\n    "b>=1",\n    "c (>=1",\n    "d; python_version >= \\"3.9\\"",\n]\n';
    const r = parsePdmLock(text, 'pdm.lock');
    expect(allEdges(r.graph)).toEqual(['a 1.0 -> b', 'a 1.0 -> d ; python_version >= "3.9"']);
    expect(r.issues).toHaveLength(1);
    expect(formatIssue(r.issues[0]!)).toMatch(/^pdm\.lock:6:\d+: warning: invalid requirement: [^\n]*"c \(>=1"/);
  });
});

describe('hostile locks', () => {
  it('thousands of versions of one name and thousands of edges to it: linear, versions left to the node markers', () => {
    const n = 3000;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(`[[package]]\nname = "a"\nversion = "1.${i}"\n`);
    for (let i = 0; i < n; i++) parts.push(`[[package]]\nname = "b${i}"\nversion = "1.0"\ndependencies = ["a==1.${i}"]\n`);
    const started = performance.now();
    const r = parsePdmLock(parts.join('\n'), 'pdm.lock');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(r.graph.nodes).toHaveLength(2 * n);
    expect(r.graph.nodes[n]!.dependencies).toEqual([{ name: 'a', version: null, markerText: null, extras: [] }]);
  });
});

describe('pylock.toml and Pipfile.lock record no edges', () => {
  it('pylock.toml: hasEdges false, every package a node with its own marker', async () => {
    const g = onlyGraph(await load('pylock'));
    expect(g).toMatchObject({ file: 'pylock.toml', hasEdges: false, roots: null });
    expect(g.nodes.map((n) => [n.name, n.version, n.markerText, n.dependencies.length])).toEqual([
      ['colorama', '0.4.6', "sys_platform == 'win32' and 'dev' in dependency_groups", 0],
      ['psycopg', '3.2.3', "'pg' in extras", 0],
      ['psycopg-binary', '3.2.3', "implementation_name != 'pypy' and 'pg' in extras", 0],
      ['tzdata', '2024.2', "sys_platform == 'win32' and 'pg' in extras", 0],
    ]);
  });

  it('Pipfile.lock: hasEdges false; a package in both default and develop is one node', async () => {
    const g = onlyGraph(await load('pipfile'));
    expect(g).toMatchObject({ file: 'Pipfile.lock', hasEdges: false, roots: null });
    expect(g.nodes.map((n) => [n.name, n.version, n.markerText])).toEqual([
      ['asgiref', '3.8.1', "python_version >= '3.8'"],
      ['django', '4.2.16', "python_version >= '3.8'"],
      ['sqlparse', '0.5.2', "python_version >= '3.8'"],
      ['tzdata', '2024.2', "sys_platform == 'win32'"],
      ['pytest', '8.3.4', "python_version >= '3.8'"],
      ['pytest-django', '4.9.0', "python_version >= '3.8'"],
    ]);
    expect(g.nodes.every((n) => n.dependencies.length === 0 && Object.keys(n.optionalDependencies).length === 0)).toBe(true);
  });
});

describe('lockGraphs on the project', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('is empty without a lock', async () => {
    const dir = path.join(fixturesDir, 'poetry-optional/pep621');
    const [p] = await loadManifests([dir], { cwd: dir, env: {} });
    expect(p!.lockGraphs).toEqual([]);
  });

  it('holds no graph for a lock that could not be read (syntax error), and says why with file:line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lock-graph-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'pyproject.toml'), '[project]\nname = "x"\ndependencies = ["a"]\n');
    writeFileSync(path.join(dir, 'uv.lock'), 'version = 1\n[[package]]\nname = "a"\nversion = \n');
    const [p] = await loadManifests([dir], { cwd: dir, env: {} });
    expect(p!.lockGraphs).toEqual([]);
    expect(p!.issues.map(formatIssue)).toEqual([expect.stringMatching(/^uv\.lock:4:\d+: TOML syntax error: /)]);
  });
});

// ------------------------------------------------------------------------------------------------
// The real-world corpus

const present = existsSync(corpusDir);
const LOCK_FORMATS = new Set(['uv-lock', 'poetry-lock', 'pdm-lock', 'pylock', 'pipfile-lock']);

function corpusLocks(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  return walk(corpusDir)
    .filter((f) => !/\.(md|rst|py|sh)$/.test(f))
    .filter((f) => LOCK_FORMATS.has(sniffFormat(f, readFileSync(f, 'utf8'))))
    .sort();
}

async function corpusGraph(rel: string): Promise<LockGraph> {
  const [p] = await loadManifests([path.join(corpusDir, rel)], { cwd: corpusDir, env: {} });
  return onlyGraph(p!);
}

describe.skipIf(!present)(`corpus lock graphs (${present ? corpusDir : 'skipped: ../shared/corpus is absent'})`, () => {
  it('every lock file: no crash, one-line issues with file:line, and every edge names a node of the same lock (exceptions listed)', async () => {
    const files = corpusLocks();
    expect(files.length).toBeGreaterThan(75);
    const dangling: string[] = [];
    let graphs = 0;
    for (const abs of files) {
      const rel = path.relative(corpusDir, abs).split(path.sep).join('/');
      const [p] = await loadManifests([abs], { cwd: corpusDir, env: {} });
      for (const issue of p!.issues) {
        expect(formatIssue(issue)).not.toMatch(/[\r\n]/);
        expect(formatIssue(issue).startsWith(`${rel}:${issue.line}`)).toBe(true);
      }
      for (const g of p!.lockGraphs ?? []) {
        graphs++;
        expect(g.file).toBe(rel);
        const names = new Set(g.nodes.map((n) => n.name));
        const check = (from: string, e: LockEdge): void => {
          if (!names.has(e.name)) dangling.push(`${rel}: ${from} -> ${edgeText(e)}`);
        };
        for (const n of g.nodes) {
          if (!g.hasEdges) expect(n.dependencies).toEqual([]);
          n.dependencies.forEach((e) => check(n.name, e));
          for (const [extra, es] of Object.entries(n.optionalDependencies)) es.forEach((e) => check(`${n.name}[${extra}]`, e));
        }
        for (const e of g.roots ?? []) check('(roots)', e);
      }
    }
    // dependabot's pipfile_files/unparseable.lock is not JSON: no graph.
    expect(graphs).toBe(files.length - 1);
    const dependabot = 'dependabot__dependabot-core/python/spec/fixtures/poetry_locks';
    expect(dangling).toEqual([
      // Old Poetry never locks setuptools (one of its "unsafe" packages).
      `${dependabot}/extras.lock: ipython -> setuptools`,
      `${dependabot}/file_dependency.lock: pytest -> setuptools`,
      // dependabot trimmed these fixtures by hand.
      `${dependabot}/git_dependency.lock: pytest -> atomicwrites`,
      `${dependabot}/git_dependency.lock: pytest -> attrs`,
      `${dependabot}/git_dependency.lock: pytest -> more-itertools`,
      `${dependabot}/poetry_v2_hybrid.lock: click -> colorama ; platform_system == "Windows"`,
      `${dependabot}/poetry_v2_package_mode_false.lock: click -> colorama ; platform_system == "Windows"`,
      `${dependabot}/poetry_v2_requires_plugins.lock: click -> colorama ; platform_system == "Windows"`,
      `${dependabot}/poetry_v2_requires_poetry.lock: click -> colorama ; platform_system == "Windows"`,
      `${dependabot}/version_not_specified.lock: pytest -> more-itertools`,
      `${dependabot}/version_not_specified.lock: pytest -> py`,
      // pdm keeps edges whose marker excludes the lock's Python range, and locks nothing for them.
      'pdm-project__pdm/@03eeec165f/pdm.lock: griffe -> cached-property ; python_version < "3.8"',
      'pdm-project__pdm/@03eeec165f/pdm.lock: wcwidth -> backports-functools-lru-cache ; python_version < "3.2"',
      'pdm-project__pdm/pdm.lock: towncrier -> importlib-resources ; python_version < "3.10"',
      'pdm-project__pdm/tests/fixtures/projects/demo/pdm.lock: pytest -> argparse ; python_version == "2.6"',
      'pdm-project__pdm/tests/fixtures/projects/demo/pdm.lock: pytest -> ordereddict ; python_version == "2.6"',
      'pydantic__pydantic/@71c087cb86/pdm.lock: asttokens -> typing ; python_version < "3.5"',
      // The lock of pydantic itself: pdm does not write the project as a package.
      'pydantic__pydantic/@71c087cb86/pdm.lock: pydantic-extra-types -> pydantic',
      'pydantic__pydantic/@71c087cb86/pdm.lock: pydantic-settings -> pydantic',
      'pydantic__pydantic/@71c087cb86/pdm.lock: pytest-benchmark -> pathlib2 ; python_version < "3.4"',
      'pydantic__pydantic/@71c087cb86/pdm.lock: pytest-benchmark -> statistics ; python_version < "3.4"',
    ]);
  });

  it('0b01001001__spectree/uv.lock: counts taken with grep/awk', async () => {
    const g = await corpusGraph('0b01001001__spectree/uv.lock');
    // grep -c '^\[\[package\]\]' = 80, the project's own entry included.
    expect(g.nodes).toHaveLength(80);
    // awk: `{ name = ` lines inside top-level `dependencies = [` arrays = 153; in [package.optional-dependencies] = 10.
    expect(g.nodes.reduce((n, x) => n + x.dependencies.length, 0)).toBe(153);
    expect(g.nodes.reduce((n, x) => n + Object.values(x.optionalDependencies).flat().length, 0)).toBe(10);
    // The spectree entry (line 1059): 1 dependency, 5 optional (one per extra), dev 7 + docs 7.
    expect(g.roots!.map((r) => r.group).reduce<Record<string, number>>((acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }), {})).toEqual({
      main: 1,
      'optional:falcon': 1,
      'optional:flask': 1,
      'optional:offline': 1,
      'optional:quart': 1,
      'optional:starlette': 1,
      'group:dev': 7,
      'group:docs': 7,
    });
    // Lines 1093-1098: the docs group names one version of each fork.
    expect(g.roots!.filter((r) => r.name === 'sphinx').map((r) => [r.version, r.markerText])).toEqual([
      ['7.4.7', "python_full_version < '3.10'"],
      ['8.1.3', "python_full_version == '3.10.*'"],
      ['8.2.3', "python_full_version >= '3.11'"],
    ]);
    expect(node(g, 'starlette').optionalDependencies.full!.map((e) => e.name)).toEqual(['httpx', 'itsdangerous', 'jinja2', 'python-multipart', 'pyyaml']);
  });

  it('mdn__kuma/poetry.lock: counts taken with grep/awk', async () => {
    const g = await corpusGraph('mdn__kuma/poetry.lock');
    // grep -c '^\[\[package\]\]' = 101; awk: 101 lines in [package.dependencies] sections, one of
    // them `tomli = {…, optional = true, markers = "extra == \"toml\""}` under coverage.
    expect(g.nodes).toHaveLength(101);
    expect(g.nodes.reduce((n, x) => n + x.dependencies.length, 0)).toBe(100);
    expect(node(g, 'coverage').optionalDependencies).toEqual({ toml: [{ name: 'tomli', version: null, markerText: 'extra == "toml"', extras: [] }] });
    expect(g.nodes.filter((n) => n !== node(g, 'coverage')).every((n) => Object.keys(n.optionalDependencies).length === 0)).toBe(true);
  });
});
