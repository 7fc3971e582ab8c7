/**
 * The project's own Python files (issue 16): every `.py` under a project root that the scan would
 * walk, honouring `.gitignore` and `--exclude` exactly as manifest discovery does (the same
 * matcher and the same precedence: `manifests/ignore-rules.ts` and the helpers of
 * `manifests/discovery.ts`), and skipping what is someone else's code or generated output:
 * virtual environments (a directory holding `pyvenv.cfg`, or a conda env's `conda-meta`),
 * `node_modules`, `site-packages`, VCS and tool-cache folders, `build`, `dist`, `*.egg-info`, and
 * the roots of other projects of the scan (each is walked for itself). Symlinks are not followed.
 * Bounded: at most `maxFiles` files are listed and `maxDirectories` directories read; past
 * either, the walk stops and says so.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { gitignored, gitignoresAbove, readGitignore, SKIPPED_DIRS, type IgnoreList } from '../manifests/discovery.js';
import { lastMatch, type IgnorePattern } from '../manifests/ignore-rules.js';

export const MAX_PYTHON_FILES = 50_000;
export const MAX_DIRECTORIES = 200_000;

/** Build output and packaging leftovers, besides the manifests' own skipped folders. */
const SKIPPED_HERE: ReadonlySet<string> = new Set(['build', 'dist', '.direnv', 'htmlcov', 'env-pypy', '.idea', '.vscode']);

export interface WalkOptions {
  /** `--exclude` patterns, anchored at `excludeBase` (default: the root walked). */
  exclude?: readonly IgnorePattern[];
  excludeBase?: string;
  /** Honour `.gitignore` files (default true). */
  gitignore?: boolean;
  /** Absolute directories not to enter (the roots of the scan's other projects). */
  skip?: readonly string[];
  maxFiles?: number;
  maxDirectories?: number;
}

export interface WalkResult {
  /** Absolute paths, in walk order (names sorted within a directory). */
  files: string[];
  /** The walk stopped at a limit: what it says. */
  truncated: string | null;
  /** Virtual environments found and left out (relative to the root). */
  venvs: string[];
}

export async function pythonFiles(dir: string, options: WalkOptions = {}): Promise<WalkResult> {
  const root = path.resolve(dir);
  const exclude = options.exclude ?? [];
  const base = options.excludeBase ?? root;
  const useGitignore = options.gitignore !== false;
  const skip = new Set((options.skip ?? []).map((d) => path.resolve(d)));
  const maxFiles = options.maxFiles ?? MAX_PYTHON_FILES;
  const maxDirectories = options.maxDirectories ?? MAX_DIRECTORIES;
  const result: WalkResult = { files: [], truncated: null, venvs: [] };
  let directories = 0;
  const excluded = (full: string, isDir: boolean): boolean =>
    exclude.length > 0 && lastMatch(exclude, path.relative(base, full).split(path.sep).join('/'), isDir) === true;

  const walk = async (current: string, above: readonly IgnoreList[]): Promise<void> => {
    if (result.truncated !== null) return;
    if (++directories > maxDirectories) {
      result.truncated = `stopped after ${maxDirectories} directories`;
      return;
    }
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      return;
    }
    if (current !== root && entries.some((e) => (e.name === 'pyvenv.cfg' && e.isFile()) || (e.name === 'conda-meta' && e.isDirectory()))) {
      result.venvs.push(path.relative(root, current).split(path.sep).join('/'));
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
      const isDir = e.isDirectory();
      if (isDir) {
        if (SKIPPED_DIRS.has(e.name) || SKIPPED_HERE.has(e.name) || e.name.endsWith('.egg-info') || skip.has(full)) continue;
      } else if (!e.isFile() || !e.name.endsWith('.py')) {
        continue;
      }
      if (excluded(full, isDir) || (useGitignore && gitignored(lists, full, isDir))) continue;
      if (isDir) {
        await walk(full, lists);
        if (result.truncated !== null) return;
      } else {
        if (result.files.length >= maxFiles) {
          result.truncated = `stopped at ${maxFiles} Python files`;
          return;
        }
        result.files.push(full);
      }
    }
  };
  await walk(root, useGitignore ? await gitignoresAbove(root) : []);
  return result;
}
