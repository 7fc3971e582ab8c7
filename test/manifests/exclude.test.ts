/**
 * Monorepos (issue 14): `--exclude GLOB` and `.gitignore` during discovery. The glob semantics are
 * gitignore's; every row of the table and the walk of a tree with nested `.gitignore` files are
 * checked against real git (`git check-ignore`, `git ls-files --others --exclude-standard`) on a
 * throwaway repository, so the ground truth is git's, not ours. A hostile pattern stays fast.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileExcludes, compilePattern, parseGitignore, patternMatches } from '../../src/manifests/ignore-rules.js';
import { discoverManifests, formatOfName, loadManifests } from '../../src/manifests/index.js';

/** git with no user or system configuration: no global excludes file, no core.ignorecase surprises. */
function gitEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_DIR: undefined, GIT_WORK_TREE: undefined };
}

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const abs = path.join(root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    if (rel.endsWith('/')) mkdirSync(abs, { recursive: true });
    else writeFileSync(abs, text);
  }
}

/** pattern, path, is the path a directory, does the pattern (as a one-line .gitignore at the root) ignore it */
const TABLE: [string, string, boolean, boolean][] = [
  ['*.txt', 'requirements.txt', false, true],
  ['*.txt', 'a/b/requirements.txt', false, true],
  ['*', '.hidden', false, true],
  ['**', 'anything', false, true],
  ['build/', 'build', true, true],
  ['build/', 'build', false, false],
  ['build/', 'src/build', true, true],
  ['build/', 'src/build/requirements.txt', false, true],
  ['/build', 'build', true, true],
  ['/build', 'src/build', true, false],
  ['tools/legacy', 'tools/legacy', true, true],
  ['tools/legacy', 'tools/legacy/requirements.txt', false, true],
  ['tools/legacy', 'x/tools/legacy', true, false],
  ['tools/legacy/', 'tools/legacy', false, false],
  ['**/fixtures', 'fixtures', true, true],
  ['**/fixtures', 'a/b/fixtures', true, true],
  ['a/**/b', 'a/b', false, true],
  ['a/**/b', 'a/x/y/b', false, true],
  ['a/**/b', 'a/xb', false, false],
  ['a/**', 'a', true, false],
  ['a/**', 'a/x', false, true],
  ['a/**', 'a/x/y', false, true],
  ['a**b', 'aXYb', false, true],
  ['doc/*.txt', 'doc/x.txt', false, true],
  ['doc/*.txt', 'doc/sub/x.txt', false, false],
  ['a*b', 'a/b', false, false],
  ['foo?.txt', 'foo1.txt', false, true],
  ['foo?.txt', 'foo.txt', false, false],
  ['req[0-9].txt', 'req5.txt', false, true],
  ['req[0-9].txt', 'reqa.txt', false, false],
  ['req[!0-9].txt', 'reqa.txt', false, true],
  ['req[^0-9].txt', 'req5.txt', false, false],
  ['req[]x].txt', 'req].txt', false, true],
  ['[[:digit:]]x', '5x', false, true],
  ['[[:upper:]]x', 'ax', false, false],
  ['[abc', '[abc', false, false],
  ['[abc', 'a', false, false],
  ['\\#hash', '#hash', false, true],
  ['\\!bang', '!bang', false, true],
  ['\\*star', '*star', false, true],
  ['\\*star', 'xstar', false, false],
  ['trailing   ', 'trailing', false, true],
  ['sp\\ ', 'sp ', false, true],
  ['README', 'readme', false, false],
  ['a\\/b', 'a/b', false, true],
  ['#comment', '#comment', false, false],
];

describe('the glob semantics', () => {
  it.each(TABLE)('%j on %j (directory: %j) -> %j', (pattern, rel, isDir, expected) => {
    const patterns = parseGitignore(`${pattern}\n`);
    // Through the parents too, as the walk reaches a path: an ignored directory is never entered.
    const parts = rel.split('/');
    const verdict = parts.some((_, i) => {
      const prefix = parts.slice(0, i + 1).join('/');
      const dir = i < parts.length - 1 || isDir;
      let last = false;
      for (const p of patterns) if (patternMatches(p, prefix, dir)) last = !p.negated;
      return last;
    });
    expect(verdict).toBe(expected);
  });

  it('every row of the table agrees with git check-ignore', () => {
    const home = tempDir('pypy-ready-git-home-');
    const env = gitEnv(home);
    const disagreements: string[] = [];
    for (const [pattern, rel, isDir, expected] of TABLE) {
      const repo = tempDir('pypy-ready-glob-');
      execFileSync('git', ['init', '-q'], { cwd: repo, env });
      writeFileSync(path.join(repo, '.gitignore'), `${pattern}\n`);
      writeTree(repo, { [isDir ? `${rel}/` : rel]: 'x\n' });
      const run = spawnSync('git', ['check-ignore', '-q', '--', rel], { cwd: repo, env });
      const git = run.status === 0;
      if (run.status !== 0 && run.status !== 1) throw new Error(`git check-ignore failed: ${run.stderr}`);
      if (git !== expected) disagreements.push(`${JSON.stringify(pattern)} on ${rel}: git says ${git}, the table ${expected}`);
    }
    expect(disagreements).toEqual([]);
  });

  it('--exclude values: one pattern each; an empty one, a comment or one that can match nothing is refused', () => {
    expect(compileExcludes(['tools/legacy', '**/fixtures/', '!keep']).ok).toBe(true);
    for (const bad of ['', '   ', '#x', '/', 'req[abc', 'a\\', 'a\nb', 'x'.repeat(5000)]) {
      const compiled = compileExcludes([bad]);
      expect(compiled.ok, JSON.stringify(bad.slice(0, 20))).toBe(false);
    }
  });

  it('a hostile pattern stays fast: no backtracking blow-up on a long name or a deep path', () => {
    const stars = compilePattern(`${'*a'.repeat(2000)}b`)!;
    const globstars = compilePattern(`${'**/a/'.repeat(800)}b`)!;
    const name = 'a'.repeat(250);
    const deep = Array.from({ length: 2000 }, () => 'a').join('/');
    const started = performance.now();
    expect(patternMatches(stars, name, false)).toBe(false);
    expect(patternMatches(globstars, deep, false)).toBe(false);
    for (let i = 0; i < 20; i++) patternMatches(stars, `${name}${i}`, false);
    // The naive recursive matcher takes longer than the age of the universe on these.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('.gitignore during discovery, against real git', () => {
  let repo: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    repo = tempDir('pypy-ready-gitignore-');
    env = gitEnv(tempDir('pypy-ready-git-home-'));
    execFileSync('git', ['init', '-q'], { cwd: repo, env });
    writeTree(repo, {
      '.gitignore': ['# generated', 'build/', '/requirements-top.txt', 'dist', '!dist/keep', 'gen-*/', '!gen-keep/', 'docs/**/requirements.txt', 'requirements-*.in', '!requirements-keep.in', ''].join('\n'),
      'requirements.txt': 'a\n',
      'requirements-top.txt': 'a\n',
      'sub/requirements-top.txt': 'a\n',
      'build/requirements.txt': 'a\n',
      'sub/build/requirements.txt': 'a\n',
      'dist/keep/requirements.txt': 'a\n',
      'gen-a/requirements.txt': 'a\n',
      'gen-keep/requirements.txt': 'a\n',
      'docs/requirements.txt': 'a\n',
      'docs/a/b/requirements.txt': 'a\n',
      'docs/pyproject.toml': '[project]\nname = "d"\n',
      'a/requirements-x.in': 'a\n',
      'a/requirements-keep.in': 'a\n',
      'svc/.gitignore': ['# a comment', 'requirements-dev.txt', '/local/', 'requirements-s.txt   ', '\\#requirements.txt', ''].join('\n'),
      'svc/requirements.txt': 'a\n',
      'svc/requirements-dev.txt': 'a\n',
      'svc/requirements-s.txt': 'a\n',
      'svc/#requirements.txt': 'a\n',
      'svc/deep/requirements-dev.txt': 'a\n',
      'svc/other/requirements-dev.txt': 'a\n',
      'svc/local/requirements.txt': 'a\n',
      'svc/deep/local/requirements.txt': 'a\n',
      'svc/deep/.gitignore': '!requirements-dev.txt\n',
      'crlf/.gitignore': 'requirements-c.txt\r\nbuild-*\r\n',
      'crlf/requirements-c.txt': 'a\n',
      'crlf/requirements.txt': 'a\n',
    });
  });

  /** The manifests git does not ignore under `dir`, relative to `dir`, sorted. */
  const gitSees = (dir: string): string[] =>
    execFileSync('git', ['ls-files', '--others', '--exclude-standard', '-z'], { cwd: dir, env, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f !== '' && formatOfName(f) !== null)
      .sort();
  const weSee = async (dir: string, options = {}): Promise<string[]> =>
    (await discoverManifests(dir, options)).map((m) => path.relative(dir, m.file).split(path.sep).join('/')).sort();

  it('the manifests discovery walks are those git does not ignore: nested files, negation, directory-only patterns, CRLF, comments, spaces', async () => {
    const ours = await weSee(repo);
    expect(ours).toEqual(gitSees(repo));
    // And the cases the tree is there for.
    expect(ours).toEqual(expect.arrayContaining(['gen-keep/requirements.txt', 'svc/deep/requirements-dev.txt', 'svc/deep/local/requirements.txt', 'a/requirements-keep.in', 'sub/requirements-top.txt', 'docs/pyproject.toml']));
    for (const gone of ['build/requirements.txt', 'sub/build/requirements.txt', 'dist/keep/requirements.txt', 'svc/requirements-dev.txt', 'svc/other/requirements-dev.txt', 'svc/requirements-s.txt', 'svc/#requirements.txt', 'crlf/requirements-c.txt', 'docs/a/b/requirements.txt']) {
      expect(ours).not.toContain(gone);
    }
  });

  it('scanning a subdirectory reads the .gitignore files above it up to the repository root, as git does', async () => {
    expect(await weSee(path.join(repo, 'svc'))).toEqual(gitSees(path.join(repo, 'svc')));
    expect(await weSee(path.join(repo, 'sub'))).toEqual(['requirements-top.txt']); // build/ from the root
  });

  it('a directory named on the command line is scanned even when ignored; what is ignored inside it still is', async () => {
    expect(await weSee(path.join(repo, 'build'))).toEqual(['requirements.txt']);
    const [p] = await loadManifests([path.join(repo, 'svc/requirements-dev.txt')], { cwd: repo });
    expect(p!.manifests).toEqual(['svc/requirements-dev.txt']); // a file given by path is read
  });

  it('--no-gitignore walks everything; --exclude is anchored at the directory scanned and combines with .gitignore', async () => {
    expect(await weSee(repo, { gitignore: false })).toContain('build/requirements.txt');
    const excluded = compileExcludes(['svc/', 'requirements.txt', '!docs/pyproject.toml']);
    if (!excluded.ok) throw new Error(excluded.problem);
    const ours = await weSee(repo, { exclude: excluded.patterns });
    expect(ours).toEqual(['a/requirements-keep.in', 'docs/pyproject.toml', 'sub/requirements-top.txt']);
  });

  it('a nested repository starts afresh: the outer .gitignore does not reach into it', async () => {
    const outer = tempDir('pypy-ready-nested-');
    writeTree(outer, { '.gitignore': 'requirements-dev.txt\n', 'requirements-dev.txt': 'a\n', 'inner/requirements-dev.txt': 'a\n', 'inner/.git/HEAD': 'ref: refs/heads/main\n' });
    expect(await weSee(outer)).toEqual(['inner/requirements-dev.txt']);
  });
});
