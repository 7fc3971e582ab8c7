/**
 * Ignores from the configuration: a finding a team has decided to live with, with the reason and,
 * optionally, the day the decision lapses. An ignored finding stays in the report, marked with its
 * reason, and no longer fails the run; from `until` on the ignore lapses and the finding counts
 * again, saying so; an ignore that matches no finding is reported as stale. Pure: the clock is an
 * argument.
 */
import { canonicalizeName } from '../pep/names.js';
import type { Finding, ReportError, ScanResult } from './types.js';

export interface IgnoreRule {
  package: string;
  /** Only this verdict (e.g. `cpyext`); any when absent. */
  verdict?: string;
  /** Only this target: its id or its interpreter (`pypy3.11-7.3`); any when absent. */
  target?: string;
  reason: string;
  /** `YYYY-MM-DD`: the ignore applies before this day and lapses on it. */
  until?: string;
  /** Where the rule is written, for messages. */
  file: string;
  line: number;
}

/** What a finding carries when an ignore matched it: the rule's reason and where it is written. */
export interface IgnoreMark {
  reason: string;
  until?: string;
  /** `file:line` of the rule. */
  rule: string;
}

/** Today as `YYYY-MM-DD` in UTC: ignores lapse by calendar day, the same everywhere. */
export function today(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

function matches(rule: IgnoreRule, finding: Finding, interpreterOf: (target: string) => string | undefined): boolean {
  if (canonicalizeName(rule.package) !== canonicalizeName(finding.name)) return false;
  if (rule.verdict !== undefined && rule.verdict !== finding.verdict) return false;
  if (rule.target !== undefined && rule.target !== finding.target && rule.target !== interpreterOf(finding.target)) return false;
  return true;
}

/** A fine package has nothing to ignore: a rule that only matches those is stale too. */
const worthIgnoring = (f: Finding): boolean => f.severity !== 'ok';

/**
 * Marks the findings the rules match: `ignored` while a rule applies, `ignoreExpired` once it has
 * lapsed (and no other rule applies). Rules that match nothing become warnings in `errors`.
 */
export function applyIgnores(result: ScanResult, rules: readonly IgnoreRule[], day: string = today()): ScanResult {
  if (rules.length === 0) return result;
  const interpreters = new Map(result.targets.map((t) => [t.id, t.interpreter]));
  const interpreterOf = (id: string): string | undefined => interpreters.get(id);
  const used = new Set<IgnoreRule>();
  const mark = (rule: IgnoreRule): IgnoreMark => ({ reason: rule.reason, ...(rule.until !== undefined ? { until: rule.until } : {}), rule: `${rule.file}:${rule.line}` });
  const findings = result.findings.map((finding): Finding => {
    if (!worthIgnoring(finding)) return finding;
    const matching = rules.filter((r) => matches(r, finding, interpreterOf));
    matching.forEach((r) => used.add(r));
    const active = matching.find((r) => r.until === undefined || day < r.until);
    if (active) return { ...finding, ignored: mark(active) };
    const lapsed = matching[0];
    return lapsed ? { ...finding, ignoreExpired: mark(lapsed) } : finding;
  });
  const stale: ReportError[] = rules
    .filter((r) => !used.has(r))
    .map((r) => ({
      kind: 'config',
      severity: 'warning',
      file: r.file,
      line: r.line,
      message: `the ignore of ${r.package}${r.verdict ? ` (${r.verdict})` : ''}${r.target ? ` on ${r.target}` : ''} matches no finding: it is stale, remove it`,
    }));
  return { ...result, findings, errors: [...result.errors, ...stale] };
}

/** Whether a finding counts towards the exit code and the bottom line. */
export const counts = (f: Pick<Finding, 'ignored'>): boolean => f.ignored === undefined;
