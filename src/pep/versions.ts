/**
 * Versions and specifiers (PEP 440), with pip's vendored `packaging` (21.3, in pip 23.x) as the
 * reference: fixtures/pep440/specifier-table.json holds its answers and test/pep/pep440-table.test.ts
 * holds this module to them.
 *
 * `@renovatebot/pep440` parses and orders versions (its `explain` and `compare` agree with packaging
 * on every version in the table). Its `satisfies` does not: `<`/`>` look at the release numbers only
 * (so `>1.0rc1` refuses 1.0, `<1.0.post1` refuses 1.0, `>1.0.post1` refuses 1.0.post2, `<1!1.0`
 * refuses 1.0), prefix matches ignore pre/post segments and zero padding, `==1.0+abc` accepts
 * 1.0+1, `===` compares unnormalised text, and pre-releases are admitted clause by clause instead of
 * for the whole set. So clauses are evaluated here, on the library's parser and comparator.
 */
import pep440, { type Pep440Version } from '@renovatebot/pep440';
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
const validRange = memo((specifier: string) => pep440.validRange(specifier));
const compare = memo((a: string, b: string) => pep440.compare(a, b));

type Operator = '===' | '~=' | '==' | '!=' | '<=' | '>=' | '<' | '>';
interface Clause {
  readonly operator: Operator;
  /** The version as written, without a trailing `.*`. */
  readonly text: string;
  readonly wildcard: boolean;
}

const CLAUSE = /^\s*(===|~=|==|!=|<=|>=|<|>)\s*(.*?)\s*$/s;

/** The clauses of a specifier set already known to be valid; '' has none. */
const clausesOf = memo((specifier: string): readonly Clause[] => {
  if (specifier.trim() === '') return [];
  return specifier.split(',').map((raw) => {
    const [, operator = '', text = ''] = CLAUSE.exec(raw) ?? [];
    const wildcard = (operator === '==' || operator === '!=') && text.endsWith('.*');
    return { operator: operator as Operator, text: wildcard ? text.slice(0, -2) : text, wildcard };
  });
});

/**
 * packaging compares prefixes (`==1.0.*`, and the prefix `~=` implies) on the text, split at dots
 * and between a number and a pre-release tag glued to it ("0rc1" → "0", "rc1").
 */
function segments(text: string): string[] {
  return text.split('.').flatMap((part) => {
    const glued = /^(\d+)((?:a|b|c|rc)\d+)$/.exec(part);
    return glued ? [glued[1]!, glued[2]!] : [part];
  });
}

/** Pads the leading run of numbers of each list with "0"s to the longer run (1 vs 1.0.0). */
function padReleases(a: string[], b: string[]): [string[], string[]] {
  const run = (xs: string[]): number => {
    const n = xs.findIndex((x) => !/^\d+$/.test(x));
    return n === -1 ? xs.length : n;
  };
  const pad = (xs: string[], n: number, to: number): string[] => [...xs.slice(0, n), ...Array<string>(Math.max(0, to - n)).fill('0'), ...xs.slice(n)];
  const [na, nb] = [run(a), run(b)];
  return [pad(a, na, nb), pad(b, nb, na)];
}

/**
 * `==prefix.*`, ignoring the local label. As in packaging 21.3, the candidate is cut to the prefix's
 * length before padding, so `==1.0.0.*` takes 1.0 and 1.0.0rc1 but not 1.0rc1.
 */
function prefixMatches(version: Pep440Version, prefix: string): boolean {
  const wanted = segments(prefix);
  const [want, have] = padReleases(wanted, segments(version.public).slice(0, wanted.length));
  return want.length === have.length && want.every((s, i) => s === have[i]);
}

/**
 * The prefix `~=V` implies: V's segments up to its first suffix (dev, a, b, rc, post), less one.
 * Taken from the text as packaging does, so `~=1.0c1` means `==1.0.*` (packaging does not see "c1"
 * as a suffix) while `~=1.0rc1` means `==1.*`.
 */
function compatiblePrefix(text: string): string {
  const parts = segments(text);
  const end = parts.findIndex((s) => /^(dev|a|b|rc|post)/.test(s));
  return parts.slice(0, end === -1 ? parts.length : end).slice(0, -1).join('.');
}

const sameRelease = (a: Pep440Version, b: Pep440Version): boolean => compare(a.base_version, b.base_version) === 0;

function clauseHolds(version: string, v: Pep440Version, clause: Clause): boolean {
  const { operator, text } = clause;
  switch (operator) {
    case '===':
      // packaging compares the normalised candidate with the text as written.
      return `${v.public}${v.local ? `+${v.local}` : ''}`.toLowerCase() === text.toLowerCase();
    case '==':
    case '!=': {
      // A specifier without a local label ignores the candidate's.
      const equal = clause.wildcard ? prefixMatches(v, text) : compare(explain(text)?.local ? version : v.public, text) === 0;
      return equal === (operator === '==');
    }
    case '<=':
      return compare(v.public, text) <= 0;
    case '>=':
      return compare(v.public, text) >= 0;
    case '~=':
      return compare(v.public, text) >= 0 && prefixMatches(v, compatiblePrefix(text));
    case '<': {
      if (compare(version, text) >= 0) return false;
      // <V refuses pre-releases of V itself (<3.1 refuses 3.1.dev0) unless V is a pre-release.
      const spec = explain(text)!;
      return spec.is_prerelease || !v.is_prerelease || !sameRelease(v, spec);
    }
    case '>': {
      if (compare(version, text) <= 0) return false;
      // >V refuses post-releases of V (>3.1 refuses 3.1.post0) unless V is a post-release, and
      // always refuses V's local versions (1.0+abc sorts after 1.0).
      const spec = explain(text)!;
      if (!sameRelease(v, spec)) return true;
      return (spec.is_postrelease || !v.is_postrelease) && !v.local;
    }
  }
}

/** packaging: a set admits pre-releases when an inclusive clause (==, >=, <=, ~=, ===) names one. */
function namesPrerelease(clause: Clause): boolean {
  if (clause.operator === '!=' || clause.operator === '<' || clause.operator === '>') return false;
  return explain(clause.text)?.is_prerelease ?? false;
}

/** 'all' and 'none' are prereleases=True and False; 'named' is packaging's default (None). */
type PrereleaseMode = 'all' | 'none' | 'named';

const matches = memo((version: string, specifier: string, mode: PrereleaseMode): boolean => {
  const v = explain(version);
  if (!v) return false;
  const clauses = clausesOf(specifier);
  // Decided for the whole set, as packaging does: ">=2.0b1,<3" admits 2.0b2 though "<3" names none.
  const admitsPrereleases = mode === 'all' || (mode === 'named' && clauses.some(namesPrerelease));
  if (v.is_prerelease && !admitsPrereleases) return false;
  return clauses.every((clause) => clauseHolds(version, v, clause));
});

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

/**
 * Specifiers are comma-separated clauses; an empty specifier allows everything. packaging also
 * accepts `===` with nothing after it (matching nothing), which the library refuses.
 */
export function isValidSpecifier(specifier: string): boolean {
  const s = specifier.trim();
  return s === '' || s.split(',').every((clause) => /^\s*===\s*$/.test(clause) || validRange(clause));
}

export function assertValidSpecifier(specifier: string): void {
  if (!isValidSpecifier(specifier)) {
    throw new PackagingError('specifier', `invalid version specifier ${quote(specifier)}`);
  }
}

export interface MatchOptions {
  /**
   * true: accept pre-releases (pip: `--pre`); false: refuse them all; unset: accept them only when
   * the specifier names one in an inclusive clause (">=2.0b1"), as packaging does by default.
   */
  prereleases?: boolean;
}

/**
 * Whether `version` satisfies `specifier`: packaging's `SpecifierSet.contains`. False for an invalid
 * version or specifier.
 */
export function satisfies(version: string, specifier: string, options: MatchOptions = {}): boolean {
  if (!isValidVersion(version) || !isValidSpecifier(specifier)) return false;
  const mode = options.prereleases === true ? 'all' : options.prereleases === false ? 'none' : 'named';
  return matches(version, specifier, mode);
}

/**
 * The versions that `specifier` allows, newest first. Pre-releases are taken when asked for, when
 * the specifier names one, or (PEP 440) when nothing else matches. pip 23's packaging 21.3 falls
 * back to pre-releases only for an empty specifier; packaging did so for all from pypa/packaging#897.
 */
export function allowedVersions(versions: Iterable<string>, specifier: string, options: MatchOptions = {}): string[] {
  const valid = [...versions].filter(isValidVersion).sort((a, b) => compareVersions(b, a));
  if (options.prereleases) return valid.filter((v) => satisfies(v, specifier, { prereleases: true }));
  const finals = valid.filter((v) => satisfies(v, specifier));
  if (finals.length > 0 || options.prereleases === false) return finals;
  return valid.filter((v) => satisfies(v, specifier, { prereleases: true }));
}
