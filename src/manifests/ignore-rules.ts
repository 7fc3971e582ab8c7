/**
 * Which paths a scan leaves out: `.gitignore` files read as git reads them, and `--exclude`
 * patterns with the same (gitignore) syntax. Pure functions; discovery does the reading.
 *
 * Why a matcher of our own: Node 20 has no stable glob matcher (`path.matchesGlob` is experimental
 * there), the glob libraries in node_modules (picomatch) are only vitest's, not a dependency of
 * ours, and they compile to regular expressions, which backtrack. Patterns come from the
 * configuration and from the `.gitignore` files of the tree being scanned (a stranger's repository),
 * so matching must stay polynomial whatever they hold: a pattern is compiled once into segments of
 * single-character tokens; `*` within a segment is matched with the two-pointer algorithm (it only
 * ever returns to the last `*`: at most |segment| × |pattern segment| steps), and `**` across
 * segments with a set of states (at most |path segments| × |pattern segments| steps), never by
 * recursion.
 *
 * Semantics (gitignore(5), git's wildmatch with WM_PATHNAME):
 * - a blank line matches nothing; `#` starts a comment (`\#` is a literal `#`); trailing spaces are
 *   dropped unless escaped with `\`; a CR before the LF is dropped; `!` negates (`\!` is a literal `!`);
 * - a trailing `/` matches directories only;
 * - a pattern with a `/` at the start or in the middle is anchored at its base (the `.gitignore`'s
 *   directory, or the scan root for `--exclude`); without one it matches a name at any depth;
 * - `*` matches anything but `/`, `?` one character but `/`, `[a-z]`, `[!a-z]`, `[^a-z]` and
 *   `[[:alpha:]]`-style classes one character; `\x` is a literal x;
 * - `**` as a whole segment: `**` then a slash at the start matches in every directory, a slash,
 *   `**` and a slash in the middle zero or more directories, a slash and `**` at the end everything
 *   inside (not the directory itself); elsewhere `**` is `*`;
 * - an unclosed `[` (or a trailing lone `\`) makes the pattern match nothing, as in git;
 * - the last matching pattern of a list wins; a deeper `.gitignore` beats a shallower one; a path
 *   whose directory is ignored is never reached (a `!` cannot re-include inside it).
 * Matching is case-sensitive and by character (git compares bytes; this differs only for `?` and
 * classes against non-ASCII names).
 */

/** Longest pattern accepted from `--exclude` (a `.gitignore` line longer than this is skipped). */
export const MAX_PATTERN_LENGTH = 4096;

type ClassItem = { kind: 'char'; c: number } | { kind: 'range'; lo: number; hi: number } | { kind: 'posix'; test: (c: number) => boolean };
type Token = { kind: 'lit'; c: number } | { kind: 'any' } | { kind: 'star' } | { kind: 'class'; negated: boolean; items: ClassItem[] };
type Segment = { kind: 'globstar' } | { kind: 'glob'; tokens: Token[] };

export interface IgnorePattern {
  /** The pattern as written (after comment and space handling). */
  source: string;
  negated: boolean;
  dirOnly: boolean;
  /** No `/` but a trailing one: matched against the name alone, at any depth. */
  basenameOnly: boolean;
  /** Null when the pattern can match nothing (an unclosed `[`). */
  segments: Segment[] | null;
}

const isAsciiAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const POSIX_CLASSES: Record<string, (c: number) => boolean> = {
  alnum: (c) => isAsciiAlpha(c) || isDigit(c),
  alpha: isAsciiAlpha,
  blank: (c) => c === 0x20 || c === 0x09,
  cntrl: (c) => c < 0x20 || c === 0x7f,
  digit: isDigit,
  graph: (c) => c > 0x20 && c < 0x7f,
  lower: (c) => c >= 0x61 && c <= 0x7a,
  print: (c) => c >= 0x20 && c < 0x7f,
  punct: (c) => c > 0x20 && c < 0x7f && !isAsciiAlpha(c) && !isDigit(c),
  space: (c) => c === 0x20 || (c >= 0x09 && c <= 0x0d),
  upper: (c) => c >= 0x41 && c <= 0x5a,
  xdigit: (c) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66),
};

/**
 * One segment's text (no unescaped `/`) as tokens, or null when it can match nothing. A class is
 * read as git's wildmatch reads it: `]` first is a literal, `a-z` a range, `\` escapes, `[:name:]`.
 */
function compileSegment(text: string): Token[] | null {
  const cs = Array.from(text, (ch) => ch.codePointAt(0)!);
  const tokens: Token[] = [];
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i]!;
    if (c === 0x5c /* \ */) {
      if (i + 1 >= cs.length) return null;
      tokens.push({ kind: 'lit', c: cs[++i]! });
    } else if (c === 0x3f /* ? */) {
      tokens.push({ kind: 'any' });
    } else if (c === 0x2a /* asterisk */) {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === 0x5b /* [ */) {
      let p = i + 1;
      let negated = false;
      if (cs[p] === 0x21 || cs[p] === 0x5e) {
        negated = true;
        p++;
      }
      const items: ClassItem[] = [];
      let prev: number | null = null;
      let closed = false;
      for (let first = true; p < cs.length; p++, first = false) {
        let pc = cs[p]!;
        if (pc === 0x5d /* ] */ && !first) {
          closed = true;
          break;
        }
        if (pc === 0x5c) {
          if (++p >= cs.length) return null;
          pc = cs[p]!;
          items.push({ kind: 'char', c: pc });
          prev = pc;
        } else if (pc === 0x2d /* - */ && prev !== null && p + 1 < cs.length && cs[p + 1] !== 0x5d) {
          let hi = cs[++p]!;
          if (hi === 0x5c) {
            if (++p >= cs.length) return null;
            hi = cs[p]!;
          }
          items.pop();
          items.push({ kind: 'range', lo: prev, hi });
          prev = null;
        } else if (pc === 0x5b && cs[p + 1] === 0x3a /* : */) {
          let end = p + 2;
          while (end < cs.length && cs[end] !== 0x5d) end++;
          if (end >= cs.length) return null;
          if (end - 1 < p + 2 || cs[end - 1] !== 0x3a) {
            // No ":]": a literal "[", as git reads it.
            items.push({ kind: 'char', c: 0x5b });
            prev = 0x5b;
            continue;
          }
          const name = String.fromCodePoint(...cs.slice(p + 2, end - 1));
          const test = Object.hasOwn(POSIX_CLASSES, name) ? POSIX_CLASSES[name] : undefined;
          if (!test) return null;
          items.push({ kind: 'posix', test });
          prev = null;
          p = end;
        } else {
          items.push({ kind: 'char', c: pc });
          prev = pc;
        }
      }
      if (!closed) return null;
      tokens.push({ kind: 'class', negated, items });
      i = p;
    } else {
      tokens.push({ kind: 'lit', c });
    }
  }
  return tokens;
}

function tokenMatches(token: Token, c: number): boolean {
  switch (token.kind) {
    case 'lit':
      return token.c === c;
    case 'any':
      return c !== 0x2f;
    case 'class': {
      if (c === 0x2f) return false;
      const hit = token.items.some((item) => (item.kind === 'char' ? item.c === c : item.kind === 'range' ? c >= item.lo && c <= item.hi : item.test(c)));
      return hit !== token.negated;
    }
    case 'star':
      return false;
  }
}

const codePoints = (text: string): number[] => Array.from(text, (ch) => ch.codePointAt(0)!);

/** Two-pointer wildcard match of one name: returns to the last `*` only, so O(|name| × |tokens|). */
function matchSegment(tokens: readonly Token[], s: readonly number[]): boolean {
  let ti = 0;
  let si = 0;
  let starTi = -1;
  let starSi = 0;
  while (si < s.length) {
    const token = tokens[ti];
    if (token !== undefined && token.kind === 'star') {
      starTi = ti++;
      starSi = si;
    } else if (token !== undefined && tokenMatches(token, s[si]!)) {
      ti++;
      si++;
    } else if (starTi !== -1) {
      ti = starTi + 1;
      si = ++starSi;
    } else {
      return false;
    }
  }
  while (tokens[ti]?.kind === 'star') ti++;
  return ti === tokens.length;
}

/** Path segments against pattern segments, `**` by a set of states: O(|path| × |pattern|) segment matches. */
function matchSegments(pattern: readonly Segment[], parts: readonly (readonly number[])[]): boolean {
  const n = pattern.length;
  // A `**` may match no segment, except the last one (`a/**` matches inside a, not a itself).
  const close = (states: Uint8Array): void => {
    for (let i = 0; i < n - 1; i++) if (states[i] && pattern[i]!.kind === 'globstar') states[i + 1] = 1;
  };
  let current = new Uint8Array(n + 1);
  current[0] = 1;
  close(current);
  for (const part of parts) {
    const next = new Uint8Array(n + 1);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (!current[i]) continue;
      const seg = pattern[i]!;
      if (seg.kind === 'globstar') {
        next[i] = 1;
        next[i + 1] = 1;
        any = true;
      } else if (matchSegment(seg.tokens, part)) {
        next[i + 1] = 1;
        any = true;
      }
    }
    if (!any) return false;
    close(next);
    current = next;
  }
  return current[n] === 1;
}

/**
 * Split at `/`. An escaped slash (`\\/`) is still a separator: wildmatch reads it as a literal `/`,
 * which only ever matches a separator. Other escapes stay in their segment, for `compileSegment`.
 */
function splitSlashes(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '/') continue;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[++i]!;
    } else if (c === '/') {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/**
 * One pattern line (already without comment and trailing spaces), or null when it matches nothing
 * at all (empty). As git's parse_path_pattern: `!`, then a trailing `/`, then "has a slash".
 */
export function compilePattern(line: string): IgnorePattern | null {
  let text = line;
  let negated = false;
  if (text.startsWith('!')) {
    negated = true;
    text = text.slice(1);
  }
  let dirOnly = false;
  if (text.endsWith('/')) {
    dirOnly = true;
    text = text.slice(0, -1);
  }
  if (text === '') return null;
  const parts = splitSlashes(text);
  const basenameOnly = parts.length === 1;
  // A leading "/" anchors and is not a segment.
  if (parts.length > 1 && parts[0] === '') parts.shift();
  let segments: Segment[] | null = [];
  for (const part of parts) {
    if (part === '**' && !basenameOnly) {
      if (segments.at(-1)?.kind !== 'globstar') segments.push({ kind: 'globstar' });
      continue;
    }
    const tokens = compileSegment(part);
    if (tokens === null) {
      segments = null;
      break;
    }
    segments.push({ kind: 'glob', tokens });
  }
  return { source: line, negated, dirOnly, basenameOnly, segments };
}

/** Does `pattern` match `rel` (a `/`-separated path relative to the pattern's base, not empty)? */
export function patternMatches(pattern: IgnorePattern, rel: string, isDir: boolean): boolean {
  if (pattern.segments === null || (pattern.dirOnly && !isDir)) return false;
  if (pattern.basenameOnly) {
    const seg = pattern.segments[0]!;
    return seg.kind === 'glob' && matchSegment(seg.tokens, codePoints(rel.slice(rel.lastIndexOf('/') + 1)));
  }
  return matchSegments(pattern.segments, rel.split('/').map(codePoints));
}

/** git's trim_trailing_spaces: trailing spaces go, unless the last one is escaped. */
function trimTrailingSpaces(line: string): string {
  let lastSpace = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === ' ') {
      if (lastSpace === -1) lastSpace = i;
    } else if (c === '\\') {
      i++;
      if (i >= line.length) return line;
      lastSpace = -1;
    } else {
      lastSpace = -1;
    }
  }
  return lastSpace === -1 ? line : line.slice(0, lastSpace);
}

/** A `.gitignore` file's text as patterns, in file order (BOM, CRLF, comments and spaces as git reads them). */
export function parseGitignore(text: string): IgnorePattern[] {
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  const patterns: IgnorePattern[] = [];
  for (const raw of body.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || line.startsWith('#') || line.length > MAX_PATTERN_LENGTH) continue;
    const pattern = compilePattern(trimTrailingSpaces(line));
    if (pattern) patterns.push(pattern);
  }
  return patterns;
}

/** The verdict of one list for a path: true ignored, false re-included by a `!`, null no pattern matched. */
export function lastMatch(patterns: readonly IgnorePattern[], rel: string, isDir: boolean): boolean | null {
  for (let i = patterns.length - 1; i >= 0; i--) {
    const p = patterns[i]!;
    if (patternMatches(p, rel, isDir)) return !p.negated;
  }
  return null;
}

/**
 * `--exclude` values as one pattern list (gitignore syntax, anchored at the scan root), or the
 * first one that is not usable, as a sentence: empty, too long, or one that can match nothing.
 */
export function compileExcludes(values: readonly string[]): { ok: true; patterns: IgnorePattern[] } | { ok: false; problem: string } {
  const patterns: IgnorePattern[] = [];
  for (const value of values) {
    const shown = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
    if (value.length > MAX_PATTERN_LENGTH) return { ok: false, problem: `--exclude pattern of ${value.length} characters is too long (at most ${MAX_PATTERN_LENGTH})` };
    if (value.includes('\n') || value.includes('\r')) return { ok: false, problem: `--exclude ${shown} holds a line break: give one pattern per --exclude` };
    // A comment or a blank is nothing to exclude: surely a mistake on the command line.
    const pattern = value.trim() === '' || value.startsWith('#') ? null : compilePattern(value);
    if (pattern === null) return { ok: false, problem: `--exclude ${shown} is not a pattern (empty, a comment or only "/")` };
    if (pattern.segments === null) return { ok: false, problem: `--exclude ${shown} can match nothing (an unclosed "[" or a trailing "\\")` };
    patterns.push(pattern);
  }
  return { ok: true, patterns };
}
