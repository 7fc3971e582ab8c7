/**
 * The per-project breakdown of a monorepo scan (issue 14): one line of counts per project, which
 * every human report shows under its combined summary when the scan covers several projects.
 *
 * Each package of a project (its distinct names, across targets) is counted once, by the worst of
 * its findings that count (an ignored finding counts for nothing but "ignored"): a **blocker** when
 * it is an `error` on some target, else a **warning** when it is a `warning` on some target, else
 * **not checked** when it is `unknown` somewhere or its dependencies were not fully checked; the
 * rest are fine. **Ignored** are the packages whose every finding an ignore rule covers.
 */
import type { ScanResult } from '../scan/types.js';

export interface ProjectCounts {
  project: string;
  packages: number;
  blockers: number;
  warnings: number;
  notChecked: number;
  ignored: number;
}

/** At most this many projects are listed in a report whose size is bounded; the rest are counted. */
export const MAX_PROJECT_LINES = 100;

/** One entry per project, in scan order; empty when the scan covers fewer than two projects. */
export function projectCounts(result: ScanResult): ProjectCounts[] {
  const projects = result.projects.length > 0 ? result.projects : [...new Set(result.findings.map((f) => f.project))];
  if (projects.length < 2) return [];
  const byProject = new Map(projects.map((p) => [p, new Map<string, ScanResult['findings']>()]));
  for (const f of result.findings) {
    const packages = byProject.get(f.project);
    if (!packages) continue;
    if (!packages.has(f.name)) packages.set(f.name, []);
    packages.get(f.name)!.push(f);
  }
  return projects.map((project) => {
    const counts: ProjectCounts = { project, packages: 0, blockers: 0, warnings: 0, notChecked: 0, ignored: 0 };
    for (const findings of byProject.get(project)!.values()) {
      counts.packages++;
      const counted = findings.filter((f) => f.ignored === undefined);
      if (counted.length === 0) counts.ignored++;
      else if (counted.some((f) => f.severity === 'error')) counts.blockers++;
      else if (counted.some((f) => f.severity === 'warning')) counts.warnings++;
      else if (counted.some((f) => f.severity === 'unknown' || f.unchecked.length > 0)) counts.notChecked++;
    }
    return counts;
  });
}

const plural = (n: number, one: string, many: string): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** "4 packages: 1 blocker, 0 warnings, 0 not checked" (and ", 1 ignored" when some are). */
export function formatProjectCounts(c: ProjectCounts): string {
  const ignored = c.ignored > 0 ? `, ${plural(c.ignored, 'ignored', 'ignored')}` : '';
  return `${plural(c.packages, 'package', 'packages')}: ${plural(c.blockers, 'blocker', 'blockers')}, ${plural(c.warnings, 'warning', 'warnings')}, ${plural(c.notChecked, 'not checked', 'not checked')}${ignored}`;
}

/**
 * The breakdown as a GitHub-flavoured Markdown table (the Markdown report and the job summary),
 * at most `max` rows and a line saying how many more; `cell` escapes a project name for a cell.
 */
export function projectTableMarkdown(counts: readonly ProjectCounts[], cell: (text: string) => string, max: number): string[] {
  if (counts.length === 0) return [];
  const ignored = counts.some((c) => c.ignored > 0);
  const n = (v: number): string => v.toLocaleString('en-US');
  const lines = [
    `| Project | Packages | Blockers | Warnings | Not checked |${ignored ? ' Ignored |' : ''}`,
    `| --- | --- | --- | --- | --- |${ignored ? ' --- |' : ''}`,
    ...counts.slice(0, max).map((c) => `| ${cell(c.project)} | ${n(c.packages)} | ${n(c.blockers)} | ${n(c.warnings)} | ${n(c.notChecked)} |${ignored ? ` ${n(c.ignored)} |` : ''}`),
  ];
  if (counts.length > max) lines.push('', `*and ${plural(counts.length - max, 'more project', 'more projects')}; the text and JSON reports list every one.*`);
  return lines;
}
