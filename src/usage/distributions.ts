/**
 * Import name → distribution (issue 16), in this order:
 *
 * 1. the project's own virtual environment, when there is one (`--venv PATH`, else `.venv` or
 *    `venv` under the project root, each recognised by its `pyvenv.cfg`): every
 *    `*.dist-info/top_level.txt` and `RECORD` of its site-packages says which top-level modules a
 *    distribution installs (and, for a namespace package such as `google`, which `google.x`);
 * 2. else the table `data/import-names.json`: the well-known cases whose import name is not the
 *    distribution's (PIL → pillow, yaml → pyyaml, psycopg2 → psycopg2 / psycopg2-binary …), each
 *    with its sources;
 * 3. else the import name, PEP 503-normalised: a guess, which `usage.ts` lists as unmapped unless
 *    the project declares a distribution of that name.
 *
 * Standard-library modules (`data/stdlib-modules.json`, from `sys.stdlib_module_names`) are never
 * third-party. Reading the venv is the only I/O here (synchronous, a few small files per
 * distribution); the rest is pure.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../assess/knowledge.js';
import { canonicalizeName } from '../pep/names.js';

export type MappingSource = 'venv' | 'table' | 'name';

export interface Mapping {
  /** Normalised distribution names; several when more than one installs the module (the declared one is meant). */
  distributions: string[];
  source: MappingSource;
}

const dataFile = (name: string): string => path.join(packageRoot(), 'data', name);

interface TableEntry {
  import: string;
  distributions: string[];
  sources: string[];
}

let stdlib: ReadonlySet<string> | null = null;
let table: ReadonlyMap<string, string[]> | null = null;

/** The standard library's top-level module names. */
export function stdlibModules(): ReadonlySet<string> {
  stdlib ??= new Set((JSON.parse(readFileSync(dataFile('stdlib-modules.json'), 'utf8')) as { modules: string[] }).modules);
  return stdlib;
}

/** `data/import-names.json`, checked: every entry has an import, distributions and sources. */
export function importTable(): ReadonlyMap<string, string[]> {
  if (table) return table;
  const doc = JSON.parse(readFileSync(dataFile('import-names.json'), 'utf8')) as { entries: TableEntry[] };
  const map = new Map<string, string[]>();
  for (const e of doc.entries) {
    if (typeof e.import !== 'string' || !Array.isArray(e.distributions) || e.distributions.length === 0 || !Array.isArray(e.sources) || e.sources.length === 0) {
      throw new Error(`data/import-names.json: malformed entry ${JSON.stringify(e).slice(0, 80)}`);
    }
    map.set(e.import, e.distributions.map((d) => canonicalizeName(d)));
  }
  table = map;
  return table;
}

/** The site-packages folders of a venv (POSIX `lib/<python>/site-packages`, Windows `Lib/site-packages`). */
function sitePackagesOf(venv: string): string[] {
  const out: string[] = [];
  for (const lib of ['lib', 'lib64']) {
    let pythons: string[] = [];
    try {
      pythons = readdirSync(path.join(venv, lib));
    } catch {
      continue;
    }
    for (const p of pythons) {
      const dir = path.join(venv, lib, p, 'site-packages');
      if (existsSync(dir)) out.push(dir);
    }
  }
  const windows = path.join(venv, 'Lib', 'site-packages');
  if (existsSync(windows) && !out.includes(windows)) out.push(windows);
  return [...new Set(out.map((d) => path.resolve(d)))];
}

/** The venv to read: `--venv` when given (relative to `cwd`), else `.venv` or `venv` in the project, when they hold `pyvenv.cfg`. */
export function findVenv(projectRoot: string, venv?: string, cwd = process.cwd()): string | null {
  const candidates = venv !== undefined ? [path.resolve(cwd, venv)] : [path.join(projectRoot, '.venv'), path.join(projectRoot, 'venv')];
  for (const c of candidates) {
    try {
      if (statSync(c).isDirectory() && (venv !== undefined || existsSync(path.join(c, 'pyvenv.cfg')))) return c;
    } catch {
      // not there
    }
  }
  return null;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The first field of a RECORD row (CSV; a path with a comma is quoted). */
function recordPath(row: string): string {
  if (row.startsWith('"')) {
    const end = row.indexOf('"', 1);
    return end === -1 ? '' : row.slice(1, end);
  }
  const comma = row.indexOf(',');
  return comma === -1 ? row : row.slice(0, comma);
}

/** The module names a RECORD installs at the top (and at the second level under namespace folders). */
export function modulesOfRecord(text: string): string[] {
  const packages = new Set<string>();
  const withInit = new Set<string>();
  const second = new Map<string, Set<string>>();
  const out = new Set<string>();
  for (const row of text.split(/\r?\n/)) {
    const file = recordPath(row.trim());
    if (file === '' || file.startsWith('..') || file.startsWith('/')) continue;
    const parts = file.split('/');
    const head = parts[0]!;
    if (parts.length === 1) {
      // a top-level module: name.py, name.cpython-311-x86_64-linux-gnu.so, name.pyd
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(\.[^.]+)*\.(py|so|pyd)$/.exec(head);
      if (m) out.add(m[1]!);
      continue;
    }
    if (!IDENTIFIER.test(head) || head === '__pycache__') continue;
    packages.add(head);
    if (parts.length === 2 && /^__init__\.(py|pyi)$|^__init__\..*\.(so|pyd)$/.test(parts[1]!)) withInit.add(head);
    const sub = parts[1]!.replace(/\.(py|pyi)$/, '').replace(/\..*\.(so|pyd)$/, '');
    if (parts.length >= 2 && IDENTIFIER.test(sub) && sub !== '__pycache__') {
      if (!second.has(head)) second.set(head, new Set());
      second.get(head)!.add(sub);
    }
  }
  for (const p of packages) {
    out.add(p);
    // A namespace package (no __init__ of its own here) is shared: name its sub-packages too.
    if (!withInit.has(p)) for (const s of second.get(p) ?? []) out.add(`${p}.${s}`);
  }
  return [...out].sort();
}

/** The `Name:` of a METADATA file, or null. */
function metadataName(text: string): string | null {
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break; // the headers end at the first blank line
    const m = /^Name:\s*(.+?)\s*$/i.exec(line);
    if (m) return m[1]!;
  }
  return null;
}

export interface VenvIndex {
  venv: string;
  /** Module (top, or `namespace.sub`) → distributions installing it. */
  modules: Map<string, string[]>;
  distributions: number;
}

/** Read every `*.dist-info` of a venv's site-packages. */
export function readVenv(venv: string): VenvIndex {
  const modules = new Map<string, string[]>();
  let distributions = 0;
  const add = (module: string, dist: string): void => {
    const list = modules.get(module) ?? [];
    if (!list.includes(dist)) list.push(dist);
    modules.set(module, list);
  };
  for (const site of sitePackagesOf(venv)) {
    let entries: string[];
    try {
      entries = readdirSync(site).filter((e) => e.endsWith('.dist-info')).sort();
    } catch {
      continue;
    }
    for (const entry of entries) {
      const dir = path.join(site, entry);
      const read = (name: string): string | null => {
        try {
          return readFileSync(path.join(dir, name), 'utf8');
        } catch {
          return null;
        }
      };
      const name = metadataName(read('METADATA') ?? '') ?? entry.replace(/\.dist-info$/, '').split('-')[0]!;
      const dist = canonicalizeName(name);
      distributions++;
      const topLevel = read('top_level.txt');
      for (const line of (topLevel ?? '').split(/\r?\n/)) {
        const t = line.trim().replace(/\//g, '.');
        if (t !== '' && t.split('.').every((p) => IDENTIFIER.test(p))) add(t, dist);
      }
      for (const m of modulesOfRecord(read('RECORD') ?? '')) add(m, dist);
    }
  }
  return { venv, modules, distributions };
}

/**
 * The distribution(s) of an absolute import's module (dotted), or null for the standard library.
 * The venv first (its `namespace.sub` entries before the top), then the table (longest dotted
 * prefix first), then the normalised top-level name.
 */
export function distributionOf(module: string, venv: VenvIndex | null): Mapping | null {
  const parts = module.split('.');
  const top = parts[0]!;
  if (stdlibModules().has(top)) return null;
  const prefixes = parts.map((_, i) => parts.slice(0, parts.length - i).join('.'));
  if (venv) {
    for (const p of prefixes) {
      const found = venv.modules.get(p);
      if (found) return { distributions: [...found].sort(), source: 'venv' };
    }
  }
  const known = importTable();
  for (const p of prefixes) {
    const found = known.get(p);
    if (found) return { distributions: [...found], source: 'table' };
  }
  return { distributions: [canonicalizeName(top)], source: 'name' };
}
