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
const BUILD_TAG = /^(\d+)(.*)$/;

export function parseWheelFilename(filename: string): WheelFilename {
  const fail = (why: string): never => {
    throw new PackagingError('wheel-filename', `invalid wheel filename ${quote(filename)}: ${why}`);
  };
  if (!filename.toLowerCase().endsWith('.whl')) fail('must end in .whl');
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
  let tags: Tag[] = [];
  try {
    tags = parseTagSet(parts.slice(-3).join('-'));
  } catch {
    fail(`invalid tags ${quote(parts.slice(-3).join('-'))}`);
  }
  return { filename, name, normalizedName: canonicalizeName(name), version, build, tags };
}

/** Archive formats pip accepts for a source distribution, longest suffix first. */
const SDIST_FORMATS = ['.tar.gz', '.tar.bz2', '.tar.xz', '.tar.lz', '.tar', '.tgz', '.tbz', '.txz', '.tlz', '.zip'];

export function sdistFormat(filename: string): string | null {
  const lower = filename.toLowerCase();
  return SDIST_FORMATS.find((suffix) => lower.endsWith(suffix)) ?? null;
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
  const dashes = [...stem.matchAll(/-/g)].map((m) => m.index);
  let split: number | undefined;
  if (projectName !== undefined) {
    const wanted = canonicalizeName(projectName);
    split = dashes.find((i) => canonicalizeName(stem.slice(0, i)) === wanted);
    if (split === undefined) fail(`does not start with the project name ${quote(projectName)}`);
  } else {
    split = dashes.find((i) => isValidVersion(stem.slice(i + 1))) ?? dashes.find((i) => /^\d/.test(stem.slice(i + 1)));
    if (split === undefined) fail('expected name-version');
  }
  const name = stem.slice(0, split);
  const version = stem.slice(split! + 1);
  if (name === '' || version === '') fail('expected name-version');
  return { filename, name, normalizedName: canonicalizeName(name), version, format };
}

export type DistributionFilename =
  | ({ kind: 'wheel' } & WheelFilename)
  | ({ kind: 'sdist' } & SdistFilename);

/** Classify and parse any distribution file name; eggs, .exe and .msi installers are rejected. */
export function parseDistributionFilename(filename: string, projectName?: string): DistributionFilename {
  if (filename.toLowerCase().endsWith('.whl')) return { kind: 'wheel', ...parseWheelFilename(filename) };
  return { kind: 'sdist', ...parseSdistFilename(filename, projectName) };
}
