/**
 * Per-repository configuration: `[tool.pypy-ready]` in pyproject.toml, or a `pypy-ready.toml` with
 * the same keys at its top level, found from the scanned path upwards (as ruff and pytest find
 * theirs), stopping at the repository's root. Its keys are the scan command's option names
 * (`fail-on = "warning"`, `target = ["pypy3.11-7.3"]`), checked against the same option table the
 * command line uses, plus `[[ignore]]` rules. Every mistake names `file:line`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { VERDICTS } from '../assess/types.js';
import { readToml, isTable, type TomlTable } from '../manifests/toml-document.js';
import type { TomlPositions } from '../manifests/toml-positions.js';
import { oneLine } from '../safe-text.js';
import type { IgnoreRule } from '../scan/ignores.js';

/** What `node:util` parseArgs knows of each option: its type and whether it repeats. */
export type OptionSpec = Readonly<Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>;

/** A value as parseArgs would have given it for the option. */
export type OptionValue = string | boolean | string[];

export interface Config {
  /** The file, as given or found. */
  file: string;
  values: Record<string, OptionValue>;
  /** The line of each key in `values`, for messages about its value. */
  lines: Record<string, number>;
  ignores: IgnoreRule[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The files that hold configuration, in the order one directory's are tried. */
export const CONFIG_FILES = ['pypy-ready.toml', 'pyproject.toml'] as const;

/** A config file is small; a larger one is a mistake (or hostile) and is refused before parsing. */
const MAX_CONFIG_BYTES = 1024 * 1024;

const IGNORE_KEYS = new Set(['package', 'verdict', 'target', 'reason', 'until']);

function readText(path: string, shown: string): string {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new ConfigError(`${shown}: not a file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${shown}: cannot read the configuration (${(error as NodeJS.ErrnoException).code ?? 'read error'})`);
  }
  if (size > MAX_CONFIG_BYTES) throw new ConfigError(`${shown}: ${size} bytes is too large for a configuration file (at most 1 MiB)`);
  return readFileSync(path, 'utf8');
}

/** The table that holds this tool's keys in a file, or null when the file has none. */
function ownTable(data: TomlTable, isPyproject: boolean): { table: TomlTable; path: string[] } | null {
  if (!isPyproject) return { table: data, path: [] };
  const tool = data['tool'];
  if (!isTable(tool) || !isTable(tool['pypy-ready'])) return null;
  return { table: tool['pypy-ready'], path: ['tool', 'pypy-ready'] };
}

/**
 * The configuration that applies to `startDir`: the nearest directory, up to the repository root
 * (the first directory holding `.git`) or `/`, with a pypy-ready.toml or a pyproject.toml that has
 * a `[tool.pypy-ready]` table. Null when there is none.
 */
export function findConfig(startDir: string): string | null {
  let dir = resolve(startDir);
  if (existsSync(dir) && !statSync(dir).isDirectory()) dir = dirname(dir);
  for (;;) {
    for (const name of CONFIG_FILES) {
      const path = join(dir, name);
      if (!existsSync(path)) continue;
      if (name === 'pypy-ready.toml') return path;
      // A pyproject.toml without our table does not stop the search; a broken one is not ours to judge here.
      try {
        const text = readFileSync(path, 'utf8');
        if (/^\s*\[\s*\[?\s*tool\s*\.\s*(pypy-ready|"pypy-ready")[\s.\]]/m.test(text)) return path;
      } catch {
        // unreadable: the scan itself will say so
      }
    }
    if (existsSync(join(dir, '.git'))) return null;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (isTable(value)) return 'a table';
  return typeof value === 'string' ? 'a string' : typeof value === 'boolean' ? 'a boolean' : typeof value === 'number' ? 'a number' : typeof value;
}

/** A date as `until` may give it: a TOML local date (`2027-03-01`) or the same as a string. */
function dateOf(value: unknown): string | null {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)) return value;
  return null;
}

/**
 * Reads and checks one configuration file against the option table. `shown` is how messages name
 * the file (relative to where the tool runs).
 */
export function loadConfig(path: string, spec: OptionSpec, cwd: string, notInConfig: ReadonlySet<string> = new Set()): Config {
  const shown = relative(cwd, path) || path;
  const text = readText(path, shown);
  const document = readToml(text, shown);
  if (!document.ok) throw new ConfigError(`${shown}:${document.issue.line}: ${document.issue.message}`);
  const own = ownTable(document.data, path.endsWith('pyproject.toml'));
  const values: Record<string, OptionValue> = {};
  const lines: Record<string, number> = {};
  const ignores: IgnoreRule[] = [];
  if (own === null) return { file: shown, values, lines, ignores };
  const positions: TomlPositions = document.positions;
  const at = (keys: (string | number)[]): string => `${shown}:${positions.key([...own.path, ...keys]).line}`;

  for (const [key, value] of Object.entries(own.table)) {
    if (key === 'ignore') {
      if (!Array.isArray(value)) throw new ConfigError(`${at([key])}: ignore must be an array of tables ([[ignore]]), not ${typeName(value)}`);
      value.forEach((rule, i) => ignores.push(ignoreRule(rule, [key, i], at, shown, positions, own.path)));
      continue;
    }
    const option = spec[key];
    if (!option || notInConfig.has(key)) {
      throw new ConfigError(`${at([key])}: unknown key ${JSON.stringify(oneLine(key, 40))}${option ? ' (a command-line option only)' : ''}; the keys are the scan options' names (see pypy-ready scan --help) and [[ignore]]`);
    }
    values[key] = optionValue(key, value, option, at([key]));
    lines[key] = positions.key([...own.path, key]).line;
  }
  return { file: shown, values, lines, ignores };
}

function optionValue(key: string, value: unknown, option: OptionSpec[string], where: string): OptionValue {
  if (option.type === 'boolean') {
    if (typeof value !== 'boolean') throw new ConfigError(`${where}: ${key} must be true or false, not ${typeName(value)}`);
    return value;
  }
  // Numbers are fine where the command line takes a number as text (concurrency, timeout).
  const scalar = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null);
  if (option.multiple) {
    const items = Array.isArray(value) ? value : [value];
    // Lists hold names and files: a number there (`3.11`) is a mistake, not a name.
    const strings = items.map((v) => (typeof v === 'string' ? v : null));
    if (strings.some((s) => s === null)) throw new ConfigError(`${where}: ${key} must be a string or an array of strings, not ${typeName(Array.isArray(value) ? items.find((v) => typeof v !== 'string') : value)}${Array.isArray(value) ? ' in the array' : ''}`);
    return strings as string[];
  }
  const string = scalar(value);
  if (string === null) throw new ConfigError(`${where}: ${key} must be a string, not ${typeName(value)}`);
  return string;
}

function ignoreRule(raw: unknown, path: (string | number)[], at: (keys: (string | number)[]) => string, shown: string, positions: TomlPositions, tablePath: string[]): IgnoreRule {
  const where = at(path);
  if (!isTable(raw)) throw new ConfigError(`${where}: each ignore is a table with package and reason, not ${typeName(raw)}`);
  for (const key of Object.keys(raw)) {
    if (!IGNORE_KEYS.has(key)) throw new ConfigError(`${at([...path, key])}: unknown ignore key ${JSON.stringify(oneLine(key, 40))}; use package, verdict, target, reason and until`);
  }
  const text = (key: string, required: boolean): string | undefined => {
    const value = raw[key];
    if (value === undefined) {
      if (required) throw new ConfigError(`${where}: an ignore needs ${key}${key === 'reason' ? ' (why the finding does not matter here, for whoever reads the report)' : ''}`);
      return undefined;
    }
    if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(`${at([...path, key])}: ${key} must be a non-empty string, not ${typeName(value)}`);
    return value.trim();
  };
  const rule: IgnoreRule = { package: text('package', true)!, reason: text('reason', true)!, file: shown, line: positions.key([...tablePath, ...path]).line };
  const verdict = text('verdict', false);
  const target = text('target', false);
  if (verdict !== undefined) {
    if (!(VERDICTS as readonly string[]).includes(verdict)) throw new ConfigError(`${at([...path, 'verdict'])}: unknown verdict ${JSON.stringify(oneLine(verdict, 40))}; use one of ${VERDICTS.join(', ')}`);
    rule.verdict = verdict;
  }
  if (target !== undefined) rule.target = target;
  if (raw['until'] !== undefined) {
    const until = dateOf(raw['until']);
    if (until === null) throw new ConfigError(`${at([...path, 'until'])}: until must be a date (until = 2027-03-01), not ${typeName(raw['until'])}`);
    rule.until = until;
  }
  return rule;
}
