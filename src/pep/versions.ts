/**
 * Versions and specifiers (PEP 440), through `@renovatebot/pep440` so that the many corner cases
 * (epochs, local versions, `~=`, `==1.*`, `===`) follow a maintained implementation.
 */
import pep440 from '@renovatebot/pep440';
import { PackagingError, quote } from './errors.js';

export interface ParsedVersion {
  readonly text: string;
  readonly epoch: number;
  readonly release: readonly number[];
  readonly isPrerelease: boolean;
  readonly isDevrelease: boolean;
  readonly isPostrelease: boolean;
  readonly local: string | null;
}

export function isValidVersion(text: string): boolean {
  return pep440.valid(text) !== null;
}

export function parseVersion(text: string): ParsedVersion {
  const v = pep440.explain(text);
  if (!v) throw new PackagingError('version', `invalid version ${quote(text)}`);
  return {
    text,
    epoch: v.epoch,
    release: v.release,
    isPrerelease: v.is_prerelease,
    isDevrelease: v.is_devrelease,
    isPostrelease: v.is_postrelease,
    local: v.local,
  };
}

/** Negative, zero or positive, as PEP 440 orders versions. Invalid versions sort first. */
export function compareVersions(a: string, b: string): number {
  const va = isValidVersion(a);
  const vb = isValidVersion(b);
  if (!va || !vb) return Number(va) - Number(vb);
  return pep440.compare(a, b);
}

export function isPrerelease(version: string): boolean {
  return pep440.explain(version)?.is_prerelease ?? false;
}

/** Specifiers are comma-separated clauses; an empty specifier allows everything. */
export function isValidSpecifier(specifier: string): boolean {
  const s = specifier.trim();
  return s === '' || pep440.validRange(s);
}

export function assertValidSpecifier(specifier: string): void {
  if (!isValidSpecifier(specifier)) {
    throw new PackagingError('specifier', `invalid version specifier ${quote(specifier)}`);
  }
}

export interface MatchOptions {
  /** Accept pre-releases (pip: `--pre`, or when only pre-releases match). */
  prereleases?: boolean;
}

/** Whether `version` satisfies `specifier` (PEP 440 rules; pre-releases excluded unless asked). */
export function satisfies(version: string, specifier: string, options: MatchOptions = {}): boolean {
  if (!isValidVersion(version)) return false;
  const s = specifier.trim();
  if (s === '') return options.prereleases === true || !isPrerelease(version);
  // Leaving the option unset lets a specifier that names a pre-release (">=2.0b1") admit them.
  return pep440.satisfies(version, s, options.prereleases ? { prereleases: true } : undefined);
}

/**
 * The versions that `specifier` allows, newest first. Like pip, pre-releases are taken only when
 * asked for or when no final release matches.
 */
export function allowedVersions(versions: Iterable<string>, specifier: string, options: MatchOptions = {}): string[] {
  const valid = [...versions].filter(isValidVersion).sort((a, b) => compareVersions(b, a));
  if (options.prereleases) return valid.filter((v) => satisfies(v, specifier, { prereleases: true }));
  const finals = valid.filter((v) => satisfies(v, specifier));
  if (finals.length > 0 || options.prereleases === false) return finals;
  return valid.filter((v) => satisfies(v, specifier, { prereleases: true }));
}
