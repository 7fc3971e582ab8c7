/**
 * Finding manifests under a directory, and telling which format a file is.
 */
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { LockFormat } from './locks.js';

export type ManifestFormat = 'requirements' | 'pyproject' | 'hatch' | 'setup-cfg' | 'pipfile' | LockFormat;

/** Directories that hold someone else's code or generated state, never the project's manifests. */
const SKIPPED_DIRS = new Set([
  '.git', '.hg', '.svn', 'node_modules', '.tox', '.nox', '.venv', 'venv', '__pycache__', 'site-packages',
  '.mypy_cache', '.pytest_cache', '.ruff_cache', '.eggs',
]);

const REQUIREMENTS_NAME = /requirements.*\.(txt|in)$/i;

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
 * For a file given by path whose name is not a manifest name (fixtures, `constraints.txt`,
 * `Pipfile.with_pylock`): the name first, then the content.
 */
export function sniffFormat(filename: string, text: string): ManifestFormat {
  const byName = formatOfName(filename);
  if (byName) return byName;
  const name = path.basename(filename).toLowerCase();
  if (name.endsWith('.cfg')) return 'setup-cfg';
  const head = text.slice(0, 20_000);
  if (/^\s*("_meta"|\{)/.test(head) && /"_meta"|"default"|"develop"/.test(head)) return 'pipfile-lock';
  // PEP 751 puts lock-version at the top level; poetry.lock has its own under [metadata].
  const preamble = head.split(/^\s*\[/m, 1)[0]!;
  if (/^\s*\[\[packages\]\]/m.test(head) || /^lock-version\s*=/m.test(preamble)) return 'pylock';
  if (/^\s*\[\[package\]\]/m.test(head) || /^\[metadata\]/m.test(head)) {
    if (/^(lock_version|content_hash)\s*=/m.test(text) || /^\[\[metadata\.targets\]\]/m.test(text)) return 'pdm-lock';
    if (/^(lock-version|content-hash|python-versions)\s*=/m.test(text)) return 'poetry-lock';
    if (/^revision\s*=|^version\s*=\s*1\s*$/m.test(head) || /^source\s*=\s*\{\s*(registry|editable|virtual)/m.test(head)) return 'uv-lock';
    return 'poetry-lock';
  }
  if (/^\s*\[(project|build-system|dependency-groups|tool\.[^\]]+)\]/m.test(head)) return 'pyproject';
  if (/^\s*\[(packages|dev-packages|requires)\]|^\s*\[\[source\]\]/m.test(head)) return 'pipfile';
  if (/^\s*\[envs\./m.test(head)) return 'hatch';
  return 'requirements';
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

/**
 * Walk `dir` for manifests: requirements*.txt / *.in anywhere, every .txt / .in under a
 * `requirements/` folder, and the named formats. Virtualenvs (a `pyvenv.cfg`), VCS folders,
 * `node_modules` and tool caches are skipped; symlinked directories are not followed.
 */
export async function discoverManifests(dir: string): Promise<DiscoveredManifest[]> {
  const found: DiscoveredManifest[] = [];
  const walk = async (current: string, underRequirements: boolean): Promise<void> => {
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.name === 'pyvenv.cfg' && e.isFile())) return;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(current, e.name);
      if (e.isDirectory()) {
        if (SKIPPED_DIRS.has(e.name)) continue;
        await walk(full, underRequirements || e.name.toLowerCase() === 'requirements');
      } else if (e.isFile()) {
        const format = formatOfName(e.name) ?? (underRequirements && /\.(txt|in)$/i.test(e.name) ? 'requirements' : null);
        if (format) found.push({ file: full, format, root: projectRootOf(full, dir) });
      }
    }
  };
  const info = await lstat(dir);
  if (info.isDirectory()) await walk(dir, false);
  return found;
}
