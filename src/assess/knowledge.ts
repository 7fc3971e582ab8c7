/**
 * The curated knowledge base: what is known about a package on PyPy that its files on the index
 * cannot tell (it builds but fails at import, it is built into PyPy, it is a CFFI binding, it gains
 * nothing from the JIT). Every claim carries its source. The data lives in
 * `data/knowledge-base.json` and is validated strictly when loaded, because a silently dropped or
 * mistyped field would turn into a wrong verdict.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneLine, quote } from '../safe-text.js';
import { canonicalizeName, isValidName } from '../pep/names.js';
import { isValidSpecifier } from '../pep/versions.js';

export type KnowledgeStatus =
  | 'works' // runs as is (pure Python, or upstream supports PyPy)
  | 'pure-fallback' // ships C speed-ups for CPython only and runs as pure Python on PyPy
  | 'cffi' // a CFFI binding: PyPy's fast path to C
  | 'cpyext-slow' // a CPython C-API extension: runs, but every call crosses cpyext
  | 'broken' // does not install or does not import on PyPy
  | 'builtin' // part of PyPy itself; installing it adds nothing
  | 'no-gain' // NumPy-class: runs through cpyext, so PyPy brings no speed-up
  | 'unverified'; // compiled, but its sources disagree or say nothing about PyPy: never treated as working

export const KNOWLEDGE_STATUSES: readonly KnowledgeStatus[] = [
  'works',
  'pure-fallback',
  'cffi',
  'cpyext-slow',
  'broken',
  'builtin',
  'no-gain',
  'unverified',
];

/** Whether an alternative can replace the package without code changes: everywhere, nowhere, or for one use only. */
export type DropIn = 'yes' | 'no' | 'partial';
export const DROP_IN_VALUES: readonly DropIn[] = ['yes', 'no', 'partial'];

export interface KnowledgeAlternative {
  /** A PyPI project name, or a label such as "json (standard library)". */
  name: string;
  note: string;
  /** Absent when nobody has said. */
  dropIn?: DropIn;
  /** With dropIn "partial" (and only then): the use it is a drop-in for, e.g. "Django's postgresql backend". */
  dropInFor?: string;
}

export interface KnowledgePythonLimit {
  /** The package versions that need a newer Python than PyPy offers. */
  specifier: string;
  note: string;
  /** Their Requires-Python, when known: the limit applies only to PyPy lines whose Python it excludes. */
  requiresPython?: string;
}


export interface KnowledgeEntry {
  /** PEP 503 normalised project name. */
  name: string;
  status: KnowledgeStatus;
  /** One line: why. */
  summary: string;
  /** What to use instead, and whether it is a drop-in. */
  alternative?: KnowledgeAlternative | null;
  /** PEP 440 specifier of the versions the entry applies to; absent means all versions. */
  appliesTo?: string;
  /** Versions (PEP 440 specifier) that need a newer Python than PyPy offers, and what to do. */
  pythonLimit?: KnowledgePythonLimit | null;
  /** The releases that carry PyPy wheels (first to last, as a PEP 440 range), when the history shows it. */
  pypyWheels?: { specifier: string; note: string } | null;
  /** At least one: a URL, "owner/repo path (snapshot date)", or "measured: …". */
  sources: string[];
}

export interface KnowledgeBase {
  /** Looks `name` up after PEP 503 normalisation; undefined when unknown or not a valid name. */
  get(name: string): KnowledgeEntry | undefined;
  entries(): readonly KnowledgeEntry[];
}

export class KnowledgeBaseError extends Error {
  override readonly name = 'KnowledgeBaseError';

  constructor(message: string) {
    super(oneLine(message, 400));
  }
}

export const KNOWLEDGE_SCHEMA_VERSION = 1;

/** Longest accepted one-line text; keeps report lines readable and rejects pasted paragraphs. */
const MAX_TEXT = 300;

const ENTRY_KEYS = new Set(['name', 'status', 'summary', 'alternative', 'appliesTo', 'pythonLimit', 'pypyWheels', 'sources']);
const PAIR_KEYS = {
  alternative: new Set(['name', 'note', 'dropIn', 'dropInFor']),
  pythonLimit: new Set(['specifier', 'note', 'requiresPython']),
  pypyWheels: new Set(['specifier', 'note']),
} as const;

/** The shapes a source may take (data/README.md): a URL, a repository file with its snapshot, or a measurement. */
const SOURCE_SHAPES: readonly RegExp[] = [
  /^https:\/\/\S+$/,
  /^github\.com\/[A-Za-z0-9][\w.-]*\/[\w.-]+ \S.*$/,
  /^measured: \S.*$/,
  /^Debian \S.*$/,
];

/** Whether a source string has one of the documented shapes. */
export function isWellFormedSource(source: string): boolean {
  return SOURCE_SHAPES.some((shape) => shape.test(source));
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${quote(value, 40)}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Validates the parsed JSON of a knowledge-base file and returns a lookup over it. `origin` names
 * the file in error messages. Throws KnowledgeBaseError, one line naming the entry and the field.
 */
export function parseKnowledgeBase(json: unknown, origin: string): KnowledgeBase {
  if (!isObject(json)) throw new KnowledgeBaseError(`${origin}: expected a JSON object, got ${describe(json)}`);
  for (const key of Object.keys(json)) {
    if (key !== 'schemaVersion' && key !== 'entries') {
      throw new KnowledgeBaseError(`${origin}: unknown top-level field ${quote(key)}`);
    }
  }
  if (json.schemaVersion !== KNOWLEDGE_SCHEMA_VERSION) {
    throw new KnowledgeBaseError(
      `${origin}: "schemaVersion" must be ${KNOWLEDGE_SCHEMA_VERSION}, got ${describe(json.schemaVersion)}`,
    );
  }
  if (!Array.isArray(json.entries)) {
    throw new KnowledgeBaseError(`${origin}: "entries" must be an array, got ${describe(json.entries)}`);
  }

  const byName = new Map<string, KnowledgeEntry>();
  const list: KnowledgeEntry[] = [];
  json.entries.forEach((raw: unknown, index) => {
    const entry = parseEntry(raw, `${origin}: entry ${index}`);
    if (byName.has(entry.name)) {
      throw new KnowledgeBaseError(`${origin}: entry ${index} (${quote(entry.name)}): field "name": duplicate entry`);
    }
    byName.set(entry.name, entry);
    list.push(entry);
  });
  Object.freeze(list);

  return {
    get(name: string): KnowledgeEntry | undefined {
      return isValidName(name) ? byName.get(canonicalizeName(name)) : undefined;
    },
    entries: () => list,
  };
}

function parseEntry(raw: unknown, where: string): KnowledgeEntry {
  if (!isObject(raw)) throw new KnowledgeBaseError(`${where}: expected an object, got ${describe(raw)}`);

  // Name first, so every later message can say which entry is wrong.
  const rawName = raw.name;
  if (typeof rawName !== 'string' || !isValidName(rawName)) {
    throw new KnowledgeBaseError(`${where}: field "name": expected a valid project name, got ${describe(rawName)}`);
  }
  if (canonicalizeName(rawName) !== rawName) {
    throw new KnowledgeBaseError(
      `${where} (${quote(rawName)}): field "name": must be PEP 503 normalised (${quote(canonicalizeName(rawName))})`,
    );
  }
  const at = `${where} (${quote(rawName)})`;
  const fail = (field: string, problem: string): never => {
    throw new KnowledgeBaseError(`${at}: field ${quote(field)}: ${problem}`);
  };
  const text = (field: string, value: unknown): string => {
    if (typeof value !== 'string') return fail(field, `expected a string, got ${describe(value)}`);
    if (value.trim() === '') return fail(field, 'must not be empty');
    if (value !== oneLine(value, Number.MAX_SAFE_INTEGER)) {
      return fail(field, 'must be one line without control characters or surrounding spaces');
    }
    if (value.length > MAX_TEXT) return fail(field, `longer than ${MAX_TEXT} characters`);
    return value;
  };
  const specifier = (field: string, value: unknown): string => {
    const spec = text(field, value);
    return isValidSpecifier(spec) ? spec : fail(field, `invalid PEP 440 specifier ${quote(spec)}`);
  };

  for (const key of Object.keys(raw)) {
    if (!ENTRY_KEYS.has(key)) fail(key, 'unknown field');
  }

  const status = raw.status;
  if (typeof status !== 'string' || !(KNOWLEDGE_STATUSES as readonly string[]).includes(status)) {
    fail('status', `expected one of ${KNOWLEDGE_STATUSES.join(', ')}, got ${describe(status)}`);
  }

  const entry: KnowledgeEntry = {
    name: rawName,
    status: status as KnowledgeStatus,
    summary: text('summary', raw.summary),
    sources: [],
  };

  const pair = <K extends keyof typeof PAIR_KEYS>(field: K, value: unknown): Json | null | undefined => {
    if (value === undefined || value === null) return value;
    if (!isObject(value)) return fail(field, `expected an object or null, got ${describe(value)}`);
    for (const key of Object.keys(value)) {
      if (!PAIR_KEYS[field].has(key)) fail(`${field}.${key}`, 'unknown field');
    }
    return value;
  };

  const alternative = pair('alternative', raw.alternative);
  if (alternative !== undefined) {
    entry.alternative = alternative && {
      name: text('alternative.name', alternative.name),
      note: text('alternative.note', alternative.note),
    };
    if (alternative && entry.alternative) {
      if (alternative.dropIn !== undefined) {
        const dropIn = alternative.dropIn;
        if (typeof dropIn !== 'string' || !(DROP_IN_VALUES as readonly string[]).includes(dropIn)) {
          fail('alternative.dropIn', `expected one of ${DROP_IN_VALUES.join(', ')}, got ${describe(dropIn)}`);
        }
        entry.alternative.dropIn = dropIn as DropIn;
      }
      if (alternative.dropInFor !== undefined) entry.alternative.dropInFor = text('alternative.dropInFor', alternative.dropInFor);
      if ((entry.alternative.dropIn === 'partial') !== (entry.alternative.dropInFor !== undefined)) {
        fail('alternative.dropInFor', 'required with dropIn "partial", and only then');
      }
    }
  }
  if (raw.appliesTo !== undefined) entry.appliesTo = specifier('appliesTo', raw.appliesTo);
  const limit = pair('pythonLimit', raw.pythonLimit);
  if (limit !== undefined) {
    entry.pythonLimit = limit && {
      specifier: specifier('pythonLimit.specifier', limit.specifier),
      note: text('pythonLimit.note', limit.note),
    };
    if (limit && entry.pythonLimit && limit.requiresPython !== undefined) {
      entry.pythonLimit.requiresPython = specifier('pythonLimit.requiresPython', limit.requiresPython);
    }
  }
  const wheels = pair('pypyWheels', raw.pypyWheels);
  if (wheels !== undefined) {
    entry.pypyWheels = wheels && {
      specifier: specifier('pypyWheels.specifier', wheels.specifier),
      note: text('pypyWheels.note', wheels.note),
    };
  }

  const sources = raw.sources;
  if (!Array.isArray(sources)) return fail('sources', `expected an array, got ${describe(sources)}`);
  if (sources.length === 0) fail('sources', 'must list at least one source');
  sources.forEach((source: unknown, i) => {
    const value = text(`sources[${i}]`, source);
    if (!isWellFormedSource(value)) {
      fail(`sources[${i}]`, 'expected "https://…", "github.com/owner/repo <path> (snapshot <date>)", "measured: …" or "Debian …"');
    }
    if (entry.sources.includes(value)) fail(`sources[${i}]`, 'duplicate source');
    entry.sources.push(value);
  });

  Object.freeze(entry.sources);
  if (entry.alternative) Object.freeze(entry.alternative);
  if (entry.pythonLimit) Object.freeze(entry.pythonLimit);
  if (entry.pypyWheels) Object.freeze(entry.pypyWheels);
  return Object.freeze(entry);
}

/**
 * The package root: the nearest directory above this module holding package.json. Works from
 * src/assess under vitest and from dist/assess after a build, and inside node_modules.
 */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new KnowledgeBaseError(`no package.json found above ${from}`);
    dir = parent;
  }
}

export function defaultKnowledgeBasePath(): string {
  return join(packageRoot(), 'data', 'knowledge-base.json');
}

/** Reads and validates a knowledge-base file (default: the one shipped in `data/`). */
export function loadKnowledgeBase(path: string = defaultKnowledgeBasePath()): KnowledgeBase {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new KnowledgeBaseError(`${path}: cannot read the knowledge base (${code})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new KnowledgeBaseError(`${path}: invalid JSON: ${(error as Error).message}`);
  }
  return parseKnowledgeBase(json, path);
}
