/**
 * setup.cfg, read as setuptools reads it: Python's configparser (multi-line values on indented
 * lines, `#`/`;` comment lines, `%(name)s` interpolation from the same section or [DEFAULT]), then
 * setuptools' list rule (one requirement per line, or `;`-separated on a single line).
 */
import { oneLine, quote } from '../safe-text.js';
import { canonicalizeName } from '../pep/names.js';
import { declare } from './declared.js';
import type { RequirementsInclude } from './requirements-file.js';
import { LineMap } from './source-text.js';
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

function readIni(text: string): { sections: Sections; issues: { offset: number; message: string }[] } {
  const sections: Sections = new Map();
  const issues: { offset: number; message: string }[] = [];
  let section: Map<string, Option> | null = null;
  let current: Option | null = null;
  const re = /[^\r\n]*(\r\n|\n|\r|$)/g;
  for (let m = re.exec(text); m && m[0] !== ''; m = re.exec(text)) {
    const offset = m.index;
    const raw = m[0].replace(/[\r\n]+$/, '');
    const trimmed = raw.trim();
    if (trimmed === '' || /^[#;]/.test(trimmed)) {
      // Blank and comment lines do not end a multi-line value in configparser.
      continue;
    }
    if (/^\s/.test(raw) && current) {
      current.lines.push({ text: trimmed, offset: offset + raw.indexOf(trimmed) });
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
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
    if (!kv || !section) {
      issues.push({ offset, message: section ? `cannot read line ${quote(trimmed)}` : `line ${quote(trimmed)} is outside any [section]` });
      current = null;
      continue;
    }
    const key = kv[1]!.trim().toLowerCase();
    const value = kv[2]!;
    current = { key, keyOffset: offset + raw.indexOf(kv[1]!.trim()), lines: value.trim() ? [{ text: value.trim(), offset: offset + raw.length - value.length }] : [] };
    section.set(key, current);
  }
  return { sections, issues };
}

export function parseSetupCfg(text: string, file: string): SetupCfgResult {
  const result: SetupCfgResult = { requirements: [], issues: [], requiresPython: null, includes: [] };
  const lines = new LineMap(text);
  const { sections, issues } = readIni(text);
  for (const i of issues) {
    result.issues.push({ file, line: lines.position(i.offset).line, message: oneLine(i.message), severity: 'warning' });
  }
  const defaults = sections.get('DEFAULT');

  const expand = (sectionName: string, option: Option, depth: number): ValueLine[] => {
    const out: ValueLine[] = [];
    const section = sections.get(sectionName);
    for (const line of option.lines) {
      const ref = /^%\(([^)]+)\)s$/.exec(line.text);
      if (ref) {
        const target = section?.get(ref[1]!.toLowerCase()) ?? defaults?.get(ref[1]!.toLowerCase());
        if (!target || depth > 10) {
          const p = lines.position(line.offset);
          result.issues.push({ file, line: p.line, column: p.column, message: oneLine(target ? `interpolation of ${quote(line.text)} is too deep` : `interpolation ${quote(line.text)} names no option in [${sectionName}]`), severity: 'error' });
          continue;
        }
        // Everything the referenced value holds is declared here, at the reference.
        for (const sub of expand(sectionName, target, depth + 1)) out.push({ text: sub.text, offset: line.offset });
        continue;
      }
      const replaced = line.text.replace(/%\(([^)]+)\)s/g, (whole, name: string) => {
        const t = section?.get(name.toLowerCase()) ?? defaults?.get(name.toLowerCase());
        return t ? t.lines.map((l) => l.text).join(' ') : whole;
      });
      out.push({ text: replaced.replace(/%%/g, '%'), offset: line.offset });
    }
    return out;
  };

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
      const text = item.text.replace(/\s+#.*$/, '').trim();
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
