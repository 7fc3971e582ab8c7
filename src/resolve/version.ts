/**
 * Which version of a package a target would get. Pinned and locked versions are taken as given;
 * otherwise, like pip, the newest version the specifier allows that has an installable file for the
 * target (pre-releases only when nothing final matches).
 */
import { allowedVersions, compareVersions, isPrerelease, satisfies } from '../pep/versions.js';
import type { Target } from '../targets/index.js';
import { chooseFile, type FileChoice, type FilesByVersion, type ParsedFile } from './candidates.js';

export interface VersionRequest {
  specifier: string;
  /** Exact version from a lock file or `==` pin: assessed as is. */
  fixedVersion?: string | null;
  prereleases?: boolean;
  onlyBinary?: boolean;
}

export interface SkippedVersion {
  readonly version: string;
  readonly reason: string;
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

export function chooseVersion(byVersion: FilesByVersion, target: Target, request: VersionRequest): VersionChoice {
  const allowed = allowedVersions(byVersion.versions, request.specifier, { prereleases: request.prereleases === true ? true : undefined });
  const newestAllowed = allowed[0] ?? null;
  const filesOf = (version: string): readonly ParsedFile[] => byVersion.files.get(version) ?? [];

  if (request.fixedVersion) {
    const version = byVersion.versions.find((v) => compareVersions(v, request.fixedVersion!) === 0) ?? null;
    if (!version) return { version: null, choice: null, newestAllowed, skipped: [], fixed: true };
    const choice = chooseFile(filesOf(version), target, { allowYanked: true, onlyBinary: request.onlyBinary ?? false });
    return { version, choice, newestAllowed, skipped: [], fixed: true };
  }

  const exactPin = /^\s*===?\s*[^,*]+$/.test(request.specifier);
  const skipped: SkippedVersion[] = [];
  for (const version of allowed) {
    const choice = chooseFile(filesOf(version), target, { allowYanked: exactPin, onlyBinary: request.onlyBinary ?? false });
    if (choice.chosen) return { version, choice, newestAllowed, skipped, fixed: exactPin };
    skipped.push({ version, reason: summarizeRejections(version, choice) });
  }
  return { version: null, choice: null, newestAllowed, skipped, fixed: false };
}

/** The newest version (of those given) that has an installable file on the target. */
export function newestInstallable(byVersion: FilesByVersion, target: Target, specifier = ''): string | null {
  for (const version of byVersion.versions) {
    if (isPrerelease(version) || !satisfies(version, specifier)) continue;
    if (chooseFile(byVersion.files.get(version) ?? [], target).chosen) return version;
  }
  return null;
}
