/**
 * Issue 10, defects 8 and 10: the format of a file is decided by its name, content sniffing is
 * said out loud, a manifest that yields nothing from content it does not understand is an error,
 * and a symlink loop is reported as one (not as "path not found").
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIssue, formatOfContent, formatOfPath, loadManifests, ManifestPathError, parseManifest, type ManifestFormat } from '../../src/manifests/index.js';

let dir: string;
const write = (rel: string, text: string): string => {
  const abs = path.join(dir, rel);
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, text);
  return abs;
};
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pypy-ready-formats-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PYPROJECT_WITH_PACKAGE = '[project]\nname = "app"\ndependencies = ["requests>=2"]\n\n[[package]]\ninclude = "src"\n';

describe('defect 8: the format comes from the file name', () => {
  it.each<[string, ManifestFormat | null]>([
    ['requirements-dev.txt', 'requirements'],
    ['constraints.txt', 'requirements'],
    ['base.in', 'requirements'],
    ['setup.cfg', 'setup-cfg'],
    ['tox.cfg', 'setup-cfg'],
    ['uv.lock', 'uv-lock'],
    ['pylock.dev.toml', 'pylock'],
    ['app.toml', null],
    ['deps', null],
    ['custom.lock', null],
  ])('%s -> %s', (name, format) => {
    expect(formatOfPath(`some/dir/${name}`)).toBe(format);
  });

  it('a .txt with a [section] line is a requirements file, not TOML: the good line is read, the section line is an error', async () => {
    const file = write('txt-section/constraints.txt', '[packages]\nrequests==2.31.0\n');
    const [p] = await loadManifests([file], { cwd: dir });
    expect(p!.requirements.map((r) => [r.name, r.location.line])).toEqual([['requests', 2]]);
    expect(p!.issues.map(formatIssue)).toEqual([expect.stringMatching(/^txt-section\/constraints\.txt:1:\d+: invalid requirement: /)]);
  });

  it('a pyproject-shaped file with a [[package]] table, named explicitly, is read as a pyproject.toml and says so', async () => {
    const file = write('explicit/app.toml', PYPROJECT_WITH_PACKAGE);
    const [p] = await loadManifests([file], { cwd: dir });
    expect(p!.requirements.map((r) => r.name)).toEqual(['requests']);
    expect(p!.issues.map(formatIssue)).toEqual(['explicit/app.toml:1: warning: "app.toml" is not a manifest name: read as a pyproject.toml, from its content']);
  });

  it('content sniffing: lock evidence wins, then pyproject tables, then [[package]] alone', () => {
    expect(formatOfContent(PYPROJECT_WITH_PACKAGE)).toBe('pyproject');
    expect(formatOfContent('[[package]]\nname = "a"\nversion = "1"\n\n[metadata]\nlock-version = "2.0"\ncontent-hash = "x"\n')).toBe('poetry-lock');
    expect(formatOfContent('version = 1\nrevision = 2\n\n[[package]]\nname = "a"\n')).toBe('uv-lock');
    expect(formatOfContent('[tool.poetry]\nname = "x"\n[[package]]\nname = "a"\n[metadata]\ncontent-hash = "x"\n')).toBe('poetry-lock');
    expect(formatOfContent('[[package]]\nname = "a"\n')).toBe('poetry-lock');
    expect(formatOfContent('lock-version = "1.0"\n[[packages]]\nname = "a"\n')).toBe('pylock');
    expect(formatOfContent('[[source]]\nurl = "https://pypi.org/simple"\n[packages]\nrequests = "*"\n')).toBe('pipfile');
    expect(formatOfContent('requests==2\n')).toBe('requirements');
    expect(formatOfContent(`${'\n'.repeat(10_000)}  [project]\n`)).toBe('pyproject');
  });

  it('a file whose name says nothing and whose content is a requirements file: read, with the warning', async () => {
    const file = write('explicit/deps', 'flask\n');
    const [p] = await loadManifests([file], { cwd: dir });
    expect(p!.requirements.map((r) => r.name)).toEqual(['flask']);
    expect(p!.issues.map(formatIssue)).toEqual(['explicit/deps:1: warning: "deps" is not a manifest name: read as a requirements file, from its content']);
  });
});

describe('defect 8: a manifest that yields nothing from content it does not understand is an error', () => {
  it.each<[string, ManifestFormat, string, RegExp]>([
    ['pyproject.toml', 'pyproject', '[[package]]\nname = "a"\nversion = "1"\n', /^pyproject\.toml:1: nothing read as a pyproject\.toml: only \[package\], /],
    ['pyproject.toml', 'pyproject', '# a table of something else\n[section]\nkey = 1\n', /^pyproject\.toml:2: nothing read as a pyproject\.toml: only \[section\], /],
    ['Pipfile', 'pipfile', 'python = "3.11"\n', /^Pipfile:1: nothing read as a Pipfile: only python, /],
    ['uv.lock', 'uv-lock', '[project]\ndependencies = ["a"]\n', /^uv\.lock:1: nothing read as a uv\.lock: only \[project\], /],
    ['poetry.lock', 'poetry-lock', '[tool.poetry]\nname = "x"\n', /^poetry\.lock:1: nothing read as a poetry\.lock: only \[tool\], /],
    ['pylock.toml', 'pylock', '[[package]]\nname = "a"\n', /^pylock\.toml:1: nothing read as a pylock\.toml: only \[package\], /],
    // Every section of a Pipfile.lock is a category: one that is not an object is already an error.
    ['Pipfile.lock', 'pipfile-lock', '{"somethingElse": 1}\n', /^Pipfile\.lock:1: section "somethingElse" should be an object$/],
    ['setup.cfg', 'setup-cfg', 'install_requires = requests\n', /^setup\.cfg:1: nothing read as a setup\.cfg: only lines outside any \[section\], /],
    ['requirements.txt', 'requirements', '# pip options\n--frobnicate\n--no-such-option=1\n', /^requirements\.txt:2: nothing read as a requirements file: only 2 lines with unknown options, /],
  ])('%s holding only unknown content (%s)', (file, format, text, error) => {
    const r = parseManifest(text, file, format);
    expect(r.requirements).toEqual([]);
    const errors = r.issues.filter((i) => i.severity === 'error');
    expect(errors.map(formatIssue)).toEqual([expect.stringMatching(error)]);
  });

  it.each<[string, ManifestFormat, string]>([
    ['pyproject.toml', 'pyproject', '[build-system]\nrequires = []\n'],
    ['pyproject.toml', 'pyproject', '[tool.black]\nline-length = 100\n'],
    ['pyproject.toml', 'pyproject', ''],
    ['pyproject.toml', 'pyproject', '# nothing yet\n'],
    ['Pipfile', 'pipfile', '[packages]\n'],
    ['uv.lock', 'uv-lock', 'version = 1\nrequires-python = ">=3.9"\n'],
    ['setup.cfg', 'setup-cfg', '[flake8]\nmax-line-length = 100\n'],
    ['requirements.txt', 'requirements', '# only comments\n\n'],
    ['requirements.txt', 'requirements', '--index-url https://example.org/simple\n'],
    ['Pipfile.lock', 'pipfile-lock', '{"_meta": {}, "default": {}, "develop": {}}\n'],
  ])('%s with nothing to declare is fine (%j)', (file, format, text) => {
    const r = parseManifest(text, file, format);
    expect(r.issues).toEqual([]);
  });

  it('the scan exits 2 on it: the issue is an error of the project', async () => {
    const file = write('unknown-only/pyproject.toml', '[[package]]\nname = "a"\n');
    const [p] = await loadManifests([path.dirname(file)], { cwd: dir });
    expect(p!.issues.map(formatIssue)).toEqual([
      'unknown-only/pyproject.toml:1: nothing read as a pyproject.toml: only [package], which a pyproject.toml does not hold (no requirements, includes or options)',
    ]);
    expect(p!.issues[0]!.severity).toBe('error');
  });
});

describe('defect 10: symlink loops', () => {
  let loopDir: string;
  beforeAll(() => {
    loopDir = path.join(dir, 'loops');
    mkdirSync(loopDir, { recursive: true });
    symlinkSync('b', path.join(loopDir, 'a'));
    symlinkSync('a', path.join(loopDir, 'b'));
    // A project whose requirements.txt is a loop, and one whose include is.
    mkdirSync(path.join(loopDir, 'project'));
    symlinkSync('requirements.txt', path.join(loopDir, 'project', 'requirements.txt'));
    mkdirSync(path.join(loopDir, 'includes'));
    writeFileSync(path.join(loopDir, 'includes', 'requirements.txt'), 'flask\n-r loop.txt\n');
    symlinkSync('loop.txt', path.join(loopDir, 'includes', 'loop.txt'));
    symlinkSync('missing-target.txt', path.join(loopDir, 'dangling.txt'));
  });

  it('a path given on the command line: ManifestPathError "symlink loop"', async () => {
    const error = await loadManifests([path.join(loopDir, 'a')], { cwd: loopDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestPathError);
    expect((error as Error).message).toBe(`symlink loop: ${path.join(loopDir, 'a')}`);
  });

  it('a missing path is still "path not found", and a dangling symlink says so', async () => {
    await expect(loadManifests(['nope.txt'], { cwd: loopDir })).rejects.toThrow('path not found: nope.txt');
    await expect(loadManifests(['dangling.txt'], { cwd: loopDir })).rejects.toThrow('broken symlink (its target does not exist): dangling.txt');
  });

  it('a manifest found in a directory that is a symlink loop: an issue naming the loop', async () => {
    const [p] = await loadManifests([path.join(loopDir, 'project')], { cwd: loopDir });
    expect(p!.issues.map(formatIssue)).toEqual(['project/requirements.txt:1: symlink loop (ELOOP): cannot read file']);
  });

  it('an include that is a symlink loop: an issue at the -r line naming the loop', async () => {
    const [p] = await loadManifests([path.join(loopDir, 'includes', 'requirements.txt')], { cwd: loopDir });
    expect(p!.requirements.map((r) => r.name)).toEqual(['flask']);
    expect(p!.issues.map(formatIssue)).toEqual(['includes/requirements.txt:2:4: included file "loop.txt" is a symlink loop']);
  });
});

describe('setup.cfg `file:` includes through loadManifests', () => {
  it('are followed (they threw "Cannot access \'parsed\' before initialization")', async () => {
    write('cfg-include/setup.cfg', '[options]\ninstall_requires = file: requirements.in\n');
    write('cfg-include/requirements.in', 'click\n');
    const [p] = await loadManifests([path.join(dir, 'cfg-include', 'setup.cfg')], { cwd: dir });
    expect(p!.requirements.map((r) => [r.name, r.location.file])).toEqual([['click', 'cfg-include/requirements.in']]);
    expect(p!.issues).toEqual([]);
  });
});
