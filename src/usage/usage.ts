/**
 * Where each package is used (issue 16): one project's Python files walked (`walk.ts`), each
 * parsed (`imports.ts`), its role decided (`roles.ts`), and each absolute import that is neither
 * the standard library nor the project's own code mapped to its distribution(s)
 * (`distributions.ts`). The result says, per distribution, which files and lines import it, in
 * which role, and whether the import is optional (under `try/except ImportError`).
 *
 * The project's own code: the top-level names of its files (`app/…` or `app.py` under the root,
 * and under `src/`), plus, for a file in a folder without `__init__.py` (a script folder, which
 * Python puts on `sys.path`), the modules beside it. Relative imports are always its own.
 *
 * Nothing here fails a scan: a file that cannot be read, is larger than `MAX_SOURCE_BYTES`, or has
 * syntax errors (Python 2, a template with a `.py` name) is noted and the rest goes on.
 *
 * With a cache directory, each file's facts are looked up by its content's digest first
 * (`facts-cache.ts`), and only the files not found there are parsed.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type { IgnorePattern } from '../manifests/ignore-rules.js';
import { distributionOf, findVenv, readVenv, type MappingSource, type VenvIndex } from './distributions.js';
import { FactsCache, maxLineOf, sourceDigest } from './facts-cache.js';
import { analysePython, MAX_SOURCE_BYTES, type PythonFacts } from './imports.js';
import { roleOf, ROLES, type Role } from './roles.js';
import { pythonFiles } from './walk.js';

export interface UsageSite {
  /** Relative to the scan's working directory, `/`-separated (as manifest locations are). */
  file: string;
  line: number;
  role: Role;
  /** Under a `try` whose handler takes an ImportError: the code runs without it. */
  optional: boolean;
  /** Inside a function: imported when called, not when the module loads. */
  inFunction: boolean;
  /** The module as imported (`PIL.Image`). */
  module: string;
  /** How the module was tied to the distribution. */
  mappedBy: MappingSource;
}

export interface ParseNote {
  file: string;
  /** Line of the first problem (0 when the file was not parsed at all). */
  line: number;
  message: string;
}

export interface ProjectUsage {
  /** The project root, as given. */
  project: string;
  /** Python files walked. */
  files: number;
  /** Of those, the files parsed by this run (the others' facts came from the cache or from an identical file, or they were not read). */
  parsed: number;
  /** Files whose tree had error nodes (parsed with recovery), or that were not parsed (too large, unreadable). */
  parseErrors: ParseNote[];
  /** The walk stopped at a limit. */
  truncated: string | null;
  /** The venv read for the mapping (relative to cwd), or null. */
  venv: string | null;
  /** Distribution (normalised) → where it is imported, in file order. */
  byDistribution: Map<string, UsageSite[]>;
  /** Third-party top-level import names tied to no known distribution: neither venv nor table maps them and no declared package has their name. Sorted. */
  unmapped: string[];
  /** Files per role. */
  roles: Record<Role, number>;
}

export interface UsageOptions {
  /** The scan's working directory: paths in the result are relative to it (default process.cwd()). */
  cwd?: string;
  /** `--exclude` patterns and the directory they are anchored at (default: the project root). */
  exclude?: readonly IgnorePattern[];
  excludeBase?: string;
  gitignore?: boolean;
  /** `--venv PATH` (relative to cwd); default `.venv` or `venv` in the project. */
  venv?: string;
  /** Absolute directories not to walk (other projects' roots). */
  skip?: readonly string[];
  /** Distribution names the project declares or installs: a name-only guess is kept for them and listed as unmapped otherwise. */
  known?: ReadonlySet<string>;
  maxFiles?: number;
  /** The scan's cache directory (`--cache-dir`), under which parsed facts are kept; null or absent: parse every file. */
  cacheDir?: string | null;
}

/** Not through a symlink, and without waiting on a FIFO put where a file was walked. */
const READ_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);

/**
 * A source's bytes, or why it was not read; the size is checked on the open file, before reading.
 * Synchronous: for small local files the thread-pool round trips of the async calls cost more CPU
 * than the reads (a warm scan is mostly reads).
 */
function readSource(file: string): Buffer | { note: string } {
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch (error) {
    return { note: `not read: ${(error as NodeJS.ErrnoException).code ?? 'error'}` };
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return { note: 'not read: not a regular file' };
    const size = info.size;
    if (size > MAX_SOURCE_BYTES) return { note: `not parsed: ${size} bytes, over the ${MAX_SOURCE_BYTES}-byte limit` };
    const buffer = Buffer.allocUnsafe(size);
    let length = 0;
    while (length < size) {
      const read = readSync(fd, buffer, length, size - length, length);
      if (read === 0) break;
      length += read;
    }
    return buffer.subarray(0, length);
  } catch (error) {
    return { note: `not read: ${(error as NodeJS.ErrnoException).code ?? 'error'}` };
  } finally {
    try {
      closeSync(fd);
    } catch {
      // nothing more to do with it
    }
  }
}

const posix = (p: string): string => p.split(path.sep).join('/');

export async function usageOf(projectRoot: string, options: UsageOptions = {}): Promise<ProjectUsage> {
  const cwd = options.cwd ?? process.cwd();
  const root = path.resolve(cwd, projectRoot);
  const rel = (abs: string): string => posix(path.relative(cwd, abs)) || '.';
  const venvDir = findVenv(root, options.venv, cwd);
  const venv: VenvIndex | null = venvDir ? readVenv(venvDir) : null;
  const walked = await pythonFiles(root, {
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(options.excludeBase ? { excludeBase: options.excludeBase } : {}),
    gitignore: options.gitignore !== false,
    skip: [...(options.skip ?? []), ...(venvDir ? [venvDir] : [])],
    ...(options.maxFiles !== undefined ? { maxFiles: options.maxFiles } : {}),
  });
  const usage: ProjectUsage = {
    project: projectRoot,
    files: walked.files.length,
    parsed: 0,
    parseErrors: [],
    truncated: walked.truncated,
    venv: venvDir ? rel(venvDir) : null,
    byDistribution: new Map(),
    unmapped: [],
    roles: Object.fromEntries(ROLES.map((r) => [r, 0])) as Record<Role, number>,
  };

  // The project's own top-level names, and the folders that are packages.
  const own = new Set<string>();
  const packageDirs = new Set<string>();
  const modulesIn = new Map<string, Set<string>>();
  for (const file of walked.files) {
    const parts = path.relative(root, file).split(path.sep);
    const strip = (p: string): string => p.replace(/\.py$/, '');
    own.add(strip(parts[0]!));
    if (parts[0] === 'src' && parts.length > 1) own.add(strip(parts[1]!));
    const dir = path.dirname(file);
    if (path.basename(file) === '__init__.py') packageDirs.add(dir);
    if (!modulesIn.has(dir)) modulesIn.set(dir, new Set());
    modulesIn.get(dir)!.add(strip(path.basename(file)));
    const parent = path.dirname(dir);
    if (dir !== root) {
      if (!modulesIn.has(parent)) modulesIn.set(parent, new Set());
      modulesIn.get(parent)!.add(path.basename(dir));
    }
  }

  const cache = new FactsCache(options.cacheDir ?? null, root);
  const factsOf = (bytes: Buffer): PythonFacts => {
    if (!cache.enabled) {
      usage.parsed++;
      return analysePython(bytes.toString('utf8'));
    }
    const digest = sourceDigest(bytes);
    const maxLine = maxLineOf(bytes);
    const cached = cache.get(digest, maxLine);
    if (cached !== null) return cached;
    usage.parsed++;
    const facts = analysePython(bytes.toString('utf8'));
    cache.set(digest, facts, maxLine);
    return facts;
  };
  const unmapped = new Set<string>();
  for (const file of walked.files) {
    const source = readSource(file);
    const fileRel = rel(file);
    if (!Buffer.isBuffer(source)) {
      usage.parseErrors.push({ file: fileRel, line: 0, message: source.note });
      continue;
    }
    const facts = factsOf(source);
    if (facts.python2Line !== null) {
      usage.parseErrors.push({ file: fileRel, line: facts.python2Line, message: `Python 2 code (a print statement on line ${facts.python2Line}); the imports are read all the same` });
    } else if (facts.syntaxErrors > 0) {
      usage.parseErrors.push({
        file: fileRel,
        line: facts.firstErrorLine ?? 0,
        message: `parsed with error recovery (${facts.syntaxErrors} error node(s), the first on line ${facts.firstErrorLine}): Python 2, a template, or syntax the grammar does not know; the imports that parsed are used`,
      });
    }
    const role = roleOf(posix(path.relative(root, file)), facts);
    usage.roles[role]++;
    const dir = path.dirname(file);
    const siblings = packageDirs.has(dir) ? null : modulesIn.get(dir);
    for (const imp of facts.imports) {
      if (imp.relative || imp.top === '' || own.has(imp.top) || siblings?.has(imp.top)) continue;
      const mapping = distributionOf(imp.module, venv);
      if (mapping === null) continue; // the standard library
      if (mapping.source === 'name' && !(options.known?.has(mapping.distributions[0]!) ?? false)) unmapped.add(imp.top);
      for (const dist of mapping.distributions) {
        const list = usage.byDistribution.get(dist) ?? [];
        list.push({ file: fileRel, line: imp.line, role, optional: imp.optional, inFunction: imp.inFunction, module: imp.module, mappedBy: mapping.source });
        usage.byDistribution.set(dist, list);
      }
    }
  }
  cache.save();
  usage.unmapped = [...unmapped].sort();
  return usage;
}
