/**
 * Rewriting one PEP 508 requirement as written, changing only the part a fix is about: the name and
 * extras (a replacement), the version clauses (a pin or an upper bound) or the marker. Everything
 * else the user wrote (spacing, the marker's own quoting, a parenthesised specifier) is kept, so
 * the line in the diff differs from the old one only where it has to.
 *
 * Pure. The text is validated with the project's own PEP 508 parser first; what it refuses is not
 * touched.
 */
import { PackagingError } from '../pep/errors.js';
import { parseRequirement } from '../pep/requirements.js';
import { compareVersions, isValidVersion, satisfies } from '../pep/versions.js';

/** What a fix changes in one requirement, whatever the file format. */
export type Change =
  | { kind: 'replace'; name: string; extras: string[] }
  | { kind: 'upper-bound'; bound: UpperBound }
  | { kind: 'pin'; version: string }
  | { kind: 'marker'; marker: Marker };

/** `<6` or `<=1.3.3`: the versions the fix keeps. */
export interface UpperBound {
  op: '<' | '<=';
  version: string;
}

/** A marker clause, with its string literal left open so each file can quote it its own way. */
export interface Marker {
  variable: string;
  op: '==' | '!=';
  value: string;
}

export type Rewrite = { ok: true; text: string } | { ok: false; reason: string };

export function markerText(marker: Marker, quote: '"' | "'"): string {
  return `${marker.variable} ${marker.op} ${quote}${marker.value}${quote}`;
}

/** Where the parts of a requirement sit in its text. */
interface Parts {
  headStart: number;
  headEnd: number;
  /** The version clauses, with their parentheses when written so; empty (start = end) when none. */
  specStart: number;
  specEnd: number;
  parenthesised: boolean;
  /** Index of the `;` that opens the marker, or -1. */
  semicolon: number;
  url: boolean;
  /** Where the requirement ends before trailing whitespace. */
  end: number;
}

function partsOf(text: string): Parts {
  const end = text.trimEnd().length;
  let i = text.length - text.trimStart().length;
  const headStart = i;
  while (i < end && /[A-Za-z0-9._-]/.test(text[i]!)) i++;
  let headEnd = i;
  let j = i;
  while (j < end && (text[j] === ' ' || text[j] === '\t')) j++;
  if (text[j] === '[') {
    // The parser accepted the text, so the extras close.
    headEnd = text.indexOf(']', j) + 1;
    j = headEnd;
    while (j < end && (text[j] === ' ' || text[j] === '\t')) j++;
  }
  if (text[j] === '@') {
    const semicolon = text.search(/\s;/) === -1 ? -1 : text.indexOf(';', text.search(/\s;/));
    return { headStart, headEnd, specStart: headEnd, specEnd: headEnd, parenthesised: false, semicolon, url: true, end };
  }
  const parenthesised = text[j] === '(';
  const semi = text.indexOf(';', j);
  const stop = semi === -1 ? end : semi;
  let specEnd = parenthesised ? text.indexOf(')', j) + 1 : stop;
  while (!parenthesised && specEnd > j && (text[specEnd - 1] === ' ' || text[specEnd - 1] === '\t')) specEnd--;
  const specStart = specEnd === j ? headEnd : j;
  return { headStart, headEnd, specStart, specEnd: specEnd === j ? headEnd : specEnd, parenthesised, semicolon: semi, url: false, end };
}

interface Clause {
  raw: string;
  op: string;
  version: string;
}

function clausesOf(spec: string): Clause[] {
  return spec
    .split(',')
    .map((raw) => raw.trim())
    .filter((raw) => raw !== '')
    .map((raw) => {
      const m = /^(===|==|~=|!=|<=|>=|<|>)\s*(.*)$/.exec(raw)!;
      return { raw, op: m[1]!, version: m[2]! };
    });
}

/**
 * Whether a clause keeps every version at or above the limit out (`<6`, `<=5.2`, `==5.2.*` for
 * `>=6`). `inclusive`: the limit is `>=version` (else `>version`).
 */
function boundsBelow(clause: Clause, limit: string, inclusive: boolean): boolean {
  const { op, version } = clause;
  const base = version.replace(/\.\*$/, '');
  if (!isValidVersion(base)) return false;
  const c = compareVersions(base, limit);
  switch (op) {
    case '<':
      return c <= 0;
    case '<=':
      return inclusive ? c < 0 : c <= 0;
    case '==':
    case '===':
      if (version.endsWith('.*')) return !satisfies(limit, clause.raw, { prereleases: true }) && c < 0;
      return inclusive ? c < 0 : c <= 0;
    case '~=':
      return !satisfies(limit, clause.raw, { prereleases: true }) && c < 0;
    default:
      return false;
  }
}

/**
 * The specifier with the bound applied: null when it already keeps the limit out, or when it pins
 * a version exactly (then the pin, not a bound, is what to change). Looser upper bounds are
 * replaced in place; otherwise the bound goes last.
 */
export function boundedSpecifier(spec: string, bound: UpperBound): { clauses: string[] } | null {
  const clauses = clausesOf(spec);
  const inclusive = bound.op === '<';
  if (clauses.some((c) => boundsBelow(c, bound.version, inclusive))) return null;
  if (clauses.some((c) => (c.op === '==' && !c.version.endsWith('.*')) || c.op === '===')) return null;
  // A lower bound inside the limit: the bound would leave no version at all.
  if (clauses.some((c) => (c.op === '>=' || c.op === '>' || c.op === '~=') && isValidVersion(c.version) && compareVersions(c.version, bound.version) >= 0)) return null;
  const spaced = clauses.some((c) => /^[<>=!~]+\s/.test(c.raw));
  const added = `${bound.op}${spaced ? ' ' : ''}${bound.version}`;
  const out: string[] = [];
  let placed = false;
  for (const c of clauses) {
    if (c.op === '<' || c.op === '<=') {
      if (!placed) out.push(added);
      placed = true;
      continue;
    }
    out.push(c.raw);
  }
  if (!placed) out.push(added);
  return { clauses: out };
}

function joinClauses(clauses: string[], original: string): string {
  return clauses.join(/,\s/.test(original) ? ', ' : ',');
}

/**
 * The requirement with `change` applied, or why not. `quote` is the quote character new marker
 * literals get (the one that needs no escaping where the text lives).
 */
export function rewritePep508(text: string, change: Change, quote: '"' | "'"): Rewrite {
  try {
    parseRequirement(text);
  } catch (error) {
    return { ok: false, reason: error instanceof PackagingError ? error.message : 'not a PEP 508 requirement' };
  }
  const p = partsOf(text);
  const before = text.slice(0, p.headStart);
  const trailing = text.slice(p.end);
  const specText = text.slice(p.specStart, p.specEnd);
  const inner = p.parenthesised ? specText.slice(1, -1) : specText;
  const wrap = (spec: string): string => (p.parenthesised ? `(${spec})` : spec);
  switch (change.kind) {
    case 'replace': {
      if (p.url) return { ok: false, reason: 'a URL requirement names a file, not a project on the index' };
      const head = `${change.name}${change.extras.length > 0 ? `[${change.extras.join(',')}]` : ''}`;
      // The version clauses were about the other project's releases: they do not carry over.
      const rest = text.slice(p.specEnd, p.end);
      const gap = p.semicolon !== -1 && /^\s/.test(rest) ? ' ' : '';
      return { ok: true, text: `${before}${head}${gap}${rest.trimStart()}${trailing}` };
    }
    case 'pin':
    case 'upper-bound': {
      if (p.url) return { ok: false, reason: 'a URL requirement has no version clauses to change' };
      let spec: string;
      if (change.kind === 'pin') {
        spec = `==${change.version}`;
      } else {
        const bounded = boundedSpecifier(inner, change.bound);
        if (bounded === null) return { ok: false, reason: `"${inner}" already excludes ${change.bound.version} or pins a version` };
        spec = joinClauses(bounded.clauses, inner);
      }
      return { ok: true, text: `${text.slice(0, p.specStart)}${wrap(spec)}${text.slice(p.specEnd)}` };
    }
    case 'marker': {
      const clause = markerText(change.marker, quote);
      if (p.semicolon === -1) return { ok: true, text: `${text.slice(0, p.end)}${p.url ? ' ; ' : '; '}${clause}${trailing}` };
      const markerPart = text.slice(p.semicolon + 1, p.end);
      const lead = markerPart.slice(0, markerPart.length - markerPart.trimStart().length);
      return { ok: true, text: `${text.slice(0, p.semicolon + 1)}${lead}(${markerPart.trim()}) and ${clause}${trailing}` };
    }
  }
}
