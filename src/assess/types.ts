/** The result of assessing one package on one target. */

export const VERDICTS = [
  'pypy-wheel',
  'pure',
  'pure-fallback',
  'cffi',
  'source-build',
  'abi-mismatch',
  'lost-pypy-wheels',
  'requires-python',
  'no-distribution',
  'known-broken',
  'unknown',
] as const;

export type Verdict = (typeof VERDICTS)[number];

export const SEVERITIES = ['ok', 'info', 'warning', 'error', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** How serious each severity is for `--fail-on`; `unknown` gates like a warning. */
export const SEVERITY_RANK: Record<Severity, number> = { ok: 0, info: 1, unknown: 2, warning: 2, error: 3 };

export interface Assessment {
  readonly name: string;
  /** The version assessed (locked, pinned, or what pip would pick on the target); null when none. */
  readonly version: string | null;
  readonly target: string;
  readonly verdict: Verdict;
  readonly severity: Severity;
  /** The file pip would install on the target, or null. */
  readonly file: string | null;
  /** The facts behind the verdict, most important first. */
  readonly evidence: readonly string[];
  readonly suggestion: string | null;
}
