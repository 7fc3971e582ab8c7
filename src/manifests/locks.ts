/**
 * Lock files: uv.lock, poetry.lock, pdm.lock, pylock.toml (PEP 751) and Pipfile.lock. Each gives
 * exact versions, markers where the format records them, and the distribution files with hashes.
 */
import { quote } from '../safe-text.js';
import { MAX_ENTRIES_PER_FILE, MAX_JSON_DEPTH, oneLine, tooDeepAt, tooManyEntries } from './limits.js';
import { canonicalizeName } from '../pep/names.js';
import { satisfies } from '../pep/versions.js';
import { declare, declareUnnamed, parseRequirementQuietly, requirementIssue } from './declared.js';
import { poetryToPep440 } from './poetry-constraint.js';
import { pythonMarker } from './pyproject.js';
import { LineMap } from './source-text.js';
import { cutAtFirst } from './text-scan.js';
import { isTable, readToml, stringOf, unknownContent, type TomlTable } from './toml-document.js';
import type { DeclaredRequirement, LockEdge, LockFile, LockGraph, LockNode, ManifestIssue, RequirementGroup, SourceLocation } from './types.js';

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
  /** The dependency edges the lock records, for `ManifestProject.lockGraphs`. */
  graph: LockGraph;
}

/** Formats that record no edges: every package whose own marker holds is installed. */
const EDGELESS: ReadonlySet<LockFormat> = new Set(['pylock', 'pipfile-lock']);

function emptyResult(format: LockFormat, file: string): LockResult {
  return {
    format,
    packages: [],
    issues: [],
    requiresPython: null,
    direct: null,
    rootName: null,
    graph: { file, hasEdges: !EDGELESS.has(format), nodes: [], roots: null },
  };
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
  const path = cutAtFirst(url, '#?');
  const last = path.slice(path.lastIndexOf('/') + 1);
  let filename = name;
  if (filename === undefined) {
    try {
      filename = decodeURIComponent(last);
    } catch {
      filename = last; // a stray `%` (URIError) is part of the name
    }
  }
  return { filename, url, ...(hashes ? { hashes } : {}) };
}

/** The top-level keys each TOML lock format writes (anything else alone means the file is not that lock). */
const LOCK_KEYS: Record<Exclude<LockFormat, 'pipfile-lock'>, ReadonlySet<string>> = {
  'uv-lock': new Set(['version', 'revision', 'requires-python', 'resolution-markers', 'supported-markers', 'required-markers', 'conflicts', 'options', 'manifest', 'package', 'workspace']),
  'poetry-lock': new Set(['package', 'metadata', 'extras']),
  'pdm-lock': new Set(['package', 'metadata']),
  pylock: new Set(['lock-version', 'environments', 'requires-python', 'extras', 'dependency-groups', 'default-groups', 'created-by', 'packages', 'tool', 'attestation-identities']),
};

const LOCK_LABEL: Record<LockFormat, string> = {
  'uv-lock': 'a uv.lock',
  'poetry-lock': 'a poetry.lock',
  'pdm-lock': 'a pdm.lock',
  pylock: 'a pylock.toml',
  'pipfile-lock': 'a Pipfile.lock',
};

/** Location of a value inside the current lock entry, by its path below the entry. */
type At = (...path: (string | number)[]) => SourceLocation;

interface LockEntry {
  pkg: TomlTable & { name: string };
  at: At;
}

function tomlLock(
  text: string,
  file: string,
  format: Exclude<LockFormat, 'pipfile-lock'>,
  key: 'package' | 'packages',
  read: (pkg: TomlTable, location: SourceLocation, result: LockResult) => LockedPackage | null,
  top?: (data: TomlTable, result: LockResult) => void,
  graph?: (entries: LockEntry[], data: TomlTable, result: LockResult) => void,
): LockResult {
  const result = emptyResult(format, file);
  const doc = readToml(text, file);
  if (!doc.ok) {
    result.issues.push(doc.issue);
    return result;
  }
  const unknown = unknownContent(doc.data, doc.positions, file, LOCK_LABEL[format], (k) => LOCK_KEYS[format].has(k));
  if (unknown) result.issues.push(unknown);
  top?.(doc.data, result);
  const list = doc.data[key];
  if (list !== undefined && !Array.isArray(list)) {
    result.issues.push({ file, line: doc.positions.value([key]).line, message: `expected [[${key}]] entries`, severity: 'error' });
    return result;
  }
  const entries: LockEntry[] = [];
  const packages: unknown[] = list ?? [];
  for (let i = 0; i < packages.length; i++) {
    const pkg = packages[i];
    if (i >= MAX_ENTRIES_PER_FILE) {
      result.issues.push(tooManyEntries(file, doc.positions.value([key, i]).line, `[[${key}]] entries`));
      break;
    }
    if (!isTable(pkg) || typeof pkg.name !== 'string') {
      const at = doc.positions.value([key, i]);
      result.issues.push({ file, line: at.line, message: `lock entry without a name`, severity: 'warning' });
      continue;
    }
    entries.push({ pkg: pkg as TomlTable & { name: string }, at: (...path) => doc.positions.value([key, i, ...path]) });
    // Point at the entry's `name = "…"`, the line a reader looks for.
    const locked = read(pkg, doc.positions.value([key, i, 'name']), result);
    if (locked) result.packages.push(locked);
  }
  if (graph) graph(entries, doc.data, result);
  else result.graph.nodes = edgelessNodes(result.packages);
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
      Object.assign(p, uvSource(source));
      p.markerText = uvResolutionMarker(pkg);
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
    uvGraph,
  );
}

function uvSource(source: TomlTable): { localPath: string | null; editable: boolean; url: string | null } {
  const local = stringOf(source.editable) ?? stringOf(source.virtual);
  return {
    localPath: local ?? stringOf(source.path) ?? stringOf(source.directory) ?? null,
    editable: typeof source.editable === 'string',
    url: stringOf(source.git) ?? stringOf(source.url) ?? null,
  };
}

/** uv forks: a package locked for some environments only lists them in `resolution-markers`. */
function uvResolutionMarker(pkg: TomlTable): string | null {
  const markers = Array.isArray(pkg['resolution-markers']) ? pkg['resolution-markers'].filter((m): m is string => typeof m === 'string') : [];
  if (markers.length === 0) return null;
  return markers.length === 1 ? markers[0]! : markers.map((m) => `(${m})`).join(' or ');
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
    poetryGraph,
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
    pdmGraph,
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
  const result = emptyResult('pipfile-lock', file);
  const parsed = readPipfileLock(text, file, result);
  result.graph.nodes = edgelessNodes(result.packages);
  return parsed;
}

function readPipfileLock(text: string, file: string, result: LockResult): LockResult {
  const deep = tooDeepAt(text);
  if (deep !== -1) {
    const { line } = new LineMap(text).position(deep);
    result.issues.push({ file, line, message: `invalid Pipfile.lock: nested deeper than ${MAX_JSON_DEPTH} levels`, severity: 'error', fatal: true });
    return result;
  }
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
  // (No "nothing read" check: every section is a category, and one that is not an object is an error.)
  const offsets = jsonKeyOffsets(text);
  const meta = isTable(data._meta) ? data._meta : {};
  const requires = isTable(meta.requires) ? meta.requires : {};
  if (typeof requires.python_full_version === 'string') result.requiresPython = `==${requires.python_full_version}`;
  else if (typeof requires.python_version === 'string') result.requiresPython = `==${requires.python_version}.*`;
  let count = 0;
  sections: for (const [section, entries] of Object.entries(data)) {
    if (section === '_meta') continue;
    const at = offsets.get(section);
    if (!isTable(entries)) {
      result.issues.push({ file, line: lines.position(at?.at ?? 0).line, message: oneLine(`section ${JSON.stringify(section)} should be an object`), severity: 'error' });
      continue;
    }
    const group: RequirementGroup = section === 'default' ? 'main' : section === 'develop' ? 'dev' : `group:${canonicalizeName(section)}`;
    for (const [name, entry] of Object.entries(entries)) {
      const keyAt = at?.keys.get(name);
      const location = keyAt !== undefined ? lines.location(file, keyAt + 1, keyAt + 1 + name.length) : lines.location(file, 0, 0);
      if (++count > MAX_ENTRIES_PER_FILE) {
        result.issues.push(tooManyEntries(file, location.line, 'package entries'));
        break sections;
      }
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
      for (const h of hashes) p.files.push({ filename: '', hashes: hashRecord(h) ?? {} });
      result.packages.push(p);
    }
  }
  return result;
}

/**
 * Where each key of a JSON document's top-level object, and of each object directly inside it, is
 * written (the offset of its opening quote; the last of duplicate keys, as JSON.parse keeps the
 * last value). One pass over a text JSON.parse has accepted, instead of an `indexOf` from the
 * section's start for every entry (quadratic over a lock of many entries).
 */
function jsonKeyOffsets(text: string): Map<string, { at: number; keys: Map<string, number> }> {
  const sections = new Map<string, { at: number; keys: Map<string, number> }>();
  const stack: { object: boolean; expectKey: boolean }[] = [];
  let section: { at: number; keys: Map<string, number> } | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push({ object: c === 0x7b, expectKey: c === 0x7b });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.object) top.expectKey = true;
    } else if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      const top = stack[stack.length - 1];
      if (!top?.object || !top.expectKey) continue;
      top.expectKey = false;
      let key = text.slice(start + 1, i);
      if (key.includes('\\')) {
        try {
          key = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          continue;
        }
      }
      if (stack.length === 1) {
        section = { at: start, keys: new Map() };
        sections.set(key, section);
      } else if (stack.length === 2 && stack[0]!.object && section) {
        section.keys.set(key, start);
      }
    }
  }
  return sections;
}

// ------------------------------------------------------------------------------------------------
// Dependency graphs. Each node is one locked package with the edges that leave it, as the lock
// writes them; nothing is evaluated here (markers stay text for the resolver).

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function graphIssue(result: LockResult, location: SourceLocation, message: string): void {
  result.issues.push({ file: location.file, line: location.line, column: location.column, message: oneLine(message), severity: 'warning' });
}

/** Dependency edges read from one lock; past that an error says so and the graph stops growing. */
const MAX_EDGES_PER_FILE = 4 * MAX_ENTRIES_PER_FILE;
const edgesRead = new WeakMap<LockResult, number>();

/** Whether `count` more edges (at `location`) are read. */
function admitEdge(result: LockResult, location: () => SourceLocation, count = 1): boolean {
  const before = edgesRead.get(result) ?? 0;
  const n = before + count;
  edgesRead.set(result, n);
  if (n <= MAX_EDGES_PER_FILE) return true;
  if (before <= MAX_EDGES_PER_FILE) result.issues.push(tooManyEntries(result.graph.file, location().line, 'dependency edges'));
  return false;
}

/** Edges whose version is still to be settled from a specifier (poetry, pdm). */
type Pending = { edge: LockEdge; specifier: string }[];

/** More locked versions of one name than any real lock holds: not worth matching edge by edge. */
const MAX_VERSIONS_TO_SETTLE = 32;

/**
 * Where a lock holds several versions of one package and an edge names it by specifier only,
 * the edge gets the one locked version the specifier allows (none or several: left null).
 * Memoised by name and specifier, and capped, so a hostile lock cannot make this quadratic.
 */
function settleVersions(nodes: LockNode[], pending: Pending): void {
  const versions = new Map<string, Set<string>>();
  for (const n of nodes) if (n.version !== null) versions.set(n.name, (versions.get(n.name) ?? new Set()).add(n.version));
  const memo = new Map<string, string | null>();
  for (const { edge, specifier } of pending) {
    const locked = versions.get(edge.name);
    if (edge.version !== null || !locked || locked.size < 2 || locked.size > MAX_VERSIONS_TO_SETTLE || specifier === '') continue;
    const key = `${edge.name}\u0000${specifier}`;
    let settled = memo.get(key);
    if (settled === undefined) {
      const allowed = [...locked].filter((v) => {
        try {
          return satisfies(v, specifier, { prereleases: true });
        } catch {
          return false;
        }
      });
      settled = allowed.length === 1 ? allowed[0]! : null;
      memo.set(key, settled);
    }
    edge.version = settled;
  }
}

function nodeOf(name: string, version: string | null, markerText: string | null, origin: { url: string | null; localPath: string | null }): LockNode {
  return { name: canonicalizeName(name), version, markerText, dependencies: [], optionalDependencies: {}, url: origin.url, localPath: origin.localPath };
}

function addOptional(node: LockNode, extra: string, edges: LockEdge[]): void {
  const key = canonicalizeName(extra);
  // In place: a lock that names one extra 100,000 times must not copy the list each time.
  const list = Object.hasOwn(node.optionalDependencies, key) ? node.optionalDependencies[key]! : (node.optionalDependencies[key] = []);
  for (const e of edges) list.push(e);
}

/** pylock.toml and Pipfile.lock: the packages, each with its own marker, no edges. */
function edgelessNodes(packages: LockedPackage[]): LockNode[] {
  const seen = new Set<string>();
  const nodes: LockNode[] = [];
  for (const p of packages) {
    // Pipfile.lock may list one package in both default and develop.
    const key = JSON.stringify([p.normalizedName, p.version, p.markerText, p.url, p.localPath]);
    if (seen.has(key)) continue;
    seen.add(key);
    nodes.push(nodeOf(p.name, p.version, p.markerText, p));
  }
  return nodes;
}

// uv.lock -----------------------------------------------------------------------------------------

/** `[{ name, version?, source?, marker?, extra? }]`; uv writes `version` only where it locks several. */
function uvEdges(list: unknown, at: At, path: (string | number)[], result: LockResult, what: string): LockEdge[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    graphIssue(result, at(...path), `${what}: expected an array of dependency tables`);
    return [];
  }
  const edges: LockEdge[] = [];
  list.forEach((d, j) => {
    if (!admitEdge(result, () => at(...path, j))) return;
    if (!isTable(d) || typeof d.name !== 'string') {
      graphIssue(result, at(...path, j), `${what}: dependency entry without a name`);
      return;
    }
    edges.push({
      name: canonicalizeName(d.name),
      version: stringOf(d.version) ?? null,
      markerText: stringOf(d.marker) ?? null,
      // Lock entries say `extra`; [manifest] requirements, like requires-dist, say `extras`.
      extras: [...stringList(d.extra), ...stringList(d.extras)].map((e) => canonicalizeName(e)),
    });
  });
  return edges;
}

function uvGraph(entries: LockEntry[], data: TomlTable, result: LockResult): void {
  const graph = result.graph;
  let roots: (LockEdge & { group: RequirementGroup })[] | null = null;
  for (const { pkg, at } of entries) {
    const source = isTable(pkg.source) ? pkg.source : {};
    const node = nodeOf(pkg.name, stringOf(pkg.version) ?? null, uvResolutionMarker(pkg), uvSource(source));
    const what = `${pkg.name} ${node.version ?? ''}`.trim();
    node.dependencies = uvEdges(pkg.dependencies, at, ['dependencies'], result, what);
    const optional = pkg['optional-dependencies'];
    for (const [extra, list] of Object.entries(isTable(optional) ? optional : {})) {
      addOptional(node, extra, uvEdges(list, at, ['optional-dependencies', extra], result, `${what} [${extra}]`));
    }
    graph.nodes.push(node);
    if ((stringOf(source.editable) ?? stringOf(source.virtual)) !== '.' || roots) continue;
    // The project itself: its edges are the roots, with the group each comes from.
    roots = node.dependencies.map((e) => ({ ...e, group: 'main' as const }));
    for (const [extra, edges] of Object.entries(node.optionalDependencies)) for (const e of edges) roots.push({ ...e, group: `optional:${extra}` as const });
    const dev = pkg['dev-dependencies'];
    for (const [group, list] of Object.entries(isTable(dev) ? dev : {})) {
      const edges = uvEdges(list, at, ['dev-dependencies', group], result, `${what} (group ${group})`);
      for (const e of edges) roots.push({ ...e, group: `group:${canonicalizeName(group)}` as const });
    }
  }
  // A virtual workspace root has no package of its own: [manifest] (lock version 1) or
  // [workspace] (version 2) lists the members and the root's own dependency groups.
  const manifest = isTable(data.manifest) ? data.manifest : isTable(data.workspace) ? data.workspace : null;
  if (!roots && manifest) {
    const at: At = () => ({ file: graph.file, line: 1, column: 1, endLine: 1, endColumn: 1 });
    const found: (LockEdge & { group: RequirementGroup })[] = [];
    for (const member of stringList(manifest.members)) found.push({ name: canonicalizeName(member), version: null, markerText: null, extras: [], group: 'main' });
    for (const e of uvEdges(manifest.requirements, at, [], result, 'manifest requirements')) found.push({ ...e, group: 'main' as const });
    const groups = manifest['dependency-groups'];
    for (const [group, value] of Object.entries(isTable(groups) ? groups : {})) {
      const list = isTable(value) ? value.dependencies : value;
      for (const e of uvEdges(list, at, [], result, `manifest group ${group}`)) found.push({ ...e, group: `group:${canonicalizeName(group)}` as const });
    }
    if (found.length > 0) roots = found;
  }
  graph.roots = roots;
}

// poetry.lock -------------------------------------------------------------------------------------

/** A `[package.dependencies]` value: a constraint string or `{ version, markers, extras, optional, python, platform }`. */
function poetryEdge(name: string, entry: unknown): { edge: LockEdge; specifier: string; optional: boolean } | null {
  if (typeof entry === 'string') {
    const t = poetryToPep440(entry);
    return { edge: { name, version: null, markerText: null, extras: [] }, specifier: t.ok ? t.specifier : '', optional: false };
  }
  if (!isTable(entry)) return null;
  const markers: string[] = [];
  if (typeof entry.markers === 'string' && entry.markers.trim()) markers.push(entry.markers.trim());
  // Older locks spell some conditions as Poetry constraints rather than markers.
  const python = typeof entry.python === 'string' ? pythonMarker(entry.python) : null;
  if (python) markers.push(python);
  if (typeof entry.platform === 'string' && entry.platform !== '*') markers.push(`sys_platform == ${JSON.stringify(entry.platform)}`);
  const t = typeof entry.version === 'string' ? poetryToPep440(entry.version) : null;
  return {
    edge: {
      name,
      version: null,
      markerText: markers.length === 0 ? null : markers.length === 1 ? markers[0]! : markers.map((m) => `(${m})`).join(' and '),
      extras: stringList(entry.extras).map((e) => canonicalizeName(e)),
    },
    specifier: t?.ok ? t.specifier : '',
    optional: entry.optional === true,
  };
}

/** Poetry 2 keeps one marker per dependency group (`markers = { main = "…", dev = "…" }`). */
function poetryNodeMarker(markers: unknown): string | null {
  if (typeof markers === 'string') return markers.trim() || null;
  if (!isTable(markers)) return null;
  const values = [...new Set(Object.values(markers).filter((m): m is string => typeof m === 'string' && m.trim() !== ''))];
  // A group without a marker installs the package everywhere.
  if (values.length === 0 || values.length < Object.keys(markers).length) return null;
  return values.length === 1 ? values[0]! : values.map((m) => `(${m})`).join(' or ');
}

/** `"pyyaml (>=5.1)"`, `"coverage[toml] (>=5.0.2)"`, `"win-inet-pton ; sys_platform == \"win32\""`. */
function looseRequirement(text: string): { name: string; extras: string[]; specifier: string; markerText: string | null } | { error: unknown } {
  try {
    const r = parseRequirementQuietly(text.trim().replace(/^-e\s+/, ''));
    return { name: r.normalizedName, extras: r.extras, specifier: r.url ? '' : r.specifier, markerText: r.markerText };
  } catch (error) {
    return { error };
  }
}

function poetryGraph(entries: LockEntry[], _data: TomlTable, result: LockResult): void {
  const pending: Pending = [];
  for (const { pkg, at } of entries) {
    const source = isTable(pkg.source) ? pkg.source : {};
    const local = source.type === 'directory' || source.type === 'file' ? stringOf(source.url) ?? null : null;
    const url = local === null && typeof source.url === 'string' ? source.url : null;
    const node = nodeOf(pkg.name, stringOf(pkg.version) ?? null, poetryNodeMarker(pkg.markers), { url, localPath: local });
    const what = `${pkg.name} ${node.version ?? ''}`.trim();
    const optionalByName = new Map<string, { edge: LockEdge; specifier: string }[]>();
    const deps = isTable(pkg.dependencies) ? pkg.dependencies : {};
    for (const [depName, spec] of Object.entries(deps)) {
      const name = canonicalizeName(depName);
      // Multiple-constraints dependencies: one table per environment, each with its markers.
      const list = Array.isArray(spec) ? spec : [spec];
      list.forEach((entry, j) => {
        if (!admitEdge(result, () => at('dependencies', depName))) return;
        const parsed = poetryEdge(name, entry);
        if (!parsed) {
          graphIssue(result, at(...(Array.isArray(spec) ? ['dependencies', depName, j] : ['dependencies', depName])), `${what}: dependency ${quote(depName)} should be a constraint string or a table`);
          return;
        }
        if (parsed.optional) {
          const list = optionalByName.get(name);
          if (list) list.push(parsed);
          else optionalByName.set(name, [parsed]);
        } else {
          node.dependencies.push(parsed.edge);
          pending.push(parsed);
        }
      });
    }
    // An `optional = true` dependency is an edge only through the extras that list it.
    const extras = isTable(pkg.extras) ? pkg.extras : {};
    for (const [extra, list] of Object.entries(extras)) {
      if (!Array.isArray(list)) {
        graphIssue(result, at('extras', extra), `${what}: extra ${quote(extra)} should be an array of requirement strings`);
        continue;
      }
      const edges: LockEdge[] = [];
      list.forEach((item, j) => {
        if (typeof item !== 'string' || !admitEdge(result, () => at('extras', extra, j))) return;
        const r = looseRequirement(item);
        if ('error' in r) {
          result.issues.push({ ...requirementIssue(item, at('extras', extra, j), r.error, true), severity: 'warning' });
          return;
        }
        // Poetry writes the optional dependencies of the extras someone requested only: an
        // extra nothing asks for has no locked edges. A required one listed again adds nothing.
        for (const o of optionalByName.get(r.name) ?? []) {
          if (!admitEdge(result, () => at('extras', extra, j))) return;
          const edge = { ...o.edge, extras: [...new Set([...o.edge.extras, ...r.extras])].sort() };
          edges.push(edge);
          pending.push({ edge, specifier: o.specifier });
        }
      });
      if (edges.length > 0) addOptional(node, extra, edges);
    }
    result.graph.nodes.push(node);
  }
  settleVersions(result.graph.nodes, pending);
}

// pdm.lock ----------------------------------------------------------------------------------------

function pdmEdges(list: unknown, at: At, result: LockResult, what: string): { edge: LockEdge; specifier: string }[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    graphIssue(result, at('dependencies'), `${what}: dependencies should be an array of requirement strings`);
    return [];
  }
  const edges: { edge: LockEdge; specifier: string }[] = [];
  list.forEach((item, j) => {
    if (!admitEdge(result, () => at('dependencies', j))) return;
    if (typeof item !== 'string') {
      graphIssue(result, at('dependencies', j), `${what}: dependency should be a requirement string`);
      return;
    }
    const r = looseRequirement(item);
    if ('error' in r) {
      result.issues.push({ ...requirementIssue(item, at('dependencies', j), r.error, true), severity: 'warning' });
      return;
    }
    edges.push({ edge: { name: r.name, version: null, markerText: r.markerText, extras: r.extras }, specifier: r.specifier });
  });
  return edges;
}

/**
 * pdm writes `pkg[extra]` as a second entry with `extras = [...]` whose dependencies are the base
 * package (`pkg==version`) plus what the extras add; those become the base node's
 * optionalDependencies. An entry for several extras together is split over the extras that
 * have no entry of their own.
 */
function pdmGraph(entries: LockEntry[], _data: TomlTable, result: LockResult): void {
  const pending: Pending = [];
  const base = new Map<string, LockNode>();
  const withExtras: { entry: LockEntry; extras: string[] }[] = [];
  for (const entry of entries) {
    const { pkg, at } = entry;
    const extras = stringList(pkg.extras).map((e) => canonicalizeName(e));
    if (extras.length > 0) {
      withExtras.push({ entry, extras });
      continue;
    }
    const url = stringOf(pkg.git) ? `git+${pkg.git as string}${stringOf(pkg.revision) ? `@${pkg.revision as string}` : ''}` : stringOf(pkg.url) ?? null;
    const node = nodeOf(pkg.name, stringOf(pkg.version) ?? null, stringOf(pkg.marker) ?? null, { url, localPath: stringOf(pkg.path) ?? null });
    const deps = pdmEdges(pkg.dependencies, at, result, `${pkg.name} ${node.version ?? ''}`.trim());
    for (const d of deps) pending.push(d);
    node.dependencies = deps.map((d) => d.edge);
    const key = `${node.name}\u0000${node.version ?? ''}`;
    if (!base.has(key)) base.set(key, node);
    result.graph.nodes.push(node);
  }
  const ownEntry = new Set(withExtras.filter((w) => w.extras.length === 1).map((w) => `${canonicalizeName(w.entry.pkg.name)}\u0000${stringOf(w.entry.pkg.version) ?? ''}\u0000${w.extras[0]}`));
  withExtras.sort((a, b) => a.extras.length - b.extras.length);
  for (const { entry, extras } of withExtras) {
    const { pkg, at } = entry;
    const version = stringOf(pkg.version) ?? null;
    const key = `${canonicalizeName(pkg.name)}\u0000${version ?? ''}`;
    let node = base.get(key);
    if (!node) {
      graphIssue(result, at('name'), `${pkg.name}[${extras.join(',')}] ${version ?? ''}: no entry for the package without extras`);
      node = nodeOf(pkg.name, version, stringOf(pkg.marker) ?? null, { url: null, localPath: null });
      base.set(key, node);
      result.graph.nodes.push(node);
    }
    const edges = pdmEdges(pkg.dependencies, at, result, `${pkg.name}[${extras.join(',')}] ${version ?? ''}`.trim())
      // The entry's own base package (`coverage==7.13.5`): that is the node itself.
      .filter((d) => !(d.edge.name === node.name && d.edge.extras.length === 0));
    const targets = extras.length === 1 ? extras : extras.filter((x) => !ownEntry.has(`${key}\u0000${x}`));
    for (const x of targets) {
      if (edges.length > 0 && !admitEdge(result, () => at('extras'), edges.length)) break;
      const copies = edges.map((d) => ({ edge: { ...d.edge, extras: [...d.edge.extras] }, specifier: d.specifier }));
      for (const d of copies) pending.push(d);
      addOptional(node, x, copies.map((d) => d.edge));
    }
  }
  settleVersions(result.graph.nodes, pending);
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
