/**
 * Markdown report (issue 13): a summary sized for a pull-request comment (GitHub refuses a body of
 * 65,536 characters or more). In order:
 *
 * 1. a heading and one line on what was checked;
 * 2. the bottom line, one bullet per target (`bottom-line.ts`);
 * 3. one table of the packages that block, need attention or were not checked, one row per package
 *    (and project, in scans of several), one column per target (a single "verdicts" column beyond
 *    `MAX_TARGET_COLUMNS` targets), then the version, the fix and the manifest `file:line`;
 * 4. problems reading the input (manifests, index warnings), always visible;
 * 5. collapsible `<details>`: the evidence per package of the table, then the packages that are
 *    fine on every target (never those not checked: they are in the table as "not checked");
 * 6. the advice drawn from the findings (`assess/advice.ts`), a few bullets, never left out (not in
 *    PR mode, which lists only what the change made new or worse).
 *
 * When the whole is too long, parts go in this order, each leaving a visible note of what was left
 * out: evidence details (from the end of the table upwards), fine packages, then table rows (the
 * least severe first), then input problems.
 *
 * Everything that came from manifests or the index goes through `markdown-escape.ts` (`escapeCell`
 * in table cells, `escapeInline` elsewhere) after its control characters are stripped (`inline`),
 * and is cut to a bounded length before escaping, so no cut falls inside an escape. The HTML tags
 * (`<details>`, `<summary>`, `<br>`) and the emphasis are ours alone.
 */
import { usedInLine } from './usage.js';
import { SEVERITY_ORDER, severityPosition, worstSeverity, type Severity } from '../assess/types.js';
import type { Finding, ReportLocation, ScanResult } from '../scan/types.js';
import { redactUrl } from '../safe-text.js';
import { describeComparison } from '../scan/baseline.js';
import { bottomLine, groupVersion, ignoredPackages, packageGroups, targetLabel, type PackageGroup } from './bottom-line.js';
import type { RenderContext } from './index.js';
import { escapeCell, escapeInline } from './markdown-escape.js';
import { projectCounts, projectTableMarkdown } from './projects.js';
import { inline, neutraliseWorkflowCommands } from './terminal.js';

/** GitHub's limit on a comment body; the report stays strictly below it. */
export const MARKDOWN_LIMIT = 65_536;
/** Beyond this many targets the table has one "verdicts" column instead of one per target. */
export const MAX_TARGET_COLUMNS = 4;

/** Longest piece of a stranger's text shown in a cell, a list or a summary (cut before escaping). */
const MAX_PIECE = 200;
/** Longest evidence sentence or input problem message. */
const MAX_SENTENCE = 500;
/** Evidence sentences shown per finding. */
const MAX_EVIDENCE = 12;

const ICONS: Record<Severity, string> = { error: '❌', warning: '⚠️', unknown: '❓', info: 'ℹ️', ok: '✅' };
const WORDS: Record<Severity, string> = { error: 'blocker', warning: 'warning', unknown: 'not checked', info: 'works, with notes', ok: 'fine' };

/** A stranger's text, cleaned to one line and cut to `max` characters. */
function clip(text: string, max = MAX_PIECE): string {
  const flat = inline(text).trim();
  const chars = [...flat];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
}

const cell = (text: string, max = MAX_PIECE): string => escapeCell(clip(text, max));
const md = (text: string, max = MAX_PIECE): string => escapeInline(clip(text, max));

const plural = (n: number, one: string, many: string): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

const distinct = <T>(items: Iterable<T>): T[] => [...new Set(items)];

/** "requirements/base.txt:10", with "via a → b" for a transitive package. */
function whereCell(group: PackageGroup): string {
  const locations = new Map<string, ReportLocation>();
  for (const f of group.findings) for (const l of f.locations) locations.set(`${l.file}\n${l.line}`, l);
  const shown = [...locations.values()].slice(0, 2).map((l) => `${cell(l.file)}:${l.line}`);
  if (locations.size > 2) shown.push(`and ${locations.size - 2} more`);
  const via = group.findings.find((f) => f.via.length > 0)?.via;
  const parts = [shown.join(', ')];
  if (via && !group.findings.some((f) => f.via.length === 0)) {
    const names = via.map((p) => cell(p, 80));
    const chain = names.length > 4 ? [...names.slice(0, 2), '…', names[names.length - 1]!] : names;
    parts.push(`via ${chain.join(' → ')}`);
  }
  return parts.filter(Boolean).join(' ') || '—';
}

/** "❌ known-broken", "❓ not checked", with the version when it differs from the row's. */
function verdictCell(finding: Finding | undefined, rowVersion: string | null): string {
  if (!finding) return '—';
  const word = finding.verdict === 'unknown' ? 'not checked' : finding.verdict;
  const version = finding.version !== rowVersion && finding.version ? ` (${cell(finding.version, 60)})` : '';
  const deps = finding.unchecked.length > 0 && finding.verdict !== 'unknown' ? ', dependencies not fully checked' : '';
  return `${ICONS[finding.severity]} ${word}${version}${deps}`;
}

interface Parts {
  head: string[];
  tableHead: string[];
  rows: string[];
  problems: string[];
  /** One item per ignored package (ignores of the configuration). */
  ignored: string[];
  details: string[];
  fine: string[];
  /** One bullet per advice (kept whole: a few short sentences). */
  advice: string[];
}

function tableParts(result: ScanResult, groups: PackageGroup[], label: (id: string) => string, severalProjects: boolean): { head: string[]; rows: string[] } {
  const perTarget = result.targets.length <= MAX_TARGET_COLUMNS;
  const columns = [
    ...(severalProjects ? ['Project'] : []),
    'Package',
    'Version',
    ...(perTarget ? result.targets.map((t) => escapeCell(label(t.id))) : ['Verdicts']),
    'Fix',
    'Where',
  ];
  const head = [`| ${columns.join(' | ')} |`, `|${columns.map(() => ' --- ').join('|')}|`];
  const rows = groups.map((group) => {
    const version = groupVersion(group);
    const byTarget = new Map(group.findings.map((f) => [f.target, f]));
    const verdicts = perTarget
      ? result.targets.map((t) => verdictCell(byTarget.get(t.id), version))
      : [group.findings.map((f) => `${escapeCell(label(f.target))}: ${verdictCell(f, version)}`).join('<br>')];
    const fixes = distinct(group.findings.filter((f) => f.severity !== 'ok' && f.severity !== 'info').map((f) => f.suggestion).filter((s): s is string => s !== null));
    const fix = fixes.length > 0 ? fixes.slice(0, 3).map((s) => cell(s, 300)).join('<br>') : group.worst === 'unknown' ? 'check it by hand' : '—';
    const versionCell = version !== null ? cell(version, 60) : group.findings.some((f) => f.version) ? 'varies' : '—';
    const cells = [...(severalProjects ? [cell(group.project)] : []), cell(group.name), versionCell, ...verdicts, fix, whereCell(group)];
    return `| ${cells.join(' | ')} |`;
  });
  return { head, rows };
}

function detailsOf(group: PackageGroup, label: (id: string) => string, severalProjects: boolean): string {
  // The `<details>` line is an HTML block, where Markdown's backslash escapes show as they are: the
  // summary holds only the (normalised) name, the project goes below it.
  const lines = [`<details><summary>${md(group.name)}: ${WORDS[group.worst]}</summary>`, ''];
  if (severalProjects) lines.push(`Project ${md(group.project)}:`, '');
  const used = usedInLine(group.findings[0]!);
  if (used !== null) lines.push(md(used, MAX_SENTENCE), '');
  for (const f of group.findings) {
    const version = f.version ? ` ${md(f.version, 60)}` : '';
    const file = f.file ? ` → ${md(f.file)}` : '';
    lines.push(`- **${escapeInline(label(f.target))}**: ${ICONS[f.severity]} ${f.verdict === 'unknown' ? 'not checked' : f.verdict}${version}${file}`);
    if (f.suggestion) lines.push(`  - fix: ${md(f.suggestion, MAX_SENTENCE)}`);
    // Fine on this target: the verdict line says it (the text report's --verbose has the rest).
    if (f.severity === 'ok' && f.unchecked.length === 0) continue;
    for (const fact of f.evidence.slice(0, MAX_EVIDENCE)) lines.push(`  - ${md(fact, MAX_SENTENCE)}`);
    if (f.evidence.length > MAX_EVIDENCE) lines.push(`  - and ${f.evidence.length - MAX_EVIDENCE} more`);
    for (const reason of f.unchecked.slice(0, MAX_EVIDENCE)) lines.push(`  - not fully checked: ${md(reason, MAX_SENTENCE)}`);
    if (f.via.length > 0) lines.push(`  - pulled in via ${f.via.slice(0, 8).map((p) => md(p, 80)).join(' → ')}${f.via.length > 8 ? ' → …' : ''}`);
  }
  lines.push('', '</details>');
  return lines.join('\n');
}

function fineItem(group: PackageGroup, severalProjects: boolean): string {
  const versions = distinct(group.findings.map((f) => f.version).filter((v): v is string => v !== null));
  const version = versions.length > 0 ? ` ${versions.slice(0, 2).map((v) => md(v, 60)).join('/')}` : '';
  const notes = group.worst === 'info' ? ` ${ICONS.info}` : '';
  return `${md(group.name)}${version}${severalProjects ? ` (${md(group.project, 80)})` : ''}${notes}`;
}

function problemLine(error: ScanResult['errors'][number], verbose: boolean): string {
  const where = error.file ? ` (${md(error.file)}${error.line !== undefined ? `:${error.line}` : ''})` : '';
  const url = verbose && error.url ? ` — ${md(redactUrl(error.url))}` : '';
  return `- ${error.severity === 'error' ? ICONS.error : ICONS.warning} ${error.kind}: ${md(error.message, MAX_SENTENCE)}${where}${url}`;
}

interface Kept {
  details: number;
  fine: number;
  rows: number;
  problems: number;
  ignored: number;
}

const LIMIT_WORDS = `GitHub's limit of ${MARKDOWN_LIMIT.toLocaleString('en-US')} characters`;

function assemble(parts: Parts, kept: Kept): string {
  const left: string[] = [];
  if (kept.details < parts.details.length) left.push(`the evidence of ${plural(parts.details.length - kept.details, 'package', 'packages')} in the table`);
  if (kept.fine < parts.fine.length) left.push(kept.fine === 0 ? `the list of ${plural(parts.fine.length, 'fine package', 'fine packages')}` : `${plural(parts.fine.length - kept.fine, 'fine package', 'fine packages')} from their list`);
  if (kept.rows < parts.rows.length) left.push(`${plural(parts.rows.length - kept.rows, 'row', 'rows')} of the table (the least severe)`);
  if (kept.ignored < parts.ignored.length) left.push(`${plural(parts.ignored.length - kept.ignored, 'ignored package', 'ignored packages')}`);
  if (kept.problems < parts.problems.length) left.push(`${plural(parts.problems.length - kept.problems, 'problem', 'problems')} reading the input`);

  const out: string[] = [...parts.head];
  if (left.length > 0) {
    out.push('', `> **Shortened** to stay under ${LIMIT_WORDS}; left out: ${left.join('; ')}. The text or JSON report (\`--format text\`, \`--format json\`) has everything.`);
  }
  if (parts.rows.length > 0) {
    out.push('', `### Blockers, warnings and packages not checked (${parts.rows.length.toLocaleString('en-US')})`, '', ...parts.tableHead, ...parts.rows.slice(0, kept.rows));
    if (kept.rows < parts.rows.length) out.push('', `*Left out: ${plural(parts.rows.length - kept.rows, 'more row', 'more rows')} (the least severe), to stay under ${LIMIT_WORDS}.*`);
  }
  if (parts.ignored.length > 0) {
    out.push('', `### Ignored by the configuration (${parts.ignored.length.toLocaleString('en-US')})`, '', ...parts.ignored.slice(0, kept.ignored));
    if (kept.ignored < parts.ignored.length) out.push('', `*Left out: ${plural(parts.ignored.length - kept.ignored, 'more ignored package', 'more ignored packages')}, to stay under ${LIMIT_WORDS}.*`);
  }
  if (parts.problems.length > 0) {
    out.push('', `### Problems reading the input (${parts.problems.length.toLocaleString('en-US')})`, '', ...parts.problems.slice(0, kept.problems));
    if (kept.problems < parts.problems.length) out.push('', `*Left out: ${plural(parts.problems.length - kept.problems, 'more problem', 'more problems')}, to stay under ${LIMIT_WORDS}.*`);
  }
  const details = parts.details.slice(0, kept.details);
  const fine = parts.fine.slice(0, kept.fine);
  if (parts.details.length > 0 || parts.fine.length > 0) out.push('', '### Details');
  for (const d of details) out.push('', d);
  if (kept.details < parts.details.length) out.push('', `*Left out: the evidence of ${plural(parts.details.length - kept.details, 'package', 'packages')}, to stay under ${LIMIT_WORDS}.*`);
  if (fine.length > 0) {
    out.push('', `<details><summary>Fine on every target (${parts.fine.length.toLocaleString('en-US')})</summary>`, '', fine.join(', '));
    if (parts.fine.some((f) => f.endsWith(ICONS.info))) out.push('', `${ICONS.info} works, with notes (for instance it runs through cpyext, without JIT speed-up across the C boundary).`);
    if (kept.fine < parts.fine.length) out.push('', `*and ${plural(parts.fine.length - kept.fine, 'more package', 'more packages')}, left out to stay under ${LIMIT_WORDS}.*`);
    out.push('', '</details>');
  } else if (parts.fine.length > 0) {
    out.push('', `*Left out: the list of ${plural(parts.fine.length, 'package', 'packages')} fine on every target, to stay under ${LIMIT_WORDS}.*`);
  }
  if (parts.advice.length > 0) out.push('', '### Advice', '', ...parts.advice);
  // Printed to a CI log (no file), a line must not start a workflow command; only a list of
  // names can start with a stranger's text.
  return `${out.join('\n').split('\n').map(neutraliseWorkflowCommands).join('\n')}\n`;
}

/** The largest `n` in [0, max] for which `fits(n)` holds, `fits` being monotone (true at 0 is not assumed). */
function largest(max: number, fits: (n: number) => boolean): number {
  if (fits(max)) return max;
  let lo = 0;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function renderMarkdown(result: ScanResult, context: RenderContext): string {
  const label = (id: string): string => targetLabel(result, id);
  const projects = result.projects.length > 0 ? result.projects : distinct(result.findings.map((f) => f.project));
  const severalProjects = projects.length > 1;
  // Ignored findings are listed apart and count for nothing else.
  const groups = packageGroups({ ...result, findings: result.findings.filter((f) => f.ignored === undefined) });
  // Not fully checked is never fine, whatever the severity says.
  const isFine = (g: PackageGroup): boolean => (g.worst === 'ok' || g.worst === 'info') && g.findings.every((f) => f.unchecked.length === 0);
  const flagged = groups.filter((g) => !isFine(g));
  const fine = groups.filter(isFine).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const head: string[] = ['## PyPy readiness', ''];
  const targets = result.targets.map((t) => escapeInline(label(t.id))).join(', ');
  const across = severalProjects ? ` in ${plural(projects.length, 'project', 'projects')}` : '';
  head.push(`pypy-ready ${escapeInline(result.tool.version)} checked ${plural(groups.length, 'package', 'packages')}${across} for ${targets || 'no target'}.`);
  // PR mode: the whole picture first; what follows holds only what is new or worse.
  if (result.comparison) head.push('', md(describeComparison(result.comparison), 2_000));
  const prefix = result.comparison ? 'In this change, ' : '';
  const summaries = bottomLine(result);
  if (summaries.length > 0) head.push('', ...summaries.map((s) => `- ${ICONS[s.severity]} ${md(`${prefix}${s.sentence}`, 2_000)}`));
  const counts = SEVERITY_ORDER.filter((s) => s !== 'ok' && s !== 'info')
    .map((s) => [s, flagged.filter((g) => g.worst === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n.toLocaleString('en-US')} ${s === 'error' ? (n === 1 ? 'blocker' : 'blockers') : s === 'warning' ? (n === 1 ? 'warning' : 'warnings') : 'not checked'}`);
  head.push('', `**${counts.length > 0 ? counts.join(', ') : 'No blockers or warnings'}**; ${plural(fine.length, 'package', 'packages')} fine on every target.`);
  // A monorepo: the same counts per project (the head is never shortened, so the rows are few).
  const perProject = projectTableMarkdown(projectCounts(result), (p) => cell(p, 80), 25);
  if (perProject.length > 0) head.push('', ...perProject);

  const table = tableParts(result, flagged, label, severalProjects);
  const problems = result.errors.map((e) => problemLine(e, context.verbose));
  if (context.verbose && result.notInstalled.length > 0) {
    // Shown like the text report's --verbose: not a problem, but asked for.
    problems.push(...result.notInstalled.map((n) => `- ${ICONS.info} not installed on ${escapeInline(label(n.target))}: ${md(n.name)}${severalProjects ? ` (${md(n.project, 80)})` : ''}: ${md(n.reason, MAX_SENTENCE)}`));
  }
  const parts: Parts = {
    head,
    tableHead: table.head,
    rows: table.rows,
    problems,
    ignored: ignoredPackages(result).map((p) => `- ${md(p.name)}${severalProjects ? ` (${md(p.project, 80)})` : ''} (${md(p.where.join(', '), 400)}): ${md(p.reason, MAX_SENTENCE)}${p.until ? `, until ${p.until}` : ''} (${md(p.rule, 200)})`),
    details: flagged.map((g) => detailsOf(g, label, severalProjects)),
    fine: fine.map((g) => fineItem(g, severalProjects)),
    // Not in PR mode, which lists only what the change made new or worse.
    advice: result.comparison ? [] : (result.advice ?? []).map((a) => `- ${md(a.text, 2 * MAX_SENTENCE)}`),
  };

  const fits = (kept: Kept): boolean => assemble(parts, kept).length < MARKDOWN_LIMIT;
  const kept: Kept = { details: parts.details.length, fine: parts.fine.length, rows: parts.rows.length, problems: parts.problems.length, ignored: parts.ignored.length };
  if (!fits(kept)) kept.details = largest(parts.details.length, (n) => fits({ ...kept, details: n }));
  if (!fits(kept)) kept.fine = largest(parts.fine.length, (n) => fits({ ...kept, fine: n }));
  if (!fits(kept)) kept.rows = largest(parts.rows.length, (n) => fits({ ...kept, rows: n }));
  if (!fits(kept)) kept.ignored = largest(parts.ignored.length, (n) => fits({ ...kept, ignored: n }));
  if (!fits(kept)) kept.problems = largest(parts.problems.length, (n) => fits({ ...kept, problems: n }));
  const text = assemble(parts, kept);
  if (text.length < MARKDOWN_LIMIT) return text;
  // Only the head is left, and it is too long (thousands of targets): cut it at a line.
  const note = `\n> **Cut** here to stay under ${LIMIT_WORDS}.\n`;
  const cut = text.lastIndexOf('\n', MARKDOWN_LIMIT - note.length - 1);
  return `${text.slice(0, Math.max(cut, 0))}${note}`;
}
