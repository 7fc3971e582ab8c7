/**
 * The import facts of each Python file, kept between scans so that a repeat scan (a pre-commit
 * hook, the next CI run) parses only the files that changed: parsing is most of the usage cost.
 *
 * One file per project under `<cache dir>/usage-v1/`, named by the SHA-256 of the project's
 * absolute root (no path is stored), holding the facts by the SHA-256 of each source's bytes and
 * the extractor's version (`extractorVersion()`): a different extractor invalidates the whole file, an
 * edited source has another digest. A save keeps only the entries of the files this scan walked,
 * so a file never outgrows its project (at most one entry per walked file, and `MAX_CACHE_BYTES`);
 * at most `MAX_PROJECT_FILES` projects are kept, the least recently saved removed first. Written
 * to a temporary file and renamed into place: a killed run leaves the old file or the new one.
 *
 * The cache directory is not trusted: a file that is too large, not a regular file, not JSON, too
 * deeply nested, of another version or of the wrong shape is ignored whole; an entry that fails
 * its checks (names that are not dotted Python names, lines past the end of the source, counts that
 * disagree) is a miss, and the source is parsed again. Nothing here throws into the scan.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { readOpenFile } from '../fs/read-open-file.js';
import { tooDeepAt } from '../manifests/limits.js';
import { toolVersion } from '../version.js';
import { ANALYSIS_VERSION, type PythonDecorator, type PythonFacts, type PythonImport } from './imports.js';

export const CACHE_SUBDIR = 'usage-v1';
/** Larger than the facts of 50,000 real files (about 1 kB each); a larger cache file is not read or written. */
export const MAX_CACHE_BYTES = 64 * 1024 * 1024;
export const MAX_PROJECT_FILES = 64;
const FORMAT = 'pypy-ready usage facts';
/** Longest dotted name kept (PEP 8 has no limit; a real one is far shorter). */
const MAX_NAME_LENGTH = 1_000;
const DOTTED_NAME = /^[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]+(?:\.[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]+)*$/u;
const DIGEST = /^[0-9a-f]{64}$/;
const READ_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

const IN_FUNCTION = 1;
const OPTIONAL = 2;
const RELATIVE = 4;

/** One file's facts as stored: `[imports as [module, line, flags], decorators as [name, line], mainGuard, syntaxErrors, firstErrorLine, python2Line]`. */
type StoredFacts = [[string, number, number][], [string, number][], boolean, number, number | null, number | null];

let extractor: string | null = null;

/** What produced the facts: the analysis, the tool and the grammar (an update of either may change a tree). */
export function extractorVersion(): string {
  if (extractor === null) {
    let grammar = 'bundled';
    try {
      const require = createRequire(import.meta.url);
      const entry = require.resolve('@lezer/python');
      const manifest = JSON.parse(fs.readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version?: unknown };
      if (typeof manifest.version === 'string') grammar = manifest.version;
    } catch {
      // Inside the Action's bundle there is no node_modules: the tool's version stands for both.
    }
    let tool = 'unknown';
    try {
      tool = toolVersion();
    } catch {
      // no package.json above this module: the analysis and grammar versions still hold
    }
    extractor = `analysis ${ANALYSIS_VERSION}; pypy-ready ${tool}; @lezer/python ${grammar}`;
  }
  return extractor;
}

/** The SHA-256 of a source's bytes, as the cache keys it. */
export function sourceDigest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The most lines `bytes` can have as the parser counts them (`\n`, `\r\n` and a lone `\r` end a line). */
export function maxLineOf(bytes: Buffer): number {
  let breaks = 0;
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) breaks++;
  for (let at = bytes.indexOf(0x0d); at !== -1; at = bytes.indexOf(0x0d, at + 1)) breaks++;
  return breaks + 1;
}

const isLine = (n: unknown, maxLine: number): n is number => Number.isSafeInteger(n) && (n as number) >= 1 && (n as number) <= maxLine;
const isName = (s: unknown): s is string => typeof s === 'string' && s.length <= MAX_NAME_LENGTH && DOTTED_NAME.test(s);

function encode(facts: PythonFacts): StoredFacts {
  return [
    facts.imports.map((i) => [i.module, i.line, (i.inFunction ? IN_FUNCTION : 0) | (i.optional ? OPTIONAL : 0) | (i.relative ? RELATIVE : 0)]),
    facts.decorators.map((d) => [d.name, d.line]),
    facts.mainGuard,
    facts.syntaxErrors,
    facts.firstErrorLine,
    facts.python2Line,
  ];
}

/** The facts of a stored entry, or null when any part fails its checks. */
export function decodeFacts(stored: unknown, maxLine: number): PythonFacts | null {
  if (!Array.isArray(stored) || stored.length !== 6) return null;
  const [imports, decorators, mainGuard, syntaxErrors, firstErrorLine, python2Line] = stored as unknown[];
  if (!Array.isArray(imports) || !Array.isArray(decorators) || typeof mainGuard !== 'boolean') return null;
  if (!Number.isSafeInteger(syntaxErrors) || (syntaxErrors as number) < 0) return null;
  // An error count and the first error's line come together.
  if ((syntaxErrors as number) > 0 ? !isLine(firstErrorLine, maxLine) : firstErrorLine !== null) return null;
  if (python2Line !== null && !isLine(python2Line, maxLine)) return null;
  const facts: PythonFacts = { imports: [], decorators: [], mainGuard, syntaxErrors: syntaxErrors as number, firstErrorLine: firstErrorLine as number | null, python2Line: python2Line as number | null };
  for (const entry of imports as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 3) return null;
    const [module, line, flags] = entry as unknown[];
    if (!isLine(line, maxLine) || !Number.isInteger(flags) || (flags as number) < 0 || (flags as number) > 7) return null;
    const relative = ((flags as number) & RELATIVE) !== 0;
    // Only `from . import x` has no module, and it is relative.
    if (!(module === '' && relative) && !isName(module)) return null;
    const name = module as string;
    const imp: PythonImport = { module: name, top: name.split('.')[0]!, line, inFunction: ((flags as number) & IN_FUNCTION) !== 0, optional: ((flags as number) & OPTIONAL) !== 0, relative };
    facts.imports.push(imp);
  }
  for (const entry of decorators as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2) return null;
    const [name, line] = entry as unknown[];
    if (!(name === '' || isName(name)) || !isLine(line, maxLine)) return null;
    const decorator: PythonDecorator = { name: name as string, line };
    facts.decorators.push(decorator);
  }
  return facts;
}

/** A regular file's bytes, at most `max`; null when it is absent, larger, not a regular file, or unreadable. */
function readBounded(file: string, max: number): Buffer | null {
  let fd: number;
  try {
    fd = fs.openSync(file, READ_FLAGS);
  } catch {
    return null;
  }
  try {
    return readOpenFile(fd, max);
  } catch {
    return null;
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // nothing more to do with it
    }
  }
}

/** The entries of a cache file's text, or an empty map when the file as a whole is not one of ours. */
function entriesOf(text: string): Map<string, unknown> {
  const entries = new Map<string, unknown>();
  if (tooDeepAt(text) !== -1) return entries;
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return entries;
  }
  if (typeof document !== 'object' || document === null) return entries;
  const { format, extractor: version, entries: stored } = document as Record<string, unknown>;
  if (format !== FORMAT || version !== extractorVersion() || typeof stored !== 'object' || stored === null || Array.isArray(stored)) return entries;
  for (const [digest, facts] of Object.entries(stored)) if (DIGEST.test(digest)) entries.set(digest, facts);
  return entries;
}

export class FactsCache {
  private readonly file: string | null;
  private readonly stored: Map<string, unknown>;
  /** The entries this scan used or made: what a save keeps. */
  private readonly kept = new Map<string, unknown>();
  /** The facts got or set in this scan, by digest. */
  private readonly thisRun = new Map<string, PythonFacts>();
  private changed = false;

  /** `cacheDir` null: no cache (`--no-cache`); every lookup misses and nothing is written. */
  constructor(cacheDir: string | null, projectRoot: string) {
    this.file = cacheDir === null ? null : path.join(cacheDir, CACHE_SUBDIR, `${createHash('sha256').update(path.resolve(projectRoot)).digest('hex')}.json`);
    const bytes = this.file === null ? null : readBounded(this.file, MAX_CACHE_BYTES);
    this.stored = bytes === null ? new Map() : entriesOf(bytes.toString('utf8'));
  }

  /** Whether lookups can hit and saves write (there is a cache directory). */
  get enabled(): boolean {
    return this.file !== null;
  }

  /** The facts stored for a source with this digest, checked against the source's bytes; null on a miss. */
  get(digest: string, maxLine: number): PythonFacts | null {
    // A source met twice in one scan (empty `__init__.py` files) is parsed once.
    const seen = this.thisRun.get(digest);
    if (seen !== undefined) return seen;
    const stored = this.stored.get(digest);
    if (stored === undefined) return null;
    const facts = decodeFacts(stored, maxLine);
    if (facts === null) {
      this.changed = true; // a bad entry is replaced by the parse that follows
      return null;
    }
    this.kept.set(digest, stored);
    this.thisRun.set(digest, facts);
    return facts;
  }

  /** Remember facts just parsed; facts that would not pass `get`'s checks are not stored. */
  set(digest: string, facts: PythonFacts, maxLine: number): void {
    const stored = encode(facts);
    if (decodeFacts(stored, maxLine) === null) return;
    this.kept.set(digest, stored);
    this.thisRun.set(digest, facts);
    this.changed = true;
  }

  /** Write what this scan used, when it differs from what was read. Best effort: a cache that cannot be written is no cache. */
  save(): void {
    if (this.file === null) return;
    if (!this.changed && this.kept.size === this.stored.size) {
      // Nothing new: only mark it used, so that eviction takes the projects not scanned lately.
      try {
        const now = new Date();
        fs.utimesSync(this.file, now, now);
      } catch {
        // read-only cache: it still answers
      }
      return;
    }
    const text = JSON.stringify({ format: FORMAT, extractor: extractorVersion(), entries: Object.fromEntries(this.kept) });
    if (Buffer.byteLength(text) > MAX_CACHE_BYTES) return;
    const dir = path.dirname(this.file);
    const temp = `${this.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(temp, text, { flag: 'wx', mode: 0o600 });
      fs.renameSync(temp, this.file);
    } catch {
      removeQuietly(temp);
      return;
    }
    evictOldest(dir, this.file);
  }
}

/** Past `MAX_PROJECT_FILES` project files, the least recently saved go (and temporary files an hour old, left by killed runs). */
function evictOldest(dir: string, justSaved: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  const projects: { file: string; mtime: number }[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let info: fs.Stats | undefined;
    try {
      info = fs.lstatSync(file, { throwIfNoEntry: false });
    } catch {
      continue;
    }
    if (!info) continue;
    if (name.endsWith('.tmp')) {
      if (now - info.mtimeMs > 3_600_000) removeQuietly(file);
    } else if (/^[0-9a-f]{64}\.json$/.test(name) && file !== justSaved) {
      projects.push({ file, mtime: info.mtimeMs });
    }
  }
  projects.sort((a, b) => a.mtime - b.mtime);
  for (const { file } of projects.slice(0, Math.max(0, projects.length + 1 - MAX_PROJECT_FILES))) removeQuietly(file);
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // another run removed or replaced it, or it is not ours to remove (a directory)
  }
}
