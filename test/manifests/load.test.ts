import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverManifests, formatIssue, loadManifests, ManifestPathError } from '../../src/manifests/index.js';
import { repoRoot } from './helpers.js';

const F = 'fixtures/manifests';

describe('loadManifests: a lock and the manifest it locks are one project', () => {
  it('uv: the lock version wins, the root package is left out, the rest is transitive', async () => {
    const [p, ...rest] = await loadManifests([`${F}/pyproject/uv`], { cwd: repoRoot });
    expect(rest).toEqual([]);
    expect(p!.root).toBe(`${F}/pyproject/uv`);
    expect(p!.manifests).toEqual([`${F}/pyproject/uv/pyproject.toml`, `${F}/pyproject/uv/uv.lock`]);
    const django = p!.requirements.find((r) => r.name === 'django')!;
    expect(django).toMatchObject({ specifier: '>=4.2,<5', lockedVersion: '4.2.16', direct: true });
    expect(django.location.file).toBe(`${F}/pyproject/uv/pyproject.toml`);
    expect(django.lockFiles?.[0]?.filename).toBe('Django-4.2.16-py3-none-any.whl');
    const asgiref = p!.requirements.find((r) => r.name === 'asgiref')!;
    expect(asgiref).toMatchObject({ direct: false, lockedVersion: '3.8.1', pinnedVersion: '3.8.1', specifier: '==3.8.1' });
    expect(asgiref.location).toMatchObject({ file: `${F}/pyproject/uv/uv.lock`, line: 15 });
    expect(p!.requirements.some((r) => r.normalizedName === 'demo-app')).toBe(false);
    expect(p!.requirements.find((r) => r.name === 'lxml')!.lockedVersion).toBeNull();
    expect(p!.requiresPython).toBe('>=3.9');
  });

  it('poetry: locked versions on declared dependencies, lock-only packages transitive', async () => {
    const [p] = await loadManifests([`${F}/pyproject/poetry`], { cwd: repoRoot });
    expect(p!.requirements.find((r) => r.name === 'requests')).toMatchObject({ lockedVersion: '2.32.3', direct: true });
    expect(p!.requirements.find((r) => r.name === 'idna')).toMatchObject({ lockedVersion: '3.7', direct: false, markerText: 'python_version >= "3.10"' });
  });

  it('pipenv: Pipfile.lock pairs with Pipfile', async () => {
    const [p] = await loadManifests([`${F}/pipfile`], { cwd: repoRoot });
    expect(p!.requirements.find((r) => r.name === 'django')).toMatchObject({ lockedVersion: '4.2.7', direct: true, group: 'main' });
    expect(p!.requirements.find((r) => r.name === 'sqlparse')).toMatchObject({ lockedVersion: '0.5.1', direct: false });
    expect(p!.requirements.find((r) => r.name === 'pytest' && r.group === 'dev')!.lockedVersion).toBe('8.3.3');
    expect(p!.requiresPython).toBe('==3.11.*');
  });

  it('a lock given alone stands for the project', async () => {
    const [p] = await loadManifests([`${F}/pylock/pylock.toml`], { cwd: repoRoot });
    expect(p!.requirements.map((r) => [r.name, r.lockedVersion, r.direct])).toEqual([['attrs', '25.1.0', true], ['colorama', '0.4.6', true]]);
  });
});

describe('loadManifests: requirements includes', () => {
  it('follows -r and -c, reports the cycle and the missing file, and reads everything else', async () => {
    const [p] = await loadManifests([`${F}/requirements/includes/requirements.txt`], { cwd: repoRoot });
    const d = `${F}/requirements/includes`;
    // The including file's own requirements first, then each include in the order written.
    expect(p!.requirements.map((r) => [r.name, r.kind, r.location.file])).toEqual([
      ['flask', 'requirement', `${d}/requirements.txt`],
      ['six', 'requirement', `${d}/base.txt`],
      ['urllib3', 'constraint', `${d}/constraints.txt`],
    ]);
    expect(p!.requirements).toHaveLength(3);
    expect(p!.issues.map(formatIssue)).toEqual([
      `${d}/base.txt:2:4: include cycle: ${d}/requirements.txt -> ${d}/base.txt -> ${d}/requirements.txt`,
      `${d}/requirements.txt:3:4: included file "missing.txt" not found`,
    ]);
    expect(p!.manifests).toEqual([`${d}/requirements.txt`, `${d}/base.txt`, `${d}/constraints.txt`]);
  });
});

describe('loadManifests: malformed input never stops the scan', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pypy-ready-manifests-'));
    writeFileSync(path.join(dir, 'pyproject.toml'), '[project]\ndependencies = ["a",\nname = 1\n');
    // Binary garbage: every byte value, NULs included.
    writeFileSync(path.join(dir, 'requirements.txt'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131) % 256)));
    // 50 MB of valid-looking lines: refused by size before anything is read.
    writeFileSync(path.join(dir, 'requirements-big.txt'), Buffer.alloc(50 * 1024 * 1024, 'requests==2.0\n'));
    writeFileSync(path.join(dir, 'requirements-dev.txt'), 'pytest>=8\nnot valid ===\n-r requirements-dev.txt\n');
    writeFileSync(path.join(dir, 'setup.cfg'), '[options]\ninstall_requires =\n    click>=8\n');
    writeFileSync(path.join(dir, 'requirements-latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x3d, 0x3d, 0x31, 0x0a]));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports each broken file in one line with file:line and still reads the good ones', async () => {
    const [p] = await loadManifests([dir], { cwd: dir });
    expect(p!.requirements.map((r) => `${r.location.file}:${r.name}`).sort()).toEqual(['requirements-dev.txt:pytest', 'setup.cfg:click']);
    const lines = p!.issues.map(formatIssue);
    for (const l of lines) {
      expect(l).not.toContain('\n');
      expect(l).toMatch(/^[^:]+:\d+(:\d+)?: /);
      expect(l).not.toMatch(/\bat \S+\.(ts|js):\d+/); // no stack frames
    }
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^pyproject\.toml:3:\d+: TOML syntax error: /),
      'requirements.txt:1: binary content (NUL byte), not a text manifest',
      'requirements-big.txt:1: file is 50 MB, over the 5 MB limit for a manifest; skipped',
      expect.stringMatching(/^requirements-dev\.txt:2:\d+: invalid requirement: /),
      expect.stringMatching(/^requirements-dev\.txt:3:4: include cycle: requirements-dev\.txt -> requirements-dev\.txt$/),
      expect.stringMatching(/^requirements-latin1\.txt:1: not valid UTF-8 text/),
    ]));
    expect(lines).toHaveLength(6);
  });

  it('honours a smaller maxFileBytes', async () => {
    const [p] = await loadManifests([path.join(dir, 'setup.cfg')], { cwd: dir, maxFileBytes: 10 });
    expect(p!.requirements).toEqual([]);
    expect(formatIssue(p!.issues[0]!)).toBe('setup.cfg:1: file is 42 bytes, over the 10 bytes limit for a manifest; skipped');
  });

  it('throws a typed error for a path that does not exist', async () => {
    await expect(loadManifests(['nope/nothing'], { cwd: dir })).rejects.toBeInstanceOf(ManifestPathError);
  });
});

describe('discovery', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pypy-ready-discovery-'));
    const files = [
      'requirements.txt', 'requirements-dev.in', 'base_requirements.txt', 'requirements/prod.txt', 'requirements/extras/a.in',
      'pyproject.toml', 'uv.lock', 'pylock.dev.toml', 'Pipfile', 'Pipfile.lock', 'setup.cfg', 'hatch.toml', 'poetry.lock', 'pdm.lock',
      'sub/pyproject.toml', 'notes.txt',
      '.venv/pyvenv.cfg', '.venv/lib/requirements.txt', 'env2/pyvenv.cfg', 'env2/requirements.txt',
      'node_modules/x/requirements.txt', '.tox/py/requirements.txt', '.git/requirements.txt',
    ];
    for (const f of files) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), '');
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds every manifest kind and skips virtualenvs, node_modules, .tox and .git', async () => {
    const found = await discoverManifests(dir);
    const rel = found.map((m) => [path.relative(dir, m.file).split(path.sep).join('/'), m.format, path.relative(dir, m.root) || '.']);
    expect(rel.sort()).toEqual([
      ['Pipfile', 'pipfile', '.'],
      ['Pipfile.lock', 'pipfile-lock', '.'],
      ['base_requirements.txt', 'requirements', '.'],
      ['hatch.toml', 'hatch', '.'],
      ['pdm.lock', 'pdm-lock', '.'],
      ['poetry.lock', 'poetry-lock', '.'],
      ['pylock.dev.toml', 'pylock', '.'],
      ['pyproject.toml', 'pyproject', '.'],
      ['requirements-dev.in', 'requirements', '.'],
      ['requirements.txt', 'requirements', '.'],
      ['requirements/extras/a.in', 'requirements', '.'],
      ['requirements/prod.txt', 'requirements', '.'],
      ['setup.cfg', 'setup-cfg', '.'],
      ['sub/pyproject.toml', 'pyproject', 'sub'],
      ['uv.lock', 'uv-lock', '.'],
    ]);
  });
});

describe('loadManifests: a walk that reaches its bound says so', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pypy-ready-bound-'));
    writeFileSync(path.join(dir, 'requirements.txt'), 'django\n');
    // Sorted walk: requirements.txt first, then x00/ … x19/, then zz/, whose manifest lies past a 10-directory bound.
    for (let i = 0; i < 20; i++) mkdirSync(path.join(dir, `x${String(i).padStart(2, '0')}`));
    mkdirSync(path.join(dir, 'zz'));
    writeFileSync(path.join(dir, 'zz', 'requirements.txt'), 'flask\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps what it found and adds a one-line error naming the folder, never a silent partial scan', async () => {
    const projects = await loadManifests(['.'], { cwd: dir, maxDirectories: 10 });
    expect(projects.map((p) => p.root)).toEqual(['.']);
    expect(projects[0]!.requirements.map((r) => r.normalizedName)).toEqual(['django']);
    expect(projects[0]!.issues.map(formatIssue)).toEqual([
      '.:1: stopped looking for manifests after 10 directories under .: the rest of the tree was not read (name the project folders, or leave parts out with --exclude)',
    ]);
    expect(projects[0]!.issues[0]!.severity).toBe('error');
    // Within the bound, both projects and no issue.
    const all = await loadManifests(['.'], { cwd: dir });
    expect(all.map((p) => [p.root, p.issues.length])).toEqual([['.', 0], ['zz', 0]]);
  });

  it('is a path error when nothing was found before the bound', async () => {
    await expect(loadManifests(['.'], { cwd: path.join(dir, 'zz'), maxFiles: 0 })).rejects.toThrow(ManifestPathError);
    await expect(loadManifests(['.'], { cwd: path.join(dir, 'zz'), maxFiles: 0 })).rejects.toThrow(/^stopped looking for manifests after 0 manifests under \.: /);
  });
});
