/**
 * The bottom line of a scan (issue 12): per target, one or two sentences that answer "can we move,
 * and what stands in the way?", and the blockers listed once each with the direct requirements that
 * pull them in. Pure functions over a `ScanResult`: no I/O, no colour. The interactive audit shows
 * these; the plain text report starts with them.
 *
 * Package names in the arrays are kept as the scan gave them (data). Names inside a `sentence` are
 * already passed through `inline` (control characters stripped), and the `format*` functions clean
 * every line again, so a sentence can go to a terminal as it is.
 *
 * Definitions used here:
 *
 * - **blocker**: a package with severity `error` on the target (it will not install, or will not
 *   work: `known-broken`, `requires-python`, `no-distribution`, `lost-pypy-wheels` with nothing
 *   installable).
 * - **runs through cpyext** (PyPy targets only): the package installs on the target (not a blocker)
 *   and what pip installs is a compiled CPython-API extension, so every call crosses cpyext. Decided
 *   from the verdict, as `src/assess/rules.ts` assigns it:
 *   - `pypy-wheel`: a wheel for this PyPy ABI (the rules give `cffi` instead for a CFFI package);
 *   - `abi-mismatch`: wheels exist only for another PyPy ABI, so pip builds the compiled sdist;
 *   - `source-build`: a compiled extension built from its sdist, except the sdist-only rule's
 *     "probably pure Python" case (no compiled wheel for any platform), recognised by its evidence;
 *   - `lost-pypy-wheels`: when pip builds the sdist (older releases had compiled wheels), or falls
 *     back to an older release whose wheel carries this target's ABI tag (not a pure wheel).
 *   `cffi`, `pure`, `pure-fallback` and `native-wheel` (CPython) never count; `unknown` is not
 *   known to be anything. Those of them that install from an sdist also need a compiler there:
 *   `builtFromSource`.
 * - **lost against another target**: on a PyPy target T, a package whose file on T is not a wheel
 *   (an sdist or nothing, and not `pure`, `pure-fallback` or `unknown` there) while on another PyPy
 *   target U of the same platform, in the same project, pip installs a wheel built for U's ABI: the pp73 → pp80 loss (`abi-mismatch` on 8.0 against a
 *   `pypy-wheel` on 7.3). CPython targets are baselines and are not compared.
 * - **recommend U over T**: T loses wheels against U, U loses fewer against T, and U has no more
 *   blockers than T ("move on 7.3 first").
 * - **leaf blocker**: one that no other blocker of the same project is reached through, i.e. no other
 *   blocker's `via` chain contains it: it sits at the bottom of its chains. More generally each
 *   blocker gets a height: 0 for a leaf, else 1 + the greatest height of the blockers reached through
 *   it; blockers are listed by project (scan order), then height, then name, so a blocker comes
 *   after every blocker found below it.
 * - **where a blocker is used** (when the project's code was read, `src/usage/`): the parts of the
 *   project whose files import it, without the optional imports (`try/except ImportError`), merged
 *   over the projects; "only an optional import" when every import is optional, "imported by no
 *   file" for a direct requirement nothing imports; nothing when the code was not read.
 */
import type { ReportLocation, ReportTarget, Finding, ScanResult } from '../scan/types.js';
import { severityPosition, worstSeverity, type Severity, type Verdict } from '../assess/types.js';
import { inline } from './terminal.js';
import { ROLES, type Role } from '../usage/roles.js';

export interface LostWheels {
  /** The other target (id) that installs wheels where this one does not. */
  target: string;
  /** Its label, e.g. "PyPy 3.11 (7.3)". */
  label: string;
  /** The ABI tag of those wheels, short form: "pp73". */
  abi: string;
  /** Names, sorted. */
  packages: string[];
}

export interface TargetSummary {
  /** The target id, e.g. `pypy3.11-8.0-manylinux_x86_64`. */
  target: string;
  /** "PyPy 3.11 (7.3)", "CPython 3.11" (with " on <platform>" when the scan covers several platforms). */
  label: string;
  implementation: 'pypy' | 'cpython';
  /** Distinct packages assessed on this target (across projects). */
  packages: number;
  /** Severity `error` on this target, sorted. */
  blockers: string[];
  /** For blockers whose use in the code is known: a short phrase, e.g. "imported by the web tier only" (see the module comment). */
  blockerUse: Record<string, string>;
  /** Installs a compiled extension that runs through cpyext (PyPy only; see the module comment), sorted. */
  cpyext: string[];
  /** Those of `cpyext` that pip builds from an sdist here (a compiler and headers needed), sorted. */
  builtFromSource: string[];
  /** Severity `warning`, sorted (may overlap `cpyext`). */
  warnings: string[];
  /** Severity `unknown`: not checked at all, sorted. */
  unknown: string[];
  /** Assessed, but their dependencies were not fully checked (not in `unknown`), sorted. */
  uncheckedDependencies: string[];
  /** `abi-mismatch`: wheels only for another PyPy ABI, sorted. */
  otherAbiOnly: string[];
  /** Wheels that other PyPy targets of the scan install and this one does not, biggest loss first. */
  lostAgainst: LostWheels[];
  /** Findings an ignore of the configuration applies to (counted in nothing above), sorted. */
  ignored: string[];
  /** The worst of it, for colour: `error` with blockers, `warning` with warnings or lost wheels, `unknown` with unchecked packages, `info` with cpyext, else `ok`. */
  severity: Severity;
  /** The target (id) to move on first instead of this one, when this one loses wheels against it; else null. */
  recommend: string | null;
  /** One or two sentences, specific to the scan; names cleaned with `inline`. */
  sentence: string;
}

export interface BlockerChain {
  /** The project (root directory) whose resolution this is. */
  project: string;
  name: string;
  /** Target ids on which it blocks, in scan order. */
  targets: string[];
  /** Its verdicts on those targets, distinct, in target order. */
  verdicts: Verdict[];
  /** A manifest of the project declares it itself (on some blocking target). */
  direct: boolean;
  /** The direct requirements that pull it in (the first package of each chain), sorted, distinct. */
  through: string[];
  /** Distinct chains that reach it, each from a direct requirement down to its parent (as `Finding.via`); without the direct case. */
  chains: string[][];
  /** Manifest lines behind it (its own, or those of the direct requirements that pull it in). */
  locations: ReportLocation[];
  /** Other blockers of the project reached through this one (below it in its chains), sorted. */
  blockersBelow: string[];
  /** 0 for a leaf blocker (nothing blocking below it), else 1 + the highest blocker below. */
  height: number;
  /** Distinct suggestions of its blocking findings. */
  suggestions: string[];
}

// ---------------------------------------------------------------- wording helpers

const SHOWN_NAMES = 4;

/** "a, b, c, d and 3 more" (names cleaned). */
export function nameList(names: readonly string[], shown = SHOWN_NAMES): string {
  const clean = names.map(inline);
  return clean.length <= shown ? clean.join(', ') : `${clean.slice(0, shown).join(', ')} and ${clean.length - shown} more`;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** `pypy3.11-7.3` → PyPy 3.11 and 7.3; null for anything else. */
function pypyParts(interpreter: string): { python: string; line: string } | null {
  const m = /^pypy(\d+\.\d+)-(\d+\.\d+)$/.exec(interpreter);
  return m ? { python: m[1]!, line: m[2]! } : null;
}

function baseLabel(target: ReportTarget): string {
  const pypy = pypyParts(target.interpreter);
  if (pypy) return `PyPy ${pypy.python} (${pypy.line})`;
  const cpython = /^cpython(\d+\.\d+)$/.exec(target.interpreter);
  if (cpython) return `CPython ${cpython[1]}`;
  return target.interpreter;
}

/** A label per target: "PyPy 3.11 (7.3)", with the platform when the scan covers several. */
export function targetLabel(result: ScanResult, targetId: string): string {
  const target = result.targets.find((t) => t.id === targetId);
  if (!target) return targetId;
  const platforms = new Set(result.targets.map((t) => t.platform));
  return platforms.size > 1 ? `${baseLabel(target)} on ${target.platform}` : baseLabel(target);
}

/** "pypy311_pp73" → "pp73". */
function shortAbi(abi: string): string {
  return /_(pp\d+)$/.exec(abi)?.[1] ?? abi;
}

/** The ABI tags of a wheel file name (compressed tag sets split), or null when it is not a wheel. */
function wheelAbis(file: string | null): string[] | null {
  if (!file || !file.endsWith('.whl')) return null;
  const parts = file.slice(0, -4).split('-');
  if (parts.length < 5) return null;
  return parts[parts.length - 2]!.split('.');
}

const isWheel = (file: string | null): boolean => file !== null && file.endsWith('.whl');

/** A wheel carrying the target's own ABI tag: a compiled extension for exactly this interpreter. */
function ownAbiWheel(finding: Finding, target: ReportTarget): boolean {
  return wheelAbis(finding.file)?.includes(target.abi) ?? false;
}

/** See the module comment: a compiled CPython-API extension installs on this PyPy target. */
function runsThroughCpyext(finding: Finding, target: ReportTarget): boolean {
  if (target.implementation !== 'pypy' || finding.severity === 'error') return false;
  switch (finding.verdict) {
    case 'pypy-wheel':
    case 'abi-mismatch':
      return true;
    case 'source-build':
      // The sdist-only rule (no compiled wheel anywhere) says so in its evidence; the compiled one
      // says "a compiled extension". Assessment carries no flag for it, so the evidence decides.
      return !finding.evidence.some((e) => e.includes('probably pure Python'));
    case 'lost-pypy-wheels':
      return !isWheel(finding.file) || ownAbiWheel(finding, target);
    default:
      return false;
  }
}

// ---------------------------------------------------------------- where a blocker is used

/** How each part of a project (`src/usage/roles.ts`) reads after "imported by". */
const ROLE_PHRASE: Record<Role, string> = {
  web: 'the web tier',
  workers: 'the workers',
  management: 'management commands',
  tests: 'tests',
  scripts: 'scripts',
  other: 'shared code',
};

/** What the code says about one package, from its findings on one target; null when no code was read for it. */
export function usePhrase(findings: readonly Finding[]): string | null {
  const sites = findings.flatMap((f) => f.usedIn ?? []);
  if (sites.length === 0) return findings.some((f) => f.imported === false) ? 'imported by no file' : null;
  const required = sites.filter((s) => !s.optional);
  if (required.length === 0) return 'only an optional import';
  const roles = ROLES.filter((r) => required.some((s) => s.role === r)).map((r) => ROLE_PHRASE[r]);
  const list = roles.length === 1 ? roles[0]! : `${roles.slice(0, -1).join(', ')} and ${roles[roles.length - 1]}`;
  return `imported by ${list}${roles.length === 1 ? ' only' : ''}`;
}

/** "a, b" or, when the code was read, "a: imported by the web tier only; b" (four names at most). */
function blockerList(names: readonly string[], use: Record<string, string>): string {
  if (!names.some((n) => use[n] !== undefined)) return nameList(names);
  const shown = names.slice(0, SHOWN_NAMES).map((n) => (use[n] !== undefined ? `${inline(n)}: ${use[n]}` : inline(n)));
  return names.length > SHOWN_NAMES ? `${shown.join('; ')} and ${names.length - SHOWN_NAMES} more` : shown.join('; ');
}

// ---------------------------------------------------------------- bottom line

interface Indexed {
  byTarget: Map<string, Finding[]>;
  /** project \n name \n target → finding */
  at: Map<string, Finding>;
}

function index(result: ScanResult): Indexed {
  const byTarget = new Map<string, Finding[]>(result.targets.map((t) => [t.id, []]));
  const at = new Map<string, Finding>();
  for (const f of result.findings) {
    if (!byTarget.has(f.target)) byTarget.set(f.target, []);
    byTarget.get(f.target)!.push(f);
    at.set(`${f.project}\n${f.name}\n${f.target}`, f);
  }
  return { byTarget, at };
}

/** Packages whose file on `target` is not a wheel while `other` installs a wheel for its own ABI. */
function lostWheels(findings: readonly Finding[], target: ReportTarget, other: ReportTarget, at: Indexed['at']): string[] {
  const lost: string[] = [];
  for (const f of findings) {
    // Installed from a wheel here, or pure Python from the sdist (PyPy skips its speed-ups), or not
    // assessed: nothing lost that the move would bring back.
    if (isWheel(f.file) || f.verdict === 'pure' || f.verdict === 'pure-fallback' || f.verdict === 'unknown') continue;
    const there = at.get(`${f.project}\n${f.name}\n${other.id}`);
    if (there && ownAbiWheel(there, other)) lost.push(f.name);
  }
  return sorted(lost);
}

/** Comparable PyPy line, e.g. "7.3" → [7, 3]. */
function pypyLine(target: ReportTarget): number[] {
  return (pypyParts(target.interpreter)?.line ?? '0').split('.').map(Number);
}

function earlierLine(a: ReportTarget, b: ReportTarget): boolean {
  const [x, y] = [pypyLine(a), pypyLine(b)];
  return x[0]! < y[0]! || (x[0] === y[0] && x[1]! < y[1]!);
}

/** How to name the recommended target after "move on": its PyPy line alone when only the line differs. */
function moveOn(result: ScanResult, from: ReportTarget, to: ReportTarget): string {
  const a = pypyParts(from.interpreter);
  const b = pypyParts(to.interpreter);
  return a && b && a.python === b.python ? b.line : targetLabel(result, to.id);
}

export function bottomLine(result: ScanResult): TargetSummary[] {
  const idx = index(result);
  const pypyTargets = result.targets.filter((t) => t.implementation === 'pypy');

  const base = result.targets.map((target) => {
    const all = idx.byTarget.get(target.id) ?? [];
    const names = new Set(all.map((f) => f.name));
    // Ignored findings are named apart and count for nothing else.
    const findings = all.filter((f) => f.ignored === undefined);
    const ignored = sorted([...new Set(all.filter((f) => f.ignored !== undefined).map((f) => f.name))]);
    const blockers = sorted(findings.filter((f) => f.severity === 'error').map((f) => f.name));
    const blocked = new Set(blockers);
    const blockerUse: Record<string, string> = {};
    for (const name of blockers) {
      const phrase = usePhrase(findings.filter((f) => f.name === name));
      if (phrase !== null) blockerUse[name] = phrase;
    }
    const cpyextFindings = findings.filter((f) => !blocked.has(f.name) && runsThroughCpyext(f, target));
    const unknown = sorted(findings.filter((f) => f.severity === 'unknown').map((f) => f.name));
    const lostAgainst: LostWheels[] =
      target.implementation === 'pypy'
        ? pypyTargets
            .filter((other) => other.id !== target.id && other.platform === target.platform)
            .map((other) => ({ target: other.id, label: targetLabel(result, other.id), abi: shortAbi(other.abi), packages: lostWheels(findings, target, other, idx.at) }))
            .filter((l) => l.packages.length > 0)
            .sort((a, b) => b.packages.length - a.packages.length)
        : [];
    return {
      target: target.id,
      label: targetLabel(result, target.id),
      implementation: target.implementation,
      packages: names.size,
      blockers,
      blockerUse,
      cpyext: sorted(cpyextFindings.map((f) => f.name)),
      builtFromSource: sorted(cpyextFindings.filter((f) => !isWheel(f.file)).map((f) => f.name)),
      warnings: sorted(findings.filter((f) => f.severity === 'warning').map((f) => f.name)),
      unknown,
      uncheckedDependencies: sorted(findings.filter((f) => f.unchecked.length > 0 && !unknown.includes(f.name)).map((f) => f.name)),
      otherAbiOnly: sorted(findings.filter((f) => f.verdict === 'abi-mismatch').map((f) => f.name)),
      lostAgainst,
      ignored,
      severity: 'ok' as Severity,
      recommend: null as string | null,
      sentence: '',
    } satisfies TargetSummary;
  });

  const byId = new Map(base.map((s) => [s.target, s]));
  for (const summary of base) {
    const target = result.targets.find((t) => t.id === summary.target)!;
    const better = summary.lostAgainst.find((loss) => {
      const other = byId.get(loss.target)!;
      const back = other.lostAgainst.find((l) => l.target === summary.target)?.packages.length ?? 0;
      return back < loss.packages.length && other.blockers.length <= summary.blockers.length;
    });
    summary.recommend = better?.target ?? null;
    summary.severity = summarySeverity(summary);
    summary.sentence = sentenceOf(result, summary, target);
  }
  return base;
}

function summarySeverity(s: TargetSummary): Severity {
  if (s.blockers.length > 0) return 'error';
  if (s.warnings.length > 0 || s.lostAgainst.length > 0) return 'warning';
  if (s.unknown.length > 0 || s.uncheckedDependencies.length > 0) return 'unknown';
  return s.cpyext.length > 0 ? 'info' : 'ok';
}

function sentenceOf(result: ScanResult, s: TargetSummary, target: ReportTarget): string {
  if (s.packages === 0) return `${s.label}: no packages to assess.`;
  const parts: string[] = [];
  const notChecked = s.unknown.length > 0 || s.uncheckedDependencies.length > 0;
  if (s.blockers.length === 0) parts.push(notChecked ? 'nothing blocks among the packages checked' : 'nothing blocks');
  else parts.push(`${count(s.blockers.length, 'blocker', 'blockers')} (${blockerList(s.blockers, s.blockerUse)})`);

  if (s.cpyext.length > 0) {
    let text = `${count(s.cpyext.length, 'package runs', 'packages run')} through cpyext`;
    const built = s.builtFromSource.length;
    const all = built === s.cpyext.length;
    const which = !all ? `${built} of them` : built === 1 ? '' : built === 2 ? 'both' : `all ${built}`;
    if (built > 0) text += `, ${which ? `${which} ` : ''}built from source (${nameList(s.builtFromSource)})`;
    parts.push(text);
  }

  // Wheels for another PyPy ABI, when no other target of the scan explains it below.
  const explained = new Set(s.lostAgainst.flatMap((l) => l.packages));
  const otherAbi = s.otherAbiOnly.filter((n) => !explained.has(n));
  if (otherAbi.length > 0) parts.push(`${count(otherAbi.length, 'has', 'have')} wheels only for another PyPy ABI (${nameList(otherAbi)})`);

  // Warnings the sentence has not named yet.
  const named = new Set([...s.cpyext, ...otherAbi, ...explained, ...s.uncheckedDependencies]);
  const others = s.warnings.filter((n) => !named.has(n));
  if (others.length > 0) parts.push(`${count(others.length, 'other package needs', 'other packages need')} attention (${nameList(others)})`);

  if (s.unknown.length > 0) parts.push(`${count(s.unknown.length, 'package', 'packages')} not checked (${nameList(s.unknown)})`);
  if (s.uncheckedDependencies.length > 0) parts.push(`the dependencies of ${nameList(s.uncheckedDependencies)} not fully checked`);

  if (s.ignored.length > 0) parts.push(`${count(s.ignored.length, 'package', 'packages')} ignored by the configuration (${nameList(s.ignored)})`);

  let sentence = `${s.label}: ${parts.join('; ')}.`;
  for (const loss of s.lostAgainst) {
    const recommended = s.recommend === loss.target;
    const other = result.targets.find((t) => t.id === loss.target)!;
    sentence += ` It also loses the ${inline(loss.abi)} wheels of ${nameList(loss.packages)}, which ${loss.label} installs${recommended ? ` → move on ${moveOn(result, target, other)} first` : ''}.`;
  }
  return sentence;
}

/** The bottom line as report lines: one per target. */
export function formatBottomLine(summaries: readonly TargetSummary[]): string[] {
  return summaries.map((s) => inline(s.sentence));
}

// ---------------------------------------------------------------- blockers by chain

export function blockersByChain(result: ScanResult): BlockerChain[] {
  const targetOrder = new Map(result.targets.map((t, i) => [t.id, i]));
  const projectOrder = new Map(result.projects.map((p, i) => [p, i]));
  const byKey = new Map<string, Finding[]>();
  for (const f of result.findings) {
    if (f.severity !== 'error' || f.ignored !== undefined) continue;
    const key = `${f.project}\n${f.name}`;
    if (!byKey.has(key)) byKey.set(key, []);
    byKey.get(key)!.push(f);
  }

  const chains: BlockerChain[] = [];
  for (const findings of byKey.values()) {
    findings.sort((a, b) => (targetOrder.get(a.target) ?? Infinity) - (targetOrder.get(b.target) ?? Infinity));
    const first = findings[0]!;
    const seenChains = new Map<string, string[]>();
    for (const f of findings) if (f.via.length > 0) seenChains.set(f.via.join('\n'), [...f.via]);
    const locations = new Map<string, ReportLocation>();
    for (const f of findings) for (const l of f.locations) locations.set(`${l.file}\n${l.line}\n${l.column}`, l);
    chains.push({
      project: first.project,
      name: first.name,
      targets: [...new Set(findings.map((f) => f.target))],
      verdicts: [...new Set(findings.map((f) => f.verdict))],
      direct: findings.some((f) => f.via.length === 0),
      through: sorted([...seenChains.values()].map((c) => c[0]!)),
      chains: [...seenChains.values()].sort((a, b) => a.length - b.length || (a.join('\n') < b.join('\n') ? -1 : 1)),
      locations: [...locations.values()],
      blockersBelow: [],
      height: 0,
      suggestions: [...new Set(findings.map((f) => f.suggestion).filter((s): s is string => s !== null))],
    });
  }

  // Below: B is reached through A when A is on one of B's chains.
  const inProject = new Map<string, Map<string, BlockerChain>>();
  for (const c of chains) {
    if (!inProject.has(c.project)) inProject.set(c.project, new Map());
    inProject.get(c.project)!.set(c.name, c);
  }
  for (const c of chains) {
    const peers = inProject.get(c.project)!;
    for (const chain of c.chains) for (const above of chain) {
      const a = peers.get(above);
      if (a && a !== c && !a.blockersBelow.includes(c.name)) a.blockersBelow.push(c.name);
    }
  }
  for (const c of chains) c.blockersBelow.sort();
  // Heights, cycles (possible across targets) cut where they close.
  const done = new Map<BlockerChain, number>();
  const heightOf = (c: BlockerChain, open: Set<BlockerChain>): number => {
    const known = done.get(c);
    if (known !== undefined) return known;
    open.add(c);
    let h = 0;
    for (const name of c.blockersBelow) {
      const below = inProject.get(c.project)!.get(name)!;
      if (!open.has(below)) h = Math.max(h, 1 + heightOf(below, open));
    }
    open.delete(c);
    done.set(c, h);
    return h;
  };
  for (const c of chains) c.height = heightOf(c, new Set());

  return chains.sort(
    (a, b) =>
      (projectOrder.get(a.project) ?? Infinity) - (projectOrder.get(b.project) ?? Infinity) ||
      (a.project < b.project ? -1 : a.project > b.project ? 1 : 0) ||
      a.height - b.height ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

export interface BlockerChainFormat {
  /** How to name a target (default: its id). */
  label?: (targetId: string) => string;
  /** Start each line with the project, for scans of several projects. */
  projects?: boolean;
}

const SHOWN_CHAINS = 3;

/** "orjson blocks you via mylib → midlib (pypy3.11-7.3, pypy3.11-8.0)", one line per blocker. */
export function formatBlockerChains(chains: readonly BlockerChain[], format: BlockerChainFormat = {}): string[] {
  const label = format.label ?? ((id: string) => id);
  return chains.map((c) => {
    const ways = [...(c.direct ? ['directly'] : []), ...c.chains.slice(0, SHOWN_CHAINS).map((chain) => `via ${chain.map(inline).join(' → ')}`)];
    const hidden = c.chains.length - SHOWN_CHAINS;
    if (hidden > 0) ways.push(`via ${hidden} more chain${hidden === 1 ? '' : 's'}`);
    const how = ways.length > 1 ? `${ways.slice(0, -1).join(', ')} and ${ways[ways.length - 1]}` : ways[0] ?? 'directly';
    const project = format.projects ? `${inline(c.project)}: ` : '';
    return `${project}${inline(c.name)} blocks you ${how} (${c.targets.map((t) => inline(label(t))).join(', ')})`;
  });
}

// ---------------------------------------------------------------- ignored findings

export interface IgnoredPackage {
  project: string;
  name: string;
  /** `verdict on target label` for each ignored finding, in scan order. */
  where: string[];
  reason: string;
  until: string | null;
  /** `file:line` of the ignore rule. */
  rule: string;
}

/** The findings an ignore of the configuration applies to, one entry per package and rule: what every report lists apart. */
export function ignoredPackages(result: ScanResult): IgnoredPackage[] {
  const byKey = new Map<string, IgnoredPackage>();
  for (const f of result.findings) {
    if (f.ignored === undefined) continue;
    const key = JSON.stringify([f.project, f.name, f.ignored.rule]);
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { project: f.project, name: f.name, where: [], reason: f.ignored.reason, until: f.ignored.until ?? null, rule: f.ignored.rule }));
    entry.where.push(`${f.verdict} on ${targetLabel(result, f.target)}`);
  }
  return [...byKey.values()];
}

// ---------------------------------------------------------------- packages as rows

/** One package of one project with its findings on every target: a row of the Markdown and HTML tables. */
export interface PackageGroup {
  project: string;
  name: string;
  /** The package's findings in the project, in target order. */
  findings: Finding[];
  /** The worst severity of the findings no ignore applies to (of all of them, when every one is ignored). */
  worst: Severity;
}

/** Packages by worst severity, then project (in scan order) and name; those ignored on every target last. */
export function packageGroups(result: ScanResult): PackageGroup[] {
  const targetOrder = new Map(result.targets.map((t, i) => [t.id, i]));
  const projectOrder = new Map(result.projects.map((p, i) => [p, i]));
  const groups = new Map<string, PackageGroup>();
  for (const f of result.findings) {
    const key = `${f.project}\n${f.name}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { project: f.project, name: f.name, findings: [], worst: 'ok' }));
    group.findings.push(f);
  }
  for (const group of groups.values()) {
    group.findings.sort((a, b) => (targetOrder.get(a.target) ?? Infinity) - (targetOrder.get(b.target) ?? Infinity));
    const counted = group.findings.filter((f) => f.ignored === undefined);
    group.worst = worstSeverity((counted.length > 0 ? counted : group.findings).map((f) => f.severity));
  }
  const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const allIgnored = (g: PackageGroup): number => (g.findings.every((f) => f.ignored !== undefined) ? 1 : 0);
  return [...groups.values()].sort(
    (a, b) =>
      allIgnored(a) - allIgnored(b) ||
      severityPosition(a.worst) - severityPosition(b.worst) ||
      (projectOrder.get(a.project) ?? Infinity) - (projectOrder.get(b.project) ?? Infinity) ||
      compare(a.project, b.project) ||
      compare(a.name, b.name),
  );
}

/** The package's version when every target resolves the same one, else null. */
export function groupVersion(group: PackageGroup): string | null {
  const versions = [...new Set(group.findings.map((f) => f.version))];
  return versions.length === 1 ? versions[0]! : null;
}
