/**
 * Environment markers (PEP 508, as the "dependency specifiers" spec and pypa/packaging 26 define
 * them): parsing to a small tree, evaluation against a *target* environment, and a normalised
 * string form that parses back to the same tree.
 */
import { PackagingError, type PackagingErrorKind } from './errors.js';
import { quote } from '../safe-text.js';
import { canonicalizeName } from './names.js';
import { isValidSpecifier, satisfies } from './versions.js';

export interface MarkerEnvironment {
  implementation_name: string;
  implementation_version: string;
  platform_python_implementation: string;
  python_version: string;
  python_full_version: string;
  sys_platform: string;
  platform_system: string;
  platform_machine: string;
  platform_release: string;
  platform_version: string;
  os_name: string;
}

export type MarkerVariable = keyof MarkerEnvironment | 'extra' | 'dependency_groups' | 'extras';

export type Marker =
  | { kind: 'compare'; left: MarkerValue; op: MarkerOp; right: MarkerValue }
  | { kind: 'and' | 'or'; left: Marker; right: Marker };

export type MarkerValue = { kind: 'variable'; name: MarkerVariable } | { kind: 'literal'; value: string };

export type MarkerOp = '<' | '<=' | '==' | '!=' | '>=' | '>' | '~=' | '===' | 'in' | 'not in';

export interface MarkerContext {
  /** Extras requested for the distribution whose metadata holds the marker (`extra == "…"`). */
  extras?: readonly string[];
  /** Dependency groups being installed (PEP 735 / PEP 751 `"dev" in dependency_groups`). */
  dependencyGroups?: readonly string[];
}

/** Variable spellings the grammar accepts, mapped to their canonical name. */
const VARIABLE_SPELLINGS: ReadonlyMap<string, MarkerVariable> = new Map<string, MarkerVariable>([
  ['implementation_name', 'implementation_name'],
  ['implementation_version', 'implementation_version'],
  ['platform_python_implementation', 'platform_python_implementation'],
  ['python_version', 'python_version'],
  ['python_full_version', 'python_full_version'],
  ['sys_platform', 'sys_platform'],
  ['platform_system', 'platform_system'],
  ['platform_machine', 'platform_machine'],
  ['platform_release', 'platform_release'],
  ['platform_version', 'platform_version'],
  ['os_name', 'os_name'],
  ['extra', 'extra'],
  ['extras', 'extras'],
  ['dependency_groups', 'dependency_groups'],
  // PEP 345 dotted spellings and setuptools' legacy name: packaging (and so pip) still accept them.
  ['os.name', 'os_name'],
  ['sys.platform', 'sys_platform'],
  ['platform.version', 'platform_version'],
  ['platform.machine', 'platform_machine'],
  ['platform.python_implementation', 'platform_python_implementation'],
  ['python_implementation', 'platform_python_implementation'],
]);

/** Keys whose values are versions: compared with PEP 440 rules when the right side is a specifier. */
const VERSION_VARIABLES: ReadonlySet<MarkerVariable> = new Set<MarkerVariable>([
  'implementation_version',
  'platform_release',
  'python_full_version',
  'python_version',
]);

/** Set-valued keys (PEP 751 lock files, PEP 735 groups): only `"x" in extras` makes sense. */
const SET_VARIABLES: ReadonlySet<MarkerVariable> = new Set<MarkerVariable>(['extras', 'dependency_groups']);

/** Real markers use a handful of clauses; these bounds keep recursion far from the stack limit. */
const MAX_NESTING = 64;
const MAX_OPERATORS = 512;

/** Longest first, so `===` is not read as `==` followed by `=`. */
const COMPARISON_OPS = ['===', '==', '~=', '!=', '<=', '>=', '<', '>'] as const;

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/** Only spaces and tabs separate tokens (packaging rejects line breaks inside a marker). */
function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

const WORD_RUN = /[A-Za-z0-9_.]*/y;

/** Recursive-descent parser over `source`, starting at `pos`; offsets in errors are absolute. */
export class MarkerParser {
  pos: number;
  private depth = 0;
  private operators = 0;

  constructor(
    readonly source: string,
    start = 0,
    private readonly errorKind: PackagingErrorKind = 'marker',
  ) {
    this.pos = start;
  }

  fail(message: string, at = this.pos): never {
    const shown = this.errorKind === 'marker' ? 'marker' : 'requirement';
    throw new PackagingError(this.errorKind, `${message} at column ${at + 1} of ${shown} ${quote(this.source)}`, at);
  }

  skipSpace(): void {
    while (isSpace(this.source[this.pos])) this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.source.length;
  }

  /** The run of word characters at the cursor, without consuming it. */
  private peekWord(): string {
    WORD_RUN.lastIndex = this.pos;
    return WORD_RUN.exec(this.source)?.[0] ?? '';
  }

  /** Evaluation and printing recurse over the tree, so hostile input must not make it deep. */
  private countOperator(): void {
    if (++this.operators > MAX_OPERATORS) this.fail(`more than ${MAX_OPERATORS} "and"/"or" operators`);
  }

  /** marker = and_expr ('or' and_expr)* */
  parseOr(): Marker {
    let left = this.parseAnd();
    for (;;) {
      this.skipSpace();
      if (this.peekWord() !== 'or') return left;
      this.pos += 2;
      this.countOperator();
      left = { kind: 'or', left, right: this.parseAnd() };
    }
  }

  /** and_expr = atom ('and' atom)* */
  private parseAnd(): Marker {
    let left = this.parseAtom();
    for (;;) {
      this.skipSpace();
      if (this.peekWord() !== 'and') return left;
      this.pos += 3;
      this.countOperator();
      left = { kind: 'and', left, right: this.parseAtom() };
    }
  }

  /** atom = '(' marker ')' | marker_var marker_op marker_var */
  private parseAtom(): Marker {
    this.skipSpace();
    if (this.source[this.pos] === '(') {
      const open = this.pos;
      if (++this.depth > MAX_NESTING) this.fail(`parentheses nested deeper than ${MAX_NESTING}`);
      this.pos++;
      const inner = this.parseOr();
      this.depth--;
      this.skipSpace();
      if (this.source[this.pos] !== ')') this.fail(`expected ")" to close the "(" at column ${open + 1}`);
      this.pos++;
      return inner;
    }
    const left = this.parseValue();
    this.skipSpace();
    const op = this.parseOp();
    this.skipSpace();
    const right = this.parseValue();
    return normaliseCompare(left, op, right);
  }

  private parseValue(): MarkerValue {
    const ch = this.source[this.pos];
    if (ch === '"' || ch === "'") {
      const start = this.pos;
      const close = this.source.indexOf(ch, start + 1);
      if (close < 0) this.fail('unterminated quoted string', start);
      const raw = this.source.slice(start + 1, close);
      this.pos = close + 1;
      const value = decodePythonString(raw);
      if (value === null) this.fail('invalid quoted string', start);
      return { kind: 'literal', value };
    }
    const word = this.peekWord();
    const name = VARIABLE_SPELLINGS.get(word);
    if (name === undefined) {
      if (/^[A-Za-z_]/.test(word)) this.fail(`unknown marker variable ${quote(word)}`);
      this.fail('expected a marker variable or quoted string');
    }
    this.pos += word.length;
    return { kind: 'variable', name };
  }

  private parseOp(): MarkerOp {
    const word = this.peekWord();
    if (word === 'in') {
      this.pos += 2;
      return 'in';
    }
    if (word === 'not') {
      this.pos += 3;
      if (!isSpace(this.source[this.pos])) this.fail('expected whitespace after "not"');
      this.skipSpace();
      if (this.peekWord() !== 'in') this.fail('expected "in" after "not"');
      this.pos += 2;
      return 'not in';
    }
    for (const op of COMPARISON_OPS) {
      if (this.source.startsWith(op, this.pos)) {
        this.pos += op.length;
        return op;
      }
    }
    return this.fail('expected a marker operator (one of <, <=, ==, !=, >=, >, ~=, ===, in, not in)');
  }
}

/**
 * Python's `ast.literal_eval` of a quoted string, which is what packaging uses: backslash escapes
 * are interpreted, unknown ones kept verbatim. Returns null where Python raises (a trailing lone
 * backslash, a truncated `\x`, `\N{…}`, a raw line break).
 */
function decodePythonString(raw: string): string | null {
  if (/[\r\n]/.test(raw)) return null;
  if (!raw.includes('\\')) return raw;
  const simple: Record<string, string> = {
    '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
  };
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = raw[i + 1];
    if (next === undefined) return null;
    const mapped = simple[next];
    if (mapped !== undefined) {
      out += mapped;
      i++;
      continue;
    }
    const hexLength = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
    if (hexLength > 0) {
      const hex = raw.slice(i + 2, i + 2 + hexLength);
      if (hex.length !== hexLength || !/^[0-9a-fA-F]+$/.test(hex)) return null;
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) return null;
      out += String.fromCodePoint(code);
      i += 1 + hexLength;
      continue;
    }
    if (/[0-7]/.test(next)) {
      const oct = /^[0-7]{1,3}/.exec(raw.slice(i + 1))?.[0] ?? next;
      out += String.fromCodePoint(Number.parseInt(oct, 8));
      i += oct.length;
      continue;
    }
    if (next === 'N') return null; // named escapes need Python's Unicode name table
    out += ch; // unknown escape: Python keeps the backslash
  }
  return out;
}

/** PEP 685: extra names (and set-membership literals) are compared in PEP 503 form. */
function normaliseCompare(left: MarkerValue, op: MarkerOp, right: MarkerValue): Marker {
  if (left.kind === 'variable' && left.name === 'extra' && right.kind === 'literal') {
    right = { kind: 'literal', value: canonicalizeName(right.value) };
  } else if (right.kind === 'variable' && right.name === 'extra' && left.kind === 'literal') {
    left = { kind: 'literal', value: canonicalizeName(left.value) };
  } else if (right.kind === 'variable' && SET_VARIABLES.has(right.name) && left.kind === 'literal') {
    left = { kind: 'literal', value: canonicalizeName(left.value) };
  }
  return { kind: 'compare', left, op, right };
}

/** Parse a complete marker expression. Throws PackagingError('marker', …) with the offset. */
export function parseMarker(text: string): Marker {
  const parser = new MarkerParser(text);
  const marker = parser.parseOr();
  parser.skipSpace();
  if (!parser.atEnd()) {
    parser.fail(parser.source[parser.pos] === ')' ? 'unmatched ")"' : 'expected "and", "or" or end of marker');
  }
  return marker;
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

type Resolved = string | ReadonlySet<string>;

interface Scope {
  env: MarkerEnvironment;
  extra: string;
  extras: ReadonlySet<string>;
  groups: ReadonlySet<string>;
}

/**
 * Evaluate `marker` for a target environment. Like pip, a marker that mentions `extra` is tried
 * once per requested extra (true if any matches); with no extras requested `extra` is the empty
 * string, so `extra == "x"` is false. Throws PackagingError('marker') for comparisons the spec
 * leaves undefined (e.g. `os_name ~= "posix"`) or an environment missing a value.
 */
export function evaluateMarker(marker: Marker, env: MarkerEnvironment, context: MarkerContext = {}): boolean {
  const extras = (context.extras ?? []).map((e) => canonicalizeName(e));
  const base = {
    env,
    extras: new Set(extras),
    groups: new Set((context.dependencyGroups ?? []).map((g) => canonicalizeName(g))),
  };
  const candidates = extras.length > 0 && markerVariables(marker).has('extra') ? extras : [''];
  return candidates.some((extra) => evaluateNode(marker, { ...base, extra }));
}

function evaluateNode(marker: Marker, scope: Scope): boolean {
  switch (marker.kind) {
    case 'and':
      return evaluateNode(marker.left, scope) && evaluateNode(marker.right, scope);
    case 'or':
      return evaluateNode(marker.left, scope) || evaluateNode(marker.right, scope);
    case 'compare':
      return evaluateCompare(marker.left, marker.op, marker.right, scope);
  }
}

function resolve(value: MarkerValue, scope: Scope): Resolved {
  if (value.kind === 'literal') return value.value;
  switch (value.name) {
    case 'extra':
      return scope.extra;
    case 'extras':
      return scope.extras;
    case 'dependency_groups':
      return scope.groups;
    default: {
      const found: unknown = scope.env[value.name];
      if (typeof found !== 'string') {
        throw new PackagingError('marker', `the target environment has no value for ${quote(value.name)}`);
      }
      // packaging's repair: a "+"-suffixed CPython dev build is not PEP 440 without a local label.
      return value.name === 'python_full_version' && found.endsWith('+') ? `${found}local` : found;
    }
  }
}

function evaluateCompare(left: MarkerValue, op: MarkerOp, right: MarkerValue, scope: Scope): boolean {
  const key = left.kind === 'variable' ? left.name : right.kind === 'variable' ? right.name : null;
  const lhs = resolve(left, scope);
  let rhs = resolve(right, scope);
  if (typeof lhs !== 'string') {
    throw new PackagingError('marker', `${quote(key ?? '')} is a set and can only be used as "<name>" in ${key ?? ''}`);
  }
  if (typeof rhs !== 'string') {
    const member = canonicalizeName(lhs);
    if (op === 'in') return rhs.has(member);
    if (op === 'not in') return !rhs.has(member);
    rhs = ''; // packaging compares a string with a set: never equal, no order
  }
  if (key === 'extra') {
    // The literal side was normalised when parsing; the environment side is normalised here.
    return compareStrings(canonicalizeName(lhs), op, canonicalizeName(rhs));
  }
  if (key !== null && VERSION_VARIABLES.has(key)) {
    const verdict = compareVersionsByOp(lhs, op, rhs);
    if (verdict !== null) return verdict;
  }
  return compareStrings(lhs, op, rhs);
}

/**
 * packaging: if `op + rhs` is a valid single PEP 440 specifier, the answer is whether `lhs` is
 * contained in it (pre-releases allowed; an unparsable `lhs` is simply not contained). Null when
 * `op + rhs` is not a specifier, so the caller falls back to string rules.
 */
function compareVersionsByOp(lhs: string, op: MarkerOp, rhs: string): boolean | null {
  if (op === 'in' || op === 'not in') return null;
  if (!isSingleSpecifier(op, rhs.trim())) return null;
  // Arbitrary equality compares the raw strings (case-insensitively), valid versions or not.
  if (op === '===') return lhs.trim().toLowerCase() === rhs.trim().toLowerCase();
  try {
    return satisfies(lhs.trim(), `${op}${rhs.trim()}`, { prereleases: true });
  } catch {
    return false;
  }
}

const RELEASE_ONLY = /^v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*$/i;

/**
 * A single specifier clause (`op` + `version`) as packaging's Specifier accepts it; stricter than
 * `@renovatebot/pep440` about `.*` after pre/post/dev releases.
 */
export function isSingleSpecifier(op: string, version: string): boolean {
  if (version === '' || /[\s,;]/.test(version)) return false;
  // packaging 26 reads an arbitrary-equality version as a run of anything but whitespace, ";" and ")".
  if (op === '===') return !version.includes(')');
  if (version.endsWith('.*')) {
    // `.*` only after a plain release, and only with == / != (packaging rejects "==1.0a1.*").
    if ((op !== '==' && op !== '!=') || !RELEASE_ONLY.test(version.slice(0, -2))) return false;
  }
  try {
    return isValidSpecifier(`${op}${version}`);
  } catch {
    return false;
  }
}

/** packaging 26 string rules: no ordering on strings, `<=`/`>=` degrade to equality. */
function compareStrings(lhs: string, op: MarkerOp, rhs: string): boolean {
  switch (op) {
    case 'in':
      return rhs.includes(lhs);
    case 'not in':
      return !rhs.includes(lhs);
    case '==':
    case '<=':
    case '>=':
      return lhs === rhs;
    case '!=':
      return lhs !== rhs;
    case '<':
    case '>':
      return false;
    case '~=':
    case '===':
      throw new PackagingError('marker', `undefined comparison ${quote(lhs)} ${op} ${quote(rhs)}: not valid versions`);
  }
}

// ---------------------------------------------------------------------------------------------
// Printing and inspection
// ---------------------------------------------------------------------------------------------

function valueToString(value: MarkerValue): string {
  if (value.kind === 'variable') return value.name;
  const text = value.value;
  if (!/[\\\u0000-\u001f\u007f]/.test(text)) {
    if (!text.includes('"')) return `"${text}"`;
    if (!text.includes("'")) return `'${text}'`;
  }
  // Needs escaping so the parser's Python-string decoding gives the same text back.
  const escaped = text.replace(/[\\"\u0000-\u001f\u007f]/g, (c) =>
    c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return `"${escaped}"`;
}

/**
 * Normalised text: canonical variable names, double quotes, single spaces, and only the
 * parentheses the tree needs (an `or` under an `and`, or a right-nested group, which the
 * left-associative parser would otherwise regroup).
 */
export function markerToString(marker: Marker): string {
  if (marker.kind === 'compare') {
    return `${valueToString(marker.left)} ${marker.op} ${valueToString(marker.right)}`;
  }
  const wrap = (child: Marker, isRight: boolean): string => {
    const text = markerToString(child);
    if (child.kind === 'compare') return text;
    const needs = (marker.kind === 'and' && child.kind === 'or') || (isRight && child.kind === marker.kind);
    return needs ? `(${text})` : text;
  };
  return `${wrap(marker.left, false)} ${marker.kind} ${wrap(marker.right, true)}`;
}

/** Every variable the marker reads, by canonical name. */
export function markerVariables(marker: Marker): Set<MarkerVariable> {
  const found = new Set<MarkerVariable>();
  const visit = (m: Marker): void => {
    if (m.kind === 'compare') {
      if (m.left.kind === 'variable') found.add(m.left.name);
      if (m.right.kind === 'variable') found.add(m.right.name);
    } else {
      visit(m.left);
      visit(m.right);
    }
  };
  visit(marker);
  return found;
}
