/**
 * Which version of a package a target would get. Pinned and locked versions are taken as given;
 * otherwise, like pip, the newest version the specifier allows that has an installable file for the
 * target (pre-releases only when nothing final matches).
 */
import { allowedVersions, compareVersions, isPrerelease } from '../pep/versions.js';
import type { Target } from '../targets/index.js';
import { ANY_FORMAT, chooseFile, type AllowedFormats, type FileChoice, type FilesByVersion, type ParsedFile } from './candidates.js';

export interface VersionRequest {
  specifier: string;
  /** Exact version from a lock file or `==` pin: assessed as is. */
  fixedVersion?: string | null;
  /** pip's `--pre`. */
  prereleases?: boolean;
  /** pip's `--only-binary` / `--no-binary` for this package (see format-control.ts). */
  formats?: AllowedFormats;
  /** pip's `--prefer-binary`: an older release with a wheel beats a newer one that only has an sdist. */
  preferBinary?: boolean;
}

export interface SkippedVersion {
  readonly version: string;
  readonly reason: string;
  /** True when the version was passed over only because none of its files suits this target's tags. */
  readonly noFileForTarget: boolean;
}

export interface VersionChoice {
  /** The version assessed, or null when none exists or none installs. */
  readonly version: string | null;
  readonly choice: FileChoice | null;
  /** Newest version the specifier allows, whatever the target (what a CPython user would get). */
  readonly newestAllowed: string | null;
  /** Newer versions passed over on this target, newest first, with the reason. */
  readonly skipped: readonly SkippedVersion[];
  /** Whether the version came from a pin or lock (so nothing older is substituted). */
  readonly fixed: boolean;
}

function summarizeRejections(version: string, choice: FileChoice): string {
  if (choice.considered.length === 0) return `${version} has no files`;
  const reasons = new Set(
    choice.considered.flatMap(({ rejection }) => (rejection ? [rejection.startsWith('no tag') ? 'no wheel for this target' : rejection] : [])),
  );
  return [...reasons].slice(0, 3).join('; ');
}

function skippedVersion(version: string, choice: FileChoice): SkippedVersion {
  const rejections = choice.considered.map((c) => c.rejection ?? '');
  const noFileForTarget =
    rejections.some((r) => r.startsWith('no tag')) && rejections.every((r) => r.startsWith('no tag') || r.startsWith('source distributions not allowed'));
  return { version, reason: summarizeRejections(version, choice), noFileForTarget };
}

export function chooseVersion(byVersion: FilesByVersion, target: Target, request: VersionRequest): VersionChoice {
  const allowed = allowedVersions(byVersion.versions, request.specifier, { prereleases: request.prereleases === true ? true : undefined });
  const newestAllowed = allowed[0] ?? null;
  const filesOf = (version: string): readonly ParsedFile[] => byVersion.files.get(version) ?? [];

  if (request.fixedVersion) {
    const version = byVersion.versions.find((v) => compareVersions(v, request.fixedVersion!) === 0) ?? null;
    if (!version) return { version: null, choice: null, newestAllowed, skipped: [], fixed: true };
    // As pip does for a pin: yanked files only when nothing else of that version installs.
    const formats = request.formats ?? ANY_FORMAT;
    const unyanked = chooseFile(filesOf(version), target, { allowYanked: false, formats });
    const choice = unyanked.chosen ? unyanked : chooseFile(filesOf(version), target, { allowYanked: true, formats });
    return { version, choice, newestAllowed, skipped: [], fixed: true };
  }

  const formats = request.formats ?? ANY_FORMAT;
  // Each version's files are judged at most twice (with and without yanked files), however often asked.
  const choices = new Map<string, FileChoice>();
  const choose = (version: string, allowYanked: boolean): FileChoice => {
    const key = `${allowYanked ? 'y' : 'n'}${version}`;
    let choice = choices.get(key);
    if (!choice) choices.set(key, (choice = chooseFile(filesOf(version), target, { allowYanked, formats })));
    return choice;
  };
  // pip drops the files that cannot install here (tags, requires-python, --only-binary) before it
  // applies the specifier, so "pre-releases only when no final release matches" is decided among
  // installable versions: a final release with no usable file does not hide a usable pre-release.
  // Yanked files still count at this step.
  const installable = byVersion.versions.filter((version) => choose(version, true).chosen !== null);
  const candidates = allowedVersions(installable, request.specifier, { prereleases: request.prereleases === true ? true : undefined });
  // PEP 592 as pip applies it: yanked files are taken only for a pin, and only when every
  // candidate file is yanked (a pinned version's non-yanked files win over its yanked ones).
  const pinned = isPinned(request.specifier);
  const allYanked = candidates.every((version) =>
    choose(version, true).considered.every(({ candidate, rejection }) => rejection !== null || candidate.file.yanked !== false),
  );
  const allowYanked = pinned && allYanked;
  const skippedNewerThan = (version: string | null): SkippedVersion[] =>
    allowed
      .filter((v) => version === null || compareVersions(v, version) > 0)
      .map((v) => skippedVersion(v, choose(v, allowYanked)));
  // pip sorts candidates by (yanked, wheel-ness when --prefer-binary, version, tag priority): with
  // --prefer-binary every wheel outranks every sdist, whatever the versions.
  const passes = request.preferBinary ? [(c: FileChoice) => c.chosen?.parsed.kind === 'wheel', (c: FileChoice) => c.chosen !== null] : [(c: FileChoice) => c.chosen !== null];
  for (const accept of passes) {
    for (const version of candidates) {
      const choice = choose(version, allowYanked);
      if (accept(choice)) return { version, choice, newestAllowed, skipped: skippedNewerThan(version), fixed: pinned };
    }
  }
  return { version: null, choice: null, newestAllowed, skipped: skippedNewerThan(null), fixed: false };
}

/** pip's `is_pinned`: any `===` clause, or any `==` clause that is not a wildcard. */
function isPinned(specifier: string): boolean {
  return specifier.split(',').some((clause) => {
    const c = clause.trim();
    return c.startsWith('===') || (c.startsWith('==') && !c.endsWith('.*'));
  });
}

/** The newest final release that has an installable file on the target, whatever the requirement says. */
export function newestInstallable(byVersion: FilesByVersion, target: Target, formats: AllowedFormats = ANY_FORMAT): string | null {
  for (const version of byVersion.versions) {
    if (isPrerelease(version)) continue;
    if (chooseFile(byVersion.files.get(version) ?? [], target, { formats }).chosen) return version;
  }
  return null;
}

/** A wheel with compiled code (an ABI other than `none`). */
export function isCompiledWheel(file: ParsedFile): boolean {
  return file.parsed.kind === 'wheel' && file.parsed.tags.some((tag) => tag.abi !== 'none');
}

/**
 * The newest release older than `before` (any, when null) whose best file on the target is a
 * compiled wheel: the last release that installed here without a compiler.
 */
export function lastReleaseWithCompiledWheel(byVersion: FilesByVersion, target: Target, before: string | null): string | null {
  for (const version of byVersion.versions) {
    if (before && compareVersions(version, before) >= 0) continue;
    const wheels = (byVersion.files.get(version) ?? []).filter((f) => f.parsed.kind === 'wheel');
    const chosen = chooseFile(wheels, target).chosen;
    if (chosen && isCompiledWheel(chosen)) return version;
  }
  return null;
}
