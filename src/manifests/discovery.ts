/**
 * Finding manifests under a directory, and telling which format a file is.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { looksLikeEnvironment, SKIPPED_DIRS, walkTree } from '../fs/walk-tree.js';
import type { IgnorePattern } from './ignore-rules.js';
import type { LockFormat } from './locks.js';

export type ManifestFormat = 'requirements' | 'pyproject' | 'hatch' | 'setup-cfg' | 'pipfile' | LockFormat;

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
  /** The walk's bounds (default `fs/walk-tree.ts`'s: 200,000 directories, 50,000 files). */
  maxDirectories?: number;
  maxFiles?: number;
}

/** A `requirements` folder between `dir` and the file: every .txt / .in in it is a requirements file. */
function underRequirementsFolder(dir: string, file: string): boolean {
  return path.relative(dir, path.dirname(file)).split(path.sep).some((part) => part.toLowerCase() === 'requirements');
}

/**
 * Walk `dir` for manifests (the shared walk, `fs/walk-tree.ts`: `.gitignore`, `--exclude`, no
 * symlinked directory followed, bounded): requirements*.txt / *.in anywhere, every .txt / .in
 * under a `requirements/` folder, and the named formats. Virtualenvs (a `pyvenv.cfg`, `dir` itself
 * included), VCS folders, `node_modules` and tool caches are skipped; a symlink with a manifest's
 * name is listed, and read through the link. `dir` itself is never ignored: a path named on the
 * command line is scanned.
 */
export async function discoverManifests(dir: string, options: DiscoverOptions = {}): Promise<DiscoveredManifest[]> {
  return (await discoverManifestsBounded(dir, options)).manifests;
}

/** As `discoverManifests`, and whether the walk stopped at one of its limits (then manifests further on were not seen). */
export async function discoverManifestsBounded(
  dir: string,
  options: DiscoverOptions = {},
): Promise<{ manifests: DiscoveredManifest[]; truncated: { limit: 'files' | 'directories'; max: number } | null }> {
  const info = await lstat(dir);
  if (!info.isDirectory()) return { manifests: [], truncated: null };
  const walked = await walkTree<DiscoveredManifest>(dir, {
    ...(options.exclude ? { exclude: options.exclude } : {}),
    excludeBase: dir,
    gitignore: options.gitignore !== false,
    ...(options.maxDirectories !== undefined ? { maxDirectories: options.maxDirectories } : {}),
    ...(options.maxFiles !== undefined ? { maxFiles: options.maxFiles } : {}),
    enter: (name) => !SKIPPED_DIRS.has(name),
    isEnvironment: (entries) => looksLikeEnvironment(entries, { conda: false }),
    pick: (e, full) => {
      // A symlink with a manifest's name is listed too: reading it follows the link, and says
      // so when the link loops or dangles (rather than dropping the file without a word).
      if (!e.isFile() && !e.isSymbolicLink()) return null;
      const format = formatOfName(e.name) ?? (/\.(txt|in)$/i.test(e.name) && underRequirementsFolder(dir, full) ? 'requirements' : null);
      return format ? { file: full, format, root: projectRootOf(full, dir) } : null;
    },
  });
  return { manifests: walked.found, truncated: walked.truncated };
}
