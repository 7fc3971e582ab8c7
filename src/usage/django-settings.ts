/**
 * Django settings, read statically (issue 16): which settings module a project runs with (manage.py,
 * wsgi.py and asgi.py `os.environ.setdefault("DJANGO_SETTINGS_MODULE", …)`, `--settings=` and
 * `DJANGO_SETTINGS_MODULE=` in a Procfile or Dockerfile, or the caller's choice), then what its
 * assignments say about the packages that get installed: DATABASES engines, CACHES backends and
 * parser classes, CHANNEL_LAYERS, ASGI_APPLICATION, INSTALLED_APPS, and the web server that runs it
 * (Procfile, Dockerfile CMD/ENTRYPOINT, gunicorn config). Each becomes a `SettingsFact` naming the
 * distributions it concerns, with its file and line and, where Django has its own way to say it, a
 * suggestion in Django's terms.
 *
 * Python is parsed with @lezer/python (error recovery: a file with a syntax error is still read, and
 * noted) and only simple forms are evaluated: string, dict, list and tuple literals, `+`, names
 * assigned earlier, `os.environ.get`/`os.getenv`/`env(...)` (the environment, with its default),
 * `dj_database_url.config/parse` and django-environ's `env.db()` (the URL decides). Nothing is
 * executed. Pure over a `ProjectReader`; `fsReader` is the one that touches the disk.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@lezer/python';
import { oneLine, quote } from '../safe-text.js';
import type { Finding, ReportError, ScanResult } from '../scan/types.js';

/** One thing the settings (or the server's command line) say about the packages a project installs. */
export interface SettingsFact {
  /** Distribution names (PEP 503 normalised) this fact is evidence for. */
  concerns: string[];
  /** One sentence, evidence-style, without the location. */
  text: string;
  /** The file (relative to the scan's working directory, `/`-separated) and 1-based line. */
  file: string;
  line: number;
  /** What to do, in Django's terms. */
  suggestion?: string;
  /** The distributions the suggestion is for (default: every one of `concerns`). */
  suggestionFor?: string[];
}

/** A file that could be read only in part (a syntax error, read with error recovery), or not at all. */
export interface SettingsNote {
  file: string;
  line: number;
  message: string;
}

export interface DjangoSettings {
  /** True when a settings module was named and found: only then are there facts. */
  django: boolean;
  /** The settings modules read, each with the file that names it. */
  modules: { module: string; file: string | null; namedIn: string }[];
  facts: SettingsFact[];
  notes: SettingsNote[];
}

/** Reads a project's files by `/`-separated path; null when the path is not a readable file. */
export interface ProjectReader {
  read(file: string): string | null;
  /** Entry names of a directory (empty when it is not one); directories end with `/`. */
  list(dir: string): string[];
}

export interface DjangoSettingsOptions {
  /** A settings module to read (`--settings`), besides those the project names. */
  settings?: string;
  /** Distributions the project installs (its findings' names), so suggestions name the one declared. */
  packages?: Iterable<string>;
}

const MAX_FILE_BYTES = 1_000_000;
const MAX_IMPORT_DEPTH = 3;

/** A reader over the disk, relative to `cwd`; files above the size cap read as absent. */
export function fsReader(cwd: string): ProjectReader {
  return {
    read(file) {
      try {
        const full = path.resolve(cwd, file);
        const st = statSync(full);
        if (!st.isFile() || st.size > MAX_FILE_BYTES) return null;
        return readFileSync(full, 'utf8');
      } catch {
        return null;
      }
    },
    list(dir) {
      try {
        return readdirSync(path.resolve(cwd, dir || '.'), { withFileTypes: true }).map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
      } catch {
        return [];
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Python: parsing and a small evaluator

interface PyFile {
  file: string;
  text: string;
  top: SyntaxNode;
  lineStarts: number[];
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function lineAt(py: PyFile, pos: number): number {
  let lo = 0;
  let hi = py.lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (py.lineStarts[mid]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

function parsePython(file: string, text: string, notes: SettingsNote[]): PyFile {
  const tree = parser.parse(text);
  const py: PyFile = { file, text, top: tree.topNode, lineStarts: lineStartsOf(text) };
  let errorAt = -1;
  tree.iterate({
    enter(n) {
      if (errorAt >= 0) return false;
      if (n.type.isError) errorAt = n.from;
      return undefined;
    },
  });
  if (errorAt >= 0) notes.push({ file, line: lineAt(py, errorAt), message: `${file}: a Python syntax error at line ${lineAt(py, errorAt)}; the file was read with error recovery, so some settings may be missed` });
  return py;
}

const src = (py: PyFile, n: SyntaxNode): string => py.text.slice(n.from, n.to);

function children(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

const PUNCT = new Set(['(', ')', '[', ']', '{', '}', ',', ':', '.', ';']);
const exprChildren = (n: SyntaxNode): SyntaxNode[] => children(n).filter((c) => !PUNCT.has(c.name) && !c.type.isError && c.name !== 'Comment');

/** A Python string literal's value (prefixes, quotes and the common escapes). */
export function pythonString(literal: string): string | null {
  const m = /^([rRbBuUfF]{0,2})('''|"""|'|")([\s\S]*)\2$/.exec(literal);
  if (!m) return null;
  const raw = /r/i.test(m[1]!);
  const body = m[3]!;
  if (raw) return body;
  return body.replace(/\\(\n|\\|'|"|n|t|r|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})/g, (_, e: string) => {
    if (e === '\n') return '';
    if (e === 'n') return '\n';
    if (e === 't') return '\t';
    if (e === 'r') return '\r';
    if (e[0] === 'x' || e[0] === 'u') return String.fromCharCode(parseInt(e.slice(1), 16));
    return e;
  });
}

type Value =
  | { kind: 'str'; value: string }
  | { kind: 'env'; variable: string | null; fallback: Value | null; call: string }
  | { kind: 'dburl'; via: string; variable: string; fallback: Value | null }
  | { kind: 'dict'; entries: { key: string | null; value: Value; line: number }[] }
  | { kind: 'list'; items: { value: Value; line: number }[] }
  | { kind: 'concat'; parts: Value[] }
  | { kind: 'either'; options: Value[] }
  | { kind: 'unknown'; text: string };

interface Scope {
  names: Map<string, Value>;
  /** Names bound to a django-environ `Env()` (and `env` by convention). */
  envNames: Set<string>;
  /** Names bound to os.environ / os.getenv by `from os import …`. */
  osAliases: Map<string, string>;
}

function dotted(py: PyFile, n: SyntaxNode): string | null {
  if (n.name === 'VariableName') return src(py, n);
  if (n.name === 'MemberExpression') {
    const parts = children(n);
    if (parts.length === 3 && parts[1]!.name === '.' && parts[2]!.name === 'PropertyName') {
      const left = dotted(py, parts[0]!);
      return left === null ? null : `${left}.${src(py, parts[2]!)}`;
    }
  }
  return null;
}

interface Args {
  positional: SyntaxNode[];
  keywords: Map<string, SyntaxNode>;
}

function argsOf(py: PyFile, call: SyntaxNode): Args {
  const list = call.getChild('ArgList');
  const positional: SyntaxNode[] = [];
  const keywords = new Map<string, SyntaxNode>();
  if (!list) return { positional, keywords };
  const parts = exprChildren(list);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.name === 'VariableName' && parts[i + 1]?.name === 'AssignOp' && parts[i + 2]) {
      keywords.set(src(py, p), parts[i + 2]!);
      i += 2;
    } else if (p.name !== 'AssignOp' && p.name !== '*' && p.name !== '**') {
      positional.push(p);
    }
  }
  return { positional, keywords };
}

const DBURL_CALLS = new Set(['dj_database_url.config', 'dj_database_url.parse', 'db_url.config', 'dj_db_url.config']);

function evaluate(py: PyFile, n: SyntaxNode | null | undefined, scope: Scope, depth = 0): Value {
  if (!n || depth > 40) return { kind: 'unknown', text: '' };
  const text = (): Value => ({ kind: 'unknown', text: oneLine(src(py, n), 80) });
  switch (n.name) {
    case 'String': {
      const v = pythonString(src(py, n));
      return v === null ? text() : { kind: 'str', value: v };
    }
    case 'ContinuedString':
      return { kind: 'concat', parts: exprChildren(n).map((c) => evaluate(py, c, scope, depth + 1)) };
    case 'FormatString':
      return formatString(py, n, scope, depth);
    case 'ParenthesizedExpression': {
      const inner = exprChildren(n);
      return inner.length === 1 ? evaluate(py, inner[0], scope, depth + 1) : text();
    }
    case 'DictionaryExpression':
      return dictOf(py, n, scope, depth);
    case 'ArrayExpression':
    case 'TupleExpression':
    case 'SetExpression':
      return { kind: 'list', items: exprChildren(n).map((c) => ({ value: evaluate(py, c, scope, depth + 1), line: lineAt(py, c.from) })) };
    case 'BinaryExpression': {
      const [a, op, b] = children(n);
      if (op?.name === 'ArithOp' && src(py, op) === '+') return concat(evaluate(py, a, scope, depth + 1), evaluate(py, b, scope, depth + 1));
      if (op?.name === 'or' && a && b) return { kind: 'either', options: [evaluate(py, a, scope, depth + 1), evaluate(py, b, scope, depth + 1)] };
      return text();
    }
    case 'ConditionalExpression': {
      const parts = exprChildren(n).filter((c) => c.name !== 'if' && c.name !== 'else');
      if (parts.length === 3) return { kind: 'either', options: [evaluate(py, parts[0], scope, depth + 1), evaluate(py, parts[2], scope, depth + 1)] };
      return text();
    }
    case 'VariableName':
      return scope.names.get(src(py, n)) ?? text();
    case 'MemberExpression': {
      // os.environ["X"]
      const parts = children(n);
      if (parts[1]?.name === '[') {
        const base = dotted(py, parts[0]!);
        if (base === 'os.environ' || (base !== null && scope.osAliases.get(base) === 'os.environ')) {
          const key = evaluate(py, parts[2], scope, depth + 1);
          return { kind: 'env', variable: key.kind === 'str' ? key.value : null, fallback: null, call: 'os.environ[…]' };
        }
      }
      return text();
    }
    case 'CallExpression':
      return callValue(py, n, scope, depth) ?? text();
    default:
      return text();
  }
}

function concat(a: Value, b: Value): Value {
  if (a.kind === 'list' && b.kind === 'list') return { kind: 'list', items: [...a.items, ...b.items] };
  return { kind: 'concat', parts: [...(a.kind === 'concat' ? a.parts : [a]), ...(b.kind === 'concat' ? b.parts : [b])] };
}

function formatString(py: PyFile, n: SyntaxNode, scope: Scope, depth: number): Value {
  const literal = src(py, n);
  const m = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(literal);
  if (!m) return { kind: 'unknown', text: oneLine(literal, 80) };
  const open = n.from + m[0].length;
  const close = n.to - m[2]!.length;
  const parts: Value[] = [];
  let at = open;
  for (const r of children(n).filter((c) => c.name === 'FormatReplacement')) {
    if (r.from > at) parts.push({ kind: 'str', value: py.text.slice(at, r.from) });
    const inner = exprChildren(r).filter((c) => c.name !== 'FormatSpec' && c.name !== 'FormatConversion');
    parts.push(inner.length === 1 ? evaluate(py, inner[0], scope, depth + 1) : { kind: 'unknown', text: oneLine(src(py, r), 40) });
    at = r.to;
  }
  if (close > at) parts.push({ kind: 'str', value: py.text.slice(at, close) });
  return parts.length === 1 ? parts[0]! : { kind: 'concat', parts };
}

function dictOf(py: PyFile, n: SyntaxNode, scope: Scope, depth: number): Value {
  const entries: { key: string | null; value: Value; line: number }[] = [];
  const parts = children(n).filter((c) => c.name !== '{' && c.name !== '}' && c.name !== ',' && c.name !== 'Comment' && !c.type.isError);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.name === '**') {
      const spread = evaluate(py, parts[i + 1], scope, depth + 1);
      if (spread.kind === 'dict') entries.push(...spread.entries);
      i += 1;
      continue;
    }
    if (parts[i + 1]?.name === ':' && parts[i + 2]) {
      const key = evaluate(py, p, scope, depth + 1);
      entries.push({ key: key.kind === 'str' ? key.value : null, value: evaluate(py, parts[i + 2], scope, depth + 1), line: lineAt(py, p.from) });
      i += 2;
    }
  }
  return { kind: 'dict', entries };
}

function callValue(py: PyFile, n: SyntaxNode, scope: Scope, depth: number): Value | null {
  const callee = n.firstChild;
  if (!callee) return null;
  const name = dotted(py, callee);
  if (name === null) return null;
  const args = argsOf(py, n);
  const arg = (i: number, kw?: string): Value | null => {
    const node = (kw ? args.keywords.get(kw) : undefined) ?? args.positional[i];
    return node ? evaluate(py, node, scope, depth + 1) : null;
  };
  const strArg = (i: number, kw?: string): string | null => {
    const v = arg(i, kw);
    return v?.kind === 'str' ? v.value : null;
  };
  const alias = scope.osAliases.get(name.split('.')[0]!);
  const resolved = alias ? name.replace(/^[^.]+/, alias) : name;
  if (resolved === 'os.environ.get' || resolved === 'os.getenv' || resolved === 'os.environ.setdefault') {
    return { kind: 'env', variable: strArg(0, 'key'), fallback: arg(1, 'default'), call: resolved };
  }
  if (DBURL_CALLS.has(name)) {
    const parse = name.endsWith('.parse');
    if (parse) {
      const url = arg(0, 'url');
      return { kind: 'dburl', via: name, variable: url?.kind === 'env' && url.variable ? url.variable : 'the URL given', fallback: url?.kind === 'env' ? url.fallback : url };
    }
    return { kind: 'dburl', via: name, variable: strArg(-1, 'env') ?? 'DATABASE_URL', fallback: arg(-1, 'default') };
  }
  const [recv, method] = name.includes('.') ? [name.slice(0, name.lastIndexOf('.')), name.slice(name.lastIndexOf('.') + 1)] : [null, null];
  const isEnv = (r: string | null): boolean => r !== null && (scope.envNames.has(r) || r === 'environ.Env' || r === 'Env');
  if (isEnv(recv) && (method === 'db' || method === 'db_url' || method === 'db_url_config')) {
    return { kind: 'dburl', via: `${recv}.${method}() (django-environ)`, variable: strArg(0, 'var') ?? 'DATABASE_URL', fallback: arg(1, 'default') };
  }
  if ((scope.envNames.has(name) || name === 'config' || name === 'env') && args.positional.length > 0) {
    return { kind: 'env', variable: strArg(0), fallback: arg(1, 'default'), call: name };
  }
  if (isEnv(recv) && method !== null && ['str', 'get_value', 'get'].includes(method)) {
    return { kind: 'env', variable: strArg(0, 'var'), fallback: arg(1, 'default'), call: name };
  }
  if (name === 'dict') {
    const entries = [...args.keywords].map(([key, node]) => ({ key, value: evaluate(py, node, scope, depth + 1), line: lineAt(py, node.from) }));
    return { kind: 'dict', entries };
  }
  return null;
}

/** The string a value is, or would be by default when the environment does not say. */
function defaultString(v: Value | null): string | null {
  if (!v) return null;
  switch (v.kind) {
    case 'str':
      return v.value;
    case 'env':
      return defaultString(v.fallback);
    case 'concat': {
      let out = '';
      for (const p of v.parts) {
        const s = defaultString(p);
        if (s === null) return null;
        out += s;
      }
      return out;
    }
    default:
      return null;
  }
}

/** The environment variables a value reads. */
function envVariables(v: Value | null): string[] {
  if (!v) return [];
  switch (v.kind) {
    case 'env':
      return [v.variable ?? '?', ...envVariables(v.fallback)];
    case 'concat':
      return v.parts.flatMap(envVariables);
    case 'either':
      return v.options.flatMap(envVariables);
    default:
      return [];
  }
}

function entry(v: Value | undefined, key: string): { value: Value; line: number } | null {
  if (!v || v.kind !== 'dict') return null;
  const wanted = key.toLowerCase();
  const found = [...v.entries].reverse().find((e) => e.key?.toLowerCase() === wanted);
  return found ? { value: found.value, line: found.line } : null;
}

// ---------------------------------------------------------------------------------------------
// Walking the settings module's statements in order

interface Observed {
  /** The assigned setting (DATABASES …), its sub-key (alias) path and value. */
  setting: string;
  keys: string[];
  value: Value;
  file: string;
  line: number;
  /** The `if` conditions around the assignment, as written. */
  conditions: string[];
  /** Some condition reads the environment. */
  fromEnvironment: boolean;
  /** A plain assignment of the whole setting outside any `if`: what came before it no longer counts. */
  replaces: boolean;
  /** `+=`, `.append`, `.extend`, `.insert`: adds to the list. */
  adds: boolean;
}

interface ModuleRead {
  observed: Observed[];
  mysqldbShims: { file: string; line: number }[];
}

const SETTINGS = new Set(['DATABASES', 'CACHES', 'CHANNEL_LAYERS', 'ASGI_APPLICATION', 'WSGI_APPLICATION', 'INSTALLED_APPS']);

interface Walker {
  reader: ProjectReader;
  notes: SettingsNote[];
  parsed: Map<string, PyFile>;
  bases: string[];
}

function parsedFile(w: Walker, file: string): PyFile | null {
  const cached = w.parsed.get(file);
  if (cached) return cached;
  const text = w.reader.read(file);
  if (text === null) return null;
  const py = parsePython(file, text, w.notes);
  w.parsed.set(file, py);
  return py;
}

const join = (...parts: string[]): string => path.posix.join(...parts.filter((p) => p !== '' && p !== '.')) || '.';

function moduleFile(w: Walker, module: string, bases: string[]): string | null {
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(module)) return null;
  const rel = module.split('.').join('/');
  for (const base of bases) {
    for (const candidate of [join(base, `${rel}.py`), join(base, rel, '__init__.py')]) {
      if (w.reader.read(candidate) !== null) return candidate;
    }
  }
  return null;
}

/** The module a relative or absolute `from X import *` names, from the file that holds it. */
function importTarget(w: Walker, py: PyFile, stmt: SyntaxNode): string | null {
  const parts = children(stmt);
  if (!parts.some((p) => p.name === '*')) return null;
  let level = 0;
  const names: string[] = [];
  for (const p of parts) {
    if (p.name === 'import') break;
    if (p.name === '.') level += names.length === 0 ? 1 : 0;
    else if (p.name === 'Ellipsis' || src(py, p) === '...') level += 3;
    else if (p.name === 'VariableName') names.push(src(py, p));
  }
  if (level === 0) return moduleFile(w, names.join('.'), w.bases);
  let dir = path.posix.dirname(py.file);
  for (let i = 1; i < level; i++) dir = path.posix.dirname(dir);
  if (names.length === 0) return null;
  return moduleFile(w, names.join('.'), [dir]);
}

function readModule(w: Walker, file: string, scope: Scope, out: ModuleRead, seen: Set<string>, depth: number): void {
  if (seen.has(file) || depth > MAX_IMPORT_DEPTH) return;
  seen.add(file);
  const py = parsedFile(w, file);
  if (!py) return;
  walkBody(w, py, py.top, scope, out, seen, depth, [], false);
}

function conditionMentionsEnvironment(py: PyFile, n: SyntaxNode, scope: Scope): boolean {
  let found = false;
  const visit = (c: SyntaxNode): void => {
    if (found) return;
    if (c.name === 'CallExpression' || c.name === 'MemberExpression' || c.name === 'VariableName') {
      const v = evaluate(py, c, scope);
      if (v.kind === 'env' || envVariables(v).length > 0) {
        found = true;
        return;
      }
    }
    for (const k of children(c)) visit(k);
  };
  visit(n);
  return found;
}

function walkBody(w: Walker, py: PyFile, body: SyntaxNode, scope: Scope, out: ModuleRead, seen: Set<string>, depth: number, conditions: string[], fromEnv: boolean): void {
  for (const stmt of children(body)) {
    switch (stmt.name) {
      case 'AssignStatement':
      case 'UpdateStatement':
        assignment(py, stmt, scope, out, conditions, fromEnv);
        break;
      case 'ExpressionStatement':
        expression(py, stmt, scope, out, conditions, fromEnv);
        break;
      case 'ImportStatement': {
        noteImports(py, stmt, scope);
        const target = importTarget(w, py, stmt);
        if (target) readModule(w, target, scope, out, seen, depth + 1);
        break;
      }
      case 'IfStatement': {
        let condition: string | null = null;
        let env = false;
        const previous: string[] = [];
        for (const part of children(stmt)) {
          if (part.name === 'if' || part.name === 'elif' || part.name === 'else') {
            if (part.name === 'else') {
              condition = previous.length > 0 ? `not (${previous.join(' or ')})` : 'otherwise';
            }
            continue;
          }
          if (part.name === 'Body') {
            walkBody(w, py, part, scope, out, seen, depth, [...conditions, condition ?? '?'], fromEnv || env);
            continue;
          }
          if (!PUNCT.has(part.name) && part.name !== 'Comment') {
            condition = oneLine(src(py, part), 120);
            previous.push(condition);
            env = env || conditionMentionsEnvironment(py, part, scope);
          }
        }
        break;
      }
      case 'TryStatement':
      case 'WithStatement':
        for (const part of children(stmt)) if (part.name === 'Body') walkBody(w, py, part, scope, out, seen, depth, conditions, fromEnv);
        break;
      default:
        break;
    }
  }
}

function noteImports(py: PyFile, stmt: SyntaxNode, scope: Scope): void {
  const parts = children(stmt);
  const names = parts.filter((p) => p.name === 'VariableName').map((p) => src(py, p));
  if (parts[0]?.name === 'from' && names[0] === 'os') {
    for (const n of names.slice(1)) if (n === 'environ' || n === 'getenv') scope.osAliases.set(n, `os.${n}`);
  }
}

/** `X = …`, `X: T = …`, `X += …`, `X["a"]["b"] = …` for the settings we read; other simple names go into the scope. */
function assignment(py: PyFile, stmt: SyntaxNode, scope: Scope, out: ModuleRead, conditions: string[], fromEnv: boolean): void {
  const parts = children(stmt);
  const opAt = parts.findIndex((p) => p.name === 'AssignOp' || p.name === 'UpdateOp');
  if (opAt < 1) return;
  const targets = parts.slice(0, opAt).filter((p) => p.name !== 'TypeDef' && !PUNCT.has(p.name));
  if (targets.length !== 1) return;
  // Chained `a = b = value`: the value is the last expression.
  const valueNode = [...parts].reverse().find((p) => p.name !== 'AssignOp' && !PUNCT.has(p.name) && p.name !== 'Comment' && !p.type.isError);
  if (!valueNode || valueNode === targets[0]) return;
  const update = parts[opAt]!.name === 'UpdateOp';
  const target = targets[0]!;
  let root: SyntaxNode = target;
  const keys: string[] = [];
  while (root.name === 'MemberExpression' && root.firstChild?.nextSibling?.name === '[') {
    const key = evaluate(py, root.firstChild.nextSibling.nextSibling, scope);
    keys.unshift(key.kind === 'str' ? key.value : '?');
    root = root.firstChild;
  }
  if (root.name !== 'VariableName') return;
  const name = src(py, root);
  const value = evaluate(py, valueNode, scope);
  if (SETTINGS.has(name)) {
    out.observed.push({
      setting: name,
      keys,
      value,
      file: py.file,
      line: lineAt(py, stmt.from),
      conditions,
      fromEnvironment: fromEnv,
      replaces: conditions.length === 0 && !update && keys.length === 0,
      adds: update,
    });
  }
  if (keys.length === 0 && !update) {
    if (valueNode.name === 'CallExpression' && /(^|\.)Env$/.test(dotted(py, valueNode.firstChild!) ?? '')) scope.envNames.add(name);
    if (conditions.length === 0 || !scope.names.has(name)) scope.names.set(name, value);
  } else if (keys.length === 0 && update) {
    const before = scope.names.get(name);
    if (before) scope.names.set(name, concat(before, value));
  }
}

/** `INSTALLED_APPS.append(…)` and friends, `pymysql.install_as_MySQLdb()`, `DATABASES["default"].update(…)`. */
function expression(py: PyFile, stmt: SyntaxNode, scope: Scope, out: ModuleRead, conditions: string[], fromEnv: boolean): void {
  const call = stmt.firstChild;
  if (call?.name !== 'CallExpression') return;
  const name = dotted(py, call.firstChild!);
  if (name === 'pymysql.install_as_MySQLdb' || name === 'install_as_MySQLdb') {
    out.mysqldbShims.push({ file: py.file, line: lineAt(py, stmt.from) });
    return;
  }
  const args = argsOf(py, call);
  const line = lineAt(py, stmt.from);
  if (name !== null) {
    const m = /^(INSTALLED_APPS)\.(append|extend|insert)$/.exec(name);
    if (m) {
      const arg = m[2] === 'insert' ? args.positional[1] : args.positional[0];
      const v = evaluate(py, arg, scope);
      const items = m[2] === 'extend' ? v : { kind: 'list' as const, items: [{ value: v, line }] };
      out.observed.push({ setting: m[1]!, keys: [], value: items, file: py.file, line, conditions, fromEnvironment: fromEnv, replaces: false, adds: true });
      return;
    }
  }
  // DATABASES["default"].update(dj_database_url.config(…))
  const callee = call.firstChild!;
  if (callee.name === 'MemberExpression' && callee.lastChild?.name === 'PropertyName' && src(py, callee.lastChild) === 'update') {
    let root = callee.firstChild!;
    const keys: string[] = [];
    while (root.name === 'MemberExpression' && root.firstChild?.nextSibling?.name === '[') {
      const key = evaluate(py, root.firstChild.nextSibling.nextSibling, scope);
      keys.unshift(key.kind === 'str' ? key.value : '?');
      root = root.firstChild;
    }
    if (root.name === 'VariableName' && SETTINGS.has(src(py, root)) && args.positional[0]) {
      out.observed.push({ setting: src(py, root), keys, value: evaluate(py, args.positional[0], scope), file: py.file, line, conditions, fromEnvironment: fromEnv, replaces: false, adds: true });
    }
  }
}

/** What still counts after the module ran: a plain unconditional assignment wipes what came before. */
function effective(observed: Observed[], setting: string): Observed[] {
  let out: Observed[] = [];
  for (const o of observed) {
    if (o.setting !== setting) continue;
    if (o.replaces) out = [o];
    else if (o.keys.length > 0 && o.conditions.length === 0 && !o.adds) {
      // DATABASES["default"] = … replaces that alias (and deeper keys stay with it).
      out = out.filter((p) => !(p.keys.length >= o.keys.length && o.keys.every((k, i) => p.keys[i] === k)));
      out.push(o);
    } else out.push(o);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Finding the settings module

const SETTINGS_ENV = 'DJANGO_SETTINGS_MODULE';

interface Named {
  module: string;
  file: string;
  line: number;
  /** Where `sys.path[0]` would be for it (the directory of manage.py, or the project root). */
  base: string;
}

function setdefaultsIn(w: Walker, file: string, base: string): Named[] {
  const py = parsedFile(w, file);
  if (!py) return [];
  const found: Named[] = [];
  const scope: Scope = { names: new Map(), envNames: new Set(), osAliases: new Map() };
  const visit = (n: SyntaxNode): void => {
    if (n.name === 'ImportStatement') noteImports(py, n, scope);
    if (n.name === 'CallExpression') {
      const callee = dotted(py, n.firstChild!);
      const alias = callee ? scope.osAliases.get(callee.split('.')[0]!) : undefined;
      const resolved = callee && alias ? callee.replace(/^[^.]+/, alias) : callee;
      if (resolved === 'os.environ.setdefault') {
        const args = argsOf(py, n);
        const key = evaluate(py, args.positional[0], scope);
        const value = evaluate(py, args.positional[1], scope);
        if (key.kind === 'str' && key.value === SETTINGS_ENV && value.kind === 'str') found.push({ module: value.value, file, line: lineAt(py, n.from), base });
      }
    }
    for (const c of children(n)) visit(c);
  };
  visit(py.top);
  return found;
}

const SHELL_SETTINGS = [/--settings[= ]\s*["']?([A-Za-z_][\w.]*)/g, /DJANGO_SETTINGS_MODULE[= ]\s*["']?([A-Za-z_][\w.]*)/g];

function settingsInCommands(file: string, lines: { text: string; line: number }[], base: string): Named[] {
  const found: Named[] = [];
  for (const { text, line } of lines) {
    for (const re of SHELL_SETTINGS) {
      for (const m of text.matchAll(re)) found.push({ module: m[1]!, file, line, base });
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Servers: Procfile, Dockerfile, gunicorn config (shell text, not Python)

interface CommandLine {
  file: string;
  line: number;
  text: string;
  /** `web:` in a Procfile, `CMD`/`ENTRYPOINT` in a Dockerfile. */
  label: string;
}

function procfileCommands(file: string, text: string): CommandLine[] {
  const out: CommandLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const m = /^\s*([A-Za-z0-9_-]+)\s*:\s*(.+)$/.exec(raw);
    if (m) out.push({ file, line: i + 1, text: m[2]!, label: `${m[1]}:` });
  });
  return out;
}

/** Dockerfile instructions joined over `\` continuations, each with the line it starts on. */
function dockerInstructions(text: string): { instruction: string; args: string; line: number }[] {
  const out: { instruction: string; args: string; line: number }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let joined = lines[i]!;
    while (/\\\s*$/.test(joined) && i + 1 < lines.length) joined = joined.replace(/\\\s*$/, ' ') + lines[++i]!;
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(joined);
    if (m && !joined.trimStart().startsWith('#')) out.push({ instruction: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 });
  }
  return out;
}

function dockerCommands(file: string, text: string): CommandLine[] {
  const out: CommandLine[] = [];
  for (const { instruction, args, line } of dockerInstructions(text)) {
    if (instruction !== 'CMD' && instruction !== 'ENTRYPOINT' && instruction !== 'ENV') continue;
    let command = args;
    if (args.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(args);
        if (Array.isArray(parsed)) command = parsed.map(String).join(' ');
      } catch {
        // shell form after all
      }
    }
    out.push({ file, line, text: command, label: instruction });
  }
  return out;
}

function tokens(text: string): string[] {
  return text
    .replace(/["'`]/g, ' ')
    .split(/[\s;&|()]+/)
    .filter(Boolean);
}

function optionValue(toks: string[], short: string | null, long: string): string | null {
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t === long || (short !== null && t === short)) return toks[i + 1] ?? null;
    if (t.startsWith(`${long}=`)) return t.slice(long.length + 1);
    if (short !== null && t.startsWith(short) && t.length > short.length && !t.startsWith('--')) return t.slice(short.length);
  }
  return null;
}

interface Server {
  program: 'gunicorn' | 'uvicorn' | 'daphne' | 'hypercorn' | 'uwsgi';
  workerClass: string | null;
  workerClassAt: { file: string; line: number } | null;
  loop: string | null;
  http: string | null;
  config: string | null;
}

function serverOf(text: string): Server | null {
  const toks = tokens(text);
  const at = toks.findIndex((t) => /^(?:.*\/)?(gunicorn|uvicorn|daphne|hypercorn|uwsgi)$/.test(t));
  if (at < 0) return null;
  const program = /(gunicorn|uvicorn|daphne|hypercorn|uwsgi)$/.exec(toks[at]!)![1] as Server['program'];
  const rest = toks.slice(at + 1);
  return {
    program,
    workerClass: program === 'gunicorn' ? optionValue(rest, '-k', '--worker-class') : program === 'hypercorn' ? optionValue(rest, '-k', '--worker-class') : null,
    workerClassAt: null,
    loop: program === 'uvicorn' ? optionValue(rest, null, '--loop') : null,
    http: program === 'uvicorn' ? optionValue(rest, null, '--http') : null,
    config: program === 'gunicorn' ? optionValue(rest, '-c', '--config') : null,
  };
}

const GUNICORN_CONFIGS = ['gunicorn.conf.py', 'gunicorn_conf.py', 'gunicorn.config.py', 'gunicorn_config.py', 'config/gunicorn.py', 'gunicorn/gunicorn.conf.py', 'docker/gunicorn.conf.py', 'deploy/gunicorn.conf.py'];

/** `worker_class = "…"` in a gunicorn config file. */
function gunicornWorkerClass(w: Walker, file: string): { value: string; line: number } | null {
  const py = parsedFile(w, file);
  if (!py) return null;
  const scope: Scope = { names: new Map(), envNames: new Set(['env']), osAliases: new Map() };
  let found: { value: string; line: number } | null = null;
  for (const stmt of children(py.top)) {
    if (stmt.name === 'ImportStatement') noteImports(py, stmt, scope);
    if (stmt.name !== 'AssignStatement') continue;
    const parts = children(stmt);
    if (parts[0]?.name === 'VariableName' && (src(py, parts[0]) === 'worker_class' || src(py, parts[0]) === 'k') && parts[1]?.name === 'AssignOp') {
      const v = defaultString(evaluate(py, parts[2], scope));
      if (v !== null) found = { value: v, line: lineAt(py, stmt.from) };
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Turning what was read into facts

const POSTGRES_DRIVERS = ['psycopg2-binary', 'psycopg2', 'psycopg', 'psycopg-binary', 'psycopg-c', 'psycopg2cffi'];
const MYSQL_DRIVERS = ['mysqlclient', 'pymysql'];
const ALL_DRIVERS = [...POSTGRES_DRIVERS, ...MYSQL_DRIVERS, 'oracledb', 'cx-oracle', 'mssql-django', 'pyodbc'];

type Family = 'postgresql' | 'mysql' | 'sqlite3' | 'oracle' | 'mssql' | 'other';

function familyOfEngine(engine: string): Family {
  const e = engine.toLowerCase();
  if (/postg|psycopg|cockroach|timescale/.test(e)) return 'postgresql';
  if (/mysql|maria/.test(e)) return 'mysql';
  if (/sqlite|spatialite/.test(e)) return 'sqlite3';
  if (/oracle/.test(e)) return 'oracle';
  if (/mssql|sql_server/.test(e)) return 'mssql';
  return 'other';
}

function familyOfUrl(url: string): Family | null {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url.trim());
  return m ? familyOfEngine(m[1]!) : null;
}

const FAMILY_DRIVERS: Record<Family, string[]> = {
  postgresql: POSTGRES_DRIVERS,
  mysql: MYSQL_DRIVERS,
  sqlite3: [],
  oracle: ['oracledb', 'cx-oracle'],
  mssql: ['mssql-django', 'pyodbc'],
  other: [],
};

function short(engine: string): string {
  return engine.replace(/^django\.(contrib\.gis\.)?db\.backends\./, '');
}

interface DbChoice {
  alias: string;
  family: Family | null;
  /** How the engine is given, as a phrase: `ENGINE "…"`, `ENGINE from the environment (X), default "…"`, … */
  phrase: string;
  /** The ENGINE to keep, quoted, for suggestions; null when a URL or the environment gives it. */
  engine: string | null;
  viaUrl: boolean;
  condition: string | null;
  fromEnvironment: boolean;
  file: string;
  line: number;
}

function dbChoices(observed: Observed[]): DbChoice[] {
  const out: DbChoice[] = [];
  for (const o of effective(observed, 'DATABASES')) {
    const condition = o.conditions.length > 0 ? o.conditions.join(' and ') : null;
    const base = { condition, fromEnvironment: o.fromEnvironment, file: o.file };
    const add = (alias: string, v: Value, line: number, viaKey: boolean): void => {
      if (viaKey) {
        out.push({ ...base, alias, line, ...engineChoice(v) });
        return;
      }
      if (v.kind === 'dict') {
        const e = entry(v, 'ENGINE');
        if (e) out.push({ ...base, alias, line: e.line, ...engineChoice(e.value) });
        return;
      }
      if (v.kind === 'dburl') {
        out.push({ ...base, alias, line, ...urlChoice(v) });
        return;
      }
      if (v.kind === 'either') {
        for (const option of v.options) add(alias, option, line, false);
        return;
      }
      out.push({ ...base, alias, line, family: null, phrase: `is computed (${v.kind === 'unknown' ? v.text : v.kind}), so its ENGINE is not read statically`, engine: null, viaUrl: false });
    };
    if (o.keys.length === 0) {
      if (o.value.kind === 'dict') for (const e of o.value.entries) add(e.key ?? '?', e.value, e.line, false);
      else add('default', o.value, o.line, false);
    } else if (o.keys.length === 1) add(o.keys[0]!, o.value, o.line, false);
    else if (o.keys[1]?.toUpperCase() === 'ENGINE') add(o.keys[0]!, o.value, o.line, true);
  }
  return out;
}

function engineChoice(v: Value): Pick<DbChoice, 'family' | 'phrase' | 'engine' | 'viaUrl'> {
  if (v.kind === 'str') return { family: familyOfEngine(v.value), phrase: `ENGINE is ${quote(v.value)}`, engine: v.value, viaUrl: false };
  const vars = envVariables(v);
  const fallback = defaultString(v);
  if (vars.length > 0) {
    const from = `from the environment (${[...new Set(vars)].join(', ')})`;
    return fallback !== null
      ? { family: familyOfEngine(fallback), phrase: `ENGINE comes ${from}, default ${quote(fallback)}`, engine: null, viaUrl: false }
      : { family: null, phrase: `ENGINE comes ${from}, with no default`, engine: null, viaUrl: false };
  }
  if (v.kind === 'dburl') return urlChoice(v);
  return { family: null, phrase: `ENGINE is computed (${v.kind === 'unknown' ? v.text : v.kind}), not read statically`, engine: null, viaUrl: false };
}

function urlChoice(v: Extract<Value, { kind: 'dburl' }>): Pick<DbChoice, 'family' | 'phrase' | 'engine' | 'viaUrl'> {
  const fallback = defaultString(v.fallback);
  const scheme = fallback !== null ? /^([a-z][a-z0-9+.-]*):\/\//i.exec(fallback.trim())?.[1] ?? null : null;
  const family = fallback !== null ? familyOfUrl(fallback) : null;
  const via = v.via.includes('(') ? v.via : `${v.via}()`;
  // Only the scheme of a default URL is shown: the rest may hold a password.
  const dflt = scheme !== null ? `; its default is a ${scheme}:// URL (${family})` : '';
  return { family, phrase: `comes from ${via}: the database URL (${v.variable}) decides the engine${dflt}`, engine: null, viaUrl: true };
}

function declaredAmong(packages: Set<string>, names: string[]): string[] {
  return names.filter((n) => packages.has(n));
}

function orList(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

function dbFacts(choices: DbChoice[], shims: { file: string; line: number }[], packages: Set<string>): SettingsFact[] {
  const facts: SettingsFact[] = [];
  const byAlias = new Map<string, DbChoice[]>();
  for (const c of choices) byAlias.set(c.alias, [...(byAlias.get(c.alias) ?? []), c]);
  for (const [alias, list] of byAlias) {
    const chosenByEnv = list.length > 1 && list.some((c) => c.fromEnvironment);
    for (const c of list) {
      let text = `DATABASES[${quote(alias)}] ${c.phrase}${c.condition !== null ? ` when ${c.condition}` : chosenByEnv ? ' by default' : ''}`;
      if (chosenByEnv) {
        const options = list.map((o) => `${o.family ?? 'computed'} ${o.condition === null ? 'by default' : `when ${o.condition}`} (${o.file}:${o.line})`);
        text += `; the settings choose the database engine from the environment: ${options.join(', ')}`;
      }
      const fact: SettingsFact = { concerns: c.family === null || c.viaUrl ? [...ALL_DRIVERS] : FAMILY_DRIVERS[c.family], text, file: c.file, line: c.line };
      const keep = c.engine !== null ? `Keep ENGINE ${quote(c.engine)}` : c.viaUrl ? 'Keep the database URL' : `Keep ENGINE (${c.phrase.replace(/^ENGINE comes /, '')})`;
      if (c.family === 'postgresql') {
        const old = declaredAmong(packages, ['psycopg2-binary', 'psycopg2', 'psycopg-binary', 'psycopg-c']);
        const legacy = c.engine !== null && /postgresql_psycopg2$/.test(c.engine);
        const keepPg = legacy ? 'Change ENGINE to "django.db.backends.postgresql" (the postgresql_psycopg2 alias is gone since Django 3.0)' : c.viaUrl ? 'Keep the postgres:// database URL (ENGINE django.db.backends.postgresql)' : keep;
        fact.suggestion = `${keepPg}: Django 4.2+ runs it on psycopg 3, so install psycopg[binary] instead of ${old.length > 0 ? orList(old) : 'psycopg2 or psycopg2-binary'}; on PyPy the [binary] part is skipped by its marker and psycopg runs in pure-Python mode over the system libpq.`;
        fact.suggestionFor = ['psycopg2-binary', 'psycopg2', 'psycopg-binary', 'psycopg-c'];
      } else if (c.family === 'mysql') {
        if (shims.length > 0) {
          fact.text += `; PyMySQL stands in for MySQLdb (pymysql.install_as_MySQLdb() at ${shims.map((s) => `${s.file}:${s.line}`).join(', ')})`;
          fact.suggestion = `${c.viaUrl ? 'Keep the mysql:// database URL' : keep}: PyMySQL already stands in for MySQLdb, so mysqlclient is not needed on PyPy (leave it out there with the marker platform_python_implementation != "PyPy").`;
        } else {
          fact.text += '; Django imports MySQLdb for it, which is mysqlclient unless pymysql.install_as_MySQLdb() runs first';
          fact.suggestion = `${c.viaUrl ? 'Keep the mysql:// database URL' : keep}: install PyMySQL instead of mysqlclient and call pymysql.install_as_MySQLdb() at the top of the settings (or in the project package's __init__.py); if Django refuses its version (PyMySQL reports itself as mysqlclient 1.4.6, Django 6.0 asks for 2.2.1), set pymysql.version_info = (2, 2, 1, "final", 0) before the call.`;
        }
        fact.suggestionFor = ['mysqlclient'];
      }
      facts.push(fact);
    }
  }
  return facts;
}

function cacheLikeFacts(observed: Observed[], setting: 'CACHES' | 'CHANNEL_LAYERS'): SettingsFact[] {
  const facts: SettingsFact[] = [];
  for (const o of effective(observed, setting)) {
    const aliases: { alias: string; value: Value; line: number }[] =
      o.keys.length === 0 && o.value.kind === 'dict' ? o.value.entries.map((e) => ({ alias: e.key ?? '?', value: e.value, line: e.line })) : o.keys.length === 1 ? [{ alias: o.keys[0]!, value: o.value, line: o.line }] : [];
    for (const { alias, value, line } of aliases) {
      const backend = entry(value, 'BACKEND');
      const name = backend ? defaultString(backend.value) : null;
      if (!backend || name === null) continue;
      const where = `${setting}[${quote(alias)}]`;
      const at = { file: o.file, line: backend.line };
      const options = entry(value, 'OPTIONS')?.value;
      const parser = entry(options, 'PARSER_CLASS') ?? entry(options, 'parser_class');
      const parserName = parser ? defaultString(parser.value) : null;
      const hiredisParser = parserName !== null && /hiredis/i.test(parserName);
      if (setting === 'CHANNEL_LAYERS') {
        if (/channels_redis/.test(name)) facts.push({ ...at, concerns: ['channels-redis', 'channels', 'redis', 'msgpack', 'hiredis'], text: `${where} uses channels_redis (BACKEND ${quote(name)}), which talks to Redis through redis-py and packs messages with msgpack` });
        else facts.push({ ...at, concerns: ['channels'], text: `${where} uses BACKEND ${quote(name)}` });
        continue;
      }
      if (/django_redis/.test(name)) {
        facts.push({ ...at, concerns: ['django-redis', 'redis', 'hiredis'], text: `${where} uses django-redis (BACKEND ${quote(name)}) over redis-py, which picks hiredis by itself wherever hiredis is installed` });
      } else if (/backends\.redis\.RedisCache$/.test(name)) {
        facts.push({ ...at, concerns: ['redis', 'hiredis'], text: `${where} uses Django's own RedisCache (BACKEND ${quote(name)}) over redis-py, which picks hiredis by itself wherever hiredis is installed` });
      } else if (/pylibmc/i.test(name)) {
        facts.push({
          ...at,
          concerns: ['pylibmc', 'django-pylibmc'],
          text: `${where} uses pylibmc (BACKEND ${quote(name)}), a C extension over libmemcached`,
          suggestion: `Change BACKEND to "django.core.cache.backends.memcached.PyMemcacheCache" (Django 3.2+) and install pymemcache, which is pure Python, instead of pylibmc; LOCATION stays as it is.`,
          suggestionFor: ['pylibmc', 'django-pylibmc'],
        });
      } else if (/PyMemcacheCache$/.test(name)) {
        facts.push({ ...at, concerns: ['pymemcache'], text: `${where} uses pymemcache (BACKEND ${quote(name)}), a pure-Python memcached client` });
      } else if (/memcached\.MemcachedCache$/.test(name)) {
        facts.push({ ...at, concerns: ['python-memcached'], text: `${where} uses python-memcached (BACKEND ${quote(name)}), which Django 4.1 removed` });
      } else continue;
      if (/redis/i.test(name)) {
        if (hiredisParser) {
          facts.push({
            file: o.file,
            line: parser!.line,
            concerns: ['hiredis'],
            text: `${where}["OPTIONS"] sets ${/PARSER_CLASS/.test(JSON.stringify(options)) ? 'PARSER_CLASS' : 'parser_class'} to ${quote(parserName!)}, which needs hiredis, a C extension`,
            suggestion: `Remove the parser class ${quote(parserName!)} from ${where}["OPTIONS"] and leave hiredis out on PyPy (the marker platform_python_implementation != "PyPy"): redis-py then parses in pure Python there, and still picks hiredis by itself wherever it is installed.`,
          });
        } else {
          const last = facts[facts.length - 1]!;
          last.suggestion = `Keep BACKEND ${quote(name)}; leave hiredis out on PyPy (the marker platform_python_implementation != "PyPy"): redis-py then parses in pure Python there.`;
          last.suggestionFor = ['hiredis'];
        }
      }
    }
  }
  return facts;
}

/** Django apps whose distribution name is not their import name. */
const APP_DISTRIBUTIONS: Record<string, string> = {
  rest_framework: 'djangorestframework',
  rest_framework_simplejwt: 'djangorestframework-simplejwt',
  corsheaders: 'django-cors-headers',
  debug_toolbar: 'django-debug-toolbar',
  compressor: 'django-compressor',
  storages: 'django-storages',
  allauth: 'django-allauth',
  django_filters: 'django-filter',
  crispy_forms: 'django-crispy-forms',
  guardian: 'django-guardian',
  taggit: 'django-taggit',
  mptt: 'django-mptt',
  polymorphic: 'django-polymorphic',
  import_export: 'django-import-export',
  oauth2_provider: 'django-oauth-toolkit',
  social_django: 'social-auth-app-django',
  silk: 'django-silk',
  health_check: 'django-health-check',
  constance: 'django-constance',
  simple_history: 'django-simple-history',
  phonenumber_field: 'django-phonenumber-field',
  anymail: 'django-anymail',
  cacheops: 'django-cacheops',
  channels_redis: 'channels-redis',
  axes: 'django-axes',
  waffle: 'django-waffle',
  reversion: 'django-reversion',
  treebeard: 'django-treebeard',
  widget_tweaks: 'django-widget-tweaks',
  celery_results: 'django-celery-results',
};

const normalise = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

function appFacts(w: Walker, observed: Observed[], localBases: string[]): SettingsFact[] {
  const facts: SettingsFact[] = [];
  const seen = new Set<string>();
  const local = new Set(localBases.flatMap((b) => w.reader.list(b).map((e) => e.replace(/(\/|\.py)$/, ''))));
  const visit = (v: Value, file: string, line: number): void => {
    if (v.kind === 'list') for (const item of v.items) visit(item.value, file, item.line);
    else if (v.kind === 'concat') for (const p of v.parts) visit(p, file, line);
    else if (v.kind === 'str') {
      const top = v.value.split('.')[0]!;
      if (top === '' || top === 'django' || local.has(top) || seen.has(top) || !/^[A-Za-z_]\w*$/.test(top)) return;
      seen.add(top);
      const dist = APP_DISTRIBUTIONS[top] ?? normalise(top);
      facts.push({ concerns: [dist], text: `INSTALLED_APPS lists ${quote(v.value)}: Django imports it at start-up, in every process that loads the settings`, file, line });
    }
  };
  for (const o of effective(observed, 'INSTALLED_APPS')) visit(o.value, o.file, o.line);
  return facts;
}

function asgiFacts(observed: Observed[]): SettingsFact[] {
  return effective(observed, 'ASGI_APPLICATION').flatMap((o) => {
    const app = defaultString(o.value);
    return app === null ? [] : [{ concerns: ['channels', 'daphne', 'uvicorn', 'hypercorn'], text: `ASGI_APPLICATION is ${quote(app)}: the project is served through ASGI (Channels' runserver, daphne, uvicorn or hypercorn)`, file: o.file, line: o.line }];
  });
}

function serverFacts(w: Walker, root: string, commands: CommandLine[]): SettingsFact[] {
  const facts: SettingsFact[] = [];
  for (const cmd of commands) {
    if (cmd.label === 'ENV') continue;
    const server = serverOf(cmd.text);
    if (!server) continue;
    const where = cmd.label.endsWith(':') ? `the Procfile's ${cmd.label.slice(0, -1)} process` : `the Dockerfile's ${cmd.label}`;
    if (server.program === 'gunicorn' && server.workerClass === null) {
      for (const config of [...(server.config ? [server.config.replace(/^python:/, '').replace(/^file:/, '')] : []), ...GUNICORN_CONFIGS]) {
        // A config named on the command line is read only inside the project.
        if (config.split('/').includes('..')) continue;
        const file = join(root, config.replace(/^\/+/, ''));
        const found = gunicornWorkerClass(w, file);
        if (found) {
          server.workerClass = found.value;
          server.workerClassAt = { file, line: found.line };
          break;
        }
      }
    }
    const at = server.workerClassAt ? `, set in ${server.workerClassAt.file}:${server.workerClassAt.line}` : '';
    const base = { file: cmd.file, line: cmd.line };
    if (server.program === 'gunicorn') {
      const wc = server.workerClass ?? 'sync';
      if (/uvicorn/i.test(wc)) {
        if (/H11/.test(wc)) {
          facts.push({ ...base, concerns: ['uvicorn', 'uvicorn-worker', 'h11', 'gunicorn'], text: `${where} runs gunicorn with uvicorn's h11 workers (${wc}${at}): asyncio and the pure-Python h11 parser, without uvloop or httptools` });
        } else {
          const h11 = wc.startsWith('uvicorn_worker.') ? 'uvicorn_worker.UvicornH11Worker' : 'uvicorn.workers.UvicornH11Worker';
          facts.push({
            ...base,
            concerns: ['uvicorn', 'uvicorn-worker', 'uvloop', 'httptools', 'gunicorn'],
            text: `${where} runs gunicorn with uvicorn workers (${wc}${at}): uvicorn uses uvloop and httptools whenever they are installed; uvicorn[standard] installs uvloop only on CPython (by its marker) but httptools on PyPy too`,
            suggestion: `On PyPy run gunicorn with -k ${h11} (asyncio and the pure-Python h11 parser), or install uvicorn without [standard].`,
            suggestionFor: ['httptools', 'uvloop'],
          });
        }
      } else if (/gevent/i.test(wc)) facts.push({ ...base, concerns: ['gevent', 'greenlet', 'gunicorn'], text: `${where} runs gunicorn with gevent workers (${wc}${at})` });
      else if (/eventlet/i.test(wc)) facts.push({ ...base, concerns: ['eventlet', 'greenlet', 'gunicorn'], text: `${where} runs gunicorn with eventlet workers (${wc}${at})` });
      else facts.push({ ...base, concerns: ['gunicorn'], text: `${where} runs gunicorn with ${wc} workers${at ? ` (${at.slice(2)})` : ''}` });
    } else if (server.program === 'uvicorn') {
      const pure = server.loop === 'asyncio' && server.http === 'h11';
      facts.push(
        pure
          ? { ...base, concerns: ['uvicorn', 'h11'], text: `${where} runs uvicorn with --loop asyncio --http h11: pure Python, without uvloop or httptools` }
          : {
              ...base,
              concerns: ['uvicorn', 'uvloop', 'httptools'],
              text: `${where} runs uvicorn (--loop ${server.loop ?? 'auto'}, --http ${server.http ?? 'auto'}): it uses uvloop and httptools whenever they are installed; uvicorn[standard] installs uvloop only on CPython (by its marker) but httptools on PyPy too`,
              suggestion: 'On PyPy start uvicorn with --loop asyncio --http h11, or install uvicorn without [standard].',
              suggestionFor: ['httptools', 'uvloop'],
            },
      );
    } else if (server.program === 'daphne') facts.push({ ...base, concerns: ['daphne', 'twisted'], text: `${where} runs daphne, Channels' ASGI server on Twisted` });
    else if (server.program === 'hypercorn') facts.push({ ...base, concerns: ['hypercorn'], text: `${where} runs hypercorn${server.workerClass ? ` with ${server.workerClass} workers` : ''}` });
    else facts.push({ ...base, concerns: ['uwsgi', 'pyuwsgi'], text: `${where} runs uWSGI, a C server that embeds the Python interpreter` });
  }
  return facts;
}

// ---------------------------------------------------------------------------------------------
// The whole read

function dockerfilesIn(reader: ProjectReader, root: string): string[] {
  const out: string[] = [];
  for (const dir of [root, join(root, 'docker'), join(root, 'deploy')]) {
    for (const e of reader.list(dir)) {
      if (!e.endsWith('/') && /^(Dockerfile(\.[\w.-]+)?|[\w.-]+\.Dockerfile)$/i.test(e)) out.push(join(dir, e));
    }
  }
  return out;
}

/**
 * Reads the Django settings of the project at `root` (a directory, relative to the reader, `/`-separated).
 * A project that names no settings module gets `django: false` and no facts; nothing here throws on
 * bad input.
 */
export function readDjangoSettings(root: string, reader: ProjectReader, options: DjangoSettingsOptions = {}): DjangoSettings {
  const notes: SettingsNote[] = [];
  const w: Walker = { reader, notes, parsed: new Map(), bases: [] };
  const packages = new Set([...(options.packages ?? [])].map(normalise));

  // manage.py at the root or one directory down; wsgi.py/asgi.py in the packages beside it.
  const manageDirs: string[] = [];
  if (reader.read(join(root, 'manage.py')) !== null) manageDirs.push(root);
  for (const e of reader.list(root)) {
    if (e.endsWith('/') && !e.startsWith('.') && reader.read(join(root, e, 'manage.py')) !== null) manageDirs.push(join(root, e));
  }
  const bases = [...manageDirs, root].filter((b, i, all) => all.indexOf(b) === i);
  w.bases = bases;
  const named: Named[] = [];
  for (const dir of manageDirs) {
    named.push(...setdefaultsIn(w, join(dir, 'manage.py'), dir));
    for (const e of reader.list(dir)) {
      if (!e.endsWith('/') || e.startsWith('.')) continue;
      for (const f of ['wsgi.py', 'asgi.py']) if (reader.read(join(dir, e, f)) !== null) named.push(...setdefaultsIn(w, join(dir, e, f), dir));
    }
  }

  const commands: CommandLine[] = [];
  const procfile = join(root, 'Procfile');
  const procText = reader.read(procfile);
  if (procText !== null) commands.push(...procfileCommands(procfile, procText));
  for (const file of dockerfilesIn(reader, root)) commands.push(...dockerCommands(file, reader.read(file) ?? ''));
  for (const c of commands) named.push(...settingsInCommands(c.file, [{ text: c.text, line: c.line }], bases[0]!));
  if (options.settings) named.unshift({ module: options.settings, file: '--settings', line: 0, base: bases[0]! });

  const modules: DjangoSettings['modules'] = [];
  const facts: SettingsFact[] = [];
  const seenModules = new Set<string>();
  for (const n of named) {
    if (seenModules.has(n.module)) continue;
    seenModules.add(n.module);
    const file = moduleFile(w, n.module, [n.base, ...bases]);
    modules.push({ module: n.module, file, namedIn: n.line > 0 ? `${n.file}:${n.line}` : n.file });
    if (!file) continue;
    const out: ModuleRead = { observed: [], mysqldbShims: [] };
    const scope: Scope = { names: new Map(), envNames: new Set(['env']), osAliases: new Map() };
    readModule(w, file, scope, out, new Set(), 0);
    // install_as_MySQLdb() may sit in the project package's __init__.py, manage.py or wsgi.py instead.
    const pkgInit = moduleFile(w, n.module.split('.')[0]!, [n.base, ...bases]);
    for (const extra of [pkgInit, join(n.base, 'manage.py')]) {
      if (!extra || extra === file) continue;
      const py = parsedFile(w, extra);
      if (py) walkBody(w, py, py.top, { names: new Map(), envNames: new Set(), osAliases: new Map() }, { observed: [], mysqldbShims: out.mysqldbShims }, new Set([extra]), MAX_IMPORT_DEPTH, [], false);
    }
    facts.push(...dbFacts(dbChoices(out.observed), out.mysqldbShims, packages));
    facts.push(...cacheLikeFacts(out.observed, 'CACHES'));
    facts.push(...cacheLikeFacts(out.observed, 'CHANNEL_LAYERS'));
    facts.push(...asgiFacts(out.observed));
    facts.push(...appFacts(w, out.observed, bases));
  }
  const django = modules.some((m) => m.file !== null);
  for (const m of modules) {
    if (m.file === null) notes.push({ file: m.namedIn.replace(/:\d+$/, ''), line: Number(/:(\d+)$/.exec(m.namedIn)?.[1] ?? 0), message: `${m.namedIn}: the settings module ${quote(m.module)} was not found under ${root}` });
  }
  if (django) facts.push(...serverFacts(w, root, commands));
  // The same line seen through several settings modules (a shared base.py) is one fact.
  const unique = new Map<string, SettingsFact>();
  for (const f of facts) {
    const key = `${f.file}:${f.line}:${f.text}`;
    if (!unique.has(key)) unique.set(key, f);
  }
  return { django, modules, facts: django ? [...unique.values()] : [], notes };
}

// ---------------------------------------------------------------------------------------------
// Onto the scan's findings

const SUGGESTING: ReadonlySet<Finding['severity']> = new Set(['error', 'warning']);

/** The evidence sentence a fact adds to a finding. */
export function factEvidence(fact: SettingsFact): string {
  return `${oneLine(fact.text, 600)} (${fact.file}:${fact.line})`;
}

/**
 * Reads each project's Django settings and adds every fact, as evidence with its file:line, to the
 * findings of the packages it concerns; a fact's suggestion replaces the finding's when the finding
 * is a warning or an error (it says the same in Django's terms, for this project's settings).
 * Unreadable settings become warnings in `errors`. A project that is not Django is left as it is.
 */
export function withDjangoSettings(result: ScanResult, cwd: string, reader: ProjectReader = fsReader(cwd), options: Omit<DjangoSettingsOptions, 'packages'> = {}): ScanResult {
  const errors: ReportError[] = [...result.errors];
  const byProject = new Map<string, SettingsFact[]>();
  for (const root of result.projects) {
    let settings: DjangoSettings;
    try {
      settings = readDjangoSettings(root, reader, { ...options, packages: result.findings.filter((f) => f.project === root).map((f) => f.name) });
    } catch (error) {
      // Never fatal: the scan's answer stands without the settings.
      errors.push({ kind: 'manifest', severity: 'warning', message: `${root}: the Django settings could not be read (${oneLine(String(error), 200)})` });
      continue;
    }
    byProject.set(root, settings.facts);
    for (const note of settings.notes) errors.push({ kind: 'manifest', severity: 'warning', message: oneLine(note.message, 400), file: note.file, ...(note.line > 0 ? { line: note.line } : {}) });
  }
  if (byProject.size === 0 && errors.length === result.errors.length) return result;
  const findings = result.findings.map((f) => {
    const facts = (byProject.get(f.project) ?? []).filter((fact) => fact.concerns.includes(f.name));
    if (facts.length === 0) return f;
    const evidence = [...f.evidence];
    for (const fact of facts) {
      const line = factEvidence(fact);
      if (!evidence.includes(line)) evidence.push(line);
    }
    const suggesting = facts.find((fact) => fact.suggestion && (fact.suggestionFor ?? fact.concerns).includes(f.name));
    const suggestion = suggesting && SUGGESTING.has(f.severity) ? suggesting.suggestion! : f.suggestion;
    return { ...f, evidence, suggestion };
  });
  return { ...result, findings, errors };
}
