/**
 * setup.cfg, read as setuptools reads it: Python's configparser (multi-line values on indented
 * lines, `#`/`;` comment lines, `%(name)s` interpolation from the same section or [DEFAULT]), then
 * setuptools' list rule (one requirement per line, or `;`-separated on a single line).
 */
import { quote } from '../safe-text.js';
import { fileLevel, MAX_ENTRIES_PER_FILE, MAX_ISSUES_PER_FILE, oneLine, tooManyEntries } from './limits.js';
import { canonicalizeName } from '../pep/names.js';
import { declare } from './declared.js';
import type { RequirementsInclude } from './requirements-file.js';
import { LineMap } from './source-text.js';
import { commentStart } from './text-scan.js';
import { nothingRead } from './toml-document.js';
import type { DeclaredRequirement, ManifestIssue, RequirementGroup, SourceLocation } from './types.js';

export interface SetupCfgResult {
  requirements: DeclaredRequirement[];
  issues: ManifestIssue[];
  requiresPython: string | null;
  /** `install_requires = file: requirements.in` (setuptools ≥ 62.6). */
  includes: RequirementsInclude[];
}

/** A value line with where it starts in the file. */
interface ValueLine {
  text: string;
  offset: number;
}

interface Option {
  key: string;
  lines: ValueLine[];
  keyOffset: number;
}

type Sections = Map<string, Map<string, Option>>;

interface IniResult {
  sections: Sections;
  /** The first MAX_ISSUES_PER_FILE / 2 lines that could not be read; `moreIssues` counts the rest. */
  issues: { offset: number; message: string }[];
  moreIssues: number;
  /** Where reading stopped after MAX_ENTRIES_PER_FILE lines, or null. */
  stoppedAt: number | null;
}

function readIni(text: string): IniResult {
  const sections: Sections = new Map();
  const result: IniResult = { sections, issues: [], moreIssues: 0, stoppedAt: null };
  const issue = (offset: number, message: () => string): void => {
    if (result.issues.length < MAX_ISSUES_PER_FILE / 2) result.issues.push({ offset, message: message() });
    else result.moreIssues++;
  };
  let section: Map<string, Option> | null = null;
  let current: Option | null = null;
  let entries = 0;
  const re = /[^\r\n]*(\r\n|\n|\r|$)/g;
  for (let m = re.exec(text); m && m[0] !== ''; m = re.exec(text)) {
    const offset = m.index;
    const raw = m[0].replace(/[\r\n]+$/, '');
    const trimmed = raw.trim();
    if (trimmed === '' || /^[#;]/.test(trimmed)) {
      // Blank and comment lines do not end a multi-line value in configparser.
      continue;
    }
    if (++entries > MAX_ENTRIES_PER_FILE) {
      result.stoppedAt = offset;
      break;
    }
    const lead = raw.length - raw.trimStart().length;
    if (lead > 0 && current) {
      current.lines.push({ text: trimmed, offset: offset + lead });
      continue;
    }
    const header = /^\[([^\]]+)\]/.exec(trimmed);
    if (header) {
      const name = header[1]!.trim();
      section = sections.get(name) ?? new Map();
      sections.set(name, section);
      current = null;
      continue;
    }
    // `key = value` or `key: value`, split at the first "=" or ":" (configparser's default
    // delimiters); a scan, since `^([^=:]+?)\s*[=:]` retries at every space of a long key.
    const delimiter = firstOf(raw, '=:');
    if (delimiter <= 0 || !section) {
      const inSection = section !== null;
      issue(offset, () => (inSection ? `cannot read line ${quote(trimmed)}` : `line ${quote(trimmed)} is outside any [section]`));
      current = null;
      continue;
    }
    const key = raw.slice(0, delimiter).trim().toLowerCase();
    const value = raw.slice(delimiter + 1).trim();
    const valueOffset = offset + raw.length - raw.slice(delimiter + 1).trimStart().length;
    current = { key, keyOffset: offset + lead, lines: value ? [{ text: value, offset: valueOffset }] : [] };
    section.set(key, current);
  }
  return result;
}

function firstOf(s: string, chars: string): number {
  for (let i = 0; i < s.length; i++) if (chars.includes(s[i]!)) return i;
  return -1;
}

/**
 * Characters interpolation may produce in one file. configparser would expand ten levels of ten
 * references each into 10^10 lines; past this budget the references are left unexpanded.
 */
const MAX_INTERPOLATED_CHARS = 1_000_000;

export function parseSetupCfg(text: string, file: string): SetupCfgResult {
  const result: SetupCfgResult = { requirements: [], issues: [], requiresPython: null, includes: [] };
  const lines = new LineMap(text);
  const { sections, issues, moreIssues, stoppedAt } = readIni(text);
  for (const i of issues) {
    result.issues.push({ file, line: lines.position(i.offset).line, message: oneLine(i.message), severity: 'warning' });
  }
  if (moreIssues > 0) {
    result.issues.push({ file, line: lines.position(issues[issues.length - 1]!.offset).line, message: `${moreIssues} more problems in this file not shown`, severity: 'warning' });
  }
  if (stoppedAt !== null) result.issues.push(tooManyEntries(file, lines.position(stoppedAt).line, 'lines'));
  // Lines but no [section] at all: configparser would refuse the file; nothing in it is setup.cfg's.
  if (sections.size === 0 && issues.length > 0) {
    result.issues.push(nothingRead(file, lines.position(issues[0]!.offset).line, 'a setup.cfg', ['lines outside any [section]']));
  }
  const defaults = sections.get('DEFAULT');
  let budget = MAX_INTERPOLATED_CHARS;
  let overBudgetAt: number | null = null;
  const spend = (chars: number, offset: number): boolean => {
    if (overBudgetAt !== null) return false;
    budget -= chars + 1;
    if (budget >= 0) return true;
    overBudgetAt = offset;
    const p = lines.position(offset);
    result.issues.push(fileLevel({ file, line: p.line, column: p.column, message: `interpolation expands to more than ${MAX_INTERPOLATED_CHARS} characters; the rest of the references are not expanded`, severity: 'error' }));
    return false;
  };

  const reportedAt = new Set<number>();
  const joined = new Map<Option, string>();
  const expand = (sectionName: string, option: Option, depth: number): ValueLine[] => {
    const out: ValueLine[] = [];
    // Every call costs, so that a value referring to itself from many lines cannot branch 10^10 times.
    if (!spend(0, option.keyOffset)) return out;
    const section = sections.get(sectionName);
    for (const line of option.lines) {
      if (overBudgetAt !== null) break;
      const ref = /^%\(([^)]+)\)s$/.exec(line.text);
      if (ref) {
        const target = section?.get(ref[1]!.toLowerCase()) ?? defaults?.get(ref[1]!.toLowerCase());
        if (!target || depth > 10) {
          // Once per reference, however many paths lead to it.
          if (reportedAt.has(line.offset)) continue;
          reportedAt.add(line.offset);
          const p = lines.position(line.offset);
          result.issues.push({ file, line: p.line, column: p.column, message: oneLine(target ? `interpolation of ${quote(line.text)} is too deep` : `interpolation ${quote(line.text)} names no option in [${sectionName}]`), severity: 'error' });
          continue;
        }
        // Everything the referenced value holds is declared here, at the reference.
        for (const sub of expand(sectionName, target, depth + 1)) {
          if (!spend(sub.text.length, line.offset)) break;
          out.push({ text: sub.text, offset: line.offset });
        }
        continue;
      }
      const replaced = replaceReferences(line.text, (name) => {
        const t = section?.get(name.toLowerCase()) ?? defaults?.get(name.toLowerCase());
        if (!t) return null;
        let value = joined.get(t);
        if (value === undefined) {
          value = t.lines.map((l) => l.text).join(' ');
          joined.set(t, value);
        }
        return spend(value.length, line.offset) ? value : null;
      });
      out.push({ text: replaced.replace(/%%/g, '%'), offset: line.offset });
    }
    return out;
  };

  let entries = 0;
  const requirementList = (sectionName: string, key: string, group: RequirementGroup): void => {
    const option = sections.get(sectionName)?.get(key);
    if (!option) return;
    const values = expand(sectionName, option, 0);
    const only = values[0];
    if (values.length === 1 && only && /^file:/.test(only.text)) {
      for (const target of only.text.slice(5).split(',').map((t) => t.trim()).filter(Boolean)) {
        result.includes.push({ kind: 'requirement', target, location: lines.location(file, only.offset, only.offset + only.text.length) });
      }
      return;
    }
    // setuptools: one per line when the value spans lines, else split at ";".
    const items: ValueLine[] =
      values.length === 1 && option.lines.length === 1 && only
        ? splitSemicolons(only)
        : values;
    for (const item of items) {
      if (entries > MAX_ENTRIES_PER_FILE) return;
      if (++entries > MAX_ENTRIES_PER_FILE) {
        result.issues.push(tooManyEntries(file, lines.position(item.offset).line, 'requirement entries'));
        return;
      }
      const comment = commentStart(item.text, false);
      const text = (comment === -1 ? item.text : item.text.slice(0, comment)).trim();
      if (text === '' || text.startsWith('#')) continue;
      const location: SourceLocation = lines.location(file, item.offset, item.offset + item.text.length);
      const d = declare(text, location, { group });
      if (d.ok) result.requirements.push(d.requirement);
      else result.issues.push(d.issue);
    }
  };

  const python = sections.get('options')?.get('python_requires');
  if (python) result.requiresPython = python.lines.map((l) => l.text).join(' ').trim() || null;
  requirementList('options', 'setup_requires', 'build');
  requirementList('options', 'install_requires', 'main');
  requirementList('options', 'tests_require', 'dev');
  const extras = sections.get('options.extras_require');
  for (const key of extras?.keys() ?? []) {
    requirementList('options.extras_require', key, `optional:${canonicalizeName(key)}`);
  }
  return result;
}

/**
 * `%(name)s` references in `text` replaced by `value(name)` (left as written when it gives null),
 * as `text.replace(/%\(([^)]+)\)s/g, …)` would, with the next ")" found once for every run of
 * "%(" (the pattern searched to the end of the text from each of them).
 */
function replaceReferences(text: string, value: (name: string) => string | null): string {
  let out = '';
  let copied = 0;
  let close = -1;
  for (let open = text.indexOf('%('); open !== -1; open = text.indexOf('%(', open + 1)) {
    if (close < open + 2) close = text.indexOf(')', open + 2);
    if (close === -1) break;
    if (close === open + 2 || text[close + 1] !== 's') continue;
    const replacement = value(text.slice(open + 2, close));
    if (replacement !== null) {
      out += text.slice(copied, open) + replacement;
      copied = close + 2;
    }
    // The reference is used up either way: the search goes on after it, as the regex's does.
    open = close + 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function splitSemicolons(line: ValueLine): ValueLine[] {
  const out: ValueLine[] = [];
  let at = 0;
  for (const part of line.text.split(';')) {
    const lead = part.length - part.trimStart().length;
    if (part.trim()) out.push({ text: part.trim(), offset: line.offset + at + lead });
    at += part.length + 1;
  }
  return out;
}
