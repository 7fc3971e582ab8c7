/**
 * Plain-text report for terminals and logs. It starts with the bottom line (one sentence or two per
 * target, `bottom-line.ts`), then the header, then "Blockers by chain" when anything blocks: each
 * blocker once, with the direct requirements that pull it in, leaf blockers first. Then one entry per package, in the section of its worst
 * severity; under it one line per target (verdict, version, the file pip would install), then the fix
 * and the evidence. Packages that are fine on every target are listed compactly. At the end, the
 * advice drawn from the findings (`assess/advice.ts`; not in PR mode) and the summary line. Everything that came
 * from manifests or the index is stripped of control characters.
 */
import { usedInSentence } from './usage.js';
import { SEVERITIES, SEVERITY_ORDER, worstSeverity, type Severity } from '../assess/types.js';
import type { Finding, ScanResult } from '../scan/types.js';
import { describeComparison } from '../scan/baseline.js';
import { redactUrl } from '../safe-text.js';
import { blockersByChain, bottomLine, formatBlockerChains, formatBottomLine } from './bottom-line.js';
import { inline, neutraliseWorkflowCommands } from './terminal.js';
import { formatProjectCounts, projectCounts } from './projects.js';

export interface TextOptions {
  color?: boolean;
  /** Show every package in full, the fine ones too. */
  verbose?: boolean;
  /** Wrap the compact list of fine packages at this width. */
  width?: number;
}

const HEADINGS: Record<Severity, string> = {
  error: 'Will not install or will not work',
  warning: 'Needs attention',
  unknown: 'Could not be assessed',
  info: 'Works, with notes',
  ok: 'Works',
};

const COLORS: Record<Severity, string> = { error: '31', warning: '33', unknown: '35', info: '36', ok: '32' };

function paint(text: string, severity: Severity, enabled: boolean): string {
  return enabled ? `\u001b[${COLORS[severity]}m${text}\u001b[0m` : text;
}

function worst(findings: readonly Finding[]): Severity {
  return worstSeverity(findings.map((f) => f.severity));
}

function where(finding: Finding): string {
  const location = finding.locations[0];
  const at = location ? `${inline(location.file)}:${location.line}` : '';
  const via = finding.via.length > 0 ? `via ${finding.via.map(inline).join(' > ')}` : '';
  const groups = finding.groups.length > 0 ? `group ${finding.groups.map(inline).join(', ')}` : '';
  return [at, via, groups].filter(Boolean).join(', ');
}

/** Findings of one package that say the same thing on several targets are shown once. */
function sameStory(a: Finding, b: Finding): boolean {
  return a.verdict === b.verdict && a.version === b.version && a.file === b.file && a.suggestion === b.suggestion && a.ignored?.rule === b.ignored?.rule && a.ignoreExpired?.rule === b.ignoreExpired?.rule;
}

/** What an ignore of the configuration says of a finding: applied, or lapsed. */
function ignoreLines(finding: Finding): string[] {
  if (finding.ignored) return [`      ignored: ${inline(finding.ignored.reason)} (${finding.ignored.until ? `until ${finding.ignored.until}, ` : ''}${inline(finding.ignored.rule)})`];
  if (finding.ignoreExpired) return [`      ignore expired on ${finding.ignoreExpired.until ?? '?'}, so this counts again: ${inline(finding.ignoreExpired.reason)} (${inline(finding.ignoreExpired.rule)})`];
  return [];
}

/** Where the project's code imports the package (`src/usage/`), by role; or that it never does. */
function usageLines(finding: Finding): string[] {
  const sentence = usedInSentence(finding);
  return sentence === null ? [] : [`    ${inline(sentence)}`];
}

function packageLines(findings: readonly Finding[], label: (targetId: string) => string, options: TextOptions): string[] {
  const first = findings[0]!;
  const place = where(first);
  const lines = [`  ${inline(first.name)}${place ? `  (${place})` : ''}`, ...usageLines(first)];
  const clusters: Finding[][] = [];
  for (const finding of findings) {
    const cluster = clusters.find((c) => sameStory(c[0]!, finding));
    if (cluster) cluster.push(finding);
    else clusters.push([finding]);
  }
  for (const cluster of clusters) {
    const head = cluster[0]!;
    const targets = cluster.map((f) => label(f.target)).join(', ');
    const version = head.version ? ` ${inline(head.version)}` : '';
    const file = head.file ? ` -> ${inline(head.file)}` : '';
    lines.push(paint(`    ${targets}: ${head.verdict}${version}${file}${head.ignored ? ' [ignored]' : ''}`, head.severity, options.color === true));
    lines.push(...ignoreLines(head));
    if (head.suggestion) lines.push(`      fix: ${inline(head.suggestion)}`);
    if (head.severity !== 'ok' || options.verbose) for (const fact of head.evidence) lines.push(`      - ${inline(fact)}`);
  }
  return lines;
}

function wrap(words: string[], width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of words) {
    if (line.length + word.length + 2 > width && line.trim()) {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += `${word}, `;
  }
  if (line.trim()) lines.push(line.replace(/, $/, ''));
  return lines;
}

/** One project's findings, by severity section. */
function projectSections(findings: readonly Finding[], label: (targetId: string) => string, targetOrder: (id: string) => number, options: TextOptions, indent: string): string[] {
  const out: string[] = [];
  const byName = new Map<string, Finding[]>();
  for (const finding of [...findings].sort((a, b) => targetOrder(a.target) - targetOrder(b.target))) {
    if (!byName.has(finding.name)) byName.set(finding.name, []);
    byName.get(finding.name)!.push(finding);
  }
  // A package ignored on every target has a section of its own, last; one ignored on some targets
  // only is judged by the others.
  const counted = (group: readonly Finding[]): Finding[] => group.filter((f) => f.ignored === undefined);
  for (const severity of SEVERITY_ORDER) {
    const packages = [...byName.values()].filter((group) => counted(group).length > 0 && worst(counted(group)) === severity);
    if (packages.length === 0) continue;
    out.push('', paint(`${indent}${HEADINGS[severity]} (${severity}: ${packages.length})`, severity, options.color === true));
    if (severity === 'ok' && !options.verbose) {
      const names = packages.map((group) => {
        const version = group[0]!.version;
        return `${inline(group[0]!.name)}${version ? ` ${inline(version)}` : ''}`;
      });
      out.push(...wrap(names, options.width ?? 100, `${indent}  `));
      continue;
    }
    for (const group of packages) out.push(...packageLines(group, label, options).map((line) => `${indent}${line}`));
  }
  const ignored = [...byName.values()].filter((group) => counted(group).length === 0);
  if (ignored.length > 0) {
    out.push('', `${indent}Ignored by the configuration (${ignored.length}): reported, not failing the run`);
    for (const group of ignored) out.push(...packageLines(group, label, options).map((line) => `${indent}${line}`));
  }
  return out;
}

/** Rows the side-by-side table shows at most; the sections below list every package. */
const SIDE_BY_SIDE_ROWS = 200;
const NAME_COLUMN = 32;

/**
 * With several targets, one row per package that is not fine everywhere and one column per target
 * (its verdict there, `-` where the target does not install it): the pp73 → pp80 break, or what a
 * CPython baseline has today, at a glance.
 */
function sideBySide(result: ScanResult, label: (id: string) => string, severalProjects: boolean, options: TextOptions): string[] {
  const rows = new Map<string, Map<string, Finding>>();
  for (const f of result.findings) {
    const key = `${f.project}\n${f.name}`;
    if (!rows.has(key)) rows.set(key, new Map());
    rows.get(key)!.set(f.target, f);
  }
  const interesting = [...rows.entries()].filter(([, byTarget]) => [...byTarget.values()].some((f) => f.severity !== 'ok' || f.ignored !== undefined));
  if (interesting.length === 0) return [];
  const worstOf = (byTarget: Map<string, Finding>): Severity => worst([...byTarget.values()].filter((f) => f.ignored === undefined));
  interesting.sort(([a, x], [b, y]) => SEVERITY_ORDER.indexOf(worstOf(x)) - SEVERITY_ORDER.indexOf(worstOf(y)) || (a < b ? -1 : a > b ? 1 : 0));
  const cell = (f: Finding | undefined): string => (f === undefined ? '-' : `${f.verdict}${f.ignored ? ' (ignored)' : ''}`);
  const nameOf = (key: string): string => {
    const [project, name] = key.split('\n') as [string, string];
    const text = inline(severalProjects ? `${project}: ${name}` : name);
    return text.length > NAME_COLUMN ? `${text.slice(0, NAME_COLUMN - 1)}~` : text;
  };
  const shown = interesting.slice(0, SIDE_BY_SIDE_ROWS);
  const headers = result.targets.map((t) => label(t.id));
  const widths = result.targets.map((t, i) => Math.max(headers[i]!.length, ...shown.map(([, byTarget]) => cell(byTarget.get(t.id)).length)));
  const nameWidth = Math.max(7, ...shown.map(([key]) => nameOf(key).length));
  const line = (first: string, cells: string[]): string => `  ${first.padEnd(nameWidth)}  ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  const fine = rows.size - interesting.length;
  const out = ['', `Targets side by side (${interesting.length} package(s) with a finding on some target${fine > 0 ? `; ${fine} fine on every target` : ''}):`, line('package', headers)];
  for (const [key, byTarget] of shown) {
    const severity = worstOf(byTarget);
    out.push(paint(line(nameOf(key), result.targets.map((t) => cell(byTarget.get(t.id)))), severity, options.color === true));
  }
  if (interesting.length > shown.length) out.push(`  and ${interesting.length - shown.length} more, listed below`);
  return out;
}

export function renderText(result: ScanResult, options: TextOptions = {}): string {
  const out: string[] = [];
  // Short target labels when every target shares one platform.
  const platforms = new Set(result.targets.map((t) => t.platform));
  const label = (id: string): string => {
    const target = result.targets.find((t) => t.id === id);
    return target && platforms.size === 1 ? target.interpreter : id;
  };
  const targets = result.targets.map((t) => `${t.interpreter} (${t.abi})`).join(', ');
  const platform = platforms.size === 1 ? ` on ${[...platforms][0]} (${result.targets[0]!.baseline})` : '';
  const targetOrder = (id: string): number => result.targets.findIndex((t) => t.id === id);
  const packageKey = (f: { project: string; name: string }): string => `${f.project}\n${f.name}`;
  const packages = new Set(result.findings.map(packageKey));
  const projects = result.projects.length > 0 ? result.projects : [...new Set(result.findings.map((f) => f.project))];
  const across = projects.length > 1 ? ` in ${projects.length} projects` : '';
  // The answer first: one line per target (in PR mode, after the whole picture: the lines then
  // describe only what the change made new or worse).
  if (result.comparison) out.push(inline(describeComparison(result.comparison)), '');
  const summaries = bottomLine(result);
  const lines = formatBottomLine(summaries);
  const prefix = result.comparison ? 'In this change, ' : '';
  summaries.forEach((summary, i) => out.push(paint(`${prefix}${lines[i]!}`, summary.severity, options.color === true)));
  if (summaries.length > 0) out.push('');
  out.push(`pypy-ready ${result.tool.version}: ${packages.size} package(s)${across} from ${result.requirements.length} requirement(s), checked for ${targets}${platform}`);

  const chains = blockersByChain(result);
  if (chains.length > 0) {
    out.push('', paint(`Blockers by chain (${chains.length}):`, 'error', options.color === true));
    out.push(...formatBlockerChains(chains, { label, projects: projects.length > 1 }).map((line) => `  ${line}`));
  }

  if (result.targets.length > 1) out.push(...sideBySide(result, label, projects.length > 1, options));

  if (projects.length > 1) {
    for (const project of projects) {
      const own = result.findings.filter((f) => f.project === project);
      out.push('', `Project ${inline(project)} (${new Set(own.map((f) => f.name)).size} package(s))`);
      if (own.length === 0) out.push('  nothing to assess');
      out.push(...projectSections(own, label, targetOrder, options, '  '));
    }
  } else {
    out.push(...projectSections(result.findings, label, targetOrder, options, ''));
  }

  if (options.verbose && result.notInstalled.length > 0) {
    out.push('', `Not installed on this target, by marker (${result.notInstalled.length}):`);
    for (const n of result.notInstalled) {
      const where = projects.length > 1 ? `${inline(n.project)}: ` : '';
      out.push(`  ${where}${inline(n.name)} on ${label(n.target)}: ${inline(n.reason)}`);
    }
  }

  if (result.errors.length > 0) {
    out.push('', `Problems reading input (${result.errors.length}):`);
    for (const error of result.errors) {
      out.push(`  ${inline(error.message)}`);
      // Messages name an index by scheme, host and port; its whole URL (whose path may be a token) only on request.
      if (options.verbose && error.url) out.push(`    url: ${inline(redactUrl(error.url))}`);
    }
  }

  // What reading the code found (`src/usage/`): files by role, files parsed with recovery, unmapped imports.
  for (const u of (result.usage?.projects ?? []).filter((p) => p.files > 0)) {
    const roles = Object.entries(u.roles).filter(([, n]) => n > 0).map(([role, n]) => `${role} ${n}`).join(', ');
    const name = projects.length > 1 ? ` of ${inline(u.project)}` : '';
    out.push('', `Code read${name}: ${u.files} Python file(s) (${roles})${u.venv ? `, import names mapped by ${inline(u.venv)}` : ''}${u.truncated ? `; ${inline(u.truncated)}` : ''}`);
    if (u.parseErrors.length > 0) out.push(`  ${u.parseErrors.length} file(s) with syntax the parser recovered from or skipped: ${u.parseErrors.slice(0, 3).map((e) => `${inline(e.file)}:${e.line}`).join(', ')}${u.parseErrors.length > 3 ? ` and ${u.parseErrors.length - 3} more` : ''}`);
    if (u.unmapped.length > 0) out.push(`  imports tied to no declared distribution: ${u.unmapped.slice(0, 12).map(inline).join(', ')}${u.unmapped.length > 12 ? ` and ${u.unmapped.length - 12} more` : ''}`);
  }

  // Advice drawn from the findings (`assess/advice.ts`), then the summary line last. Not in PR
  // mode, which lists only what the change made new or worse (the JSON keeps the whole picture's).
  const advice = result.comparison ? [] : (result.advice ?? []);
  if (advice.length > 0) {
    out.push('', 'Advice:');
    for (const a of advice) out.push(`  - ${inline(a.text)}`);
  }

  const counts = SEVERITIES.map((s) => [s, result.findings.filter((f) => f.severity === s && f.ignored === undefined).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const ignoredCount = result.findings.filter((f) => f.ignored !== undefined).length;
  if (ignoredCount > 0) counts.push(`${ignoredCount} ignored`);
  const notChecked = new Set(result.findings.filter((f) => f.severity === 'unknown' || f.unchecked.length > 0).map(packageKey)).size;
  const caveats = [
    ...(notChecked > 0 ? [`${notChecked} package(s) not fully checked`] : []),
    ...(result.errors.length > 0 ? [`${result.errors.length} input problem(s)`] : []),
  ];
  out.push('', `Summary (package x target): ${counts.length ? counts.join(', ') : 'nothing to assess'}${caveats.length ? `; ${caveats.join('; ')}` : ''}`);
  // A monorepo: the same summary per project (packages counted once, by their worst target).
  const perProject = projectCounts(result);
  if (perProject.length > 0) out.push(`By project (${perProject.length}):`, ...perProject.map((c) => `  ${inline(c.project)}: ${formatProjectCounts(c)}`));
  // One line per array entry, but an entry may still hold a newline from `stripControl`d text.
  return `${out.join('\n').split('\n').map(neutraliseWorkflowCommands).join('\n')}\n`;
}
