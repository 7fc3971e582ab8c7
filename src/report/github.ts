/**
 * GitHub Actions output (issue 13): workflow commands that annotate the manifest lines
 * (`--format github`), and the job summary (Markdown for `$GITHUB_STEP_SUMMARY`). Pure: the
 * renderer returns text; writing the summary file is the CLI's business.
 *
 * Workflow commands, as the runner reads them (actions/runner `ActionCommand.TryParseV2`): a log
 * line that starts (after leading spaces) with `::`, the command name and `key=value` properties
 * up to the next `::`, then the message. The properties are split on `,` and end at the first `::`,
 * so values are escaped as the toolkit's `escapeProperty` does (`%` → `%25`, `\r` → `%0D`,
 * `\n` → `%0A`, `:` → `%3A`, `,` → `%2C`); the message as its `escapeData` (`%`, `\r`, `\n`). With
 * `\r` and `\n` escaped, no text from a stranger can begin a line, so every line of the output is
 * one command of ours. Control and bidi characters are stripped from strangers' text first.
 *
 * Levels: `error` → `::error`, `warning` and `unknown` → `::warning` (both gate `--fail-on` alike),
 * `info` → `::notice` (works, with a note: cpyext, a pure-Python sdist); `ok` → nothing.
 * One annotation per package and manifest line, with every target it concerns (the caps are per
 * annotation, not per target), at the level of its worst target.
 *
 * GitHub keeps 10 annotations per level per step and 50 per job, and drops the rest silently. So:
 * errors first, then warnings, then notices; within a level the lines the pull request changed
 * first, then the worse severity, direct requirements before transitive ones, more targets first,
 * then file order. At most 10 per level and 50 in all, and when some are left out, one last
 * `::notice::` (counted in the caps) says how many and that the job summary has them all.
 */
import { usedInLine } from './usage.js';
import { SEVERITY_ORDER, severityPosition, worstSeverity, type Severity } from '../assess/types.js';
import type { Finding, ReportLocation, ScanResult } from '../scan/types.js';
import { describeComparison } from '../scan/baseline.js';
import { bottomLine, ignoredPackages, targetLabel } from './bottom-line.js';
import type { RenderContext } from './index.js';
import { escapeCell, escapeInline } from './markdown-escape.js';
import { MAX_PROJECT_LINES, projectCounts, projectTableMarkdown } from './projects.js';
import { inline } from './terminal.js';

// ---------------------------------------------------------------- workflow command syntax

/** The toolkit's `escapeData`: the message of a command. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** The toolkit's `escapeProperty`: a property value. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface AnnotationProperties {
  file?: string;
  line?: number;
  col?: number;
  title?: string;
}

/** One workflow command line (no line break): `::error file=…,line=…,col=…,title=…::message`. */
export function workflowCommand(level: AnnotationLevel, properties: AnnotationProperties, message: string): string {
  const props: string[] = [];
  if (properties.file) props.push(`file=${escapeProperty(properties.file)}`);
  if (properties.line !== undefined && Number.isInteger(properties.line) && properties.line > 0) {
    props.push(`line=${properties.line}`);
    // A column means nothing without a line (the runner drops it).
    if (properties.col !== undefined && Number.isInteger(properties.col) && properties.col > 0) props.push(`col=${properties.col}`);
  }
  if (properties.title) props.push(`title=${escapeProperty(properties.title)}`);
  return `::${level}${props.length > 0 ? ` ${props.join(',')}` : ''}::${escapeData(message)}`;
}

// ---------------------------------------------------------------- annotations

/** GitHub's caps: annotations kept per level per step, and per job. */
export const ANNOTATIONS_PER_LEVEL = 10;
export const ANNOTATIONS_PER_JOB = 50;

const LEVEL_OF: Record<Severity, AnnotationLevel | null> = { error: 'error', warning: 'warning', unknown: 'warning', info: 'notice', ok: null };
const LEVELS: readonly AnnotationLevel[] = ['error', 'warning', 'notice'];

/** Evidence sentences shown per target group, and the length each is cut to (the summary and the other reports have them whole). */
const EVIDENCE_SHOWN = 2;
const TEXT_CUT = 400;

export interface GithubOptions {
  /** `file:line` keys of the lines the pull request changed (paths as in the findings' locations, `/`-separated); ranked first within a level. */
  changedLines?: ReadonlySet<string>;
  /** Override GitHub's caps, e.g. when earlier steps of the job already used some of the 50. */
  limits?: { perLevel?: number; total?: number };
}

/** `a/./b\\c` → `a/b/c` without a leading `./`: the form of a `changedLines` key. */
function normalisePath(file: string): string {
  return file.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/\/(\.\/)+/g, '/');
}

/** A `changedLines` key as given → the form `lineKey` makes. */
function normaliseKey(key: string): string {
  const colon = key.lastIndexOf(':');
  return colon < 0 ? key : `${normalisePath(key.slice(0, colon))}${key.slice(colon)}`;
}

/** The key of a manifest line in `changedLines`. */
export function lineKey(location: Pick<ReportLocation, 'file' | 'line'>): string {
  return `${normalisePath(location.file)}:${location.line}`;
}

function cut(text: string, max = TEXT_CUT): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** A stranger's text for one line of a command: control characters gone, line breaks folded. */
const clean = (text: string): string => cut(inline(text));

export interface Annotation {
  level: AnnotationLevel;
  severity: Severity;
  properties: AnnotationProperties;
  message: string;
  /** The PR changed its line. */
  changed: boolean;
  direct: boolean;
  targets: number;
  order: number;
}

/** Findings that tell the same story on several targets are one group in the message. */
function storyKey(f: Finding): string {
  return JSON.stringify([f.verdict, f.severity, f.version, f.suggestion, f.evidence.slice(0, EVIDENCE_SHOWN), f.via]);
}

function annotationOf(result: ScanResult, findings: Finding[], location: ReportLocation | null, changed: ReadonlySet<string>, order: number): Annotation | null {
  const severity = worstSeverity(findings.map((f) => f.severity));
  const level = LEVEL_OF[severity];
  if (!level) return null;
  const targetOrder = new Map(result.targets.map((t, i) => [t.id, i]));
  const shown = findings
    .filter((f) => LEVEL_OF[f.severity] !== null)
    .sort((a, b) => severityPosition(a.severity) - severityPosition(b.severity) || (targetOrder.get(a.target) ?? Infinity) - (targetOrder.get(b.target) ?? Infinity));
  const groups = new Map<string, Finding[]>();
  for (const f of shown) {
    const key = storyKey(f);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(f);
  }
  const label = (id: string) => inline(targetLabel(result, id));
  const first = shown[0]!;
  const version = first.version ? ` ${clean(first.version)}` : '';
  const project = result.projects.length > 1 ? `${clean(first.project)}: ` : '';
  // The title names each verdict once, with its targets (the message has the detail per story).
  const byVerdict = new Map<string, string[]>();
  for (const f of shown) byVerdict.set(f.verdict, [...(byVerdict.get(f.verdict) ?? []), label(f.target)]);
  const title = `${project}${clean(first.name)}${version}: ${[...byVerdict].map(([verdict, targets]) => `${verdict} on ${[...new Set(targets)].join(', ')}`).join('; ')}`;

  const lines: string[] = [];
  for (const group of groups.values()) {
    const f = group[0]!;
    lines.push(`${group.map((g) => label(g.target)).join(', ')}: ${f.verdict} (${f.severity}), ${clean(f.name)}${f.version ? ` ${clean(f.version)}` : ''}`);
    if (f.via.length > 0) lines.push(`pulled in via ${f.via.map(clean).join(' → ')}`);
    for (const e of f.evidence.slice(0, EVIDENCE_SHOWN)) lines.push(`- ${clean(e)}`);
    if (f.evidence.length > EVIDENCE_SHOWN) lines.push(`- and ${f.evidence.length - EVIDENCE_SHOWN} more in the text and JSON reports`);
    if (f.suggestion) lines.push(`Fix: ${clean(f.suggestion)}`);
    if (f.ignoreExpired) lines.push(`The ignore at ${clean(f.ignoreExpired.rule)} expired on ${f.ignoreExpired.until ?? '?'}: ${clean(f.ignoreExpired.reason)}`);
  }
  // Where the code imports it is the package's, the same on every target: once, last.
  const used = usedInLine(first);
  if (used !== null) lines.push(clean(used));
  const properties: AnnotationProperties = { title: cut(title, 200) };
  if (location) Object.assign(properties, { file: normalisePath(inline(location.file)), line: location.line, col: location.column });
  return {
    level,
    severity,
    properties,
    message: lines.join('\n'),
    changed: location !== null && changed.has(lineKey(location)),
    direct: findings.some((f) => f.via.length === 0),
    targets: new Set(shown.map((f) => f.target)).size,
    order,
  };
}

/** Every annotation the scan is worth, most important first (before the caps). */
export function annotations(result: ScanResult, options: GithubOptions = {}): Annotation[] {
  const changed = new Set([...(options.changedLines ?? [])].map(normaliseKey));
  // One per project, package and manifest line; findings without a location share one key.
  const byKey = new Map<string, { findings: Finding[]; location: ReportLocation | null }>();
  for (const f of result.findings) {
    // An ignored finding is the team's decision: in the summary, not on the pull request's lines.
    if (f.severity === 'ok' || f.ignored !== undefined) continue;
    const locations = f.locations.length > 0 ? f.locations : [null];
    for (const location of locations) {
      const key = JSON.stringify([f.project, f.name, location ? [normalisePath(location.file), location.line, location.column] : null]);
      if (!byKey.has(key)) byKey.set(key, { findings: [], location });
      byKey.get(key)!.findings.push(f);
    }
  }
  const out: Annotation[] = [];
  let order = 0;
  // Input problems first: a manifest that could not be read hides everything it declares.
  for (const e of result.errors) {
    const location = e.file ? { file: e.file, line: e.line ?? 0, column: 0 } : null;
    out.push({
      level: e.severity,
      severity: e.severity,
      properties: { title: e.kind === 'manifest' ? 'pypy-ready: manifest problem' : `pypy-ready: ${e.kind} ${e.severity}`, ...(location ? { file: normalisePath(inline(location.file)), line: location.line } : {}) },
      message: clean(e.message),
      changed: location !== null && changed.has(lineKey(location)),
      direct: true,
      targets: Infinity,
      order: order++,
    });
  }
  for (const { findings, location } of byKey.values()) {
    const a = annotationOf(result, findings, location, changed, order++);
    if (a) out.push(a);
  }
  const file = (a: Annotation) => a.properties.file ?? '\uffff';
  return out.sort(
    (a, b) =>
      LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) ||
      Number(b.changed) - Number(a.changed) ||
      severityPosition(a.severity) - severityPosition(b.severity) ||
      Number(b.direct) - Number(a.direct) ||
      b.targets - a.targets ||
      (file(a) < file(b) ? -1 : file(a) > file(b) ? 1 : 0) ||
      (a.properties.line ?? 0) - (b.properties.line ?? 0) ||
      (a.properties.col ?? 0) - (b.properties.col ?? 0) ||
      a.order - b.order,
  );
}

/** The annotations kept under the caps (ranked), and how many of each level were left out. */
export function selectAnnotations(all: readonly Annotation[], limits: GithubOptions['limits'] = {}): { kept: Annotation[]; leftOut: Record<AnnotationLevel, number> } {
  const perLevel = limits.perLevel ?? ANNOTATIONS_PER_LEVEL;
  const total = limits.total ?? ANNOTATIONS_PER_JOB;
  const pick = (noticeSlots: number, totalSlots: number) => {
    const used: Record<AnnotationLevel, number> = { error: 0, warning: 0, notice: 0 };
    const kept: Annotation[] = [];
    for (const a of all) {
      const cap = a.level === 'notice' ? noticeSlots : perLevel;
      if (used[a.level] < cap && kept.length < totalSlots) {
        used[a.level]++;
        kept.push(a);
      }
    }
    return kept;
  };
  let kept = pick(perLevel, total);
  // The closing notice takes a notice slot and a job slot of its own.
  if (kept.length < all.length) kept = pick(Math.max(0, perLevel - 1), Math.max(0, total - 1));
  const keptSet = new Set(kept);
  const leftOut: Record<AnnotationLevel, number> = { error: 0, warning: 0, notice: 0 };
  for (const a of all) if (!keptSet.has(a)) leftOut[a.level]++;
  return { kept, leftOut };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The workflow commands: the annotations worth most under GitHub's caps, then one notice for the
 * rest. Every line is a command; the text ends with a line break (or is empty: nothing to say).
 */
export function renderGithub(result: ScanResult, context?: RenderContext, options: GithubOptions = {}): string {
  const changedLines = options.changedLines ?? context?.changedLines;
  const { kept, leftOut } = selectAnnotations(annotations(result, changedLines ? { ...options, changedLines } : options), options.limits);
  const lines = kept.map((a) => workflowCommand(a.level, a.properties, a.message));
  const missing = leftOut.error + leftOut.warning + leftOut.notice;
  if (missing > 0) {
    const parts = (['error', 'warning', 'notice'] as const).filter((l) => leftOut[l] > 0).map((l) => plural(leftOut[l], l));
    lines.push(
      workflowCommand(
        'notice',
        { title: 'pypy-ready: more findings in the job summary' },
        `${plural(missing, 'more annotation')} (${parts.join(', ')}) left out: GitHub shows at most ${ANNOTATIONS_PER_LEVEL} per level in a step. The job summary lists every blocker and warning.`,
      ),
    );
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

// ---------------------------------------------------------------- job summary

/** GitHub's limit for one step's summary: 1 MiB. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;

const CELL_CUT = 1000;
const cell = (text: string): string => escapeCell(cut(text, CELL_CUT));

export interface SummaryOptions {
  /** Bytes the summary may take (default 1 MiB; less when the step's summary file already holds some). */
  maxBytes?: number;
}

const SEVERITY_WORDS: Record<Severity, string> = { error: 'blocker', warning: 'warning', unknown: 'not checked', info: 'info', ok: 'ok' };

interface Row {
  severity: Severity;
  text: string;
}

/** One list item per ignored package: its reason, its until day, the rule's place, the targets. */
function ignoredItems(result: ScanResult): string[] {
  return ignoredPackages(result).map((p) => `- ${escapeInline(cut(p.name, CELL_CUT))} (${escapeInline(p.where.join(', '))}): ${escapeInline(cut(p.reason, CELL_CUT))}${p.until ? `, until ${p.until}` : ''} (${escapeInline(p.rule)})`);
}

function summaryRows(result: ScanResult): Row[] {
  const targetOrder = new Map(result.targets.map((t, i) => [t.id, i]));
  const groups = new Map<string, Finding[]>();
  for (const f of result.findings) {
    if ((f.severity !== 'error' && f.severity !== 'warning' && f.severity !== 'unknown') || f.ignored !== undefined) continue;
    const key = JSON.stringify([f.project, f.name, f.version, f.verdict, f.severity, f.suggestion, f.via, f.locations.map((l) => [l.file, l.line])]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(f);
  }
  const several = result.projects.length > 1;
  return [...groups.values()]
    .map((findings) => {
      findings.sort((a, b) => (targetOrder.get(a.target) ?? Infinity) - (targetOrder.get(b.target) ?? Infinity));
      const f = findings[0]!;
      const name = `${several ? `${f.project}: ` : ''}${f.name}${f.via.length > 0 ? ` (via ${f.via.join(' → ')})` : ''}`;
      const where = f.locations.map((l) => `${normalisePath(l.file)}:${l.line}`).join(', ');
      const cells = [SEVERITY_WORDS[f.severity], name, f.version ?? '', findings.map((x) => targetLabel(result, x.target)).join(', '), f.verdict, where, f.suggestion ?? ''];
      return { severity: f.severity, order: targetOrder.get(f.target) ?? Infinity, name: f.name, text: `| ${cells.map(cell).join(' | ')} |` };
    })
    .sort((a, b) => severityPosition(a.severity) - severityPosition(b.severity) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.order - b.order);
}

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The longest start of `text` that fits in `max` bytes, cut at a line break when there is one. */
function fitBytes(text: string, max: number): string {
  if (bytes(text) <= max) return text;
  let out = Buffer.from(text, 'utf8').subarray(0, Math.max(0, max)).toString('utf8');
  // A character cut in two decodes to U+FFFD, which may be longer than what it replaces.
  while (bytes(out) > max || out.endsWith('\ufffd')) out = out.slice(0, -1);
  const lastBreak = out.lastIndexOf('\n');
  return lastBreak > 0 ? out.slice(0, lastBreak + 1) : out;
}

/**
 * The job summary (GitHub-flavoured Markdown): the bottom line per target, counts per target, the
 * table of blockers, warnings and packages not checked (package, version, targets, verdict,
 * manifest line, fix), and input problems. Every stranger's text is escaped (`markdown-escape.ts`).
 * Kept within `maxBytes` (1 MiB): rows are left out from the end (least serious last) with a note
 * saying how many.
 */
export function renderJobSummary(result: ScanResult, options: SummaryOptions = {}): string {
  const maxBytes = options.maxBytes ?? SUMMARY_LIMIT_BYTES;
  const head: string[] = ['## pypy-ready: PyPy readiness', ''];
  // PR mode: the whole picture first; the lines and tables below then hold only what is new or worse.
  if (result.comparison) head.push(escapeInline(describeComparison(result.comparison)), '');
  const prefix = result.comparison ? 'In this change, ' : '';
  for (const s of bottomLine(result)) head.push(`- ${escapeInline(`${prefix}${s.sentence}`)}`);
  if (result.targets.length > 0) head.push('');

  const severities = SEVERITY_ORDER;
  head.push(`| Target | Packages | ${severities.map((s) => SEVERITY_WORDS[s]).join(' | ')} |`, `| --- | ---: | ${severities.map(() => '---:').join(' | ')} |`);
  for (const target of result.targets) {
    const findings = result.findings.filter((f) => f.target === target.id && f.ignored === undefined);
    const counts = severities.map((s) => findings.filter((f) => f.severity === s).length);
    head.push(`| ${cell(targetLabel(result, target.id))} | ${new Set(findings.map((f) => `${f.project}\n${f.name}`)).size} | ${counts.join(' | ')} |`);
  }
  head.push('');
  // A monorepo: a line of counts per project (packages counted once, by their worst target).
  const perProject = projectTableMarkdown(projectCounts(result), cell, MAX_PROJECT_LINES);
  if (perProject.length > 0) head.push(...perProject, '');

  const problems = result.errors.map((e) => `- ${e.severity === 'error' ? '**error**' : 'warning'}: ${escapeInline(cut(e.message, CELL_CUT))}${e.file ? ` (${escapeInline(`${e.file}${e.line ? `:${e.line}` : ''}`)})` : ''}`);
  const ignored = ignoredItems(result);
  // The advice concerns the whole project: not in PR mode, where the summary lists what the change adds.
  const advice = result.comparison ? [] : (result.advice ?? []).map((a) => `- ${escapeInline(cut(a.text, 4 * CELL_CUT))}`);
  const tail = [
    ...(ignored.length > 0 ? [`### Ignored by the configuration (${ignored.length})`, '', ...ignored, ''] : []),
    ...(problems.length > 0 ? ['### Input problems', '', ...problems, ''] : []),
    ...(advice.length > 0 ? ['### Advice', '', ...advice, ''] : []),
  ];

  const rows = summaryRows(result);
  const tableHead = rows.length > 0 ? [`### Blockers and warnings (${rows.length})`, '', '| Severity | Package | Version | Target(s) | Verdict | Manifest | Fix |', '| --- | --- | --- | --- | --- | --- | --- |'] : ['Nothing blocks and nothing needs attention.', ''];

  const whole = (kept: number, note: string | null): string => {
    const table = rows.length > 0 ? [...tableHead, ...rows.slice(0, kept).map((r) => r.text), ''] : tableHead;
    return `${[...head, ...table, ...(note ? [note, ''] : []), ...tail].join('\n')}`;
  };
  const full = whole(rows.length, null);
  if (bytes(full) <= maxBytes) return full;

  const note = (left: number) => `> **${plural(left, 'row')} left out**: GitHub keeps at most 1 MiB of a step's summary. Run \`pypy-ready --format json\` for the whole report.`;
  // Rows are kept from the top while the rest (with the note) still fits.
  const fixed = bytes(whole(0, note(rows.length)));
  let budget = maxBytes - fixed;
  let kept = 0;
  while (kept < rows.length && budget - (bytes(rows[kept]!.text) + 1) >= 0) {
    budget -= bytes(rows[kept]!.text) + 1;
    kept++;
  }
  // The note's count shrank as rows were kept: it fits, or the head itself was too big.
  return fitBytes(whole(kept, note(rows.length - kept)), maxBytes);
}
