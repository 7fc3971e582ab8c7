/**
 * Prediction against measurement, per package: what the scan said (verdict and file) beside what
 * pip chose and what happened on the real PyPy, as one sentence, and whether they disagree. Pure.
 */
import type { Verdict } from '../assess/types.js';
import type { ImportResult } from './imports.js';
import type { InstallOutcome } from './install.js';
import type { PipChoice } from './pip-report.js';

export type Measurement =
  /** pip found no file it would install ("No matching distribution"). */
  | { kind: 'refused'; reason: string }
  /** pip's report does not install the package (a marker, or pip's resolution differs). */
  | { kind: 'absent' }
  /** Not measured: an earlier step failed or the run was interrupted. */
  | { kind: 'skipped'; reason: string }
  | { kind: 'installed'; choice: PipChoice; install: InstallOutcome; imports: ImportResult[] };

export interface Prediction {
  verdict: Verdict;
  /** The file the scan predicted pip installs, or null for none. */
  file: string | null;
}

/** What the measurement came to, in one word. */
export type Status = 'imported' | 'installed' | 'build-failed' | 'install-failed' | 'import-failed' | 'refused' | 'absent' | 'skipped';

export interface Comparison {
  status: Status;
  /** "built from sdist in 9.1 s, imported foo (0.05 s)". */
  measured: string;
  /** Did pip choose the predicted file (null when nothing was chosen on either side or no prediction). */
  sameFile: boolean | null;
  /**
   * `agree`; `disagree` (the prediction was wrong: another file, or a failure where it said it
   * works); `better` (it said this might fail, and it works).
   */
  agreement: 'agree' | 'disagree' | 'better';
  /** "predicted source-build: built from sdist and imported in 9 s". */
  sentence: string;
  /** The package failed to install or import (exit code 1). */
  failed: boolean;
}

/** Verdicts that say the package installs and runs. */
const WORKS: ReadonlySet<Verdict> = new Set(['pure', 'pure-fallback', 'cffi', 'pypy-wheel', 'native-wheel']);
/** Verdicts that say no file installs. */
const NOTHING: ReadonlySet<Verdict> = new Set(['no-distribution', 'requires-python']);
/** Verdicts that warn it may not install or run: a build from source, or a known failure. */
const MAY_FAIL: ReadonlySet<Verdict> = new Set(['source-build', 'lost-pypy-wheels', 'abi-mismatch', 'known-broken']);

export function seconds(s: number): string {
  return s < 1 ? `${s.toFixed(2)} s` : s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}

function importsText(imports: readonly ImportResult[]): string {
  if (imports.length === 0) return 'no top-level module to import';
  return `imported ${imports.map((i) => `${i.module} (${seconds(i.seconds)})`).join(', ')}`;
}

/** The measurement's status and its description. */
export function describe(m: Measurement): { status: Status; measured: string } {
  switch (m.kind) {
    case 'refused':
      return { status: 'refused', measured: `pip found no installable file (${m.reason})` };
    case 'absent':
      return { status: 'absent', measured: "pip's resolution does not install it" };
    case 'skipped':
      return { status: 'skipped', measured: `not measured: ${m.reason}` };
    case 'installed': {
      const { install, imports } = m;
      switch (install.kind) {
        case 'build-failed':
          return { status: 'build-failed', measured: `build failed: ${install.reason}` };
        case 'install-failed':
          return { status: 'install-failed', measured: `install failed: ${install.reason}` };
        case 'timed-out':
          return { status: 'install-failed', measured: `install timed out after ${seconds(install.seconds)}` };
        case 'wheel':
        case 'built': {
          const how = install.kind === 'wheel' ? 'installed from wheel' : `built from sdist in ${seconds(install.seconds)}`;
          const failed = imports.find((i) => !i.ok);
          if (failed) return { status: 'import-failed', measured: `${how}; import failed: ${failed.module}: ${failed.error ?? 'failed'}` };
          return { status: imports.length === 0 ? 'installed' : 'imported', measured: `${how}, ${importsText(imports)}` };
        }
      }
    }
  }
}

/** Compare one package's prediction (null: the scan did not predict it) with its measurement. */
export function compare(prediction: Prediction | null, m: Measurement): Comparison {
  const { status, measured } = describe(m);
  const failed = status === 'build-failed' || status === 'install-failed' || status === 'import-failed';
  const works = status === 'imported' || status === 'installed';
  if (prediction === null) {
    return { status, measured, sameFile: null, agreement: 'disagree', sentence: `not predicted (the scan does not list it): ${measured}`, failed };
  }
  const predicted = `predicted ${prediction.verdict}${prediction.file ? ` (${prediction.file})` : ''}`;
  if (m.kind === 'skipped') return { status, measured, sameFile: null, agreement: 'agree', sentence: `${predicted}: ${measured}`, failed: false };
  if (m.kind === 'absent') return { status, measured, sameFile: null, agreement: prediction.file === null ? 'agree' : 'disagree', sentence: `${predicted}: ${measured}`, failed: false };
  if (m.kind === 'refused') {
    const agrees = prediction.file === null;
    return { status, measured, sameFile: null, agreement: agrees ? 'agree' : 'disagree', sentence: agrees ? `predicted ${prediction.verdict}: pip agrees, it found no installable file` : `${predicted}, but pip found no installable file (${m.reason})`, failed: false };
  }
  // `unknown` with no file (a URL requirement, a package the index did not describe): the scan made
  // no claim to disagree with, so the measurement only adds to it.
  if (prediction.verdict === 'unknown' && prediction.file === null) {
    return { status, measured, sameFile: null, agreement: works ? 'better' : 'agree', sentence: `predicted unknown (not assessed): ${measured}`, failed };
  }
  const chosen = m.choice.file;
  const sameFile = prediction.file !== null && prediction.file === chosen;
  if (!sameFile) {
    const said = prediction.file === null ? `predicted ${prediction.verdict} with no installable file` : predicted;
    return { status, measured, sameFile: false, agreement: 'disagree', sentence: `${said}, but pip chose ${chosen}: ${measured}`, failed };
  }
  const base = `predicted ${prediction.verdict}: ${measured}`;
  if (WORKS.has(prediction.verdict)) return { status, measured, sameFile, agreement: works ? 'agree' : 'disagree', sentence: base, failed };
  if (MAY_FAIL.has(prediction.verdict)) return { status, measured, sameFile, agreement: works ? 'better' : 'agree', sentence: works && prediction.verdict === 'known-broken' ? `${base} (an import alone does not show it works)` : base, failed };
  if (NOTHING.has(prediction.verdict)) return { status, measured, sameFile, agreement: 'disagree', sentence: base, failed };
  return { status, measured, sameFile, agreement: 'agree', sentence: base, failed };
}
