/**
 * The verdict on one resolved package: an ordered table of small rules, each answering for one
 * verdict or passing, with its suggestion text beside it. Pure: a function of the `ResolvedPackage`
 * and the knowledge base entry, no I/O, no formatting beyond the evidence sentences.
 *
 * The knowledge base speaks about PyPy only: on a CPython baseline it does not apply, compiled
 * wheels are native wheels, and nothing about cpyext is said.
 */
import type { WheelFilename } from '../pep/filenames.js';
import { tagToString } from '../pep/tags.js';
import { satisfies } from '../pep/versions.js';
import type { ParsedFile } from '../resolve/candidates.js';
import type { ResolvedPackage } from '../resolve/types.js';
import { isCompiledWheel } from '../resolve/version.js';
import type { Target } from '../targets/index.js';
import type { KnowledgeEntry } from './knowledge.js';
import { DEFAULT_SEVERITY, worseSeverity, type Assessment, type Severity, type Verdict } from './types.js';

/** What every rule may look at. */
interface Context {
  readonly pkg: ResolvedPackage;
  readonly target: Target;
  readonly pypy: boolean;
  /** The knowledge base entry, only on PyPy targets. */
  readonly kb: KnowledgeEntry | undefined;
  /** Facts to add after a verdict's own evidence (skipped releases, knowledge base notes). */
  readonly notes: readonly string[];
}

interface Verdicted {
  verdict: Verdict;
  severity?: Severity;
  version?: string | null;
  file?: string | null;
  evidence: string[];
  suggestion?: string | null;
  /** The facts the sentences name, carried as data too (Assessment's fields of the same names). */
  lastVersionWithWheels?: string | null;
  newestInstallable?: string | null;
}

type Rule = (ctx: Context) => Verdicted | null;

type WheelFile = ParsedFile & { parsed: { kind: 'wheel' } & WheelFilename };

const isWheel = (f: ParsedFile): f is WheelFile => f.parsed.kind === 'wheel';

function knowledgeEvidence(entry: KnowledgeEntry): string {
  const wheels = entry.pypyWheels ? `; PyPy wheels: ${entry.pypyWheels.specifier} (${entry.pypyWheels.note})` : '';
  return `knowledge base: ${entry.status}: ${entry.summary}${wheels} (source: ${entry.sources.join('; ')})`;
}

/** "Replace with X" / "Consider X", saying whether X is a drop-in and for which use. */
function alternativeText(entry: KnowledgeEntry): string {
  const alt = entry.alternative!;
  const dropIn =
    alt.dropIn === 'yes' ? ' (a drop-in replacement)' : alt.dropIn === 'no' ? ' (not a drop-in: code changes needed)' : alt.dropIn === 'partial' ? ` (a drop-in only for ${alt.dropInFor})` : '';
  return `${alt.name}${dropIn}: ${alt.note}`;
}

/** Whether a version limit concerns this target: always, unless its Requires-Python admits the target's Python. */
function limitApplies(entry: KnowledgeEntry | undefined, target: Target): boolean {
  const limit = entry?.pythonLimit;
  if (!limit) return false;
  return !limit.requiresPython || !satisfies(target.interpreter.pythonFullVersion, limit.requiresPython, { prereleases: true });
}

function appliesTo(entry: KnowledgeEntry | undefined, version: string | null): boolean {
  if (!entry) return false;
  if (!entry.appliesTo || version === null) return true;
  return satisfies(version, entry.appliesTo, { prereleases: true });
}

/** The best accepted tag of a chosen wheel, for evidence. */
function matchedTag(wheel: WheelFilename, target: Target): string | null {
  let best: [number, string] | null = null;
  for (const tag of wheel.tags) {
    const text = tagToString(tag);
    const rank = target.rankOf(text);
    if (rank !== undefined && (!best || rank < best[0])) best = [rank, text];
  }
  return best?.[1] ?? null;
}

/** PyPy ABIs for the same Python but another PyPy series (pp73 vs pp80) among a version's wheels. */
function otherSeriesAbis(files: readonly ParsedFile[], target: Target): string[] {
  if (target.interpreter.implementation !== 'pypy') return [];
  const prefix = target.interpreter.abi.replace(/_pp\d+$/, '_pp');
  const abis = new Set<string>();
  for (const wheel of files.filter(isWheel)) {
    for (const tag of wheel.parsed.tags) if (tag.abi.startsWith(prefix) && tag.abi !== target.interpreter.abi) abis.add(tag.abi);
  }
  return [...abis].sort();
}

/** One sentence about the files that were passed over, grouped by reason. */
function rejectedSummary(pkg: ResolvedPackage): string[] {
  const considered = pkg.choice?.choice?.considered ?? [];
  const byReason = new Map<string, string[]>();
  for (const { candidate, rejection } of considered) {
    if (!rejection) continue;
    const reason = rejection.startsWith('no tag') ? `not accepted by ${rejection.split(' accepted by ')[1] ?? 'the target'}` : rejection;
    if (!byReason.has(reason)) byReason.set(reason, []);
    byReason.get(reason)!.push(candidate.file.filename);
  }
  return [...byReason].map(([reason, names]) => {
    const shown = names.slice(0, 3).join(', ');
    const more = names.length > 3 ? ` and ${names.length - 3} more` : '';
    return `rejected (${reason}): ${shown}${more}`;
  });
}

const versionFiles = (pkg: ResolvedPackage): readonly ParsedFile[] => (pkg.version ? pkg.files?.files.get(pkg.version) ?? [] : []);
const python = (target: Target): string => `Python ${target.interpreter.pythonFullVersion}`;
const compiledFor = (target: Target): string => (target.interpreter.implementation === 'pypy' ? target.interpreter.abi : `${target.interpreter.id} (${target.interpreter.abi} or abi3)`);

// ---------------------------------------------------------------- nothing to look at

const directUrl: Rule = ({ pkg }) =>
  pkg.origin === 'url'
    ? {
        verdict: 'unknown',
        evidence: [pkg.fetchError ?? 'installed from a URL, not from the index: not assessed'],
        suggestion: 'Check this dependency by hand (or with `pypy-ready verify`): an index cannot describe a URL or VCS requirement.',
      }
    : null;

const preinstalled: Rule = ({ pkg, kb }) =>
  pkg.origin === 'preinstalled'
    ? {
        verdict: pkg.name === 'cffi' ? 'cffi' : 'pure',
        evidence: [
          ...(kb ? [knowledgeEvidence(kb)] : []),
          'built into PyPy: pip treats it as already installed, unless the requirement asks for a newer version than the bundled one, in which case pip tries to build the sdist',
        ],
      }
    : null;

const indexSilent: Rule = ({ pkg }) =>
  pkg.files === null
    ? {
        verdict: 'unknown',
        evidence: [pkg.fetchError ?? 'the index did not answer for this package'],
        suggestion: 'Check the package name and that the index is reachable (and authorised); unknown is not ok.',
      }
    : null;

const noFiles: Rule = ({ pkg }) =>
  pkg.files !== null && pkg.files.versions.length === 0
    ? {
        verdict: 'unknown',
        evidence: ['the index lists no distribution files for this project', ...pkg.files.unparsable.slice(0, 3).map((u) => `unreadable file name: ${u.reason}`)],
        suggestion: 'Check the package name and the index; a project with no files cannot be assessed.',
      }
    : null;

// ---------------------------------------------------------------- the knowledge base first

const knownBroken: Rule = ({ pkg, kb }) => {
  const version = pkg.version ?? pkg.choice?.newestAllowed ?? null;
  if (kb?.status !== 'broken' || !appliesTo(kb, version)) return null;
  return {
    verdict: 'known-broken',
    version,
    file: pkg.chosen?.file.filename ?? null,
    evidence: [knowledgeEvidence(kb), ...(pkg.chosen ? [`pip would install ${pkg.chosen.file.filename}`] : [])],
    suggestion: kb.alternative ? `Replace with ${alternativeText(kb)}` : 'No drop-in alternative is recorded; keep this dependency on CPython.',
  };
};

// ---------------------------------------------------------------- nothing installs

function nothingInstalls(pkg: ResolvedPackage): boolean {
  return !pkg.version || !pkg.chosen;
}

const pythonExcluded: Rule = ({ pkg, target, kb }) => {
  if (!nothingInstalls(pkg) || !pkg.choice) return null;
  const choice = pkg.choice;
  const considered = choice.choice?.considered ?? [];
  const blocked =
    (choice.fixed && considered.length > 0 && considered.every((c) => c.rejection?.startsWith('requires-python'))) ||
    (!choice.fixed && choice.skipped.length > 0 && choice.skipped.every((s) => s.reason.startsWith('requires-python')));
  if (!blocked) return null;
  const version = choice.version ?? choice.skipped[0]?.version ?? null;
  const why = considered.find((c) => c.rejection)?.rejection ?? choice.skipped[0]?.reason ?? 'requires-python excludes the target';
  const installable = pkg.newestInstallable;
  return {
    verdict: 'requires-python',
    version,
    evidence: [`${pkg.name} ${version}: ${why}`, ...(kb?.pythonLimit && limitApplies(kb, target) ? [`version limit: ${kb.pythonLimit.note}`] : [])],
    newestInstallable: installable,
    suggestion: installable
      ? `On ${target.interpreter.id} (${python(target)}) the newest installable release is ${installable}: require ${pkg.name}<=${installable} for this target, or move to a PyPy with a newer Python.`
      : `No release of ${pkg.name} supports ${python(target)}.`,
  };
};

const pinNotListed: Rule = ({ pkg, target }) => {
  if (!pkg.choice?.fixed || pkg.choice.version) return null;
  return {
    verdict: 'no-distribution',
    version: pkg.request.fixedVersion ?? null,
    evidence: [`version ${pkg.request.fixedVersion} is not on the index (newest: ${pkg.files!.versions[0]})`],
    newestInstallable: pkg.newestInstallable,
    suggestion: pkg.newestInstallable ? `Use a listed release; the newest that installs on ${target.interpreter.id} is ${pkg.newestInstallable}.` : null,
  };
};

const noReleaseMatches: Rule = ({ pkg, target }) => {
  if (!nothingInstalls(pkg) || !pkg.choice || pkg.choice.fixed || pkg.choice.newestAllowed !== null) return null;
  return {
    verdict: 'no-distribution',
    evidence: [`no release matches ${pkg.request.specifier || 'any version'} (newest release: ${pkg.files!.versions[0]})`],
    newestInstallable: pkg.newestInstallable,
    suggestion: pkg.newestInstallable ? `Relax the requirement; the newest release that installs on ${target.interpreter.id} is ${pkg.newestInstallable}.` : null,
  };
};

function noFileEvidence(pkg: ResolvedPackage, target: Target): string[] {
  const choice = pkg.choice!;
  return choice.fixed
    ? [`${pkg.name} ${choice.version}: no wheel for ${target.id} and no source distribution${formatsNote(pkg)}`, ...rejectedSummary(pkg)]
    : [`no release${pkg.request.specifier ? ` allowed by "${pkg.request.specifier}"` : ''} has a wheel for ${target.id} or a source distribution${formatsNote(pkg)}`, ...choice.skipped.slice(0, 3).map((s) => `${s.version}: ${s.reason}`)];
}

function formatsNote(pkg: ResolvedPackage): string {
  const formats = pkg.request.formats;
  if (formats && !formats.source) return ' that --only-binary allows';
  if (formats && !formats.binary) return ' that --no-binary allows';
  return '';
}

const lostAndNothingElse: Rule = ({ pkg, target }) => {
  if (!nothingInstalls(pkg) || !pkg.lastCompiledWheel) return null;
  return {
    verdict: 'lost-pypy-wheels',
    severity: 'error',
    version: pkg.choice?.version ?? null,
    evidence: [`${pkg.lastCompiledWheel} had wheels for ${compiledFor(target)}; newer releases have none and no sdist`, ...noFileEvidence(pkg, target)],
    lastVersionWithWheels: pkg.lastCompiledWheel,
    suggestion: `Pin ${pkg.name}==${pkg.lastCompiledWheel}, the last release with ${compiledFor(target)} wheels.`,
  };
};

const noDistribution: Rule = ({ pkg, target }) => {
  if (!nothingInstalls(pkg)) return null;
  return {
    verdict: 'no-distribution',
    version: pkg.choice?.version ?? null,
    evidence: noFileEvidence(pkg, target),
    newestInstallable: pkg.newestInstallable,
    suggestion: pkg.newestInstallable
      ? `Only ${pkg.name} ${pkg.newestInstallable} installs on ${target.interpreter.id}${formatsNote(pkg) ? ' with these options' : ''}.`
      : `Nothing ${pkg.name} publishes installs on ${target.interpreter.id}${formatsNote(pkg) ? ' with these options' : ''}; keep it on CPython or find an alternative.`,
  };
};

// ---------------------------------------------------------------- a wheel installs

function wheelEvidence(pkg: ResolvedPackage, target: Target): string {
  const chosen = pkg.chosen as WheelFile;
  return `best file for ${target.id}: ${chosen.file.filename} (tag ${matchedTag(chosen.parsed, target)})`;
}

const lostToOlderWheel: Rule = ({ pkg, target, notes }) => {
  if (!pkg.chosen || !isWheel(pkg.chosen) || pkg.choice?.fixed) return null;
  // Newer releases passed over only for want of a file for this target (not yanked, not Python).
  const lostTo = pkg.choice?.skipped.find((s) => s.noFileForTarget);
  if (!lostTo) return null;
  return {
    verdict: 'lost-pypy-wheels',
    evidence: [`the newest allowed release ${lostTo.version} has nothing installable on ${target.interpreter.id} (${lostTo.reason}); pip falls back to ${pkg.version}`, wheelEvidence(pkg, target), ...rejectedSummary(pkg), ...notes],
    lastVersionWithWheels: pkg.version,
    suggestion: `Pin ${pkg.name}==${pkg.version} for ${target.interpreter.implementation === 'pypy' ? 'PyPy' : target.interpreter.id} (the newest release that installs), or ask upstream for ${target.interpreter.abi} wheels.`,
  };
};

const pypyAbiWheel: Rule = ({ pkg, target, pypy, kb, notes }) => {
  if (!pypy || !pkg.chosen || !isWheel(pkg.chosen) || !pkg.chosen.parsed.tags.some((t) => t.abi === target.interpreter.abi)) return null;
  if (kb?.status === 'cffi') return { verdict: 'cffi', evidence: [wheelEvidence(pkg, target), ...notes] };
  return {
    verdict: 'pypy-wheel',
    severity: 'info',
    evidence: [wheelEvidence(pkg, target), `compiled for ${target.interpreter.abi}: it runs through cpyext, PyPy's emulation of the CPython C API, so calls into it get no JIT speed-up`, ...notes],
    suggestion: (kb?.status === 'no-gain' || kb?.status === 'cpyext-slow') && kb.alternative ? `Consider ${alternativeText(kb)}` : null,
  };
};

const nativeWheel: Rule = ({ pkg, target, pypy, notes }) => {
  if (pypy || !pkg.chosen || !isCompiledWheel(pkg.chosen)) return null;
  return { verdict: 'native-wheel', evidence: [wheelEvidence(pkg, target), `a compiled wheel for ${target.interpreter.id}: installs without a compiler`, ...notes] };
};

const pureWheel: Rule = ({ pkg, target, kb, notes }) => {
  if (!pkg.chosen || !isWheel(pkg.chosen)) return null;
  const platformOnly = !pkg.chosen.parsed.tags.some((t) => t.platform === 'any') ? ['platform-specific wheel with no Python ABI (a bundled executable or ctypes library)'] : [];
  return { verdict: kb?.status === 'cffi' ? 'cffi' : 'pure', evidence: [wheelEvidence(pkg, target), ...platformOnly, ...notes] };
};

// ---------------------------------------------------------------- only the sdist installs

function sdistEvidence(pkg: ResolvedPackage, target: Target): string[] {
  const compiled = versionFiles(pkg).filter(isCompiledWheel);
  return [
    `no wheel for ${target.id}; pip would build ${pkg.chosen!.file.filename}`,
    ...(compiled.length > 0 ? [`${compiled.length} compiled wheel(s) for other interpreters, e.g. ${compiled[0]!.file.filename}`] : []),
  ];
}

const pureFallback: Rule = ({ pkg, target, kb, notes }) =>
  kb?.status === 'pure-fallback' ? { verdict: 'pure-fallback', severity: 'info', evidence: [...sdistEvidence(pkg, target), ...notes] } : null;

const cffiFromSource: Rule = ({ pkg, target, kb, notes }) =>
  kb?.status === 'cffi'
    ? { verdict: 'cffi', severity: 'info', evidence: [...sdistEvidence(pkg, target), "CFFI bindings are PyPy's fast path to C; building needs a compiler and the library headers", ...notes] }
    : null;

const abiMismatch: Rule = ({ pkg, target, notes }) => {
  const otherAbis = otherSeriesAbis(versionFiles(pkg), target);
  if (otherAbis.length === 0) return null;
  return {
    verdict: 'abi-mismatch',
    evidence: [`${pkg.version} has wheels for ${otherAbis.join(', ')} but not for ${target.interpreter.abi}`, ...sdistEvidence(pkg, target), ...notes],
    suggestion: `Wheels for ${otherAbis.join(', ')} do not load on ${target.interpreter.id}; target a PyPy with that ABI, ask upstream for ${target.interpreter.abi} wheels, or build from source (needs a compiler).`,
  };
};

const lostToSdist: Rule = ({ pkg, target, notes }) => {
  if (!pkg.lastCompiledWheel) return null;
  return {
    verdict: 'lost-pypy-wheels',
    evidence: [`${pkg.lastCompiledWheel} had wheels for ${compiledFor(target)}; ${pkg.version} has none`, ...sdistEvidence(pkg, target), ...notes],
    lastVersionWithWheels: pkg.lastCompiledWheel,
    suggestion: `Pin ${pkg.name}==${pkg.lastCompiledWheel} (last release with ${compiledFor(target)} wheels), or build ${pkg.version} from source with a compiler and headers.`,
  };
};

const compiledSourceBuild: Rule = ({ pkg, target, pypy, kb, notes }) => {
  const compiled = versionFiles(pkg).some(isCompiledWheel);
  if (!compiled && kb?.status !== 'cpyext-slow' && kb?.status !== 'no-gain') return null;
  return {
    verdict: 'source-build',
    evidence: [...sdistEvidence(pkg, target), pypy ? 'a compiled extension: it installs only with a C compiler and headers, then runs through cpyext' : 'a compiled extension: it installs only with a C compiler and headers', ...notes],
    suggestion: kb?.alternative
      ? `Consider ${alternativeText(kb)}`
      : pypy
        ? 'Install build tools (compiler, Python headers, library headers) in the PyPy image, or find a pure-Python or CFFI alternative.'
        : 'Install build tools (compiler, Python headers, library headers) in the image.',
  };
};

/** Compiled upstream, PyPy behaviour not established: the sdist build is a risk, never a pass. */
const unverifiedSdist: Rule = ({ pkg, target, kb, notes }) =>
  kb?.status === 'unverified'
    ? {
        verdict: 'source-build',
        evidence: [...sdistEvidence(pkg, target), 'the knowledge base could not establish how this package behaves on PyPy (unverified): the source build is untested there', ...notes],
        suggestion: kb.alternative ? `Consider ${alternativeText(kb)}` : 'Try the build in a PyPy image (compiler and headers) and run its tests there before relying on it.',
      }
    : null;

const knownPureSdist: Rule = ({ pkg, target, kb, notes }) =>
  kb?.status === 'works' || kb?.status === 'builtin' ? { verdict: 'pure', evidence: [...sdistEvidence(pkg, target), ...notes] } : null;

const sdistOnly: Rule = ({ pkg, target, notes }) => ({
  verdict: 'source-build',
  severity: 'info',
  evidence: [...sdistEvidence(pkg, target), 'only a source distribution is published and no compiled wheels exist for any platform, so it is probably pure Python; the sdist was not inspected', ...notes],
});

/** First match wins. */
const RULES: readonly Rule[] = [
  directUrl,
  preinstalled,
  indexSilent,
  noFiles,
  knownBroken,
  pythonExcluded,
  pinNotListed,
  noReleaseMatches,
  lostAndNothingElse,
  noDistribution,
  lostToOlderWheel,
  pypyAbiWheel,
  nativeWheel,
  pureWheel,
  pureFallback,
  cffiFromSource,
  abiMismatch,
  lostToSdist,
  unverifiedSdist,
  compiledSourceBuild,
  knownPureSdist,
  sdistOnly,
];

function contextNotes(pkg: ResolvedPackage, target: Target, kb: KnowledgeEntry | undefined): string[] {
  const notes: string[] = [];
  const skipped = pkg.choice?.skipped ?? [];
  if (pkg.chosen && skipped.length > 0) {
    notes.push(`newer releases skipped on ${target.interpreter.id}: ${skipped.slice(0, 3).map((s) => `${s.version} (${s.reason})`).join(', ')}${skipped.length > 3 ? ` and ${skipped.length - 3} more` : ''}`);
  }
  if (kb && kb.status !== 'broken') notes.push(knowledgeEvidence(kb));
  if (kb?.pythonLimit && limitApplies(kb, target)) notes.push(`version limit: ${kb.pythonLimit.note}`);
  return notes;
}

/** The verdict on one resolved package (`knowledge`: its knowledge base entry, if any). */
export function assess(pkg: ResolvedPackage, knowledge?: KnowledgeEntry): Assessment {
  const target = pkg.target;
  const pypy = target.interpreter.implementation === 'pypy';
  const kb = pypy ? knowledge : undefined;
  const ctx: Context = { pkg, target, pypy, kb, notes: contextNotes(pkg, target, kb) };
  let outcome: Verdicted | null = null;
  for (const rule of RULES) if ((outcome = rule(ctx))) break;
  const found = outcome!;

  let severity = found.severity ?? DEFAULT_SEVERITY[found.verdict];
  const evidence = [...found.evidence, ...pkg.notes];
  let suggestion = found.suggestion ?? null;
  let newestInstallable = found.newestInstallable ?? null;
  // pip installs a yanked release only for an exact pin, and warns (PEP 592): so do we.
  if (pkg.yanked && pkg.chosen) {
    severity = worseSeverity(severity, 'warning');
    evidence.unshift(`${pkg.chosen.file.filename} is yanked (${pkg.yanked}); pip installs it only because it is pinned exactly, with a warning`);
    suggestion ??= pkg.newestInstallable && pkg.newestInstallable !== pkg.version ? `Move the pin off the yanked release, e.g. to ${pkg.name}==${pkg.newestInstallable}.` : 'Move the pin off the yanked release.';
    newestInstallable ??= pkg.newestInstallable;
  }
  // What was not checked is never fine.
  if (pkg.unchecked.length > 0) {
    severity = worseSeverity(severity, 'warning');
    evidence.push(...pkg.unchecked);
  }
  return {
    name: pkg.name,
    version: found.version !== undefined ? found.version : pkg.origin === 'preinstalled' ? null : pkg.version,
    target: target.id,
    verdict: found.verdict,
    severity,
    file: found.file !== undefined ? found.file : pkg.chosen?.file.filename ?? null,
    evidence,
    suggestion,
    // Absent rather than null: only the verdicts that establish a fact carry it.
    ...(found.lastVersionWithWheels ? { lastVersionWithWheels: found.lastVersionWithWheels } : {}),
    ...(newestInstallable ? { newestInstallable } : {}),
  };
}
