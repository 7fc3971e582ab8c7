/**
 * Which fixes `pypy-ready fix` makes: from a scan's findings and the knowledge base, at most one
 * edit per direct requirement, each with the facts behind it. Pure: no file is read here (the
 * editors find each requirement's exact text), nothing is guessed (a fix whose fact the scan did
 * not establish is reported as not made, with the reason).
 *
 * The fixes, in the order they win when several apply to one requirement:
 * 1. replace: a known-broken package whose knowledge-base alternative is a PyPI project and a
 *    drop-in (`dropIn` "yes", or "partial" with its use named in the reason), not already required;
 * 2. marker: an optional speed-up. The knowledge base has no "optional" flag; the rule is: a
 *    package with a problem on PyPy whose recorded drop-in alternative is the standard library or
 *    a project the same project already requires (hiredis → redis, which falls back to its own
 *    parser). `platform_python_implementation != "PyPy"` then keeps it off PyPy only;
 * 3. pin: the last release with wheels for the target's ABI (lost-pypy-wheels), or the newest
 *    installable release for an exact pin that excludes the target's Python;
 * 4. upper-bound: the knowledge base's version limit (Django ≥ 6 needs Python ≥ 3.12) applies to
 *    a target and the requirement admits those versions: `Django>=4.2,<7` → `Django>=4.2,<6`.
 * Only PyPy targets are considered; the edits (except a marker) hold on CPython too, and say so.
 * Transitive packages and lock files get a note, never an edit.
 */
import type { KnowledgeBase, KnowledgeEntry } from '../assess/knowledge.js';
import { canonicalizeName, isValidName } from '../pep/names.js';
import { isValidVersion, satisfies } from '../pep/versions.js';
import type { Finding, ReportLocation, ReportRequirement, ScanResult } from '../scan/types.js';
import { boundedSpecifier, type Change, type Marker, type UpperBound } from './pep508-edit.js';

export type EditKind = Change['kind'];

export interface PlannedEdit {
  project: string;
  file: string;
  line: number;
  column: number;
  /** PEP 503 name of the package declared there. */
  name: string;
  change: Change;
  /** One or two sentences: the fact behind the edit, and what it does beyond the target. */
  why: string;
  /** The target ids the edit is for. */
  targets: string[];
}

export interface NotFixed {
  project: string;
  name: string;
  /** The manifest line, or null for a transitive package. */
  location: ReportLocation | null;
  reason: string;
  targets: string[];
}

export interface Relock {
  project: string;
  lockFile: string;
  /** The command to run, or a sentence when the tool that wrote the lock cannot be told. */
  command: string;
}

export interface FixPlan {
  edits: PlannedEdit[];
  notFixed: NotFixed[];
  /** Lock files of projects that get an edit: they are never edited, so they must be re-locked. */
  relock: Relock[];
}

/** The marker that keeps a CPython-only speed-up off PyPy (PyPy's own `platform_python_implementation`). */
export const NOT_ON_PYPY: Marker = { variable: 'platform_python_implementation', op: '!=', value: 'PyPy' };

/**
 * Extras a replacement needs to bring what the original bundled. psycopg2-binary's wheels carry
 * libpq; psycopg's `binary` extra does the same on CPython, and its marker
 * (`implementation_name != "pypy"`) leaves it out on PyPy, which then uses the system libpq
 * (../shared/docs/PYPY-FACTS.md, "Ecosystem facts").
 */
const BUNDLING_EXTRAS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  'psycopg2-binary': { psycopg: ['binary'] },
};

const LOCKS: readonly { test: RegExp; command: string }[] = [
  { test: /(^|\/)poetry\.lock$/, command: 'poetry lock' },
  { test: /(^|\/)uv\.lock$/, command: 'uv lock' },
  { test: /(^|\/)pdm\.lock$/, command: 'pdm lock' },
  { test: /(^|\/)Pipfile\.lock$/, command: 'pipenv lock' },
  { test: /(^|\/)pylock(\.[^/]+)?\.toml$/, command: 'the tool that wrote it (`pip lock`, `uv export --format pylock.toml` or `pdm export -f pylock`)' },
];

/** The re-lock command for a lock file, or null when the file is not a lock. */
export function relockCommand(file: string): string | null {
  return LOCKS.find((l) => l.test.test(file))?.command ?? null;
}

const PRIORITY: Record<EditKind, number> = { replace: 0, marker: 1, pin: 2, 'upper-bound': 3 };

interface Candidate {
  change: Change;
  why: string;
  target: string;
}

/** The knowledge base's label for a standard-library alternative (`KnowledgeAlternative.name`, e.g. "json (standard library)"). */
const STDLIB = / \(standard library\)$/;

/**
 * A version the finding carries as data (never read from its sentences), fit to be written into a
 * pin: a ScanResult may be built by hand, and the version goes into the team's manifest.
 */
const pinnable = (version: string | undefined): string | null => (version !== undefined && isValidVersion(version) ? version : null);

/**
 * The bound that keeps the knowledge base's version limit out, when the limit is one lower bound.
 * `limit` is the entry's PEP 440 specifier (checked when the knowledge base loads), not prose.
 */
function boundOf(limit: string): UpperBound | null {
  const m = /^\s*(>=|>)\s*([^\s,]+)\s*$/.exec(limit);
  if (!m || !isValidVersion(m[2]!)) return null;
  return { op: m[1] === '>=' ? '<' : '<=', version: m[2]! };
}

/** The team ignored the finding in its configuration (and the ignore has not lapsed): not fixed either. */
const isIgnored = (f: Finding): boolean => f.ignored !== undefined && f.ignoreExpired === undefined;

const isProblem = (f: Finding): boolean => f.severity === 'error' || f.severity === 'warning' || f.severity === 'unknown';

export function planFixes(result: ScanResult, knowledge: KnowledgeBase): FixPlan {
  const pypy = new Map(result.targets.filter((t) => t.implementation === 'pypy').map((t) => [t.id, t]));
  const requirementAt = (project: string, name: string, l: ReportLocation): ReportRequirement | undefined =>
    result.requirements.find((r) => r.project === project && r.name === name && r.location.file === l.file && r.location.line === l.line && r.location.column === l.column);
  const requires = (project: string, name: string): boolean => result.requirements.some((r) => r.project === project && r.name === name && r.direct);

  const notFixed: NotFixed[] = [];
  const note = (project: string, name: string, location: ReportLocation | null, reason: string, target: string): void => {
    const same = notFixed.find((n) => n.project === project && n.name === name && n.reason === reason && sameLocation(n.location, location));
    if (same) {
      if (!same.targets.includes(target)) same.targets.push(target);
    } else {
      notFixed.push({ project, name, location, reason, targets: [target] });
    }
  };

  // Candidates per declared requirement (project, location, name), and the problem findings there.
  const sites = new Map<string, { project: string; name: string; location: ReportLocation; candidates: Candidate[]; problems: Finding[] }>();
  for (const f of result.findings) {
    const target = pypy.get(f.target);
    if (!target) continue;
    if (isIgnored(f)) continue;
    if (f.via.length > 0) {
      if (isProblem(f)) note(f.project, f.name, null, `pulled in by ${f.via.join(' → ')}: a transitive dependency is not edited; change or constrain the direct requirement that pulls it in`, f.target);
      continue;
    }
    const kb = knowledge.get(f.name);
    for (const location of f.locations) {
      const lock = relockCommand(location.file);
      if (lock !== null) {
        if (isProblem(f)) note(f.project, f.name, location, `declared only in a lock file, and lock files are never edited: change the project's manifest, then re-lock with ${wrapCommand(lock)}`, f.target);
        continue;
      }
      const key = `${f.project}\u0000${location.file}:${location.line}:${location.column}\u0000${f.name}`;
      let site = sites.get(key);
      if (!site) sites.set(key, (site = { project: f.project, name: f.name, location, candidates: [], problems: [] }));
      if (isProblem(f)) site.problems.push(f);
      const requirement = requirementAt(f.project, f.name, location);
      site.candidates.push(...candidatesFor(f, kb, requirement, target.pythonVersion, requires));
    }
  }

  const edits: PlannedEdit[] = [];
  for (const site of sites.values()) {
    const best = Math.min(...site.candidates.map((c) => PRIORITY[c.change.kind]));
    const chosen = site.candidates.filter((c) => PRIORITY[c.change.kind] === best);
    let covered = new Set<string>();
    if (chosen.length > 0) {
      const texts = new Set(chosen.map((c) => JSON.stringify(c.change)));
      if (texts.size > 1) {
        for (const c of chosen) note(site.project, site.name, site.location, `the targets need different fixes (${chosen.map((x) => `${shortTarget(x.target)}: ${describeChange(x.change)}`).join('; ')}); edit it by hand`, c.target);
      } else {
        const targets = [...new Set(chosen.map((c) => c.target))];
        // A replacement or a marker takes the package off every PyPy target; a pin fixes the
        // targets it was found for; an upper bound heads off a limit, and fixes no finding there.
        const kind = chosen[0]!.change.kind;
        covered = new Set(kind === 'replace' || kind === 'marker' ? pypy.keys() : kind === 'pin' ? targets : []);
        edits.push({ project: site.project, file: site.location.file, line: site.location.line, column: site.location.column, name: site.name, change: chosen[0]!.change, why: chosen[0]!.why, targets });
      }
    }
    for (const f of site.problems) {
      if (covered.has(f.target)) continue;
      note(site.project, site.name, site.location, noFixReason(f, knowledge.get(f.name)), f.target);
    }
  }

  const edited = new Set(edits.map((e) => e.project));
  const lockFiles = new Map<string, Relock>();
  for (const r of result.requirements) {
    const command = relockCommand(r.location.file);
    if (command !== null && edited.has(r.project)) lockFiles.set(r.location.file, { project: r.project, lockFile: r.location.file, command });
  }
  return { edits: edits.sort(byPlace), notFixed: notFixed.sort(byLocation), relock: [...lockFiles.values()] };
}

function candidatesFor(
  f: Finding,
  kb: KnowledgeEntry | undefined,
  requirement: ReportRequirement | undefined,
  pythonVersion: string,
  requires: (project: string, name: string) => boolean,
): Candidate[] {
  const out: Candidate[] = [];
  const alt = kb?.alternative;
  const dropIn = alt && (alt.dropIn === 'yes' || alt.dropIn === 'partial');
  if (alt && dropIn && isProblem(f)) {
    const stdlib = STDLIB.test(alt.name);
    const altName = stdlib ? null : isValidName(alt.name) ? canonicalizeName(alt.name) : null;
    const partly = alt.dropIn === 'partial' ? ` (a drop-in only for ${alt.dropInFor}: check the rest of your code)` : '';
    if (stdlib || (altName !== null && requires(f.project, altName))) {
      out.push({
        target: f.target,
        change: { kind: 'marker', marker: NOT_ON_PYPY },
        why: `${f.name} is an optional speed-up on PyPy: ${stdlib ? `${alt.name.replace(STDLIB, '')} from the standard library` : `${alt.name}, already required,`} takes over${partly}: ${alt.note}. The marker keeps it on CPython.`,
      });
    } else if (altName !== null && f.verdict === 'known-broken') {
      const extras = [...(BUNDLING_EXTRAS[f.name]?.[altName] ?? [])];
      const dropped = requirement && requirement.specifier ? ` The version clauses "${requirement.specifier}" were ${f.name}'s and are dropped: pin ${altName} to a release you have checked.` : '';
      const lostExtras = requirement && requirement.extras.length > 0 ? ` The extras [${requirement.extras.join(',')}] were ${f.name}'s and are dropped.` : '';
      out.push({
        target: f.target,
        change: { kind: 'replace', name: alt.name, extras },
        why: `${f.name} does not work on PyPy; ${alt.name}${extras.length ? `[${extras.join(',')}]` : ''} is ${alt.dropIn === 'yes' ? 'a drop-in replacement' : `a drop-in only for ${alt.dropInFor}`}: ${alt.note}.${dropped}${lostExtras}`,
      });
    }
  }
  if (f.verdict === 'lost-pypy-wheels') {
    const version = pinnable(f.lastVersionWithWheels);
    if (version !== null && version !== f.version) out.push({ target: f.target, change: { kind: 'pin', version }, why: `${version} is the last release of ${f.name} with wheels for this PyPy; newer ones build from source. The pin holds on CPython too.` });
    else if (version !== null) out.push({ target: f.target, change: { kind: 'pin', version }, why: `pip falls back to ${version}, the newest release with wheels for this PyPy; the pin makes that explicit (on CPython too).` });
  }
  if (f.verdict === 'requires-python' && requirement?.version && /^===?/.test(requirement.specifier) && !requirement.specifier.includes(',')) {
    const version = pinnable(f.newestInstallable);
    if (version !== null) out.push({ target: f.target, change: { kind: 'pin', version }, why: `${f.name} ${requirement.version} excludes this PyPy's Python; ${version} is the newest release that installs there. The pin holds on CPython too.` });
  }
  const limit = kb?.pythonLimit;
  if (limit && requirement && (!limit.requiresPython || !satisfies(pythonVersion, limit.requiresPython, { prereleases: true }))) {
    const bound = boundOf(limit.specifier);
    if (bound && boundedSpecifier(requirement.specifier, bound) !== null) {
      out.push({ target: f.target, change: { kind: 'upper-bound', bound }, why: `${limit.note}. The bound holds on CPython too; drop it when you move to a PyPy with a newer Python.` });
    }
  }
  return out;
}

function noFixReason(f: Finding, kb: KnowledgeEntry | undefined): string {
  const alt = kb?.alternative;
  if (f.verdict === 'known-broken' && alt && !(alt.dropIn === 'yes' || alt.dropIn === 'partial')) {
    return `no automatic fix: ${alt.name} is ${alt.dropIn === 'no' ? 'not a drop-in (code changes needed)' : 'not recorded as a drop-in'}: ${alt.note}`;
  }
  if (f.verdict === 'lost-pypy-wheels') return `no automatic fix: the scan did not establish the last release with wheels here${f.suggestion ? ` (${f.suggestion})` : ''}`;
  return `no automatic fix (${f.verdict})${f.suggestion ? `: ${f.suggestion}` : ''}`;
}

export function describeChange(change: Change): string {
  switch (change.kind) {
    case 'replace':
      return `replace with ${change.name}${change.extras.length ? `[${change.extras.join(',')}]` : ''}`;
    case 'pin':
      return `pin ==${change.version}`;
    case 'upper-bound':
      return `bound ${change.bound.op}${change.bound.version}`;
    case 'marker':
      return 'keep off PyPy';
  }
}

function wrapCommand(command: string): string {
  return command.startsWith('the tool') ? command : `\`${command}\``;
}

/** `pypy3.11-7.3-manylinux_x86_64` → `pypy3.11-7.3`. */
function shortTarget(id: string): string {
  return id.replace(/-(manylinux|musllinux|macos|win|linux).*$/, '');
}

function sameLocation(a: ReportLocation | null, b: ReportLocation | null): boolean {
  return a === b || (a !== null && b !== null && a.file === b.file && a.line === b.line && a.column === b.column);
}

function byLocation(a: NotFixed, b: NotFixed): number {
  return a.project.localeCompare(b.project) || (a.location?.file ?? '\uffff').localeCompare(b.location?.file ?? '\uffff') || (a.location?.line ?? 0) - (b.location?.line ?? 0) || a.name.localeCompare(b.name);
}

function byPlace(a: PlannedEdit, b: PlannedEdit): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;
}
