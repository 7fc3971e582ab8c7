/**
 * Distribution file names: wheels (PEP 427 / binary distribution format) and source distributions
 * (PEP 625, plus the legacy forms still found on indexes).
 */
import { PackagingError } from './errors.js';
import { quote } from '../safe-text.js';
import { canonicalizeName } from './names.js';
import { parseTagSet, type Tag } from './tags.js';
import { isValidVersion } from './versions.js';

export interface WheelFilename {
  readonly filename: string;
  readonly name: string;
  readonly normalizedName: string;
  readonly version: string;
  /** PEP 427 build tag: the number, then the rest; `null` when absent. */
  readonly build: readonly [number, string] | null;
  readonly tags: readonly Tag[];
}

export interface SdistFilename {
  readonly filename: string;
  readonly name: string;
  readonly normalizedName: string;
  readonly version: string;
  readonly format: string;
}

const WHEEL_NAME = /^[A-Za-z0-9._]+$/;

/**
 * Tag sets already expanded, shared (frozen) by every wheel that carries one: a project's files
 * repeat a handful of them, and a shared list lets `wheelRank` remember its answer per list.
 * Bounded, so hostile pages cannot grow it without limit.
 */
const TAG_SETS = new Map<string, readonly Tag[]>();
const MAX_REMEMBERED_TAG_SETS = 10_000;
const BUILD_TAG = /^(\d+)(.*)$/;

export function parseWheelFilename(filename: string): WheelFilename {
  const fail = (why: string): never => {
    throw new PackagingError('wheel-filename', `invalid wheel filename ${quote(filename)}: ${why}`);
  };
  if (!isWheelName(filename)) fail('must end in .whl');
  const parts = filename.slice(0, -4).split('-');
  if (parts.length !== 5 && parts.length !== 6) fail('expected name-version[-build]-python-abi-platform');
  const [name, version] = parts as [string, string];
  if (!WHEEL_NAME.test(name)) fail(`invalid project name ${quote(name)}`);
  if (!isValidVersion(version)) fail(`invalid version ${quote(version)}`);
  let build: [number, string] | null = null;
  if (parts.length === 6) {
    const match = BUILD_TAG.exec(parts[2]!);
    if (!match) fail(`build tag ${quote(parts[2]!)} must start with a digit`);
    build = [Number(match![1]), match![2]!];
  }
  const tagText = parts.slice(-3).join('-');
  let tags = TAG_SETS.get(tagText);
  if (tags === undefined) {
    try {
      tags = Object.freeze(parseTagSet(tagText));
    } catch {
      return fail(`invalid tags ${quote(tagText)}`);
    }
    if (TAG_SETS.size >= MAX_REMEMBERED_TAG_SETS) TAG_SETS.clear();
    TAG_SETS.set(tagText, tags);
  }
  return { filename, name, normalizedName: canonicalName(name), version, build, tags };
}

/** Ends in `.whl`, in any case (no lower-cased copy of every file name). */
function isWheelName(filename: string): boolean {
  return filename.length >= 4 && filename.slice(-4).toLowerCase() === '.whl';
}

/**
 * `canonicalizeName`, remembered: every file of a project repeats its name. Bounded, so hostile
 * pages cannot grow it without limit.
 */
const CANONICAL_NAMES = new Map<string, string>();

function canonicalName(name: string): string {
  let canonical = CANONICAL_NAMES.get(name);
  if (canonical === undefined) {
    if (CANONICAL_NAMES.size >= 10_000) CANONICAL_NAMES.clear();
    CANONICAL_NAMES.set(name, (canonical = canonicalizeName(name)));
  }
  return canonical;
}

/** Archive formats pip accepts for a source distribution, longest suffix first. */
const SDIST_FORMATS = ['.tar.gz', '.tar.bz2', '.tar.xz', '.tar.lz', '.tar', '.tgz', '.tbz', '.txz', '.tlz', '.zip'];

export function sdistFormat(filename: string): string | null {
  const lower = filename.toLowerCase();
  return SDIST_FORMATS.find((suffix) => lower.endsWith(suffix)) ?? null;
}

/** PEP 503 form built one character at a time (same as `canonicalizeName` for ASCII names). */
function canonicalStep(canonical: string, ch: string): string {
  if (ch === '-' || ch === '_' || ch === '.') return canonical.endsWith('-') ? canonical : `${canonical}-`;
  return canonical + ch.toLowerCase();
}

/**
 * The first dash in `stem` before which the text is the project's name (PEP 503 comparison), or
 * undefined. One pass: canonicalising every prefix again was quadratic in the number of dashes
 * (`a-1-1-1-…` took 75 s at 80 KB).
 */
function projectNameEnd(stem: string, projectName: string): number | undefined {
  let wanted = '';
  for (let i = 0; i < projectName.length; i++) wanted = canonicalStep(wanted, projectName[i]!);
  let canonical = '';
  for (let i = 0; i < stem.length; i++) {
    const ch = stem[i]!;
    if (ch === '-' && canonical === wanted) return i;
    canonical = canonicalStep(canonical, ch);
    // The canonical prefix never gets shorter: once past the wanted length it cannot match.
    if (canonical.length > wanted.length) return undefined;
  }
  return undefined;
}

const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';

/**
 * Without the project name: the first dash followed by a valid version, else the first dash
 * followed by a digit. Only dashes followed by `v?<digit>` can start a version, so the others are
 * not tried (a name of 2 million dashes was 2 million version parses).
 */
function guessVersionStart(stem: string): number | undefined {
  let firstDigit: number | undefined;
  for (let i = stem.indexOf('-'); i !== -1; i = stem.indexOf('-', i + 1)) {
    const next = stem[i + 1];
    if (!isDigit(next) && !((next === 'v' || next === 'V') && isDigit(stem[i + 2]))) continue;
    if (isValidVersion(stem.slice(i + 1))) return i;
    if (firstDigit === undefined && isDigit(next)) firstDigit = i;
  }
  return firstDigit;
}

/**
 * Split `name-version.<archive>`. Legacy files have dashes inside names and versions
 * (`python-dateutil-2.8.2.tar.gz`, `foo-1.0-beta.zip`), so when the caller knows the project name the
 * split follows it, as pip does; otherwise the name ends at the first dash followed by a version.
 */
export function parseSdistFilename(filename: string, projectName?: string): SdistFilename {
  const fail = (why: string): never => {
    throw new PackagingError('sdist-filename', `invalid source distribution filename ${quote(filename)}: ${why}`);
  };
  const format = sdistFormat(filename) ?? fail(`unknown archive format (expected one of ${SDIST_FORMATS.join(', ')})`);
  const stem = filename.slice(0, -format.length);
  let split: number | undefined;
  if (projectName !== undefined) {
    split = projectNameEnd(stem, projectName);
    if (split === undefined) fail(`does not start with the project name ${quote(projectName)}`);
  } else {
    split = guessVersionStart(stem);
    if (split === undefined) fail('expected name-version');
  }
  const name = stem.slice(0, split);
  const version = stem.slice(split! + 1);
  if (name === '' || version === '') fail('expected name-version');
  return { filename, name, normalizedName: canonicalName(name), version, format };
}

export type DistributionFilename =
  | ({ kind: 'wheel' } & WheelFilename)
  | ({ kind: 'sdist' } & SdistFilename);

/** Classify and parse any distribution file name; eggs, .exe and .msi installers are rejected. */
export function parseDistributionFilename(filename: string, projectName?: string): DistributionFilename {
  if (isWheelName(filename)) return Object.assign(parseWheelFilename(filename), { kind: 'wheel' as const });
  return Object.assign(parseSdistFilename(filename, projectName), { kind: 'sdist' as const });
}
