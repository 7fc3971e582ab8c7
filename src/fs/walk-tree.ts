/**
 * The one walk of a project's tree, shared by manifest discovery (`manifests/discovery.ts`) and the
 * usage walk (`usage/walk.ts`); each caller says which directories it skips and which files it keeps.
 *
 * What every caller gets: names sorted within a directory (the same order on every machine);
 * symlinked directories never followed; `--exclude` patterns (gitignore syntax,
 * `manifests/ignore-rules.ts`) anchored at `excludeBase`; the `.gitignore` files of the tree and
 * those above the root up to its repository's root, with git's precedence (a directory holding
 * `.git` starts afresh: a nested repository has its own); the root itself never ignored (a path
 * named on the command line is read); a directory that is a virtual environment (the caller's
 * `isEnvironment`) not entered, and listed. `.git/info/exclude` and git's global excludes file are
 * not read: they are one clone's settings, and a scan should say the same on every clone.
 *
 * Bounded: at most `maxDirectories` directories read and `maxFiles` files kept; past either, the
 * walk stops and says which limit it met.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { lastMatch, parseGitignore, type IgnorePattern } from '../manifests/ignore-rules.js';

/** Directories that hold someone else's code or generated state: no caller wants what is in them. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  '.git', '.hg', '.svn', 'node_modules', '.tox', '.nox', '.venv', 'venv', '__pycache__', 'site-packages',
  '.mypy_cache', '.pytest_cache', '.ruff_cache', '.eggs',
]);

export const MAX_DIRECTORIES = 200_000;
export const MAX_FILES = 50_000;

/** A `.gitignore` larger than this is not read (git's own limit is 100 MB; a project tree has no use for one). */
const MAX_GITIGNORE_BYTES = 1024 * 1024;

export interface WalkTreeOptions<T> {
  /**
   * The caller's filter: what to keep for a non-directory entry (a file, a symlink, …), or null to
   * leave it out. Called before the ignore rules are matched (the cheaper test first).
   */
  pick: (entry: Dirent, full: string) => T | null;
  /** Whether to enter a directory below the root, by its name and absolute path (default: yes). */
  enter?: (name: string, full: string) => boolean;
  /** Whether a directory, by its entries, is a virtual environment: not walked, listed in `environments`. */
  isEnvironment?: (entries: readonly Dirent[], dir: string) => boolean;
  /** `--exclude` patterns, anchored at `excludeBase` (default: the root walked). */
  exclude?: readonly IgnorePattern[];
  excludeBase?: string;
  /** Honour `.gitignore` files (default true). */
  gitignore?: boolean;
  maxFiles?: number;
  maxDirectories?: number;
}

export interface WalkTreeResult<T> {
  /** What `pick` kept, in walk order. */
  found: T[];
  /** The limit the walk stopped at, or null when it went through. */
  truncated: { limit: 'files' | 'directories'; max: number } | null;
  /** Environments found and left out, relative to the root, `/`-separated. */
  environments: string[];
}

/** One directory's `.gitignore` patterns, with the directory they are relative to. */
export interface IgnoreList {
  base: string;
  patterns: IgnorePattern[];
}

const posix = (p: string): string => p.split(path.sep).join('/');

/** The patterns of `dir/.gitignore`, when it is a regular file (git does not follow a symlinked one). */
export async function readGitignore(dir: string): Promise<IgnoreList | null> {
  const file = path.join(dir, '.gitignore');
  try {
    const info = await lstat(file);
    if (!info.isFile() || info.size > MAX_GITIGNORE_BYTES) return null;
    const patterns = parseGitignore(await readFile(file, 'utf8'));
    return patterns.length > 0 ? { base: dir, patterns } : null;
  } catch {
    return null;
  }
}

const exists = (p: string): Promise<boolean> => lstat(p).then(() => true, () => false);

/**
 * The `.gitignore` lists that apply inside `dir` from above it: those from the root of the git
 * repository `dir` is in (the nearest directory above holding `.git`) down to `dir`'s parent,
 * shallowest first. None outside a repository, or when `dir` is a repository's root.
 */
export async function gitignoresAbove(dir: string): Promise<IgnoreList[]> {
  if (await exists(path.join(dir, '.git'))) return [];
  const chain: string[] = [];
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    chain.unshift(current);
    if (await exists(path.join(current, '.git'))) break;
    if (path.dirname(current) === current) return [];
  }
  const lists: IgnoreList[] = [];
  for (const d of chain) {
    const list = await readGitignore(d);
    if (list) lists.push(list);
  }
  return lists;
}

/** Git's precedence: the deepest list with a matching pattern decides, and in it the last pattern. */
export function gitignored(lists: readonly IgnoreList[], full: string, isDir: boolean): boolean {
  for (let i = lists.length - 1; i >= 0; i--) {
    const list = lists[i]!;
    const verdict = lastMatch(list.patterns, posix(path.relative(list.base, full)), isDir);
    if (verdict !== null) return verdict;
  }
  return false;
}

/** A venv or virtualenv (`pyvenv.cfg`), and with `conda` a conda environment (`conda-meta/`). */
export function looksLikeEnvironment(entries: readonly Dirent[], options: { conda: boolean }): boolean {
  return entries.some((e) => (e.name === 'pyvenv.cfg' && e.isFile()) || (options.conda && e.name === 'conda-meta' && e.isDirectory()));
}

export async function walkTree<T>(dir: string, options: WalkTreeOptions<T>): Promise<WalkTreeResult<T>> {
  // Paths come out as `dir` was given (absolute in, absolute out).
  const root = dir;
  const exclude = options.exclude ?? [];
  const base = options.excludeBase ?? root;
  const useGitignore = options.gitignore !== false;
  const maxFiles = options.maxFiles ?? MAX_FILES;
  const maxDirectories = options.maxDirectories ?? MAX_DIRECTORIES;
  const result: WalkTreeResult<T> = { found: [], truncated: null, environments: [] };
  let directories = 0;
  const ignored = (full: string, isDir: boolean, lists: readonly IgnoreList[]): boolean =>
    (exclude.length > 0 && lastMatch(exclude, posix(path.relative(base, full)), isDir) === true) || (useGitignore && gitignored(lists, full, isDir));

  const walk = async (current: string, above: readonly IgnoreList[]): Promise<void> => {
    if (++directories > maxDirectories) {
      result.truncated = { limit: 'directories', max: maxDirectories };
      return;
    }
    let entries: Dirent[];
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      return;
    }
    if (options.isEnvironment?.(entries, current)) {
      result.environments.push(posix(path.relative(root, current)));
      return;
    }
    let lists = above;
    if (useGitignore) {
      if (current !== root && entries.some((e) => e.name === '.git')) lists = [];
      const own = entries.some((e) => e.name === '.gitignore') ? await readGitignore(current) : null;
      if (own) lists = [...lists, own];
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(current, e.name);
      if (e.isDirectory()) {
        if (options.enter && !options.enter(e.name, full)) continue;
        if (ignored(full, true, lists)) continue;
        await walk(full, lists);
        if (result.truncated !== null) return;
        continue;
      }
      const picked = options.pick(e, full);
      if (picked === null || ignored(full, false, lists)) continue;
      if (result.found.length >= maxFiles) {
        result.truncated = { limit: 'files', max: maxFiles };
        return;
      }
      result.found.push(picked);
    }
  };
  await walk(root, useGitignore ? await gitignoresAbove(root) : []);
  return result;
}
