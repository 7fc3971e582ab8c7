/**
 * The interactive audit's state and keys, as pure data and a reducer: what the list shows for a
 * target, in which order, filtered how, which row is selected, which view is open. The ink
 * components (`audit.tsx`) only draw this; tests drive `reduce` directly or through ink.
 */
import { severityPosition, type Severity } from '../assess/types.js';
import type { Finding, ScanResult } from '../scan/types.js';

/** The list's sections, worst first; each severity belongs to one. */
export const SECTIONS: readonly { title: string; one: string; many: string; severities: readonly Severity[] }[] = [
  { title: 'Blockers', one: 'blocker', many: 'blockers', severities: ['error'] },
  { title: 'Warnings', one: 'warning', many: 'warnings', severities: ['warning'] },
  { title: 'Not checked', one: 'not checked', many: 'not checked', severities: ['unknown'] },
  { title: 'Notes (cpyext and other)', one: 'note', many: 'notes', severities: ['info'] },
  { title: 'Fine', one: 'fine', many: 'fine', severities: ['ok'] },
];

export type SortOrder = 'severity' | 'name' | 'verdict';
export const SORT_ORDERS: readonly SortOrder[] = ['severity', 'name', 'verdict'];

export type View = 'list' | 'detail' | 'help' | 'advice';

export interface AuditState {
  targetIndex: number;
  /** Index into the current rows' findings (not counting section headings). */
  selected: number;
  view: View;
  sort: SortOrder;
  filter: string;
  /** True while `/` is typing into the filter. */
  filtering: boolean;
}

export const INITIAL_STATE: AuditState = { targetIndex: 0, selected: 0, view: 'list', sort: 'severity', filter: '', filtering: false };

/** A line of the list: a section heading or a finding. */
export type Row = { kind: 'heading'; title: string; count: number } | { kind: 'finding'; finding: Finding; index: number };

function compare(sort: SortOrder): (a: Finding, b: Finding) => number {
  const byName = (a: Finding, b: Finding) => a.name.localeCompare(b.name) || a.project.localeCompare(b.project);
  if (sort === 'name') return byName;
  if (sort === 'verdict') return (a, b) => a.verdict.localeCompare(b.verdict) || byName(a, b);
  return (a, b) => severityPosition(a.severity) - severityPosition(b.severity) || byName(a, b);
}

/** The findings of the state's target that pass the filter (case-insensitive substring of the name), in display order. */
export function visibleFindings(result: ScanResult, state: AuditState): Finding[] {
  const target = result.targets[state.targetIndex]?.id;
  const needle = state.filter.toLowerCase();
  const own = result.findings.filter((f) => f.target === target && (needle === '' || f.name.includes(needle)));
  const sorted = [...own].sort(compare(state.sort));
  if (state.sort !== 'severity') return sorted;
  // Grouped by section, in section order.
  return SECTIONS.flatMap((section) => sorted.filter((f) => section.severities.includes(f.severity)));
}

/** The rows to draw: with sort by severity, a heading before each non-empty section. */
export function rowsOf(result: ScanResult, state: AuditState): Row[] {
  const findings = visibleFindings(result, state);
  if (state.sort !== 'severity') return findings.map((finding, index) => ({ kind: 'finding', finding, index }));
  const rows: Row[] = [];
  let index = 0;
  for (const section of SECTIONS) {
    const own = findings.filter((f) => section.severities.includes(f.severity));
    if (own.length === 0) continue;
    rows.push({ kind: 'heading', title: section.title, count: own.length });
    for (const finding of own) rows.push({ kind: 'finding', finding, index: index++ });
  }
  return rows;
}

/**
 * The rows that fit in `height` lines around the selection: a window over the list, so that a
 * key press draws `height` rows whatever the number of packages.
 */
export function windowOf(rows: readonly Row[], state: AuditState, height: number): Row[] {
  if (height <= 0) return [];
  const selectedRow = Math.max(0, rows.findIndex((r) => r.kind === 'finding' && r.index === state.selected));
  let start = selectedRow >= height ? selectedRow - height + 1 : 0;
  // Show a section's heading with its first finding when there is room.
  if (start > 0 && selectedRow === start && rows[start - 1]?.kind === 'heading' && height > 1) start--;
  return rows.slice(start, start + height);
}

/** A key, as the reducer sees it (ink's input and key flags, reduced to names). */
export type KeyName =
  | 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'open' | 'back' | 'nextTarget' | 'sort' | 'filter' | 'help' | 'advice' | 'quit' | 'editor'
  | { char: string } | 'backspace' | 'confirm';

/** What the audit should do besides changing state. */
export type Effect = 'quit' | 'editor' | null;

export function reduce(result: ScanResult, state: AuditState, key: KeyName, pageSize: number): { state: AuditState; effect: Effect } {
  const count = visibleFindings(result, state).length;
  const clamp = (n: number) => Math.max(0, Math.min(Math.max(0, count - 1), n));
  const next = (patch: Partial<AuditState>): { state: AuditState; effect: Effect } => ({ state: { ...state, ...patch }, effect: null });

  if (state.filtering) {
    if (key === 'back') return next({ filtering: false, filter: '', selected: 0 });
    if (key === 'confirm' || key === 'open') return next({ filtering: false });
    if (key === 'backspace') return next({ filter: state.filter.slice(0, -1), selected: 0 });
    if (typeof key === 'object') return next({ filter: (state.filter + key.char).slice(0, 100), selected: 0 });
    return { state, effect: null };
  }
  // Help and advice are read, then any key goes back (q still quits).
  if (state.view === 'help' || state.view === 'advice') {
    return key === 'quit' ? { state, effect: 'quit' } : next({ view: 'list' });
  }
  switch (key) {
    case 'quit':
      return { state, effect: 'quit' };
    case 'help':
      return next({ view: 'help' });
    case 'advice':
      return next({ view: 'advice' });
    case 'up':
      return next({ selected: clamp(state.selected - 1) });
    case 'down':
      return next({ selected: clamp(state.selected + 1) });
    case 'pageUp':
      return next({ selected: clamp(state.selected - Math.max(1, pageSize)) });
    case 'pageDown':
      return next({ selected: clamp(state.selected + Math.max(1, pageSize)) });
    case 'home':
      return next({ selected: 0 });
    case 'end':
      return next({ selected: clamp(count - 1) });
    case 'open':
      return count > 0 ? next({ view: 'detail' }) : { state, effect: null };
    case 'back':
      if (state.view === 'detail') return next({ view: 'list' });
      return state.filter !== '' ? next({ filter: '', selected: 0 }) : { state, effect: null };
    case 'nextTarget':
      return result.targets.length > 1 ? next({ targetIndex: (state.targetIndex + 1) % result.targets.length, selected: 0 }) : { state, effect: null };
    case 'sort':
      return next({ sort: SORT_ORDERS[(SORT_ORDERS.indexOf(state.sort) + 1) % SORT_ORDERS.length]!, selected: 0 });
    case 'filter':
      return next({ filtering: true, view: 'list' });
    case 'editor':
      return count > 0 ? { state, effect: 'editor' } : { state, effect: null };
    default:
      return { state, effect: null };
  }
}

/** The finding under the selection, or null. */
export function selectedFinding(result: ScanResult, state: AuditState): Finding | null {
  return visibleFindings(result, state)[state.selected] ?? null;
}

/** Counts per section title for the summary bar of one target. */
export function sectionCounts(result: ScanResult, targetId: string): { title: string; count: number }[] {
  const own = result.findings.filter((f) => f.target === targetId);
  return SECTIONS.map((section) => ({ title: section.title, count: own.filter((f) => section.severities.includes(f.severity)).length }));
}

/**
 * Side by side: the verdict of each finding's package on every target, so the list of one target
 * can show the others in columns. Built once per result; a lookup is a map access.
 */
export function verdictsAcross(result: ScanResult): (finding: Finding) => string[] {
  const byKey = new Map<string, Finding>();
  for (const f of result.findings) byKey.set(`${f.project}\n${f.name}\n${f.target}`, f);
  return (finding) => result.targets.map((t) => byKey.get(`${finding.project}\n${finding.name}\n${t.id}`)?.verdict ?? '-');
}

/** What `pypy-ready verify` measured for a finding's package, as the list marks it beside the prediction. */
export interface MeasuredMark {
  status: 'imported' | 'installed' | 'build-failed' | 'install-failed' | 'import-failed' | 'refused' | 'absent' | 'skipped';
  agreement: 'agree' | 'disagree' | 'better';
  failed: boolean;
}

/** Measurements are per project and package (one target: the PyPy they were taken on). */
export const measuredKey = (project: string, name: string): string => `${project}\n${name}`;

const STATUS_WORDS: Record<MeasuredMark['status'], string> = {
  imported: 'imported',
  installed: 'installed',
  'build-failed': 'build failed',
  'install-failed': 'install failed',
  'import-failed': 'import failed',
  refused: 'pip refuses',
  absent: 'not installed',
  skipped: 'not measured',
};

/** "measured: imported, agrees"; disagreements in capitals, so they stand out in the list. */
export function measuredWords(mark: MeasuredMark): string {
  const agreement = mark.agreement === 'agree' ? 'agrees' : mark.agreement === 'better' ? 'better than predicted' : 'DISAGREES';
  return `measured: ${STATUS_WORDS[mark.status]}, ${agreement}`;
}

/** The header's tally of the measurements on a target's findings. */
export function measuredTally(result: ScanResult, targetId: string, marks: ReadonlyMap<string, MeasuredMark>): { measured: number; agree: number; better: number; disagree: number; failed: number } {
  const tally = { measured: 0, agree: 0, better: 0, disagree: 0, failed: 0 };
  for (const f of result.findings) {
    const mark = f.target === targetId ? marks.get(measuredKey(f.project, f.name)) : undefined;
    if (!mark) continue;
    tally.measured++;
    tally[mark.agreement]++;
    if (mark.failed) tally.failed++;
  }
  return tally;
}
