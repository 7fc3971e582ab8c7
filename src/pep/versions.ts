/**
 * Versions and specifiers (PEP 440), through `@renovatebot/pep440` so that the many corner cases
 * (epochs, local versions, `~=`, `==1.*`, `===`) follow a maintained implementation.
 */
import pep440 from '@renovatebot/pep440';
import { PackagingError } from './errors.js';
import { quote } from '../safe-text.js';

export interface ParsedVersion {
  readonly text: string;
  readonly epoch: number;
  readonly release: readonly number[];
  readonly isPrerelease: boolean;
  readonly isDevrelease: boolean;
  readonly isPostrelease: boolean;
  readonly local: string | null;
}

/**
 * The library re-parses with large regular expressions on every call, and a scan asks the same
 * questions thousands of times (every file's requires-python against one Python), so answers are
 * remembered. Bounded, so hostile input cannot grow it without limit.
 */
function memo<A extends unknown[], R>(fn: (...args: A) => R, limit = 50_000): (...args: A) => R {
  const cache = new Map<string, R>();
  return (...args: A): R => {
    const key = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join('\u0000');
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as R;
    const value = fn(...args);
    if (cache.size >= limit) cache.clear();
    cache.set(key, value);
    return value;
  };
}

const explain = memo((text: string) => pep440.explain(text));
const matches = memo((version: string, specifier: string, prereleases: boolean) =>
  pep440.satisfies(version, specifier, prereleases ? { prereleases: true } : undefined),
);
const validRange = memo((specifier: string) => pep440.validRange(specifier));
const compare = memo((a: string, b: string) => pep440.compare(a, b));

export function isValidVersion(text: string): boolean {
  return explain(text) !== null;
}

export function parseVersion(text: string): ParsedVersion {
  const v = explain(text);
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

/**
 * One spelling per version, so equal versions ("1.0", "1.0.0", "1.0-RC1" / "1.0rc1") meet as map
 * keys; null for an invalid version.
 */
export function canonicalVersion(text: string): string | null {
  const v = explain(text);
  if (!v) return null;
  const release = [...v.release];
  while (release.length > 1 && release[release.length - 1] === 0) release.pop();
  const pre = v.pre ? `${v.pre[0]}${v.pre[1]}` : '';
  const post = v.post !== null && v.post !== undefined ? `.post${String(v.post)}` : '';
  const dev = v.dev !== null && v.dev !== undefined ? `.dev${String(v.dev)}` : '';
  const local = v.local ? `+${v.local}` : '';
  return `${v.epoch ? `${v.epoch}!` : ''}${release.join('.')}${pre}${post}${dev}${local}`;
}

/** Negative, zero or positive, as PEP 440 orders versions. Invalid versions sort first. */
export function compareVersions(a: string, b: string): number {
  const va = isValidVersion(a);
  const vb = isValidVersion(b);
  if (!va || !vb) return Number(va) - Number(vb);
  return compare(a, b);
}

export function isPrerelease(version: string): boolean {
  return explain(version)?.is_prerelease ?? false;
}

/** Specifiers are comma-separated clauses; an empty specifier allows everything. */
export function isValidSpecifier(specifier: string): boolean {
  const s = specifier.trim();
  return s === '' || validRange(s);
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
  return matches(version, s, options.prereleases === true);
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
