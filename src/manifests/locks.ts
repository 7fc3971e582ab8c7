/**
 * Lock files: uv.lock, poetry.lock, pdm.lock, pylock.toml (PEP 751) and Pipfile.lock. Each gives
 * exact versions, markers where the format records them, and the distribution files with hashes.
 */
import { oneLine } from '../safe-text.js';
import { canonicalizeName } from '../pep/names.js';
import { declare, declareUnnamed } from './declared.js';
import { LineMap } from './source-text.js';
import { isTable, readToml, stringOf, type TomlTable } from './toml-document.js';
import type { DeclaredRequirement, LockFile, ManifestIssue, RequirementGroup, SourceLocation } from './types.js';

export type LockFormat = 'uv-lock' | 'poetry-lock' | 'pdm-lock' | 'pylock' | 'pipfile-lock';

export interface LockedPackage {
  name: string;
  normalizedName: string;
  version: string | null;
  markerText: string | null;
  files: LockFile[];
  group: RequirementGroup;
  location: SourceLocation;
  url: string | null;
  localPath: string | null;
  editable: boolean;
}

export interface LockResult {
  format: LockFormat;
  packages: LockedPackage[];
  issues: ManifestIssue[];
  requiresPython: string | null;
  /** Names the lock itself marks as direct (uv's root package); null when the format does not say. */
  direct: Set<string> | null;
  /** The project's own entry (uv), not a dependency. */
  rootName: string | null;
}

function emptyResult(format: LockFormat): LockResult {
  return { format, packages: [], issues: [], requiresPython: null, direct: null, rootName: null };
}

/** `sha256:abc` → `{ sha256: 'abc' }`. */
function hashRecord(text: unknown): Record<string, string> | undefined {
  if (typeof text !== 'string') return undefined;
  const i = text.indexOf(':');
  return i > 0 ? { [text.slice(0, i)]: text.slice(i + 1) } : undefined;
}

function hashesTable(value: unknown): Record<string, string> | undefined {
  if (!isTable(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

function fileFromUrl(url: string, hashes: Record<string, string> | undefined, name?: string): LockFile {
  const filename = name ?? decodeURIComponent(url.replace(/[#?].*$/, '').split('/').pop() ?? url);
  return { filename, url, ...(hashes ? { hashes } : {}) };
}

function tomlLock(
  text: string,
  file: string,
  format: LockFormat,
  key: 'package' | 'packages',
  read: (pkg: TomlTable, location: SourceLocation, result: LockResult) => LockedPackage | null,
  top?: (data: TomlTable, result: LockResult) => void,
): LockResult {
  const result = emptyResult(format);
  const doc = readToml(text, file);
  if (!doc.ok) {
    result.issues.push(doc.issue);
    return result;
  }
  top?.(doc.data, result);
  const list = doc.data[key];
  if (list !== undefined && !Array.isArray(list)) {
    result.issues.push({ file, line: doc.positions.value([key]).line, message: `expected [[${key}]] entries`, severity: 'error' });
    return result;
  }
  (list ?? []).forEach((pkg, i) => {
    if (!isTable(pkg) || typeof pkg.name !== 'string') {
      const at = doc.positions.value([key, i]);
      result.issues.push({ file, line: at.line, message: `lock entry without a name`, severity: 'warning' });
      return;
    }
    // Point at the entry's `name = "…"`, the line a reader looks for.
    const locked = read(pkg, doc.positions.value([key, i, 'name']), result);
    if (locked) result.packages.push(locked);
  });
  return result;
}

function base(pkg: TomlTable, location: SourceLocation): LockedPackage {
  const name = pkg.name as string;
  return {
    name,
    normalizedName: canonicalizeName(name),
    version: stringOf(pkg.version) ?? null,
    markerText: null,
    files: [],
    group: 'main',
    location,
    url: null,
    localPath: null,
    editable: false,
  };
}

export function parseUvLock(text: string, file: string): LockResult {
  return tomlLock(
    text,
    file,
    'uv-lock',
    'package',
    (pkg, location, result) => {
      const p = base(pkg, location);
      const source = isTable(pkg.source) ? pkg.source : {};
      // The project itself (and workspace members) are recorded with a local editable/virtual source.
      const local = stringOf(source.editable) ?? stringOf(source.virtual);
      if (local === '.') {
        result.rootName = p.normalizedName;
        result.direct = new Set();
        const add = (deps: unknown): void => {
          if (Array.isArray(deps)) for (const d of deps) if (isTable(d) && typeof d.name === 'string') result.direct!.add(canonicalizeName(d.name));
        };
        add(pkg.dependencies);
        for (const group of ['optional-dependencies', 'dev-dependencies']) {
          const t = pkg[group];
          if (isTable(t)) Object.values(t).forEach(add);
        }
        return null;
      }
      p.localPath = local ?? stringOf(source.path) ?? stringOf(source.directory) ?? null;
      p.editable = typeof source.editable === 'string';
      p.url = stringOf(source.git) ?? stringOf(source.url) ?? null;
      const markers = Array.isArray(pkg['resolution-markers']) ? pkg['resolution-markers'].filter((m): m is string => typeof m === 'string') : [];
      if (markers.length) p.markerText = markers.length === 1 ? markers[0]! : markers.map((m) => `(${m})`).join(' or ');
      const sdist = isTable(pkg.sdist) ? [pkg.sdist] : [];
      const wheels = Array.isArray(pkg.wheels) ? pkg.wheels : [];
      for (const f of [...sdist, ...wheels]) {
        if (isTable(f) && typeof f.url === 'string') p.files.push(fileFromUrl(f.url, hashRecord(f.hash)));
        else if (isTable(f) && typeof f.path === 'string') p.files.push({ filename: f.path.split('/').pop()!, ...(hashRecord(f.hash) ? { hashes: hashRecord(f.hash)! } : {}) });
      }
      return p;
    },
    (data, result) => {
      result.requiresPython = stringOf(data['requires-python']) ?? null;
    },
  );
}

export function parsePoetryLock(text: string, file: string): LockResult {
  let filesByName: TomlTable = {};
  return tomlLock(
    text,
    file,
    'poetry-lock',
    'package',
    (pkg, location) => {
      const p = base(pkg, location);
      p.markerText = stringOf(pkg.markers) ?? null;
      const groups = Array.isArray(pkg.groups) ? pkg.groups : [];
      const category = stringOf(pkg.category) ?? (typeof groups[0] === 'string' ? groups[0] : 'main');
      p.group = category === 'main' ? 'main' : category === 'dev' ? 'dev' : `group:${canonicalizeName(category)}`;
      const source = isTable(pkg.source) ? pkg.source : {};
      if (source.type === 'git' && typeof source.url === 'string') p.url = `git+${source.url}${typeof source.reference === 'string' ? `@${source.reference}` : ''}`;
      else if ((source.type === 'directory' || source.type === 'file') && typeof source.url === 'string') p.localPath = source.url;
      else if (source.type === 'url' && typeof source.url === 'string') p.url = source.url;
      p.editable = pkg.develop === true;
      // Lock format 2 keeps files in the package; 1.x in [metadata.files].
      const files = Array.isArray(pkg.files) ? pkg.files : filesByName[p.name] ?? filesByName[p.normalizedName];
      if (Array.isArray(files)) {
        for (const f of files) {
          if (isTable(f) && typeof f.file === 'string') p.files.push({ filename: f.file, ...(hashRecord(f.hash) ? { hashes: hashRecord(f.hash)! } : {}) });
        }
      }
      return p;
    },
    (data, result) => {
      const metadata = isTable(data.metadata) ? data.metadata : {};
      filesByName = isTable(metadata.files) ? metadata.files : {};
      const python = stringOf(metadata['python-versions']);
      result.requiresPython = python ?? null;
    },
  );
}

export function parsePdmLock(text: string, file: string): LockResult {
  return tomlLock(
    text,
    file,
    'pdm-lock',
    'package',
    (pkg, location) => {
      const p = base(pkg, location);
      p.markerText = stringOf(pkg.marker) ?? null;
      const groups = Array.isArray(pkg.groups) ? pkg.groups.filter((g): g is string => typeof g === 'string') : [];
      const g = groups[0] ?? 'default';
      p.group = g === 'default' ? 'main' : `group:${canonicalizeName(g)}`;
      p.url = stringOf(pkg.git) ? `git+${pkg.git as string}${stringOf(pkg.revision) ? `@${pkg.revision as string}` : ''}` : stringOf(pkg.url) ?? null;
      p.localPath = stringOf(pkg.path) ?? null;
      p.editable = pkg.editable === true;
      const files = Array.isArray(pkg.files) ? pkg.files : [];
      for (const f of files) {
        if (!isTable(f)) continue;
        const hashes = hashRecord(f.hash);
        if (typeof f.url === 'string') p.files.push(fileFromUrl(f.url, hashes));
        else if (typeof f.file === 'string') p.files.push({ filename: f.file, ...(hashes ? { hashes } : {}) });
      }
      return p;
    },
    (data, result) => {
      const targets = tableAtArray(data, 'metadata', 'targets');
      const first = targets[0];
      result.requiresPython = (isTable(first) ? stringOf(first.requires_python) : undefined) ?? null;
    },
  );
}

function tableAtArray(data: TomlTable, ...keys: string[]): unknown[] {
  let current: unknown = data;
  for (const k of keys) current = isTable(current) ? current[k] : undefined;
  return Array.isArray(current) ? current : [];
}

/** PEP 751. `upload-time` is an unquoted TOML datetime, which is why this needs a TOML 1.0 parser. */
export function parsePylock(text: string, file: string): LockResult {
  return tomlLock(
    text,
    file,
    'pylock',
    'packages',
    (pkg, location) => {
      const p = base(pkg, location);
      p.markerText = stringOf(pkg.marker) ?? null;
      const vcs = isTable(pkg.vcs) ? pkg.vcs : undefined;
      const directory = isTable(pkg.directory) ? pkg.directory : undefined;
      const archive = isTable(pkg.archive) ? pkg.archive : undefined;
      if (vcs && typeof vcs.url === 'string') p.url = `${stringOf(vcs.type) ?? 'git'}+${vcs.url}${typeof vcs['commit-id'] === 'string' ? `@${vcs['commit-id']}` : ''}`;
      if (directory && typeof directory.path === 'string') {
        p.localPath = directory.path;
        p.editable = directory.editable === true;
      }
      if (archive && typeof archive.url === 'string') p.url = archive.url;
      const dists = [...(isTable(pkg.sdist) ? [pkg.sdist] : []), ...(Array.isArray(pkg.wheels) ? pkg.wheels : [])];
      for (const d of dists) {
        if (!isTable(d)) continue;
        const hashes = hashesTable(d.hashes);
        const where = stringOf(d.url) ?? stringOf(d.path);
        if (where) p.files.push(fileFromUrl(where, hashes, stringOf(d.name)));
        else if (typeof d.name === 'string') p.files.push({ filename: d.name, ...(hashes ? { hashes } : {}) });
      }
      return p;
    },
    (data, result) => {
      result.requiresPython = stringOf(data['requires-python']) ?? null;
    },
  );
}

/** Pipfile.lock is JSON; positions come from finding each `"name": {` after its section's key. */
export function parsePipfileLock(text: string, file: string): LockResult {
  const result = emptyResult('pipfile-lock');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const pos = /position (\d+)/.exec(message);
    const line = pos ? new LineMap(text).position(Number(pos[1])).line : 1;
    result.issues.push({ file, line, message: oneLine(`invalid JSON: ${message}`), severity: 'error', fatal: true });
    return result;
  }
  if (!isTable(data)) {
    result.issues.push({ file, line: 1, message: 'expected a JSON object', severity: 'error' });
    return result;
  }
  const lines = new LineMap(text);
  const meta = isTable(data._meta) ? data._meta : {};
  const requires = isTable(meta.requires) ? meta.requires : {};
  if (typeof requires.python_full_version === 'string') result.requiresPython = `==${requires.python_full_version}`;
  else if (typeof requires.python_version === 'string') result.requiresPython = `==${requires.python_version}.*`;
  for (const [section, entries] of Object.entries(data)) {
    if (section === '_meta') continue;
    if (!isTable(entries)) {
      result.issues.push({ file, line: lineOfKey(text, lines, section, 0), message: oneLine(`section ${JSON.stringify(section)} should be an object`), severity: 'error' });
      continue;
    }
    const sectionAt = text.indexOf(JSON.stringify(section));
    const group: RequirementGroup = section === 'default' ? 'main' : section === 'develop' ? 'dev' : `group:${canonicalizeName(section)}`;
    for (const [name, entry] of Object.entries(entries)) {
      const keyAt = text.indexOf(JSON.stringify(name), Math.max(0, sectionAt));
      const location = keyAt >= 0 ? lines.location(file, keyAt + 1, keyAt + 1 + name.length) : lines.location(file, 0, 0);
      // Hand-edited locks sometimes shorten an entry to its version string.
      if (typeof entry === 'string') {
        result.packages.push({ name, normalizedName: canonicalizeName(name), version: entry.replace(/^==/, ''), markerText: null, files: [], group, location, url: null, localPath: null, editable: false });
        continue;
      }
      if (!isTable(entry)) {
        result.issues.push({ file, line: location.line, message: oneLine(`entry ${JSON.stringify(name)} should be an object`), severity: 'error' });
        continue;
      }
      const version = stringOf(entry.version)?.replace(/^==/, '') ?? null;
      const files: LockFile[] = [];
      const p: LockedPackage = {
        name,
        normalizedName: canonicalizeName(name),
        version,
        markerText: stringOf(entry.markers) ?? null,
        files,
        group,
        location,
        url: typeof entry.git === 'string' ? `git+${entry.git}${typeof entry.ref === 'string' ? `@${entry.ref}` : ''}` : stringOf(entry.file) ?? null,
        localPath: stringOf(entry.path) ?? null,
        editable: entry.editable === true,
      };
      // Pipfile.lock records hashes without file names: keep them on the requirement instead.
      const hashes = Array.isArray(entry.hashes) ? entry.hashes.filter((h): h is string => typeof h === 'string') : [];
      if (hashes.length) p.files.push(...hashes.map((h) => ({ filename: '', hashes: hashRecord(h) ?? {} })));
      result.packages.push(p);
    }
  }
  return result;
}

function lineOfKey(text: string, lines: LineMap, key: string, from: number): number {
  const at = text.indexOf(JSON.stringify(key), from);
  return at >= 0 ? lines.position(at).line : 1;
}

/** A locked package as a requirement record: `name==version ; marker`. */
export function lockedRequirement(p: LockedPackage, direct: boolean, issues: ManifestIssue[]): DeclaredRequirement {
  const hashes = p.files.flatMap((f) => Object.entries(f.hashes ?? {}).map(([alg, hex]) => `${alg}:${hex}`));
  const files = p.files.filter((f) => f.filename !== '');
  const marker = p.markerText ? ` ; ${p.markerText}` : '';
  const text = p.url ? `${p.name} @ ${p.url}${marker ? ` ${marker}` : ''}` : `${p.name}${p.version ? `==${p.version}` : ''}${marker}`;
  const options = { group: p.group, direct, editable: p.editable, localPath: p.localPath, lockedVersion: p.version, hashes, synthesized: true };
  const d = p.localPath ? null : declare(text, p.location, options);
  let record: DeclaredRequirement;
  if (d?.ok) {
    record = d.requirement;
  } else {
    if (d && !d.ok) issues.push({ ...d.issue, severity: 'warning' });
    record = declareUnnamed(p.name, p.location, { ...options, url: p.url, markerText: p.markerText });
    if (p.version) record.pinnedVersion = p.version;
  }
  if (files.length) record.lockFiles = files;
  return record;
}
