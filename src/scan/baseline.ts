/**
 * PR mode: compare a scan with a baseline (the scan of the base branch, or a saved JSON report)
 * and keep only what the change made new or worse, with the whole picture in counts. Pure: two
 * results in, one result out. Getting the baseline (a git ref's manifests, a file) is I/O and
 * lives with the CLI.
 */
import { SEVERITIES, SEVERITY_RANK, type Severity } from '../assess/types.js';
import type { Finding, ScanResult } from './types.js';

export type SeverityCounts = Record<Severity, number>;

export interface Comparison {
  /** What the scan was compared with: a git ref or a file name, as given. */
  baseline: string;
  /** Findings of the whole scan, by severity (the picture the change leaves). */
  all: SeverityCounts;
  /** Of those, the ones new in this change or worse than in the baseline, by severity. */
  newOrWorse: SeverityCounts;
  /** Baseline findings at warning or worse that the change resolved (gone or better). */
  resolved: number;
}

/** A package on a target in a project: the unit that is compared. */
function keyOf(f: Pick<Finding, 'project' | 'name' | 'target'>): string {
  return `${f.project}\u0000${f.name}\u0000${f.target}`;
}

function counts(findings: readonly Finding[]): SeverityCounts {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as SeverityCounts;
  for (const f of findings) out[f.severity]++;
  return out;
}

/** What the comparison reads of a finding (a saved report need hold no more). */
export type ComparedFinding = Pick<Finding, 'project' | 'name' | 'target' | 'severity'>;

/** The baseline's findings by key; a package found twice keeps its worst severity. */
function worstByKey(findings: readonly ComparedFinding[]): Map<string, Severity> {
  const out = new Map<string, Severity>();
  for (const f of findings) {
    const known = out.get(keyOf(f));
    if (known === undefined || SEVERITY_RANK[f.severity] > SEVERITY_RANK[known]) out.set(keyOf(f), f.severity);
  }
  return out;
}

/**
 * `current` with only its findings that are new (no finding for the same project, package and
 * target in `baseline`) or worse (a higher `--fail-on` rank), and the counts of the whole scan.
 * Fine findings are never "new": a new dependency that works is not a problem of the change.
 */
export function compareWithBaseline(current: ScanResult, baseline: { findings: readonly ComparedFinding[] }, label: string): ScanResult & { comparison: Comparison } {
  const before = worstByKey(baseline.findings);
  const isNewOrWorse = (f: Finding): boolean => {
    if (f.severity === 'ok') return false;
    const was = before.get(keyOf(f));
    return was === undefined || SEVERITY_RANK[f.severity] > SEVERITY_RANK[was];
  };
  const kept = current.findings.filter(isNewOrWorse);
  const now = worstByKey(current.findings);
  let resolved = 0;
  for (const [key, was] of before) {
    if (SEVERITY_RANK[was] < SEVERITY_RANK.warning) continue;
    const is = now.get(key);
    if (is === undefined || SEVERITY_RANK[is] < SEVERITY_RANK[was]) resolved++;
  }
  return { ...current, findings: kept, comparison: { baseline: label, all: counts(current.findings), newOrWorse: counts(kept), resolved } };
}

/** One line for human reports: "compared with main: 1 of 3 blockers and 0 of 2 warnings are new in this change; 1 resolved". */
export function describeComparison(c: Comparison): string {
  const part = (severity: Severity, one: string, many: string) => `${c.newOrWorse[severity]} of ${c.all[severity]} ${c.all[severity] === 1 ? one : many}`;
  const notChecked = c.all.unknown > 0 ? `, ${part('unknown', 'package not checked', 'packages not checked')}` : '';
  return `Compared with ${c.baseline}: ${part('error', 'blocker', 'blockers')}, ${part('warning', 'warning', 'warnings')}${notChecked} are new or worse in this change; ${c.resolved} resolved. Only those are listed below.`;
}
