/**
 * Bounds on what one manifest may cost. Manifests come from strangers: past these, a parser stops
 * and says so in an error, instead of spending seconds (or the heap) on a file no project writes.
 * Real files stay far below: the largest pip-compile outputs and locks hold a few thousand entries.
 */
import { oneLine as safeOneLine } from '../safe-text.js';
import type { ManifestIssue } from './types.js';

/**
 * A message on one line and bounded: safe-text's `oneLine`, and the line and paragraph separators
 * U+2028 and U+2029 as spaces too (editors and some terminals break lines at them; `quote` keeps
 * them, JSON.stringify does not escape them).
 */
export function oneLine(text: string, max?: number): string {
  return safeOneLine(text.replace(/[\u2028\u2029]/g, ' '), max);
}

/** Entries read from one file: requirement and option lines, dependency strings, lock packages. */
export const MAX_ENTRIES_PER_FILE = 50_000;

/** Issues shown for one file; the rest are counted in one line. */
export const MAX_ISSUES_PER_FILE = 100;

/** Issues about the whole file (it was not read, or only in part): never dropped by the cap. */
const FILE_LEVEL = new WeakSet<ManifestIssue>();

export function fileLevel(issue: ManifestIssue): ManifestIssue {
  FILE_LEVEL.add(issue);
  return issue;
}

/** The error for a file with more entries than MAX_ENTRIES_PER_FILE, at the first one not read. */
export function tooManyEntries(file: string, line: number, what: string): ManifestIssue {
  return fileLevel({
    file,
    line,
    message: `more than ${MAX_ENTRIES_PER_FILE} ${what} in one file: the rest, from this one on, are not read`,
    severity: 'error',
  });
}

/**
 * At most MAX_ISSUES_PER_FILE issues per file, in their order, then one line counting the rest;
 * issues about the whole file are always kept.
 */
export function capIssues(issues: ManifestIssue[]): ManifestIssue[] {
  const shown = new Map<string, number>();
  const dropped = new Map<string, { count: number; line: number; severity: ManifestIssue['severity'] }>();
  const out: ManifestIssue[] = [];
  for (const issue of issues) {
    const n = (shown.get(issue.file) ?? 0) + 1;
    if (n <= MAX_ISSUES_PER_FILE || issue.fatal || FILE_LEVEL.has(issue)) {
      shown.set(issue.file, n);
      out.push(issue);
      continue;
    }
    const d = dropped.get(issue.file) ?? { count: 0, line: issue.line, severity: 'warning' };
    d.count++;
    d.line = issue.line;
    if (issue.severity === 'error') d.severity = 'error';
    dropped.set(issue.file, d);
  }
  for (const [file, d] of dropped) {
    out.push({ file, line: d.line, message: `${d.count} more problems in this file not shown`, severity: d.severity });
  }
  return out;
}

/** How deep a JSON manifest may nest: Pipfile.lock is four levels deep; V8 slows down past thousands. */
export const MAX_JSON_DEPTH = 256;

/**
 * The offset of the first bracket that opens level `MAX_JSON_DEPTH + 1` of `text`, or -1. One pass,
 * skipping strings; run before `JSON.parse`, whose time on a megabyte of `[` grows faster than the
 * input (it is V8's own parser, measured by the timing fuzz properties).
 */
export function tooDeepAt(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > MAX_JSON_DEPTH) return i;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return -1;
}
