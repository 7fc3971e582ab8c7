/**
 * Finding manifests under a directory, and telling which format a file is.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { lastMatch, parseGitignore, type IgnorePattern } from './ignore-rules.js';
import type { LockFormat } from './locks.js';

export type ManifestFormat = 'requirements' | 'pyproject' | 'hatch' | 'setup-cfg' | 'pipfile' | LockFormat;

/** Directories that hold someone else's code or generated state, never the project's manifests. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  '.git', '.hg', '.svn', 'node_modules', '.tox', '.nox', '.venv', 'venv', '__pycache__', 'site-packages',
  '.mypy_cache', '.pytest_cache', '.ruff_cache', '.eggs',
]);

const REQUIREMENTS_NAME = /requirements.*\.(txt|in)$/i;

/** Each format as a message names it ("read as a Pipfile"). */
export const FORMAT_LABEL: Record<ManifestFormat, string> = {
  requirements: 'a requirements file',
  pyproject: 'a pyproject.toml',
  hatch: 'a hatch.toml',
  'setup-cfg': 'a setup.cfg',
  pipfile: 'a Pipfile',
  'uv-lock': 'a uv.lock',
  'poetry-lock': 'a poetry.lock',
  'pdm-lock': 'a pdm.lock',
  pylock: 'a pylock.toml',
  'pipfile-lock': 'a Pipfile.lock',
};

/** The format a file's name says, or null when the name is not a manifest name. */
export function formatOfName(filename: string): ManifestFormat | null {
  const name = path.basename(filename);
  switch (name) {
    case 'pyproject.toml':
      return 'pyproject';
    case 'hatch.toml':
      return 'hatch';
    case 'setup.cfg':
      return 'setup-cfg';
    case 'Pipfile':
      return 'pipfile';
    case 'Pipfile.lock':
      return 'pipfile-lock';
    case 'uv.lock':
      return 'uv-lock';
    case 'poetry.lock':
      return 'poetry-lock';
    case 'pdm.lock':
      return 'pdm-lock';
    default:
      break;
  }
  if (name === 'pylock.toml' || /^pylock\.[^.]+\.toml$/.test(name)) return 'pylock';
  if (REQUIREMENTS_NAME.test(name)) return 'requirements';
  return null;
}

/**
 * The format of a file given by path: its name (`formatOfName`), else what its extension says
 * (pip reads any file given with `-r` or `-c` as a requirements file, so `.txt` and `.in` are one;
 * `.cfg` is setup.cfg-style configuration), else null: only the content can tell (`.toml`, `.lock`,
 * fixtures named `Pipfile.with_pylock` or `custom_index`).
 */
export function formatOfPath(filename: string): ManifestFormat | null {
  const byName = formatOfName(filename);
  if (byName) return byName;
  const name = path.basename(filename).toLowerCase();
  if (name.endsWith('.txt') || name.endsWith('.in')) return 'requirements';
  if (name.endsWith('.cfg')) return 'setup-cfg';
  return null;
}

/** The name first (`formatOfPath`), then the content (`formatOfContent`). */
export function sniffFormat(filename: string, text: string): ManifestFormat {
  return formatOfPath(filename) ?? formatOfContent(text);
}

/** How much of a file the header rules look at. */
const SNIFF_HEAD = 20_000;

/**
 * What a manifest's content looks like, for a file whose name says nothing: its table headers and a
 * few keys only a lock file writes. Evidence that only a lock holds (lock-version, content-hash,
 * uv's revision) wins; then the tables of pyproject.toml, so that a pyproject-shaped file with a
 * `[[package]]` table is not taken for a poetry.lock; then a Pipfile's; then `[[package]]` alone;
 * then hatch's `[envs.…]`; anything else is a requirements file. One pass over the lines (a
 * multi-line `^\s*` pattern would retry across every blank line).
 */
export function formatOfContent(text: string): ManifestFormat {
  const head = text.slice(0, SNIFF_HEAD);
  const start = head.trimStart();
  if ((start.startsWith('"_meta"') || start.startsWith('{')) && /"_meta"|"default"|"develop"/.test(head)) return 'pipfile-lock';
  const seen = {
    beforeFirstHeader: true,
    pylockKey: false,
    packagesArray: false,
    packageArray: false,
    metadataTable: false,
    pdmKey: false,
    poetryKey: false,
    uvKey: false,
    pyproject: false,
    pipfile: false,
    hatch: false,
  };
  eachLine(text, (line, offset) => {
    const inHead = offset < SNIFF_HEAD;
    const t = line.trimStart();
    // Lock keys are written at the start of a line, in any part of the file.
    if (/^(lock_version|content_hash)\s*=/.test(line) || line.startsWith('[[metadata.targets]]')) seen.pdmKey = true;
    if (/^(lock-version|content-hash|python-versions)\s*=/.test(line)) seen.poetryKey = true;
    if (!inHead) return;
    if (seen.beforeFirstHeader && /^lock-version\s*=/.test(line)) seen.pylockKey = true;
    // uv writes `version = 1` and `revision = …` above its first table, and `source = { registry … }` in each package.
    if ((seen.beforeFirstHeader && /^revision\s*=|^version\s*=\s*1\s*$/.test(line)) || /^source\s*=\s*\{\s*(registry|editable|virtual)/.test(line)) seen.uvKey = true;
    if (!t.startsWith('[')) return;
    seen.beforeFirstHeader = false;
    if (t.startsWith('[[packages]]')) seen.packagesArray = true;
    if (t.startsWith('[[package]]')) seen.packageArray = true;
    if (line.startsWith('[metadata]')) seen.metadataTable = true;
    if (/^\[(project|build-system|dependency-groups|tool\.[^\]]+)\]/.test(t)) seen.pyproject = true;
    if (/^\[(packages|dev-packages|requires)\]/.test(t) || t.startsWith('[[source]]')) seen.pipfile = true;
    if (t.startsWith('[envs.')) seen.hatch = true;
  });
  if (seen.packagesArray || seen.pylockKey) return 'pylock';
  const lockTables = seen.packageArray || seen.metadataTable;
  if (lockTables && seen.pdmKey) return 'pdm-lock';
  if (lockTables && seen.poetryKey) return 'poetry-lock';
  if (lockTables && seen.uvKey) return 'uv-lock';
  if (seen.pyproject) return 'pyproject';
  if (lockTables) return 'poetry-lock';
  if (seen.pipfile) return 'pipfile';
  if (seen.hatch) return 'hatch';
  return 'requirements';
}

/** Each line of `text` (ended by \r\n, \n, \r, U+2028 or U+2029, as a multi-line `^` sees them) with its offset. */
function eachLine(text: string, visit: (line: string, offset: number) => void): void {
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : -1;
    if (c !== -1 && c !== 0x0a && c !== 0x0d && c !== 0x2028 && c !== 0x2029) continue;
    visit(text.slice(start, i), start);
    start = i + 1;
  }
}

export interface DiscoveredManifest {
  file: string;
  format: ManifestFormat;
  /** The directory of the project the file belongs to. */
  root: string;
}

/** The project a file belongs to: its directory, or the one above a `requirements/` folder. */
export function projectRootOf(file: string, stopAt: string): string {
  let dir = path.dirname(file);
  const parts = path.relative(stopAt, dir).split(path.sep).filter(Boolean);
  const at = parts.findIndex((p) => p.toLowerCase() === 'requirements');
  if (at !== -1) dir = path.join(stopAt, ...parts.slice(0, at));
  return dir;
}

export interface DiscoverOptions {
  /** `--exclude` patterns (gitignore syntax, `ignore-rules.ts`), anchored at `dir`. */
  exclude?: readonly IgnorePattern[];
  /** Read `.gitignore` files (default true). */
  gitignore?: boolean;
}

/** A `.gitignore` larger than this is not read (git's own limit is 100 MB; a manifest tree has no use for one). */
const MAX_GITIGNORE_BYTES = 1024 * 1024;

/** One directory's `.gitignore` patterns, with the directory they are relative to. */
export interface IgnoreList {
  base: string;
  patterns: IgnorePattern[];
}

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
    const verdict = lastMatch(list.patterns, path.relative(list.base, full).split(path.sep).join('/'), isDir);
    if (verdict !== null) return verdict;
  }
  return false;
}

/**
 * Walk `dir` for manifests: requirements*.txt / *.in anywhere, every .txt / .in under a
 * `requirements/` folder, and the named formats. Virtualenvs (a `pyvenv.cfg`), VCS folders,
 * `node_modules` and tool caches are skipped; symlinked directories are not followed (a symlink
 * with a manifest's name is listed, and read through the link). A file or directory that an
 * `exclude` pattern or a `.gitignore` ignores is not read or walked: the `.gitignore` files of the
 * tree, and those above `dir` up to its repository's root, as git reads them (a directory holding
 * `.git` starts afresh: a nested repository has its own). `dir` itself is never ignored: a path
 * named on the command line is scanned. `.git/info/exclude` and git's global excludes file are not
 * read: they are one clone's settings, and a scan should say the same on every clone.
 */
export async function discoverManifests(dir: string, options: DiscoverOptions = {}): Promise<DiscoveredManifest[]> {
  const found: DiscoveredManifest[] = [];
  const exclude = options.exclude ?? [];
  const useGitignore = options.gitignore !== false;
  const excluded = (full: string, isDir: boolean): boolean =>
    exclude.length > 0 && lastMatch(exclude, path.relative(dir, full).split(path.sep).join('/'), isDir) === true;
  const walk = async (current: string, underRequirements: boolean, above: readonly IgnoreList[]): Promise<void> => {
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.name === 'pyvenv.cfg' && e.isFile())) return;
    let lists = above;
    if (useGitignore) {
      if (current !== dir && entries.some((e) => e.name === '.git')) lists = [];
      const own = entries.some((e) => e.name === '.gitignore') ? await readGitignore(current) : null;
      if (own) lists = [...lists, own];
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(current, e.name);
      const isDir = e.isDirectory();
      if (isDir && SKIPPED_DIRS.has(e.name)) continue;
      if (!isDir && !e.isFile() && !e.isSymbolicLink()) continue;
      if (excluded(full, isDir) || (useGitignore && gitignored(lists, full, isDir))) continue;
      if (isDir) {
        await walk(full, underRequirements || e.name.toLowerCase() === 'requirements', lists);
      } else {
        // A symlink with a manifest's name is listed too: reading it follows the link, and says
        // so when the link loops or dangles (rather than dropping the file without a word).
        const format = formatOfName(e.name) ?? (underRequirements && /\.(txt|in)$/i.test(e.name) ? 'requirements' : null);
        if (format) found.push({ file: full, format, root: projectRootOf(full, dir) });
      }
    }
  };
  const info = await lstat(dir);
  if (info.isDirectory()) await walk(dir, false, useGitignore ? await gitignoresAbove(dir) : []);
  return found;
}
