/** The result of assessing one package on one target. */

export const VERDICTS = [
  'pypy-wheel',
  'native-wheel',
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

/** The one display and sorting order, worst first (reports list sections and findings in it). */
export const SEVERITY_ORDER: readonly Severity[] = ['error', 'warning', 'unknown', 'info', 'ok'];

/** Position in SEVERITY_ORDER: lower is worse. */
export function severityPosition(severity: Severity): number {
  return SEVERITY_ORDER.indexOf(severity);
}

/** The worse of two severities (`unknown` and `warning` gate alike; the first one given is kept then). */
export function worseSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a;
}

/** The worst severity of a list by display order (`ok` for none). */
export function worstSeverity(severities: Iterable<Severity>): Severity {
  let worst: Severity = 'ok';
  for (const s of severities) if (severityPosition(s) < severityPosition(worst)) worst = s;
  return worst;
}

/** The severity each verdict has unless its rule says otherwise. */
export const DEFAULT_SEVERITY: Record<Verdict, Severity> = {
  'pypy-wheel': 'ok',
  'native-wheel': 'ok',
  pure: 'ok',
  'pure-fallback': 'ok',
  cffi: 'ok',
  'source-build': 'warning',
  'abi-mismatch': 'warning',
  'lost-pypy-wheels': 'warning',
  'requires-python': 'error',
  'no-distribution': 'error',
  'known-broken': 'error',
  unknown: 'unknown',
};

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
  // The facts the sentences above put into words, as data for programs (`fix` pins from them):
  // the sentences are for people, and their wording may change.
  /**
   * `lost-pypy-wheels` only: the newest release with a wheel that installs on the target, the one
   * a pin would name: the release pip already falls back to, or the last with compiled wheels for
   * the target when newer ones would build from source or do not install. Absent otherwise.
   */
  readonly lastVersionWithWheels?: string;
  /**
   * The newest final release that installs on the target, whatever the requirement says, on the
   * findings whose advice rests on it (`requires-python`, `no-distribution`, a yanked exact pin).
   * Absent otherwise, and when no release installs.
   */
  readonly newestInstallable?: string;
}
