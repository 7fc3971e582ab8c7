/**
 * Entry point: from paths (files or directories) to projects with their declared requirements.
 * The only I/O of the module happens here and in discovery; every parser is a pure function.
 */
import { lstat, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { quote } from '../safe-text.js';
import { capIssues, oneLine } from './limits.js';
import { discoverManifestsBounded, FORMAT_LABEL, formatOfContent, formatOfPath, type ManifestFormat } from './discovery.js';
import { compileExcludes } from './ignore-rules.js';
import { parsePdmLock, parsePipfileLock, parsePoetryLock, parsePylock, parseUvLock, type LockResult } from './locks.js';
import { localPathOfFileUrl } from './file-url.js';
import { parsePipfile } from './pipfile.js';
import { mergeIndexOptions, mergeLock } from './project.js';
import { parseHatchToml, parsePyproject } from './pyproject.js';
import { parseRequirementsFile, type RequirementsFileResult, type RequirementsInclude } from './requirements-file.js';
import { parseSetupCfg } from './setup-cfg.js';
import { decodeManifest } from './source-text.js';
import { emptyIndexOptions, type DeclaredRequirement, type IndexOptions, type ManifestIssue, type ManifestProject } from './types.js';

import { redactUrl } from '../safe-text.js';
export * from './types.js';
export { formatOfName, formatOfPath, formatOfContent, sniffFormat, discoverManifests, FORMAT_LABEL, type ManifestFormat, type DiscoverOptions } from './discovery.js';

/** What any manifest parser gives back; each format fills what it knows. */
interface ParsedManifest {
  requirements: DeclaredRequirement[];
  issues: ManifestIssue[];
  indexOptions?: IndexOptions;
  requiresPython?: string | null;
  projectName?: string | null;
  includes?: RequirementsInclude[];
  /** Lock formats: the lock, whose records are merged with the manifest it locks. */
  lock?: LockResult;
}

type Parser = (text: string, file: string, env: Record<string, string | undefined>) => ParsedManifest;

const fromLock = (parse: (text: string, file: string) => LockResult): Parser => (text, file) => {
  const lock = parse(text, file);
  return { requirements: [], issues: lock.issues, requiresPython: lock.requiresPython, lock };
};

/** Every issue as the report shows it, whichever parser made it: one line, bounded, at a line and column that exist. */
function finalIssue(issue: ManifestIssue): ManifestIssue {
  const message = oneLine(issue.message);
  const line = Number.isInteger(issue.line) && issue.line >= 1 ? issue.line : 1;
  const out: ManifestIssue = { ...issue, message, line };
  if (issue.column !== undefined && !(Number.isInteger(issue.column) && issue.column >= 1)) delete out.column;
  return out;
}

function appendAll<T>(into: T[], items: readonly T[]): void {
  // Not `into.push(...items)`: spreading 200,000 records overflows the call stack.
  for (const item of items) into.push(item);
}

/** The one dispatch table: every manifest format and its parser. */
const PARSERS: Record<ManifestFormat, Parser> = {
  requirements: (text, file, env) => parseRequirementsFile(text, file, { env }),
  pyproject: (text, file) => parsePyproject(text, file),
  hatch: (text, file) => parseHatchToml(text, file),
  'setup-cfg': (text, file) => parseSetupCfg(text, file),
  pipfile: (text, file) => parsePipfile(text, file),
  'uv-lock': fromLock(parseUvLock),
  'poetry-lock': fromLock(parsePoetryLock),
  'pdm-lock': fromLock(parsePdmLock),
  pylock: fromLock(parsePylock),
  'pipfile-lock': fromLock(parsePipfileLock),
};

/** Which declaration of requires-python wins: pyproject, then setup.cfg, then Pipfile, then a lock. */
type PythonSource = 'pyproject' | 'setupCfg' | 'pipfile' | 'lock';
const PYTHON_SOURCE: Record<ManifestFormat, PythonSource> = {
  requirements: 'lock',
  pyproject: 'pyproject',
  hatch: 'pyproject',
  'setup-cfg': 'setupCfg',
  pipfile: 'pipfile',
  'uv-lock': 'lock',
  'poetry-lock': 'lock',
  'pdm-lock': 'lock',
  pylock: 'lock',
  'pipfile-lock': 'lock',
};

export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;

export interface LoadOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  maxFileBytes?: number;
  /**
   * Paths not to walk or read under each directory given: gitignore-syntax patterns relative to that
   * directory (`ignore-rules.ts`). A file given by path is read whatever they say.
   */
  exclude?: readonly string[];
  /** Honour `.gitignore` files while walking a directory (default true; see `discoverManifests`). */
  gitignore?: boolean;
  /** Bounds of each directory walk (see `DiscoverOptions`); past one, the projects found say so. */
  maxDirectories?: number;
  maxFiles?: number;
}

/** A path given to `loadManifests` that does not exist (or loops): the caller's mistake, not the file's. */
export class ManifestPathError extends Error {
  override readonly name = 'ManifestPathError';
}

/** Why a path cannot be used, from the error `stat` gave: a symlink loop is not a missing file. */
async function pathProblem(error: unknown, abs: string, shown: string): Promise<string> {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ELOOP') return `symlink loop: ${shown}`;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    const link = await lstat(abs).then((i) => i.isSymbolicLink(), () => false);
    return link ? `broken symlink (its target does not exist): ${shown}` : `path not found: ${shown}`;
  }
  return `cannot read path${typeof code === 'string' ? ` (${code})` : ''}: ${shown}`;
}

export async function loadManifests(paths: string[], options: LoadOptions = {}): Promise<ManifestProject[]> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const inputs = paths.length ? paths : ['.'];
  const excludes = compileExcludes(options.exclude ?? []);
  if (!excludes.ok) throw new ManifestPathError(excludes.problem);
  const discoverOptions = {
    exclude: excludes.patterns,
    gitignore: options.gitignore !== false,
    ...(options.maxDirectories !== undefined ? { maxDirectories: options.maxDirectories } : {}),
    ...(options.maxFiles !== undefined ? { maxFiles: options.maxFiles } : {}),
  };

  // Projects by root directory, in the order they are first seen.
  const projects = new Map<string, { file: string; format: ManifestFormat | null }[]>();
  const add = (root: string, file: string, format: ManifestFormat | null): void => {
    const list = projects.get(root) ?? [];
    if (!list.some((f) => f.file === file)) list.push({ file, format });
    projects.set(root, list);
  };
  // Walks that stopped at a limit: said on the projects they concern, never dropped silently.
  const stopped: { dir: string; shown: string; limit: 'files' | 'directories'; max: number }[] = [];
  for (const input of inputs) {
    const abs = path.resolve(cwd, input);
    let info;
    try {
      info = await stat(abs);
    } catch (error) {
      throw new ManifestPathError(await pathProblem(error, abs, oneLine(input)));
    }
    if (info.isDirectory()) {
      const walked = await discoverManifestsBounded(abs, discoverOptions);
      for (const m of walked.manifests) add(m.root, m.file, m.format);
      if (walked.truncated) stopped.push({ dir: abs, shown: oneLine(path.relative(cwd, abs) || '.'), ...walked.truncated });
    } else {
      // Named explicitly: the name or extension decides, else the content (with a warning).
      add(path.dirname(abs), abs, formatOfPath(abs));
    }
  }

  const out: ManifestProject[] = [];
  for (const [root, files] of projects) {
    out.push(await loadProject(root, files, { cwd, env, maxFileBytes }));
  }
  for (const stop of stopped) {
    const message = `stopped looking for manifests after ${stop.max.toLocaleString('en-US')} ${stop.limit === 'files' ? 'manifests' : 'directories'} under ${stop.shown}: the rest of the tree was not read (name the project folders, or leave parts out with --exclude)`;
    const inside = (root: string) => root === stop.dir || root.startsWith(stop.dir + path.sep);
    const project = out.find((p) => inside(path.resolve(cwd, p.root)));
    if (!project) throw new ManifestPathError(message);
    project.issues.push({ file: stop.shown, line: 1, message, severity: 'error' });
  }
  return out;
}

interface Context {
  cwd: string;
  env: Record<string, string | undefined>;
  maxFileBytes: number;
}

type ReadResult = { ok: true; text: string } | { ok: false; issue: ManifestIssue };

async function readManifest(abs: string, rel: string, maxFileBytes: number): Promise<ReadResult> {
  try {
    const info = await stat(abs);
    if (!info.isFile()) return { ok: false, issue: { file: rel, line: 1, message: 'not a regular file', severity: 'error', fatal: true } };
    // Checked before reading, so a huge file costs nothing.
    if (info.size > maxFileBytes) {
      return {
        ok: false,
        issue: { file: rel, line: 1, message: `file is ${megabytes(info.size)}, over the ${megabytes(maxFileBytes)} limit for a manifest; skipped`, severity: 'error', fatal: true },
      };
    }
    const decoded = decodeManifest(await readFile(abs));
    if (!decoded.ok) return { ok: false, issue: { file: rel, line: decoded.line, message: decoded.message, severity: 'error', fatal: true } };
    return { ok: true, text: decoded.text };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = code === 'ELOOP' ? 'symlink loop (ELOOP): cannot read file' : `cannot read file${typeof code === 'string' ? ` (${code})` : ''}`;
    return { ok: false, issue: { file: rel, line: 1, message, severity: 'error', fatal: true } };
  }
}

function megabytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${bytes} bytes`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
}

async function loadProject(root: string, files: { file: string; format: ManifestFormat | null }[], ctx: Context): Promise<ManifestProject> {
  const rel = (abs: string): string => path.relative(ctx.cwd, abs).split(path.sep).join('/') || '.';
  const project: ManifestProject = { root: rel(root), manifests: [], requirements: [], issues: [], indexOptions: emptyIndexOptions(), requiresPython: null };
  const texts = new Map<string, ReadResult>();
  const read = async (abs: string): Promise<ReadResult> => {
    let r = texts.get(abs);
    if (!r) {
      r = await readManifest(abs, rel(abs), ctx.maxFileBytes);
      texts.set(abs, r);
    }
    return r;
  };

  const pythons: Partial<Record<PythonSource, string | null>> = {};
  const locks: { result: LockResult; file: string }[] = [];
  let projectName: string | null = null;
  const requirementsFiles: string[] = [];
  // Each requirements file is parsed once per kind (the pass that finds includes reuses it).
  const requirementsParses = new Map<string, RequirementsFileResult>();
  const parseRequirements = (abs: string, text: string, kind: 'requirement' | 'constraint'): RequirementsFileResult => {
    const key = `${kind}:${abs}`;
    let res = requirementsParses.get(key);
    if (!res) {
      res = parseRequirementsFile(text, rel(abs), { env: ctx.env, kind });
      requirementsParses.set(key, res);
    }
    return res;
  };

  // Declared before the first loop: a setup.cfg's `file:` include is followed from inside it.
  const parsed = new Set<string>();
  const parsedFiles = new Set<string>();
  const listed = new Set<string>();
  for (const { file, format: known } of files) {
    const r = await read(file);
    if (!r.ok) {
      project.manifests.push(rel(file));
      listed.add(rel(file));
      project.issues.push(r.issue);
      continue;
    }
    let format = known;
    if (format === null) {
      format = formatOfContent(r.text);
      project.issues.push({
        file: rel(file),
        line: 1,
        message: oneLine(`${quote(path.basename(file))} is not a manifest name: read as ${FORMAT_LABEL[format]}, from its content`),
        severity: 'warning',
      });
    }
    if (format === 'requirements') {
      requirementsFiles.push(file);
      continue;
    }
    project.manifests.push(rel(file));
    listed.add(rel(file));
    const name = rel(file);
    const res = PARSERS[format](r.text, name, ctx.env);
    appendAll(project.issues, res.issues);
    if (res.lock) {
      locks.push({ result: res.lock, file: name });
    } else {
      appendAll(project.requirements, res.requirements);
    }
    if (res.indexOptions) project.indexOptions = mergeIndexOptions(project.indexOptions, res.indexOptions);
    if (res.requiresPython !== undefined) pythons[PYTHON_SOURCE[format]] ??= res.requiresPython;
    if (res.projectName !== undefined) projectName = res.projectName;
    for (const include of res.includes ?? []) await followInclude(include, file, 'requirement', []);
  }

  // Requirements files: a file that another one includes is read through that include (so a
  // `-c constraints.txt` is read as constraints); the others are the starting points.
  async function followInclude(include: RequirementsInclude, from: string, parentKind: 'requirement' | 'constraint', stack: string[]): Promise<void> {
    const at = include.location;
    const issue = (message: string, severity: 'error' | 'warning' = 'error'): void => {
      project.issues.push({ file: at.file, line: at.line, column: at.column, message: oneLine(message), severity });
    };
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(include.target)) {
      issue(`remote include ${quote(redactUrl(include.target))} not fetched (no network while reading manifests)`, 'warning');
      return;
    }
    const target = path.resolve(path.dirname(from), localPathOfFileUrl(include.target) ?? include.target);
    if (stack.includes(target) || target === from) {
      issue(`include cycle: ${[...stack, from, target].map(rel).filter((v, i, a) => a.indexOf(v) === i || i === a.length - 1).join(' -> ')}`);
      return;
    }
    const kind = include.kind === 'constraint' ? 'constraint' : parentKind;
    if (parsed.has(`${kind}:${target}`)) return;
    try {
      await stat(target);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      issue(code === 'ELOOP' ? `included file ${quote(include.target)} is a symlink loop` : `included file ${quote(include.target)} not found`);
      return;
    }
    await requirementsFile(target, kind, [...stack, from]);
  }

  async function requirementsFile(abs: string, kind: 'requirement' | 'constraint', stack: string[]): Promise<void> {
    const key = `${kind}:${abs}`;
    if (parsed.has(key)) return;
    parsed.add(key);
    parsedFiles.add(abs);
    if (!listed.has(rel(abs))) project.manifests.push(rel(abs));
    listed.add(rel(abs));
    const r = await read(abs);
    if (!r.ok) {
      project.issues.push(r.issue);
      return;
    }
    const res = parseRequirements(abs, r.text, kind);
    appendAll(project.requirements, res.requirements);
    appendAll(project.issues, res.issues);
    project.indexOptions = mergeIndexOptions(project.indexOptions, res.indexOptions);
    for (const include of res.includes) await followInclude(include, abs, kind, stack);
  }

  const included = new Set<string>();
  for (const file of requirementsFiles) {
    const r = await read(file);
    if (!r.ok) continue;
    for (const inc of parseRequirements(file, r.text, 'requirement').includes) {
      const target = path.resolve(path.dirname(file), inc.target);
      if (target !== file) included.add(target);
    }
  }
  const starts = requirementsFiles.filter((f) => !included.has(f));
  // Files only reachable inside an include cycle still get read once.
  for (const file of [...starts, ...requirementsFiles.filter((f) => included.has(f))]) {
    if (parsedFiles.has(file)) continue;
    await requirementsFile(file, 'requirement', []);
  }

  for (const { result, file } of locks) {
    const pairsWith = result.format === 'pipfile-lock' ? 'Pipfile' : 'pyproject.toml';
    const expected = path.posix.join(path.posix.dirname(file), pairsWith);
    const manifest = project.manifests.find((m) => m === expected);
    const declared: DeclaredRequirement[] = manifest ? project.requirements.filter((r) => r.location.file === manifest) : [];
    appendAll(project.requirements, mergeLock(declared, result, manifest !== undefined, projectName, project.issues));
  }
  // A lock that could not be read at all (TOML/JSON syntax error) records no graph.
  project.lockGraphs = locks.filter(({ result }) => !result.issues.some((i) => i.fatal)).map(({ result }) => result.graph);

  project.requiresPython = pythons.pyproject ?? pythons.setupCfg ?? pythons.pipfile ?? pythons.lock ?? null;
  project.issues = capIssues(project.issues).map(finalIssue);
  return project;
}

/**
 * Parse one manifest's text as `format`, without following includes or pairing locks: what the
 * corpus tests and a library user with text in hand need.
 */
export function parseManifest(
  text: string,
  file: string,
  format: ManifestFormat,
  env: Record<string, string | undefined> = {},
): { requirements: DeclaredRequirement[]; issues: ManifestIssue[] } {
  const res = PARSERS[format](text, file, env);
  if (!res.lock) return { requirements: res.requirements, issues: capIssues(res.issues).map(finalIssue) };
  const issues = [...res.issues];
  const requirements = mergeLock([], res.lock, false, null, issues);
  return { requirements, issues: capIssues(issues).map(finalIssue) };
}
