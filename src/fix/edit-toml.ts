/**
 * Applying fixes to pyproject.toml (and hatch.toml): the PEP 508 strings of `[project]`
 * dependencies and optional-dependencies, `[dependency-groups]`, PDM's and uv's dev dependencies
 * and Hatch environments, and Poetry's `name = "constraint"` / `name = { version = … }` entries.
 * Each value is found by the span `TomlPositions` records for it and only that span changes: the
 * quoting style, comments, key order and line endings of the file stay as they were.
 *
 * Pure. A string written with escapes, a multi-line string or a dependency written as a table of
 * its own is not rewritten (said why); the result is read back with the project's own pyproject
 * parser and refused if anything would read differently than intended.
 */
import { parseHatchToml, parsePyproject } from '../manifests/pyproject.js';
import { poetryToPep440 } from '../manifests/poetry-constraint.js';
import { isTable, readToml, type TomlTable } from '../manifests/toml-document.js';
import type { TomlPath, TomlPositions } from '../manifests/toml-positions.js';
import { canonicalizeName } from '../pep/names.js';
import { splice, type EditRequest, type FileEdits, type TextEdit } from './edit-requirements.js';
import { boundedSpecifier, markerText, rewritePep508, type Change } from './pep508-edit.js';

interface Slot {
  kind: 'pep508' | 'poetry';
  path: TomlPath;
  /** Where the scan reports the requirement: a string's first character, a Poetry table's key. */
  line: number;
  column: number;
  value: unknown;
  name: string;
}

/** Every place in the document a dependency is declared. */
function slotsOf(data: TomlTable, positions: TomlPositions, hatch: boolean): Slot[] {
  const slots: Slot[] = [];
  const pep508List = (value: unknown, path: (string | number)[]): void => {
    if (!Array.isArray(value)) return;
    value.forEach((item, i) => {
      if (typeof item !== 'string') return;
      const at = positions.value([...path, i]);
      const name = /^\s*([A-Za-z0-9._-]+)/.exec(item)?.[1];
      if (name) slots.push({ kind: 'pep508', path: [...path, i], line: at.line, column: at.column, value: item, name: canonicalizeName(name) });
    });
  };
  const tables = (value: unknown): [string, unknown][] => (isTable(value) ? Object.entries(value) : []);
  const get = (...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (isTable(v) ? v[k] : undefined), data);
  if (hatch) {
    for (const [env, t] of tables(get('envs'))) for (const key of ['dependencies', 'extra-dependencies']) pep508List(isTable(t) ? t[key] : undefined, ['envs', env, key]);
    return slots;
  }
  pep508List(get('build-system', 'requires'), ['build-system', 'requires']);
  pep508List(get('project', 'dependencies'), ['project', 'dependencies']);
  for (const [extra, list] of tables(get('project', 'optional-dependencies'))) pep508List(list, ['project', 'optional-dependencies', extra]);
  for (const [group, list] of tables(get('dependency-groups'))) pep508List(list, ['dependency-groups', group]);
  for (const [group, list] of tables(get('tool', 'pdm', 'dev-dependencies'))) pep508List(list, ['tool', 'pdm', 'dev-dependencies', group]);
  pep508List(get('tool', 'uv', 'dev-dependencies'), ['tool', 'uv', 'dev-dependencies']);
  for (const [env, t] of tables(get('tool', 'hatch', 'envs'))) for (const key of ['dependencies', 'extra-dependencies']) pep508List(isTable(t) ? t[key] : undefined, ['tool', 'hatch', 'envs', env, key]);
  const poetry = (deps: unknown, path: string[]): void => {
    for (const [name, value] of tables(deps)) {
      if (canonicalizeName(name) === 'python') continue;
      const at = typeof value === 'string' ? positions.value([...path, name]) : positions.key([...path, name]);
      slots.push({ kind: 'poetry', path: [...path, name], line: at.line, column: at.column, value, name: canonicalizeName(name) });
    }
  };
  poetry(get('tool', 'poetry', 'dependencies'), ['tool', 'poetry', 'dependencies']);
  poetry(get('tool', 'poetry', 'dev-dependencies'), ['tool', 'poetry', 'dev-dependencies']);
  for (const [group, t] of tables(get('tool', 'poetry', 'group'))) poetry(isTable(t) ? t['dependencies'] : undefined, ['tool', 'poetry', 'group', group, 'dependencies']);
  return slots;
}

type Span = { start: number; end: number; text: string };
type Outcome = { ok: true; spans: Span[]; from: string; to: string } | { ok: false; reason: string };

/** The delimiter of the string whose content starts at `start`, or why it cannot be rewritten. */
function stringDelimiter(text: string, start: number, end: number, value: string): { quote: '"' | "'" } | { reason: string } {
  const q = text[start - 1];
  if (q !== '"' && q !== "'") return { reason: 'not a plain string' };
  if (text.slice(start - 3, start) === q.repeat(3) && text.slice(end, end + 3) === q.repeat(3)) return { reason: 'a multi-line string is not rewritten; edit it by hand' };
  if (text.slice(start, end) !== value) return { reason: 'the string is written with escapes; edit it by hand' };
  return { quote: q };
}

/** Whether `content` can sit between `quote`s as written (no escapes needed). */
function fits(content: string, quote: '"' | "'"): boolean {
  return !content.includes(quote) && !/[\n\r]/.test(content) && (quote === "'" || !content.includes('\\'));
}

function editPep508(text: string, positions: TomlPositions, slot: Slot, change: Change): Outcome {
  const span = positions.span(slot.path);
  if (!span) return { ok: false, reason: 'its position in the file is unknown' };
  const delimiter = stringDelimiter(text, span.valueStart, span.valueEnd, slot.value as string);
  if ('reason' in delimiter) return { ok: false, reason: delimiter.reason };
  const from = text.slice(span.valueStart, span.valueEnd);
  // New marker literals take the other quote, so nothing needs escaping.
  const rewritten = rewritePep508(from, change, delimiter.quote === '"' ? "'" : '"');
  if (!rewritten.ok) return rewritten;
  if (!fits(rewritten.text, delimiter.quote)) return { ok: false, reason: 'the new text would need escapes in this string' };
  return { ok: true, spans: [{ start: span.valueStart, end: span.valueEnd, text: rewritten.text }], from, to: rewritten.text };
}

/** Poetry's entries: a constraint string, or an inline table with `version`, `markers`, `extras` … */
function editPoetry(text: string, positions: TomlPositions, slot: Slot, change: Change): Outcome {
  const span = positions.span(slot.path);
  if (!span) return { ok: false, reason: 'its position in the file is unknown' };
  // The entry as written (a string's closing quote included) before and after.
  const done = (spans: Span[]): Outcome => {
    const end = Math.max(span.valueEnd, ...spans.map((s) => s.end));
    const grown = spans.reduce((n, s) => n + s.text.length - (s.end - s.start), 0);
    return { ok: true, spans, from: text.slice(span.keyStart, end), to: splice(text, spans).slice(span.keyStart, end + grown) };
  };
  if (typeof slot.value === 'string') {
    const delimiter = stringDelimiter(text, span.valueStart, span.valueEnd, slot.value);
    if ('reason' in delimiter) return { ok: false, reason: delimiter.reason };
    const q = delimiter.quote;
    const whole = { start: span.valueStart - 1, end: span.valueEnd + 1 };
    switch (change.kind) {
      case 'pin':
        return done([{ start: span.valueStart, end: span.valueEnd, text: `==${change.version}` }]);
      case 'upper-bound': {
        const bounded = poetryBound(slot.value, change);
        return bounded.ok ? done([{ start: span.valueStart, end: span.valueEnd, text: bounded.text }]) : bounded;
      }
      case 'marker':
        // Markers go in double quotes, so their literals take single ones.
        return done([{ ...whole, text: `{ version = ${q}${slot.value}${q}, markers = "${markerText(change.marker, "'")}" }` }]);
      case 'replace':
        return done([
          { start: span.keyStart, end: span.keyEnd, text: change.name },
          { ...whole, text: change.extras.length > 0 ? `{ version = "*", extras = [${change.extras.map((e) => `"${e}"`).join(', ')}] }` : '"*"' },
        ]);
    }
  }
  if (!isTable(slot.value)) return { ok: false, reason: 'several constraints for one package (an array) are not rewritten; edit it by hand' };
  if (text[span.valueStart] !== '{') return { ok: false, reason: 'the dependency is written as a table of its own; edit it by hand' };
  const table = slot.value;
  const sub = (key: string) => positions.span([...slot.path, key]);
  const subString = (key: string): { start: number; end: number; quote: '"' | "'" } | { reason: string } | null => {
    const s = sub(key);
    if (!s || typeof table[key] !== 'string') return null;
    const d = stringDelimiter(text, s.valueStart, s.valueEnd, table[key]);
    return 'reason' in d ? d : { start: s.valueStart, end: s.valueEnd, quote: d.quote };
  };
  switch (change.kind) {
    case 'pin':
    case 'upper-bound': {
      const version = subString('version');
      if (version === null) return { ok: false, reason: 'the entry has no version to change' };
      if ('reason' in version) return { ok: false, reason: version.reason };
      if (change.kind === 'pin') return done([{ start: version.start, end: version.end, text: `==${change.version}` }]);
      const bounded = poetryBound(table['version'] as string, change);
      return bounded.ok ? done([{ start: version.start, end: version.end, text: bounded.text }]) : bounded;
    }
    case 'marker': {
      const markers = subString('markers');
      if (markers !== null) {
        if ('reason' in markers) return { ok: false, reason: markers.reason };
        const clause = markerText(change.marker, markers.quote === '"' ? "'" : '"');
        return done([{ start: markers.start, end: markers.end, text: `(${(table['markers'] as string).trim()}) and ${clause}` }]);
      }
      if (table['markers'] !== undefined) return { ok: false, reason: 'its markers are not a plain string' };
      // Before the closing brace, after the last value.
      let at = span.valueEnd - 1;
      while (at > span.valueStart && /\s/.test(text[at - 1]!)) at--;
      const empty = text[at - 1] === '{';
      return done([{ start: at, end: at, text: `${empty ? ' ' : ', '}markers = "${markerText(change.marker, "'")}"${empty ? ' ' : ''}` }]);
    }
    case 'replace': {
      const keep = ['markers', 'python', 'platform'];
      const other = Object.keys(table).filter((k) => !keep.includes(k) && k !== 'version' && k !== 'extras');
      if (other.length > 0) return { ok: false, reason: `the entry also sets ${other.join(', ')}; replace it by hand` };
      const kept = keep.flatMap((k) => {
        const s = sub(k);
        return s ? [text.slice(s.keyStart, s.valueEnd + 1)] : [];
      });
      if (kept.some((k) => !/["']$/.test(k))) return { ok: false, reason: 'its markers are not a plain string' };
      const parts = ['version = "*"', ...(change.extras.length > 0 ? [`extras = [${change.extras.map((e) => `"${e}"`).join(', ')}]`] : []), ...kept];
      return done([
        { start: span.keyStart, end: span.keyEnd, text: change.name },
        { start: span.valueStart, end: span.valueEnd, text: `{ ${parts.join(', ')} }` },
      ]);
    }
  }
}

/** A Poetry constraint with the bound added: appended when it has no upper bound, else in PEP 440 form. */
function poetryBound(constraint: string, change: Change & { kind: 'upper-bound' }): { ok: true; text: string } | { ok: false; reason: string } {
  const translated = poetryToPep440(constraint);
  if (!translated.ok) return { ok: false, reason: translated.message };
  const bounded = boundedSpecifier(translated.specifier, change.bound);
  if (bounded === null) return { ok: false, reason: `"${constraint}" already excludes ${change.bound.version} or pins a version` };
  const bound = `${change.bound.op}${change.bound.version}`;
  const hasUpper = translated.specifier.split(',').some((c) => c.startsWith('<'));
  if (!hasUpper) return { ok: true, text: constraint.trim() === '' || constraint.trim() === '*' ? bound : `${constraint.trimEnd()},${bound}` };
  return { ok: true, text: bounded.clauses.join(',') };
}

/** Edits to one pyproject.toml (or hatch.toml when `hatch`). */
export function editPyprojectFile(text: string, file: string, requests: readonly EditRequest[], hatch = false): FileEdits {
  const doc = readToml(text, file);
  if (!doc.ok) return { text, applied: [], refused: requests.map((request) => ({ request, reason: doc.issue.message })) };
  const slots = slotsOf(doc.data, doc.positions, hatch);
  const refused: FileEdits['refused'] = [];
  const spans: Span[] = [];
  const applied: { edit: TextEdit; request: EditRequest }[] = [];
  for (const request of requests) {
    const slot = slots.find((s) => s.line === request.line && s.column === request.column && s.name === request.name);
    if (!slot) {
      refused.push({ request, reason: `no dependency ${request.name} at ${file}:${request.line}:${request.column} that fix can edit` });
      continue;
    }
    if (slot.kind === 'poetry' && request.change.kind === 'replace' && isTable(slot.value) && slot.value['optional'] === true) {
      refused.push({ request, reason: 'an optional Poetry dependency is named in [tool.poetry.extras] too; replace it by hand in both' });
      continue;
    }
    const outcome = slot.kind === 'pep508' ? editPep508(text, doc.positions, slot, request.change) : editPoetry(text, doc.positions, slot, request.change);
    if (!outcome.ok) {
      refused.push({ request, reason: outcome.reason });
      continue;
    }
    spans.push(...outcome.spans);
    applied.push({ request, edit: { line: request.line, column: request.column, name: request.name, from: outcome.from, to: outcome.to } });
  }
  const edited = splice(text, spans);
  // Read back: still TOML, nothing new to complain about, as many requirements as before.
  const parse = (t: string) => (hatch ? parseHatchToml(t, file) : parsePyproject(t, file));
  const before = parse(text);
  const after = parse(edited);
  const known = new Set(before.issues.map((i) => i.message));
  const fresh = after.issues.filter((i) => !known.has(i.message));
  if (fresh.length > 0 || after.requirements.length !== before.requirements.length) {
    const reason = `the edited file would not read back cleanly (${fresh[0]?.message ?? 'requirement count changed'})`;
    return { text, applied: [], refused: [...refused, ...applied.map((a) => ({ request: a.request, reason }))] };
  }
  return { text: edited, applied: applied.map((a) => a.edit), refused };
}
