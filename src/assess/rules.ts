/**
 * The rules that turn what the index says about a package, the target, and the knowledge base into
 * one verdict with its evidence. Pure: no I/O, no formatting beyond the evidence sentences.
 */
import type { WheelFilename } from '../pep/filenames.js';
import { tagToString } from '../pep/tags.js';
import { compareVersions, satisfies } from '../pep/versions.js';
import { chooseFile, type FilesByVersion, type ParsedFile } from '../resolve/candidates.js';
import { chooseVersion, newestInstallable, type VersionChoice, type VersionRequest } from '../resolve/version.js';
import type { Target } from '../targets/index.js';
import type { KnowledgeEntry } from './knowledge.js';
import type { Assessment, Severity, Verdict } from './types.js';

export interface PackageFacts {
  /** PEP 503 normalised name. */
  readonly name: string;
  /** Files on the index, or null when the index could not tell us. */
  readonly files: FilesByVersion | null;
  /** Why the files are missing (a redacted, one-line index error). */
  readonly fetchError?: string | null;
  readonly request: VersionRequest;
  readonly knowledge?: KnowledgeEntry | undefined;
}

export interface AssessmentResult {
  readonly assessment: Assessment;
  readonly choice: VersionChoice | null;
  readonly chosen: ParsedFile | null;
}

const DEFAULT_SEVERITY: Record<Verdict, Severity> = {
  'pypy-wheel': 'ok',
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

function wheelsOf(files: readonly ParsedFile[]): (ParsedFile & { parsed: { kind: 'wheel' } & WheelFilename })[] {
  return files.filter((f): f is ParsedFile & { parsed: { kind: 'wheel' } & WheelFilename } => f.parsed.kind === 'wheel');
}

/** A compiled wheel declares an ABI other than `none`. */
function isCompiled(wheel: WheelFilename): boolean {
  return wheel.tags.some((tag) => tag.abi !== 'none');
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

/** Newest version older than `before` with a wheel for exactly this target's PyPy ABI that installs. */
function lastVersionWithTargetWheels(files: FilesByVersion, target: Target, before: string | null): string | null {
  for (const version of files.versions) {
    if (before && compareVersions(version, before) >= 0) continue;
    const wheels = wheelsOf(files.files.get(version) ?? []);
    const chosen = chooseFile(wheels, target, {}).chosen;
    if (chosen && chosen.parsed.kind === 'wheel' && chosen.parsed.tags.some((t) => t.abi === target.interpreter.abi)) return version;
  }
  return null;
}

/** PyPy ABIs for the same Python but another PyPy series (pp73 vs pp80) among a version's wheels. */
function otherSeriesAbis(files: readonly ParsedFile[], target: Target): string[] {
  if (target.interpreter.implementation !== 'pypy') return [];
  const prefix = target.interpreter.abi.replace(/_pp\d+$/, '_pp');
  const abis = new Set<string>();
  for (const wheel of wheelsOf(files)) {
    for (const tag of wheel.parsed.tags) if (tag.abi.startsWith(prefix) && tag.abi !== target.interpreter.abi) abis.add(tag.abi);
  }
  return [...abis].sort();
}

/** One sentence about the files that were passed over, grouped by reason. */
function rejectedSummary(choice: VersionChoice | null): string[] {
  const considered = choice?.choice?.considered ?? [];
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

function knowledgeEvidence(entry: KnowledgeEntry): string {
  return `knowledge base: ${entry.status}: ${entry.summary} (source: ${entry.sources.join('; ')})`;
}

function appliesTo(entry: KnowledgeEntry | undefined, version: string | null): boolean {
  if (!entry) return false;
  if (!entry.appliesTo || version === null) return true;
  return satisfies(version, entry.appliesTo, { prereleases: true });
}

function result(
  facts: PackageFacts,
  target: Target,
  verdict: Verdict,
  fields: { version?: string | null; file?: string | null; evidence: string[]; suggestion?: string | null; severity?: Severity },
  choice: VersionChoice | null = null,
  chosen: ParsedFile | null = null,
): AssessmentResult {
  return {
    assessment: {
      name: facts.name,
      version: fields.version ?? null,
      target: target.id,
      verdict,
      severity: fields.severity ?? DEFAULT_SEVERITY[verdict],
      file: fields.file ?? null,
      evidence: fields.evidence,
      suggestion: fields.suggestion ?? null,
    },
    choice,
    chosen,
  };
}

export function assessPackage(facts: PackageFacts, target: Target): AssessmentResult {
  const kb = facts.knowledge;
  const python = `Python ${target.interpreter.pythonFullVersion}`;

  if (!facts.files) {
    return result(facts, target, 'unknown', {
      evidence: [facts.fetchError ?? 'the index did not answer for this package'],
      suggestion: 'Check the package name and that the index is reachable (and authorised); unknown is not ok.',
    });
  }
  const files = facts.files;
  if (files.versions.length === 0) {
    return result(facts, target, 'unknown', {
      evidence: ['the index lists no distribution files for this project', ...files.unparsable.slice(0, 3).map((u) => `unreadable file name: ${u.reason}`)],
      suggestion: 'Check the package name and the index; a project with no files cannot be assessed.',
    });
  }

  const choice = chooseVersion(files, target, facts.request);
  const version = choice.version;
  const chosen = choice.choice?.chosen ?? null;
  const rejected = rejectedSummary(choice);

  if (kb?.status === 'broken' && appliesTo(kb, version ?? choice.newestAllowed)) {
    const alternative = kb.alternative ? `Replace with ${kb.alternative.name}: ${kb.alternative.note}` : 'No drop-in alternative is recorded; keep this dependency on CPython.';
    return result(
      facts,
      target,
      'known-broken',
      { version: version ?? choice.newestAllowed, file: chosen?.file.filename ?? null, evidence: [knowledgeEvidence(kb), ...(chosen ? [`pip would install ${chosen.file.filename}`] : [])], suggestion: alternative },
      choice,
      chosen,
    );
  }

  if (kb?.status === 'builtin' && target.interpreter.implementation === 'pypy') {
    // pip sees the bundled module as already installed; nothing is downloaded.
    return result(
      facts,
      target,
      facts.name === 'cffi' ? 'cffi' : 'pure',
      {
        version: null,
        file: null,
        evidence: [
          knowledgeEvidence(kb),
          'built into PyPy: pip treats it as already installed, unless the requirement asks for a newer version than the bundled one, in which case pip tries to build the sdist',
        ],
      },
      choice,
      null,
    );
  }

  if (!version || !chosen) {
    return unavailable(facts, target, choice, rejected, python);
  }

  const evidence: string[] = [];
  const notes: string[] = [];
  if (choice.skipped.length > 0) {
    notes.push(`newer releases skipped on ${target.interpreter.id}: ${choice.skipped.slice(0, 3).map((s) => `${s.version} (${s.reason})`).join(', ')}${choice.skipped.length > 3 ? ` and ${choice.skipped.length - 3} more` : ''}`);
  }
  if (kb && kb.status !== 'broken') notes.push(knowledgeEvidence(kb));
  if (kb?.pythonLimit) notes.push(`version limit: ${kb.pythonLimit.note}`);

  // Newer releases passed over only for want of a file for this target (not yanked, not Python).
  const lostTo = choice.skipped.find((s) => s.noFileForTarget);
  const parsed = chosen.parsed;

  if (parsed.kind === 'wheel') {
    const tag = matchedTag(parsed, target);
    evidence.push(`best file for ${target.id}: ${chosen.file.filename} (tag ${tag})`);
    let verdict: Verdict;
    let severity: Severity | undefined;
    let suggestion: string | null = null;
    if (parsed.tags.some((t) => t.abi === target.interpreter.abi) && target.interpreter.implementation === 'pypy') {
      verdict = kb?.status === 'cffi' ? 'cffi' : 'pypy-wheel';
      if (verdict === 'pypy-wheel') {
        severity = 'info';
        evidence.push(`compiled for ${target.interpreter.abi}: it runs through cpyext, PyPy's emulation of the CPython C API, so calls into it get no JIT speed-up`);
        if (kb?.status === 'no-gain' || kb?.status === 'cpyext-slow') suggestion = kb.alternative ? `Consider ${kb.alternative.name}: ${kb.alternative.note}` : null;
      }
    } else if (isCompiled(parsed)) {
      // Only reachable for CPython targets: an ABI wheel of the running interpreter.
      verdict = 'pypy-wheel';
    } else {
      verdict = kb?.status === 'cffi' ? 'cffi' : 'pure';
      if (!parsed.tags.some((t) => t.platform === 'any')) evidence.push('platform-specific wheel with no Python ABI (a bundled executable or ctypes library)');
    }
    if (lostTo && !choice.fixed) {
      const lastGood = version;
      return result(
        facts,
        target,
        'lost-pypy-wheels',
        {
          version,
          file: chosen.file.filename,
          evidence: [`the newest allowed release ${lostTo.version} has nothing installable on ${target.interpreter.id} (${lostTo.reason}); pip falls back to ${lastGood}`, ...evidence, ...rejected, ...notes],
          suggestion: `Pin ${facts.name}==${lastGood} for PyPy (the newest release that installs), or ask upstream for ${target.interpreter.abi} wheels.`,
        },
        choice,
        chosen,
      );
    }
    return result(facts, target, verdict, { version, file: chosen.file.filename, evidence: [...evidence, ...notes], suggestion, severity }, choice, chosen);
  }

  // Only a source distribution installs: decide what building it means.
  evidence.push(`no wheel for ${target.id}; pip would build ${chosen.file.filename}`);
  const versionFiles = files.files.get(version) ?? [];
  const compiledWheels = wheelsOf(versionFiles).filter((w) => isCompiled(w.parsed));
  if (compiledWheels.length > 0) {
    evidence.push(`${compiledWheels.length} compiled wheel(s) for other interpreters, e.g. ${compiledWheels[0]!.file.filename}`);
  }
  const base = { version, file: chosen.file.filename };

  if (kb?.status === 'pure-fallback') {
    return result(facts, target, 'pure-fallback', { ...base, severity: 'info', evidence: [...evidence, ...notes], suggestion: null }, choice, chosen);
  }
  if (kb?.status === 'cffi') {
    return result(facts, target, 'cffi', { ...base, severity: 'info', evidence: [...evidence, 'CFFI bindings are PyPy\'s fast path to C; building needs a compiler and the library headers', ...notes], suggestion: null }, choice, chosen);
  }
  const otherAbis = otherSeriesAbis(versionFiles, target);
  if (otherAbis.length > 0) {
    return result(
      facts,
      target,
      'abi-mismatch',
      {
        ...base,
        evidence: [`${version} has wheels for ${otherAbis.join(', ')} but not for ${target.interpreter.abi}`, ...evidence, ...notes],
        suggestion: `Wheels for ${otherAbis.join(', ')} do not load on ${target.interpreter.id}; target a PyPy with that ABI, ask upstream for ${target.interpreter.abi} wheels, or build from source (needs a compiler).`,
      },
      choice,
      chosen,
    );
  }
  const lastGood = lastVersionWithTargetWheels(files, target, version);
  if (lastGood) {
    return result(
      facts,
      target,
      'lost-pypy-wheels',
      {
        ...base,
        evidence: [`${lastGood} had wheels for ${target.interpreter.abi}; ${version} has none`, ...evidence, ...notes],
        suggestion: `Pin ${facts.name}==${lastGood} (last release with ${target.interpreter.abi} wheels), or build ${version} from source with a compiler and headers.`,
      },
      choice,
      chosen,
    );
  }
  if (compiledWheels.length > 0 || kb?.status === 'cpyext-slow' || kb?.status === 'no-gain') {
    return result(
      facts,
      target,
      'source-build',
      {
        ...base,
        evidence: [...evidence, 'a compiled extension: it installs only with a C compiler and headers, then runs through cpyext', ...notes],
        suggestion: kb?.alternative ? `Consider ${kb.alternative.name}: ${kb.alternative.note}` : 'Install build tools (compiler, Python headers, library headers) in the PyPy image, or find a pure-Python or CFFI alternative.',
      },
      choice,
      chosen,
    );
  }
  if (kb?.status === 'works' || kb?.status === 'builtin') {
    return result(facts, target, 'pure', { ...base, evidence: [...evidence, ...notes], suggestion: null }, choice, chosen);
  }
  return result(
    facts,
    target,
    'source-build',
    {
      ...base,
      severity: 'info',
      evidence: [...evidence, 'only a source distribution is published and no compiled wheels exist for any platform, so it is probably pure Python; the sdist was not inspected'],
      suggestion: null,
    },
    choice,
    chosen,
  );
}

/** Nothing installs: say whether Python's version, the files, or the specifier is why. */
function unavailable(facts: PackageFacts, target: Target, choice: VersionChoice, rejected: string[], python: string): AssessmentResult {
  const files = facts.files!;
  const installable = newestInstallable(files, target);
  const considered = choice.choice?.considered ?? [];
  const pythonBlocked =
    (choice.fixed && considered.length > 0 && considered.every((c) => c.rejection?.startsWith('requires-python'))) ||
    (!choice.fixed && choice.skipped.length > 0 && choice.skipped.every((s) => s.reason.startsWith('requires-python')));
  const kbLimit = facts.knowledge?.pythonLimit;

  if (pythonBlocked) {
    const version = choice.version ?? choice.skipped[0]?.version ?? null;
    const why = considered.find((c) => c.rejection)?.rejection ?? choice.skipped[0]?.reason ?? 'requires-python excludes the target';
    return result(facts, target, 'requires-python', {
      version,
      evidence: [`${facts.name} ${version}: ${why}`, ...(kbLimit ? [`version limit: ${kbLimit.note}`] : [])],
      suggestion: installable
        ? `On ${target.interpreter.id} (${python}) the newest installable release is ${installable}: require ${facts.name}<=${installable} for this target, or move to a PyPy with a newer Python.`
        : `No release of ${facts.name} supports ${python}.`,
    }, choice);
  }

  if (choice.fixed && !choice.version) {
    return result(facts, target, 'no-distribution', {
      version: facts.request.fixedVersion ?? null,
      evidence: [`version ${facts.request.fixedVersion} is not on the index (newest: ${files.versions[0]})`],
      suggestion: installable ? `Use a listed release; the newest that installs on ${target.interpreter.id} is ${installable}.` : null,
    }, choice);
  }

  if (!choice.fixed && choice.newestAllowed === null) {
    return result(facts, target, 'no-distribution', {
      evidence: [`no release matches ${facts.request.specifier || 'any version'} (newest release: ${files.versions[0]})`],
      suggestion: installable ? `Relax the requirement; the newest release that installs on ${target.interpreter.id} is ${installable}.` : null,
    }, choice);
  }

  const lastGood = lastVersionWithTargetWheels(files, target, null);
  const evidence = choice.fixed
    ? [`${facts.name} ${choice.version}: no wheel for ${target.id} and no source distribution`, ...rejected]
    : [`no release${facts.request.specifier ? ` allowed by "${facts.request.specifier}"` : ''} has a wheel for ${target.id} or a source distribution`, ...choice.skipped.slice(0, 3).map((s) => `${s.version}: ${s.reason}`)];
  if (lastGood && (!choice.version || compareVersions(lastGood, choice.version) < 0)) {
    return result(facts, target, 'lost-pypy-wheels', {
      version: choice.version,
      severity: 'error',
      evidence: [`${lastGood} had wheels for ${target.interpreter.abi}; newer releases have none and no sdist`, ...evidence],
      suggestion: `Pin ${facts.name}==${lastGood}, the last release with ${target.interpreter.abi} wheels.`,
    }, choice);
  }
  return result(facts, target, 'no-distribution', {
    version: choice.version,
    evidence,
    suggestion: installable ? `Only ${facts.name} ${installable} installs on ${target.interpreter.id}.` : `Nothing ${facts.name} publishes installs on ${target.interpreter.id}; keep it on CPython or find an alternative.`,
  }, choice);
}
