/**
 * Versions and specifiers (PEP 440), with pip's vendored `packaging` (21.3, in pip 23.x) as the
 * reference: fixtures/pep440/specifier-table.json holds its answers and test/pep/pep440-table.test.ts
 * holds this module to them.
 *
 * Versions are parsed and ordered here, with packaging's own pattern and sort key, on digit strings:
 * `@renovatebot/pep440` reads every number with `Number`, so a segment past 2^53
 * (`1.99999999999999999999`) compared equal to its neighbours, printed as `1e+23`, and made its
 * `compare` throw a TypeError. The library still validates specifier clauses. Its `satisfies` is
 * not used either: `<`/`>` look at the release numbers only
 * (so `>1.0rc1` refuses 1.0, `<1.0.post1` refuses 1.0, `>1.0.post1` refuses 1.0.post2, `<1!1.0`
 * refuses 1.0), prefix matches ignore pre/post segments and zero padding, `==1.0+abc` accepts
 * 1.0+1, `===` compares unnormalised text, and pre-releases are admitted clause by clause instead of
 * for the whole set. So clauses are evaluated here, on this module's parser and comparator.
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
    // Every memoised function takes strings; one argument is its own key (no array, no join).
    const key = args.length === 1 ? String(args[0]) : args.join('\u0000');
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as R;
    const value = fn(...args);
    if (cache.size >= limit) cache.clear();
    cache.set(key, value);
    return value;
  };
}

/**
 * A non-negative integer as its decimal digits, without leading zeros ("0" for zero). Kept as text:
 * `Number` loses digits past 2^53, and BigInt takes quadratic time to read and print a
 * megabyte-long number, which a hostile file name can hold.
 */
type Digits = string;

function digits(text: string): Digits {
  let start = 0;
  while (start < text.length - 1 && text[start] === '0') start++;
  return text.slice(start);
}

/** Order of two Digits: the longer is larger, equal lengths compare as text. */
function compareDigits(a: Digits, b: Digits): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A parsed version; numbers stay exact, text forms are packaging's normalised ones. */
interface Version {
  readonly epoch: Digits;
  readonly release: readonly Digits[];
  readonly pre: readonly ['a' | 'b' | 'rc', Digits] | null;
  readonly post: Digits | null;
  readonly dev: Digits | null;
  /** Normalised local label (lower case, `.`-separated, numbers without leading zeros), or null. */
  readonly local: string | null;
  /** Everything but the local label, normalised: `1!2.0rc1.post3.dev4`. */
  readonly public: string;
  /** Epoch and release: `1!2.0`. */
  readonly base_version: string;
  readonly is_prerelease: boolean;
  readonly is_devrelease: boolean;
  readonly is_postrelease: boolean;
}

// packaging's VERSION_PATTERN (alternatives in its order), without the surrounding whitespace it
// strips: like the library before it, a version with spaces around it is not valid here.
// Each optional part starts with its own letters or separator, so matching is linear.
const VERSION_RE = new RegExp(
  '^v?(?:([0-9]+)!)?([0-9]+(?:\\.[0-9]+)*)' +
    '(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?' +
    '(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?' +
    '(?:[-_.]?(dev)[-_.]?([0-9]+)?)?' +
    '(?:\\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$',
  'i',
);

const PRE_LETTER: Record<string, 'a' | 'b' | 'rc'> = { alpha: 'a', a: 'a', beta: 'b', b: 'b', preview: 'rc', pre: 'rc', c: 'rc', rc: 'rc' };

function parse(text: string): Version | null {
  const m = VERSION_RE.exec(text);
  if (!m) return null;
  const [, epochText, releaseText, preLetter, preNumber, postImplicit, postLetter, postNumber, devLetter, devNumber, localText] = m;
  const epoch = digits(epochText ?? '0');
  const release = releaseText!.split('.').map(digits);
  const pre = preLetter === undefined ? null : ([PRE_LETTER[preLetter.toLowerCase()]!, digits(preNumber ?? '0')] as const);
  const post = postImplicit !== undefined ? digits(postImplicit) : postLetter !== undefined ? digits(postNumber ?? '0') : null;
  const dev = devLetter === undefined ? null : digits(devNumber ?? '0');
  const local =
    localText === undefined
      ? null
      : localText
          .toLowerCase()
          .split(/[-_.]/)
          .map((part) => (/^[0-9]+$/.test(part) ? digits(part) : part))
          .join('.');
  const base = `${epoch !== '0' ? `${epoch}!` : ''}${release.join('.')}`;
  return {
    epoch,
    release,
    pre,
    post,
    dev,
    local,
    public: `${base}${pre ? `${pre[0]}${pre[1]}` : ''}${post !== null ? `.post${post}` : ''}${dev !== null ? `.dev${dev}` : ''}`,
    base_version: base,
    is_prerelease: pre !== null || dev !== null,
    is_devrelease: dev !== null,
    is_postrelease: post !== null,
  };
}

/** Compare two sort-key parts where `null` stands for packaging's -Infinity or +Infinity. */
function compareOptional(a: Digits | null, b: Digits | null, nullIs: -1 | 1): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? nullIs : -nullIs;
  return compareDigits(a, b);
}

/** packaging's `_cmpkey`, one part after the other. */
function compareParsed(a: Version, b: Version): number {
  const byEpoch = compareDigits(a.epoch, b.epoch);
  if (byEpoch !== 0) return byEpoch;
  // Release, trailing zeros ignored (1.0 == 1).
  const trim = (r: readonly Digits[]): readonly Digits[] => {
    let end = r.length;
    while (end > 0 && r[end - 1] === '0') end--;
    return r.slice(0, end);
  };
  const [ra, rb] = [trim(a.release), trim(b.release)];
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const c = compareDigits(ra[i]!, rb[i]!);
    if (c !== 0) return c;
  }
  if (ra.length !== rb.length) return ra.length < rb.length ? -1 : 1;
  // Pre-release: a bare dev release sorts before every pre-release; no pre-release after them all.
  const preRank = (v: Version): number => (v.pre === null && v.post === null && v.dev !== null ? -1 : v.pre === null ? 1 : 0);
  const byPreRank = preRank(a) - preRank(b);
  if (byPreRank !== 0) return Math.sign(byPreRank);
  if (a.pre !== null && b.pre !== null) {
    if (a.pre[0] !== b.pre[0]) return a.pre[0] < b.pre[0] ? -1 : 1;
    const c = compareDigits(a.pre[1], b.pre[1]);
    if (c !== 0) return c;
  }
  const byPost = compareOptional(a.post, b.post, -1);
  if (byPost !== 0) return byPost;
  const byDev = compareOptional(a.dev, b.dev, 1);
  if (byDev !== 0) return byDev;
  // Local label: none sorts first; numeric parts after alphanumeric ones; a longer label after its prefix.
  if (a.local === null || b.local === null) return a.local === b.local ? 0 : a.local === null ? -1 : 1;
  const [la, lb] = [a.local.split('.'), b.local.split('.')];
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    const [x, y] = [la[i]!, lb[i]!];
    const [xNumber, yNumber] = [/^[0-9]+$/.test(x), /^[0-9]+$/.test(y)];
    if (xNumber && yNumber) {
      const c = compareDigits(x, y);
      if (c !== 0) return c;
    } else if (xNumber !== yNumber) {
      return xNumber ? 1 : -1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return Math.sign(la.length - lb.length);
}

const explain = memo(parse);
const validRange = memo((specifier: string) => pep440.validRange(specifier));
/** Both arguments are known to be valid versions. */
const compare = memo((a: string, b: string) => compareParsed(explain(a)!, explain(b)!));

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
  return specifier.split(',').filter((raw) => !isBlankClause(raw)).map((raw) => {
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
function prefixMatches(version: Version, prefix: string): boolean {
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

const sameRelease = (a: Version, b: Version): boolean => compare(a.base_version, b.base_version) === 0;

function clauseHolds(version: string, v: Version, clause: Clause): boolean {
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

/** Not memoised: one linear test, and callers try every suffix of a hostile file name. */
export function isValidVersion(text: string): boolean {
  return VERSION_RE.test(text);
}

export function parseVersion(text: string): ParsedVersion {
  const v = explain(text);
  if (!v) throw new PackagingError('version', `invalid version ${quote(text)}`);
  return {
    text,
    epoch: Number(v.epoch),
    release: v.release.map(Number),
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
  while (release.length > 1 && release[release.length - 1] === '0') release.pop();
  const pre = v.pre ? `${v.pre[0]}${v.pre[1]}` : '';
  const post = v.post !== null ? `.post${v.post}` : '';
  const dev = v.dev !== null ? `.dev${v.dev}` : '';
  const local = v.local !== null ? `+${v.local}` : '';
  return `${v.epoch !== '0' ? `${v.epoch}!` : ''}${release.join('.')}${pre}${post}${dev}${local}`;
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
 * What Python's `str.strip()` removes, which is how packaging finds empty clauses: JavaScript's
 * `trim` also removes U+FEFF, and keeps U+001C–U+001F and U+0085.
 */
const PYTHON_SPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** `str.strip()`, in two linear scans (a /\s+$/ pattern would retry at every space of a long run). */
function pythonStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && PYTHON_SPACE.test(text[start]!)) start++;
  while (end > start && PYTHON_SPACE.test(text[end - 1]!)) end--;
  return text.slice(start, end);
}

const isBlankClause = (clause: string): boolean => pythonStrip(clause) === '';

/** packaging 21.3 allows `.*` after a release, pre- or post-release, but not after dev or local. */
function validClause(raw: string): boolean {
  // packaging strips Python's whitespace; the library trims JavaScript's, which also takes U+FEFF
  // (so a clause of U+FEFF was no clause at all) and leaves U+001C–U+001F and U+0085.
  const clause = pythonStrip(raw);
  // Arbitrary equality takes any run without (Python) whitespace, nothing at all included.
  if (clause.startsWith('===')) return !PYTHON_SPACE.test(pythonStrip(clause.slice(3)));
  // U+FEFF is no whitespace to packaging, so it can stand in no other clause.
  if (clause.includes('\ufeff')) return false;
  const star = /^\s*(?:==|!=)\s*(\S*)\.\*\s*$/.exec(clause);
  if (star) {
    const prefix = explain(star[1]!);
    if (prefix === null || prefix.dev !== null || prefix.local !== null) return false;
  }
  return validRange(clause);
}

/**
 * Real specifiers carry a handful of clauses; more than this many is refused, so a hostile
 * `data-requires-python` of a million clauses (5 MB) is not checked clause by clause, twice.
 * packaging has no bound.
 */
export const MAX_SPECIFIER_CLAUSES = 256;

/**
 * Specifiers are comma-separated clauses; empty clauses are skipped (as packaging does), so an
 * empty specifier allows everything.
 */
export function isValidSpecifier(specifier: string): boolean {
  const clauses = specifier.split(',', MAX_SPECIFIER_CLAUSES + 1);
  return clauses.length <= MAX_SPECIFIER_CLAUSES && clauses.every((clause) => isBlankClause(clause) || validClause(clause));
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
