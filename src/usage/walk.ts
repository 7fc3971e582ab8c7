/**
 * The project's own Python files (issue 16): every `.py` under a project root that the scan would
 * walk, by the walk manifest discovery uses (`fs/walk-tree.ts`: `.gitignore`, `--exclude`, sorted,
 * no symlink followed, bounded), skipping what is someone else's code or generated output: virtual
 * environments (a directory holding `pyvenv.cfg`, or a conda env's `conda-meta`), `node_modules`,
 * `site-packages`, VCS and tool-cache folders, `build`, `dist`, `*.egg-info`, and the roots of
 * other projects of the scan (each is walked for itself). At most `maxFiles` files are listed and
 * `maxDirectories` directories read; past either, the walk stops and says so.
 */
import path from 'node:path';
import { looksLikeEnvironment, SKIPPED_DIRS, walkTree } from '../fs/walk-tree.js';
import type { IgnorePattern } from '../manifests/ignore-rules.js';

export const MAX_PYTHON_FILES = 50_000;

/** Build output and packaging leftovers, besides the folders every walk skips. */
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
  const skip = new Set((options.skip ?? []).map((d) => path.resolve(d)));
  const maxFiles = options.maxFiles ?? MAX_PYTHON_FILES;
  const walked = await walkTree<string>(root, {
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(options.excludeBase ? { excludeBase: options.excludeBase } : {}),
    gitignore: options.gitignore !== false,
    maxFiles,
    ...(options.maxDirectories !== undefined ? { maxDirectories: options.maxDirectories } : {}),
    enter: (name, full) => !SKIPPED_DIRS.has(name) && !SKIPPED_HERE.has(name) && !name.endsWith('.egg-info') && !skip.has(full),
    // The root is walked even when it is an environment: it was named.
    isEnvironment: (entries, current) => current !== root && looksLikeEnvironment(entries, { conda: true }),
    pick: (e, full) => (e.isFile() && e.name.endsWith('.py') ? full : null),
  });
  const truncated = walked.truncated === null ? null
    : walked.truncated.limit === 'files' ? `stopped at ${walked.truncated.max} Python files`
    : `stopped after ${walked.truncated.max} directories`;
  return { files: walked.found, truncated, venvs: walked.environments };
}
