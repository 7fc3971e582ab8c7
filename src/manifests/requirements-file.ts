/**
 * pip requirements files (requirements.txt, constraints.txt, pip-tools' *.in), read the way pip's
 * `req_file.py` reads them: physical lines joined at a trailing backslash, comments removed only
 * where `#` starts a word (so `#egg=` and `#sha256=` in URLs survive), `${VAR}` expanded from the
 * environment, then each logical line is either options (`-r`, `-c`, `-i`, `--pre` …) or one
 * requirement with its own options (`--hash`).
 *
 * The PEP 508 part of a line goes to `src/pep/requirements.ts`; what pip adds on top (editables,
 * bare paths and URLs with `#egg=`, options, includes) is handled here. pip-requirements-js is not
 * used: it rejects whole files for any option it does not know (see the README).
 *
 * Pure: includes are returned, not followed; `loadManifests` reads them.
 */
import { quote } from '../safe-text.js';
import { MAX_ENTRIES_PER_FILE, oneLine, tooManyEntries } from './limits.js';
import { eggName, localPathOfFileUrl } from './file-url.js';
import { parseMarker } from '../pep/markers.js';
import { parseDistributionFilename } from '../pep/filenames.js';
import { declare, declareUnnamed, requirementIssue, withoutStackTraces } from './declared.js';
import { LineMap } from './source-text.js';
import { commentStart, cutAtFirst, isSpaceCode, startsWithNameAt, trailingBracketGroup, trimEndOf } from './text-scan.js';
import { nothingRead } from './toml-document.js';
import { emptyIndexOptions, type DeclaredRequirement, type IndexOptions, type ManifestIssue, type RequirementGroup, type SourceLocation } from './types.js';

export interface RequirementsInclude {
  kind: 'requirement' | 'constraint';
  /** As written (after `${VAR}` expansion), relative to the including file. */
  target: string;
  location: SourceLocation;
}

export interface RequirementsFileResult {
  requirements: DeclaredRequirement[];
  issues: ManifestIssue[];
  includes: RequirementsInclude[];
  indexOptions: IndexOptions;
}

export interface RequirementsFileOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** `constraint` when the file was reached through `-c`. */
  kind?: 'requirement' | 'constraint';
  group?: RequirementGroup;
}

/** One logical line and, for each run of its characters, where that run sits in the file. */
interface LogicalLine {
  text: string;
  segments: { at: number; fileOffset: number; length: number }[];
  firstLine: number;
  lastLine: number;
}

interface Token {
  value: string;
  start: number;
  end: number;
}

// pip's comment pattern `(^|\s+)#.*$` is `commentStart` (a regex retries at every space of a run).
const ENV_VAR = /\$\{([A-Z0-9_]+)\}/g;
const URL_SCHEME = /^(?:(?:git|hg|svn|bzr)\+)?(?:https?|file|ftp|ssh|git|svn|hg|bzr):/i;
const ARCHIVE = /\.(?:whl|zip|tar\.gz|tar\.bz2|tar\.xz|tgz|tbz|tar)$/i;

/** Options pip accepts on a line of their own. Values: whether the option takes an argument. */
const GLOBAL_OPTIONS = new Map<string, boolean>([
  ['-i', true], ['--index-url', true], ['--extra-index-url', true], ['--no-index', false],
  ['-f', true], ['--find-links', true], ['--pre', false], ['--only-binary', true], ['--no-binary', true],
  ['--trusted-host', true], ['--prefer-binary', false], ['--require-hashes', false], ['--use-feature', true],
  ['-r', true], ['--requirement', true], ['-c', true], ['--constraint', true], ['-e', true], ['--editable', true],
  ['--config-settings', true],
  // Removed from pip long ago but still found in old files; accepted so they do not read as errors.
  ['-Z', false], ['--always-unzip', false], ['--process-dependency-links', false],
]);

/** Options pip accepts after a requirement on the same line. */
const PER_REQUIREMENT_OPTIONS = new Map<string, boolean>([
  ['--hash', true], ['--config-settings', true], ['--global-option', true], ['--install-option', true],
]);

export function parseRequirementsFile(text: string, file: string, options: RequirementsFileOptions = {}): RequirementsFileResult {
  const lines = new LineMap(text);
  const sink = new IssueSink();
  const result: RequirementsFileResult = { requirements: [], issues: sink.issues, includes: [], indexOptions: emptyIndexOptions() };
  const env = options.env ?? {};
  const expand = (s: string): string => (s.includes('${') ? s.replace(ENV_VAR, (whole, name: string) => env[name] ?? whole) : s);
  const physical = new PhysicalLines(text, lines.starts);
  const via = viaBlocks(physical);
  // What the lines were: read (a requirement, an include, an option pip knows) or not understood.
  let read = 0;
  let unknownCount = 0;
  let firstUnknown = 0;
  // Lines past MAX_ENTRIES_PER_FILE that are neither blank nor comments are not read.
  const stop = { atLine: 0 };

  for (const logical of joinLines(physical, stop)) {
    const loc = (start: number, end: number): SourceLocation => {
      const a = toFileOffset(logical, start);
      const b = toFileOffset(logical, Math.max(start, end - 1)) + (end > start ? 1 : 0);
      return lines.location(file, a, b);
    };
    const issue = (message: string, at: number, severity: 'error' | 'warning' = 'error'): void => {
      if (sink.full) {
        sink.push(null);
        return;
      }
      const p = loc(at, at);
      sink.push({ file, line: p.line, column: p.column, message: oneLine(message), severity });
    };
    const issuesBefore = sink.count;
    const unknown = (): void => {
      if (unknownCount++ === 0) firstUnknown = logical.firstLine;
    };

    const line = logical.text;
    if (line.startsWith('-')) {
      const readBefore = result.requirements.length + result.includes.length;
      const known = parseOptionLine(line, loc, issue, expand, result, sink, options, via.get(logical.lastLine));
      if (known || result.requirements.length + result.includes.length > readBefore) read++;
      else unknown();
      continue;
    }

    // pip: everything up to the first word that starts with "-" is the requirement.
    const { start: reqStart, end: reqEnd, option: firstOption } = requirementSpan(line);
    if (reqStart === -1) continue;
    const reqText = expand(line.slice(reqStart, reqEnd));
    const hashes: string[] = [];
    if (firstOption !== -1) {
      const tokens = shellWords(line, firstOption);
      readOptions(tokens, PER_REQUIREMENT_OPTIONS, issue, (name, value) => {
        if (name === '--hash' && value) hashes.push(expand(value.value));
      }, 'after a requirement');
    }
    const record = requirementFromLine(reqText, loc(reqStart, reqEnd), {
      group: options.group ?? 'main',
      kind: options.kind ?? 'requirement',
      editable: false,
      hashes,
    }, sink);
    if (!record && sink.count > issuesBefore) unknown();
    if (record) {
      read++;
      const parents = via.get(logical.lastLine);
      if (parents) {
        record.via = parents;
        // pip-compile writes `-r file.in` for what a human asked for; anything else came in as a dependency.
        record.direct = parents.some((p) => /^-r\s/.test(p));
      }
      result.requirements.push(record);
    }
  }
  if (stop.atLine > 0) sink.issues.push(tooManyEntries(file, stop.atLine, 'requirement, option and continuation lines'));
  if (sink.dropped > 0) {
    // A file that is not a requirements file at all would otherwise yield one error per line.
    result.issues.push({ file, line: lines.lineCount, message: `${sink.dropped} more problems in this file not shown`, severity: 'error' });
  }
  // Only unknown options and the like, and no error said so: not a silent empty file.
  if (read === 0 && unknownCount > 0 && !result.issues.some((i) => i.severity === 'error')) {
    result.issues.push(nothingRead(file, firstUnknown, 'a requirements file', [`${unknownCount} line${unknownCount === 1 ? '' : 's'} with unknown options`]));
  }
  return result;
}

const MAX_ISSUES = 50;

/**
 * The file's issues, the first MAX_ISSUES of them in full; past that they are only counted (and
 * not even put into words), so a file of a million bad lines costs no more than reading them.
 */
class IssueSink {
  readonly issues: ManifestIssue[] = [];
  dropped = 0;

  get full(): boolean {
    return this.issues.length >= MAX_ISSUES;
  }

  get count(): number {
    return this.issues.length + this.dropped;
  }

  push(issue: ManifestIssue | null): void {
    if (issue === null || this.full) this.dropped++;
    else this.issues.push(issue);
  }
}

/** Returns whether the line held an option pip knows. */
function parseOptionLine(
  line: string,
  loc: (start: number, end: number) => SourceLocation,
  issue: (message: string, at: number, severity?: 'error' | 'warning') => void,
  expand: (s: string) => string,
  result: RequirementsFileResult,
  sink: IssueSink,
  options: RequirementsFileOptions,
  via: string[] | undefined,
): boolean {
  const tokens = shellWords(line, 0);
  const io = result.indexOptions;
  let known = false;
  readOptions(tokens, GLOBAL_OPTIONS, issue, (name, value) => {
    known = true;
    const v = value ? expand(value.value) : '';
    switch (name) {
      case '-i':
      case '--index-url':
        io.indexUrl = v;
        break;
      case '--extra-index-url':
        io.extraIndexUrls.push(v);
        break;
      case '-f':
      case '--find-links':
        io.findLinks.push(v);
        break;
      case '--pre':
        io.pre = true;
        break;
      case '--prefer-binary':
        io.preferBinary = true;
        break;
      case '--only-binary':
        for (const n of v.split(',')) if (n) io.onlyBinary.push(n);
        break;
      case '--no-binary':
        for (const n of v.split(',')) if (n) io.noBinary.push(n);
        break;
      case '--trusted-host':
        io.trustedHosts.push(v);
        break;
      case '-r':
      case '--requirement':
      case '-c':
      case '--constraint':
        if (value) {
          const kind = name === '-c' || name === '--constraint' ? 'constraint' : 'requirement';
          result.includes.push({ kind, target: v, location: loc(value.start, value.end) });
        }
        break;
      case '-e':
      case '--editable':
        if (value) {
          const record = requirementFromLine(v, loc(value.start, value.end), {
            group: options.group ?? 'main',
            kind: options.kind ?? 'requirement',
            editable: true,
            hashes: [],
          }, sink);
          if (record) {
            if (via) {
              record.via = via;
              record.direct = via.some((p) => /^-r\s/.test(p));
            }
            result.requirements.push(record);
          }
        }
        break;
      default:
        break;
    }
  }, 'in a requirements file');
  return known;
}

/**
 * Walk option tokens: `--name=value`, `--name value`, `-xvalue`, `-x value`. Unknown options are
 * warnings (pip would stop; a scanner reports and goes on).
 */
function readOptions(
  tokens: Token[],
  known: Map<string, boolean>,
  issue: (message: string, at: number, severity?: 'error' | 'warning') => void,
  onOption: (name: string, value: Token | undefined) => void,
  where: string,
): void {
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    let name = token.value;
    let value: Token | undefined;
    if (!name.startsWith('-') || name === '-' || name === '--') {
      issue(`unexpected ${quote(token.value)} where an option was expected ${where}`, token.start);
      return;
    }
    if (name.startsWith('--')) {
      const eq = name.indexOf('=');
      if (eq !== -1) {
        value = { value: name.slice(eq + 1), start: token.start + eq + 1, end: token.end };
        name = name.slice(0, eq);
      }
    } else if (name.startsWith('-') && name.length > 2 && known.get(name.slice(0, 2)) === true) {
      value = { value: name.slice(2), start: token.start + 2, end: token.end };
      name = name.slice(0, 2);
    }
    const takesValue = known.get(name);
    if (takesValue === undefined) {
      issue(`unknown option ${quote(name)} ${where} (ignored)`, token.start, 'warning');
      // Skip its argument too, if it looks like one.
      if (!value && tokens[i + 1] && !tokens[i + 1]!.value.startsWith('-')) i++;
      continue;
    }
    if (takesValue && !value) {
      value = tokens[i + 1];
      if (!value) {
        issue(`option ${quote(name)} needs a value`, token.start);
        continue;
      }
      i++;
    }
    onOption(name, takesValue ? value : undefined);
  }
}

/**
 * A requirement as pip reads it from a line: PEP 508 (`name[extra]>=1; marker`, `name @ url`), or
 * a URL / local path (`git+https://…#egg=name`, `./pkg`, `dist/x.whl`) with an optional `; marker`.
 */
function requirementFromLine(
  text: string,
  location: SourceLocation,
  options: { group: RequirementGroup; kind: 'requirement' | 'constraint'; editable: boolean; hashes: string[] },
  issues: IssueSink,
): DeclaredRequirement | null {
  const base = { group: options.group, kind: options.kind, editable: options.editable, hashes: options.hashes };
  const isUrl = URL_SCHEME.test(text);
  if (!isUrl && !looksLikePath(text)) {
    const d = declare(text, location, base);
    if (d.ok) return d.requirement;
    issues.push(d.issue);
    return null;
  }
  // pip splits a URL's marker at "; " (a URL may contain ";"), a path's at ";".
  const sep = isUrl ? /;\s/ : /;/;
  const m = sep.exec(text);
  let target = (m ? text.slice(0, m.index) : text).trim();
  const markerText = m ? text.slice(m.index + 1).trim() : null;
  let marker = null;
  if (markerText !== null) {
    try {
      marker = withoutStackTraces(() => parseMarker(markerText));
    } catch (error) {
      issues.push(requirementIssue(text, location, error));
      return null;
    }
  }
  let extras: string[] = [];
  const extrasMatch = trailingBracketGroup(target);
  if (!isUrl && extrasMatch) {
    extras = extrasMatch.inner.split(',').map((e) => e.trim()).filter(Boolean);
    target = target.slice(0, extrasMatch.index);
  }
  const name = projectNameOf(target);
  if (name === null) {
    issues.push({
      file: location.file,
      line: location.line,
      column: location.column,
      message: oneLine(`cannot tell the project name of ${quote(target)} (add "#egg=<name>" or write "<name> @ <url>")`),
      severity: 'warning',
    });
  }
  const localPath = isUrl ? localPathOfFileUrl(target) : target;
  const record = declareUnnamed(name ?? fallbackName(target), location, {
    ...base,
    url: isUrl ? target : null,
    localPath,
    markerText,
  });
  record.marker = marker;
  record.extras = extras;
  return record;
}

function looksLikePath(text: string): boolean {
  const head = text.split(/[;\s]/, 1)[0]!;
  if (startsWithNameAt(text)) return false;
  const bracket = trailingBracketGroup(head);
  return /^(?:\.|\/|~|[A-Za-z]:[\\/])/.test(head) || head.includes('/') || head.includes('\\') || ARCHIVE.test(bracket ? head.slice(0, bracket.index) : head);
}

/** `#egg=name`, else the name in a wheel or sdist filename at the end of the path or URL. */
function projectNameOf(target: string): string | null {
  const egg = eggName(target);
  if (egg !== null || /[#&]egg=/.test(target)) return egg;
  const path = cutAtFirst(target, '#?');
  const last = decodeSafe(path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1));
  if (ARCHIVE.test(last)) {
    try {
      return parseDistributionFilename(last).name;
    } catch {
      return null;
    }
  }
  return null;
}

function fallbackName(target: string): string {
  let path = cutAtFirst(target, '#?');
  // `@ref` at the end (`…/repo.git@v1`): the last "@" with no "/" after it.
  const at = path.lastIndexOf('@');
  if (at !== -1 && path.indexOf('/', at) === -1) path = path.slice(0, at);
  path = trimEndOf(path, '\\/');
  const last = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'), path.lastIndexOf(':')) + 1);
  return last.replace(/\.git$/, '') || target;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ------------------------------------------------------------------------------------------------
// Lines

/**
 * The physical lines of a file, by index, from the line starts LineMap found: no object per
 * line, and a line's text is cut out only when it is not blank (a file of a million empty lines
 * costs one pass).
 */
class PhysicalLines {
  readonly count: number;

  constructor(
    private readonly text: string,
    private readonly starts: ArrayLike<number>,
  ) {
    // A text ending in a line break has an empty last "line" after it: not a line.
    this.count = starts.length > 0 && starts[starts.length - 1] === text.length ? starts.length - 1 : starts.length;
  }

  /** 1-based line number of index `i`. */
  number(i: number): number {
    return i + 1;
  }

  offset(i: number): number {
    return this.starts[i]!;
  }

  /** Where line `i` ends, before its line break. */
  end(i: number): number {
    if (i + 1 >= this.starts.length) return this.text.length;
    let e = this.starts[i + 1]! - 1;
    if (this.text.charCodeAt(e) === 0x0a && e > this.starts[i]! && this.text.charCodeAt(e - 1) === 0x0d) e--;
    return e;
  }

  /** The first character of line `i` that is not whitespace, as a code unit; -1 for a blank line. */
  firstNonSpace(i: number): number {
    const t = this.text;
    for (let k = this.starts[i]!, e = this.end(i); k < e; k++) {
      const c = t.charCodeAt(k);
      if (!isSpaceCode(c)) return c;
    }
    return -1;
  }

  textOf(i: number): string {
    return this.text.slice(this.starts[i]!, this.end(i));
  }

  /** Whether line `i` ends in a backslash (a continuation). */
  continues(i: number): boolean {
    const e = this.end(i);
    return e > this.starts[i]! && this.text.charCodeAt(e - 1) === 0x5c;
  }
}

/**
 * pip's `join_lines` + `ignore_comments`: continuation, comment removal, trimming, no empties.
 * Stops (setting `stop.atLine`) at the first line past MAX_ENTRIES_PER_FILE that is neither blank
 * nor a comment; a requirement continued into that line is not read either.
 */
function* joinLines(physical: PhysicalLines, stop: { atLine: number }): Generator<LogicalLine> {
  let pending: LogicalLine | null = null;
  let counted = 0;
  const append = (into: LogicalLine, text: string, fileOffset: number): void => {
    into.segments.push({ at: into.text.length, fileOffset, length: text.length });
    into.text += text;
  };
  for (let i = 0; i < physical.count; i++) {
    // Blank lines and whole-line comments end nothing when nothing is pending: skipped unread.
    const first = physical.firstNonSpace(i);
    if (pending === null && (first === -1 || first === 0x23 /* # */)) continue;
    if (first !== -1 && first !== 0x23 && ++counted > MAX_ENTRIES_PER_FILE) {
      stop.atLine = physical.number(i);
      return;
    }
    const p = { text: physical.textOf(i), offset: physical.offset(i), number: physical.number(i) };
    const isComment = commentStart(p.text) !== -1;
    if (p.text.endsWith('\\') && !isComment) {
      pending ??= { text: '', segments: [], firstLine: p.number, lastLine: p.number };
      append(pending, p.text.slice(0, -1), p.offset);
      pending.lastLine = p.number;
      continue;
    }
    const logical: LogicalLine = pending ?? { text: '', segments: [], firstLine: p.number, lastLine: p.number };
    pending = null;
    append(logical, p.text, p.offset);
    logical.lastLine = p.number;
    const finished = finish(logical);
    if (finished) yield finished;
  }
  if (pending) {
    // A backslash on the last line continues into nothing: pip keeps what it has.
    const finished = finish(pending);
    if (finished) yield finished;
  }
}

function finish(logical: LogicalLine): LogicalLine | null {
  const comment = commentStart(logical.text);
  const withoutComment = comment === -1 ? logical.text : logical.text.slice(0, comment);
  const lead = withoutComment.length - withoutComment.trimStart().length;
  const text = withoutComment.trim();
  if (text === '') return null;
  if (lead === 0) return { ...logical, text };
  return {
    ...logical,
    text,
    segments: logical.segments.map((s) => ({ ...s, at: s.at - lead })),
  };
}

/** The file offset of the logical line's `at`: the last segment starting at or before it (binary search). */
function toFileOffset(logical: LogicalLine, at: number): number {
  const segments = logical.segments;
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid]!.at <= at) lo = mid;
    else hi = mid - 1;
  }
  const seg = segments[lo]!;
  return seg.fileOffset + Math.min(at - seg.at, seg.length);
}

/**
 * Where the requirement part of a line starts and ends (-1: no word), and where its first option
 * starts (-1: none): words are separated by spaces and tabs (pip splits on " "; tabs show up in
 * real files too), and everything up to the first word that starts with "-" is the requirement.
 */
function requirementSpan(line: string): { start: number; end: number; option: number } {
  let start = -1;
  let end = -1;
  const n = line.length;
  const isGap = (c: number): boolean => c === 0x20 || c === 0x09;
  for (let i = 0; i < n; ) {
    while (i < n && isGap(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const word = i;
    while (i < n && !isGap(line.charCodeAt(i))) i++;
    if (line.charCodeAt(word) === 0x2d /* - */) return { start, end, option: word };
    if (start === -1) start = word;
    end = i;
  }
  return { start, end, option: -1 };
}

/** shlex-style words (quotes removed) from `from` on, keeping each word's span. */
function shellWords(line: string, from: number): Token[] {
  const out: Token[] = [];
  let i = from;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    const start = i;
    let value = '';
    while (i < line.length && !/\s/.test(line[i]!)) {
      const c = line[i]!;
      if (c === '"' || c === "'") {
        const close = line.indexOf(c, i + 1);
        const end = close === -1 ? line.length : close;
        value += line.slice(i + 1, end);
        i = end + 1;
      } else if (c === '\\' && i + 1 < line.length) {
        value += line[i + 1];
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    out.push({ value, start, end: Math.min(i, line.length) });
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// pip-compile annotations

/**
 * pip-compile's `# via` annotations, by the physical line of the requirement they follow. Two
 * layouts exist: `pkg==1.0  # via a, b` (pip-tools < 6) and an indented block below the line:
 *     # via
 *     #   a
 *     #   -r requirements.in
 */
function viaBlocks(physical: PhysicalLines): Map<number, string[]> {
  const out = new Map<number, string[]>();
  let lastRequirementLine = -1;
  for (let i = 0; i < physical.count; i++) {
    const first = physical.firstNonSpace(i);
    if (first === -1) continue;
    if (first !== 0x23 /* # */) {
      const text = physical.textOf(i);
      // (The `s` flags: `.` must also match U+2028, or a failed `$` retries at every later "#".)
      const trailing = text.includes('#') ? /\s#\s*via\s+(.+)$/s.exec(text) : null;
      // A continued line's annotation belongs to the line that ends the requirement.
      let end = i;
      while (physical.continues(end) && end + 1 < physical.count) end++;
      lastRequirementLine = physical.number(end);
      if (trailing) out.set(lastRequirementLine, trailing[1]!.split(/,\s*/).map((s) => s.trim()).filter(Boolean));
      i = end;
      continue;
    }
    if (lastRequirementLine === -1) continue;
    const head = /^\s+#\s*via\b\s*(.*)$/s.exec(physical.textOf(i));
    if (!head) continue;
    const parents: string[] = head[1]!.trim() ? [head[1]!.trim()] : [];
    while (i + 1 < physical.count) {
      const next = /^\s+#\s{2,}(\S.*)$/s.exec(physical.textOf(i + 1));
      if (!next || /^via\b/.test(next[1]!)) break;
      parents.push(next[1]!.trim());
      i++;
    }
    out.set(lastRequirementLine, parents);
    lastRequirementLine = -1;
  }
  return out;
}
