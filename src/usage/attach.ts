/**
 * The scan's use of `usage.ts` (issue 16): each project's code read once, and each finding given
 * the files and lines that import its package (`usedIn`, at most `USED_IN_SHOWN`, with the count)
 * and, for a direct requirement no file imports, `imported: false`. A project with no Python
 * files, or whose walk stopped at a limit, says nothing about "never imported".
 */
import { keepSites } from './sites.js';
import path from 'node:path';
import { compileExcludes } from '../manifests/ignore-rules.js';
import { canonicalizeName } from '../pep/names.js';
import type { Finding, ProjectUsageSummary } from '../scan/types.js';
import { usageOf, type ProjectUsage } from './usage.js';

export const USED_IN_SHOWN = 20;

export interface ScanUsageOptions {
  cwd: string;
  /** The paths the scan was given (excludes are anchored at the one a project is under). */
  paths: readonly string[];
  exclude?: readonly string[];
  gitignore?: boolean;
  venv?: string;
  /** Where parsed facts are kept between scans (the scan's cache directory), or null for none. */
  cacheDir?: string | null;
}

/** One project as the scan knows it: its root (relative to cwd) and the names it declares. */
export interface ScanProject {
  root: string;
  declared: readonly string[];
}

export async function usageForScan(
  projects: readonly ScanProject[],
  findings: readonly Finding[],
  options: ScanUsageOptions,
): Promise<{ findings: Finding[]; summaries: ProjectUsageSummary[] }> {
  const compiled = compileExcludes(options.exclude ?? []);
  const exclude = compiled.ok ? compiled.patterns : [];
  const roots = projects.map((p) => path.resolve(options.cwd, p.root));
  const scanned = options.paths.map((p) => path.resolve(options.cwd, p));
  const byProject = new Map<string, ProjectUsage>();
  const summaries: ProjectUsageSummary[] = [];
  for (const [i, project] of projects.entries()) {
    const root = roots[i]!;
    const inside = (dir: string): boolean => dir !== root && dir.startsWith(`${root}${path.sep}`);
    const base = scanned.filter((s) => s === root || root.startsWith(`${s}${path.sep}`)).sort((a, b) => b.length - a.length)[0] ?? root;
    const known = new Set([...project.declared, ...findings.filter((f) => f.project === project.root).map((f) => f.name)].map((n) => canonicalizeName(n)));
    const usage = await usageOf(project.root, {
      cwd: options.cwd,
      exclude,
      excludeBase: base,
      gitignore: options.gitignore !== false,
      ...(options.venv !== undefined ? { venv: options.venv } : {}),
      skip: roots.filter(inside),
      known,
      cacheDir: options.cacheDir ?? null,
    });
    byProject.set(project.root, usage);
    summaries.push({ project: project.root, files: usage.files, roles: usage.roles, parseErrors: usage.parseErrors, unmapped: usage.unmapped, venv: usage.venv, truncated: usage.truncated });
  }
  const out = findings.map((f): Finding => {
    const usage = byProject.get(f.project);
    if (!usage) return f;
    const sites = usage.byDistribution.get(f.name) ?? [];
    if (sites.length > 0) {
      return { ...f, usedIn: keepSites(sites, USED_IN_SHOWN).map((s) => ({ file: s.file, line: s.line, role: s.role, optional: s.optional })), usedInCount: sites.length, imported: true };
    }
    if (f.via.length === 0 && usage.files > 0 && usage.truncated === null) return { ...f, imported: false };
    return f;
  });
  return { findings: out, summaries };
}
