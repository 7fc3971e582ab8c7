/**
 * src/fs/walk-tree.ts, the walk manifest discovery and the usage walk share: order, the caller's
 * filters, environments, .gitignore (above the root, nested repositories), --exclude and its base,
 * the root never ignored, symlinks not followed, and both limits.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksLikeEnvironment, SKIPPED_DIRS, walkTree, type WalkTreeOptions } from '../../src/fs/walk-tree.js';
import { compileExcludes } from '../../src/manifests/ignore-rules.js';

let top: string;

function tree(name: string, files: Record<string, string>): string {
  const root = join(top, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  mkdirSync(root, { recursive: true });
  return root;
}

/** Every regular file, relative to `root`, `/`-separated. */
async function walked(root: string, options: Partial<WalkTreeOptions<string>> = {}): Promise<string[]> {
  const result = await walkTree<string>(root, { pick: (e, full) => (e.isFile() ? relative(root, full).split(sep).join('/') : null), ...options });
  return result.found;
}

function patterns(...lines: string[]) {
  const compiled = compileExcludes(lines);
  if (!compiled.ok) throw new Error('bad pattern');
  return compiled.patterns;
}

beforeAll(() => {
  top = mkdtempSync(join(tmpdir(), 'pypy-ready-walk-tree-'));
});
afterAll(() => rmSync(top, { recursive: true, force: true }));

describe('walkTree', () => {
  it('sorts names within a directory (depth first) and keeps what pick keeps', async () => {
    const root = tree('order', { 'b.txt': '', 'a/z.py': '', 'a/b.py': '', 'C.py': '', 'c.md': '' });
    expect(await walked(root)).toEqual(['C.py', 'a/b.py', 'a/z.py', 'b.txt', 'c.md']);
    const py = await walkTree(root, { pick: (e) => (e.name.endsWith('.py') ? e.name : null) });
    expect(py.found).toEqual(['C.py', 'b.py', 'z.py']);
    expect(py.truncated).toBeNull();
  });

  it("enters only the directories the caller's enter allows", async () => {
    const root = tree('enter', { 'keep/a.py': '', 'node_modules/x.py': '', 'build/y.py': '', 'deep/build/z.py': '' });
    expect(await walked(root, { enter: (name) => !SKIPPED_DIRS.has(name) && name !== 'build' })).toEqual(['keep/a.py']);
    expect(await walked(root)).toEqual(['build/y.py', 'deep/build/z.py', 'keep/a.py', 'node_modules/x.py']);
  });

  it('lists environments and does not walk them; conda only when asked', async () => {
    const root = tree('envs', { 'app.py': '', 'env1/pyvenv.cfg': '', 'env1/lib/x.py': '', 'conda/conda-meta/history': '', 'conda/lib/y.py': '' });
    const plain = await walkTree(root, { pick: (e) => e.name, isEnvironment: (entries) => looksLikeEnvironment(entries, { conda: false }) });
    expect(plain.environments).toEqual(['env1']);
    expect(plain.found).toEqual(['app.py', 'history', 'y.py']);
    const conda = await walkTree(root, { pick: (e) => e.name, isEnvironment: (entries) => looksLikeEnvironment(entries, { conda: true }) });
    expect(conda.environments).toEqual(['conda', 'env1']);
    expect(conda.found).toEqual(['app.py']);
    // A directory named pyvenv.cfg is not a venv's marker.
    const dirNamed = tree('envs-dir', { 'pyvenv.cfg/keep.py': '' });
    expect((await walkTree(dirNamed, { pick: (e) => e.name, isEnvironment: (entries) => looksLikeEnvironment(entries, { conda: false }) })).found).toEqual(['keep.py']);
  });

  it('honours .gitignore in the tree and above the root up to the repository, git precedence; a nested repository starts afresh', async () => {
    const repo = tree('repo', {
      '.git/HEAD': '',
      '.gitignore': 'secret.py\n*.log\n',
      'proj/.gitignore': '!keep.log\n',
      'proj/a.py': '',
      'proj/secret.py': '',
      'proj/x.log': '',
      'proj/keep.log': '',
      'proj/nested/.git/HEAD': '',
      'proj/nested/secret.py': '',
    });
    const root = join(repo, 'proj');
    expect(await walked(root, { enter: (name) => name !== '.git' })).toEqual(['.gitignore', 'a.py', 'keep.log', 'nested/secret.py']);
    expect(await walked(root, { enter: (name) => name !== '.git', gitignore: false })).toEqual(['.gitignore', 'a.py', 'keep.log', 'nested/secret.py', 'secret.py', 'x.log']);
  });

  it('never ignores the root itself, even when a .gitignore above names it', async () => {
    const repo = tree('root-ignored', { '.git/HEAD': '', '.gitignore': 'inner/\n', 'inner/a.py': '' });
    expect(await walked(join(repo, 'inner'))).toEqual(['a.py']);
  });

  it('matches --exclude relative to excludeBase (default: the root)', async () => {
    const root = tree('exclude', { 'gen/a.py': '', 'sub/gen/b.py': '', 'c.py': '' });
    expect(await walked(root, { exclude: patterns('/gen/') })).toEqual(['c.py', 'sub/gen/b.py']);
    expect(await walked(join(root, 'sub'), { exclude: patterns('/gen/') })).toEqual([]);
    expect(await walked(join(root, 'sub'), { exclude: patterns('/gen/'), excludeBase: root })).toEqual(['gen/b.py']);
  });

  it('does not follow a symlinked directory; a symlink is offered to pick as itself', async () => {
    const root = tree('links', { 'real/a.py': '' });
    symlinkSync(join(root, 'real'), join(root, 'link'));
    symlinkSync(join(root, 'link'), join(root, 'loop'));
    const all = await walkTree(root, { pick: (e) => `${e.name}${e.isSymbolicLink() ? '@' : ''}` });
    expect(all.found).toEqual(['link@', 'loop@', 'a.py']);
  });

  it('stops at maxFiles and at maxDirectories, and says which', async () => {
    const root = tree('limits', { 'a.py': '', 'b.py': '', 'c.py': '', 'd/e.py': '', 'f/g.py': '' });
    const files = await walkTree(root, { pick: (e) => e.name, maxFiles: 2 });
    expect(files.found).toEqual(['a.py', 'b.py']);
    expect(files.truncated).toEqual({ limit: 'files', max: 2 });
    const dirs = await walkTree(root, { pick: (e) => e.name, maxDirectories: 2 });
    expect(dirs.found).toEqual(['a.py', 'b.py', 'c.py', 'e.py']);
    expect(dirs.truncated).toEqual({ limit: 'directories', max: 2 });
    const enough = await walkTree(root, { pick: (e) => e.name, maxDirectories: 3, maxFiles: 5 });
    expect(enough.truncated).toBeNull();
    expect(enough.found).toHaveLength(5);
  });

  it('a root that cannot be read gives nothing, without throwing', async () => {
    expect(await walkTree(join(top, 'missing'), { pick: (e) => e.name })).toEqual({ found: [], truncated: null, environments: [] });
  });
});
