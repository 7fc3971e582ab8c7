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
import { oneLine, quote } from '../safe-text.js';
import { eggName, localPathOfFileUrl } from './file-url.js';
import { parseMarker } from '../pep/markers.js';
import { parseDistributionFilename } from '../pep/filenames.js';
import { declare, declareUnnamed, requirementIssue } from './declared.js';
import { LineMap } from './source-text.js';
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

const COMMENT = /(^|\s+)#.*$/;
const ENV_VAR = /\$\{([A-Z0-9_]+)\}/g;
const URL_SCHEME = /^(?:(?:git|hg|svn|bzr)\+)?(?:https?|file|ftp|ssh|git|svn|hg|bzr):/i;
const NAME_AT_URL = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\s*(?:\[[^\]]*\])?\s*@/;
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
  const result: RequirementsFileResult = { requirements: [], issues: [], includes: [], indexOptions: emptyIndexOptions() };
  const env = options.env ?? {};
  const expand = (s: string): string => s.replace(ENV_VAR, (whole, name: string) => env[name] ?? whole);
  const physical = splitPhysical(text);
  const via = viaBlocks(physical);

  for (const logical of joinLines(physical)) {
    const loc = (start: number, end: number): SourceLocation => {
      const a = toFileOffset(logical, start);
      const b = toFileOffset(logical, Math.max(start, end - 1)) + (end > start ? 1 : 0);
      return lines.location(file, a, b);
    };
    const issue = (message: string, at: number, severity: 'error' | 'warning' = 'error'): void => {
      const p = loc(at, at);
      result.issues.push({ file, line: p.line, column: p.column, message: oneLine(message), severity });
    };

    const line = logical.text;
    if (line.startsWith('-')) {
      parseOptionLine(line, loc, issue, expand, result, options, via.get(logical.lastLine));
      continue;
    }

    // pip: everything up to the first word that starts with "-" is the requirement.
    const words = wordsOf(line);
    const firstOption = words.findIndex((w) => w.value.startsWith('-'));
    const reqWords = firstOption === -1 ? words : words.slice(0, firstOption);
    const last = reqWords[reqWords.length - 1];
    if (!last) continue;
    const reqStart = reqWords[0]!.start;
    const reqEnd = last.end;
    const reqText = expand(line.slice(reqStart, reqEnd));
    const hashes: string[] = [];
    if (firstOption !== -1) {
      const tokens = shellWords(line, words[firstOption]!.start);
      readOptions(tokens, PER_REQUIREMENT_OPTIONS, issue, (name, value) => {
        if (name === '--hash' && value) hashes.push(expand(value.value));
      }, 'after a requirement');
    }
    const record = requirementFromLine(reqText, loc(reqStart, reqEnd), {
      group: options.group ?? 'main',
      kind: options.kind ?? 'requirement',
      editable: false,
      hashes,
    }, result.issues);
    if (record) {
      const parents = via.get(logical.lastLine);
      if (parents) {
        record.via = parents;
        // pip-compile writes `-r file.in` for what a human asked for; anything else came in as a dependency.
        record.direct = parents.some((p) => /^-r\s/.test(p));
      }
      result.requirements.push(record);
    }
  }
  if (result.issues.length > MAX_ISSUES) {
    // A file that is not a requirements file at all would otherwise yield one error per line.
    const more = result.issues.length - MAX_ISSUES;
    result.issues = result.issues.slice(0, MAX_ISSUES);
    result.issues.push({ file, line: lines.lineCount, message: `${more} more problems in this file not shown`, severity: 'error' });
  }
  return result;
}

const MAX_ISSUES = 50;

function parseOptionLine(
  line: string,
  loc: (start: number, end: number) => SourceLocation,
  issue: (message: string, at: number, severity?: 'error' | 'warning') => void,
  expand: (s: string) => string,
  result: RequirementsFileResult,
  options: RequirementsFileOptions,
  via: string[] | undefined,
): void {
  const tokens = shellWords(line, 0);
  const io = result.indexOptions;
  readOptions(tokens, GLOBAL_OPTIONS, issue, (name, value) => {
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
        io.onlyBinary.push(...v.split(',').filter(Boolean));
        break;
      case '--no-binary':
        io.noBinary.push(...v.split(',').filter(Boolean));
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
          }, result.issues);
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
  issues: ManifestIssue[],
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
      marker = parseMarker(markerText);
    } catch (error) {
      issues.push(requirementIssue(text, location, error));
      return null;
    }
  }
  let extras: string[] = [];
  const extrasMatch = /\[([^\]]*)\]$/.exec(target);
  if (!isUrl && extrasMatch) {
    extras = extrasMatch[1]!.split(',').map((e) => e.trim()).filter(Boolean);
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
  if (NAME_AT_URL.test(text)) return false;
  return /^(?:\.|\/|~|[A-Za-z]:[\\/])/.test(head) || head.includes('/') || head.includes('\\') || ARCHIVE.test(head.replace(/\[[^\]]*\]$/, ''));
}

/** `#egg=name`, else the name in a wheel or sdist filename at the end of the path or URL. */
function projectNameOf(target: string): string | null {
  const egg = eggName(target);
  if (egg !== null || /[#&]egg=/.test(target)) return egg;
  const path = target.replace(/[#?].*$/, '');
  const last = decodeSafe(path.split(/[\\/]/).pop() ?? '');
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
  const path = target.replace(/[#?].*$/, '').replace(/@[^/@]*$/, '').replace(/[\\/]+$/, '');
  const last = path.split(/[\\/:]/).pop() ?? '';
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

interface PhysicalLine {
  text: string;
  offset: number;
  number: number;
}

function splitPhysical(text: string): PhysicalLine[] {
  const out: PhysicalLine[] = [];
  const re = /\r\n|\n|\r/g;
  let start = 0;
  let number = 1;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ text: text.slice(start, m.index), offset: start, number: number++ });
    start = m.index + m[0].length;
  }
  if (start < text.length) out.push({ text: text.slice(start), offset: start, number });
  return out;
}

/** pip's `join_lines` + `ignore_comments`: continuation, comment removal, trimming, no empties. */
function* joinLines(physical: PhysicalLine[]): Generator<LogicalLine> {
  let pending: LogicalLine | null = null;
  const append = (into: LogicalLine, text: string, fileOffset: number): void => {
    into.segments.push({ at: into.text.length, fileOffset, length: text.length });
    into.text += text;
  };
  for (const p of physical) {
    const isComment = COMMENT.test(p.text);
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
  const withoutComment = logical.text.replace(COMMENT, '');
  const lead = withoutComment.length - withoutComment.trimStart().length;
  const text = withoutComment.trim();
  if (text === '') return null;
  return {
    ...logical,
    text,
    segments: logical.segments.map((s) => ({ ...s, at: s.at - lead })),
  };
}

function toFileOffset(logical: LogicalLine, at: number): number {
  let seg = logical.segments[0]!;
  for (const s of logical.segments) {
    if (s.at <= at) seg = s;
    else break;
  }
  return seg.fileOffset + Math.min(at - seg.at, seg.length);
}

/** Words separated by spaces and tabs (pip splits on " "; tabs show up in real files too). */
function wordsOf(line: string): Token[] {
  const out: Token[] = [];
  const re = /[^ \t]+/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push({ value: m[0], start: m.index, end: m.index + m[0].length });
  return out;
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
function viaBlocks(physical: PhysicalLine[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  let lastRequirementLine = -1;
  for (let i = 0; i < physical.length; i++) {
    const text = physical[i]!.text;
    const trimmed = text.trim();
    if (trimmed === '') continue;
    if (!trimmed.startsWith('#')) {
      const trailing = /\s#\s*via\s+(.+)$/.exec(text);
      // A continued line's annotation belongs to the line that ends the requirement.
      let end = i;
      while (physical[end]!.text.endsWith('\\') && end + 1 < physical.length) end++;
      lastRequirementLine = physical[end]!.number;
      if (trailing) out.set(lastRequirementLine, trailing[1]!.split(/,\s*/).map((s) => s.trim()).filter(Boolean));
      i = end;
      continue;
    }
    const head = /^\s+#\s*via\b\s*(.*)$/.exec(text);
    if (!head || lastRequirementLine === -1) continue;
    const parents: string[] = head[1]!.trim() ? [head[1]!.trim()] : [];
    while (i + 1 < physical.length) {
      const next = /^\s+#\s{2,}(\S.*)$/.exec(physical[i + 1]!.text);
      if (!next || /^via\b/.test(next[1]!)) break;
      parents.push(next[1]!.trim());
      i++;
    }
    out.set(lastRequirementLine, parents);
    lastRequirementLine = -1;
  }
  return out;
}
