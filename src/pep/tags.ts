/**
 * Compatibility tags (PEP 425) and the rules that order them for an interpreter, modelled on how
 * pip and packaging build `sys_tags()`. Everything here is a pure function of its arguments: the
 * interpreter being described is a *target*, never the host.
 */
import { PackagingError } from './errors.js';
import { quote } from '../safe-text.js';

export interface Tag {
  readonly interpreter: string;
  readonly abi: string;
  readonly platform: string;
}

export function tagToString(tag: Tag): string {
  return `${tag.interpreter}-${tag.abi}-${tag.platform}`;
}

const TAG_PART = /^[a-z0-9_]+$/;

/**
 * A compressed tag set expands to the product of its three lists, so 2,000 dotted parts in each
 * (a 30 KB file name) would be 8 billion tags. Real wheels carry a few dozen at most.
 */
export const MAX_TAGS = 4096;

/**
 * Expand a compressed tag set (`py2.py3-none-any`, `cp39.pp39-none-manylinux2014_x86_64`) into its
 * tags. Tags are compared lower-cased, as pip does.
 */
export function parseTagSet(text: string): Tag[] {
  const parts = text.toLowerCase().split('-');
  if (parts.length !== 3) throw new PackagingError('tag', `invalid tag set ${quote(text)}: expected interpreter-abi-platform`);
  const [interpreters, abis, platforms] = parts.map((p) => p.split('.')) as [string[], string[], string[]];
  if (![...interpreters, ...abis, ...platforms].every((p) => TAG_PART.test(p))) {
    throw new PackagingError('tag', `invalid tag set ${quote(text)}`);
  }
  if (interpreters.length * abis.length * platforms.length > MAX_TAGS) {
    throw new PackagingError('tag', `tag set ${quote(text)} expands to more than ${MAX_TAGS} tags`);
  }
  const tags: Tag[] = [];
  for (const interpreter of interpreters) {
    for (const abi of abis) {
      for (const platform of platforms) tags.push({ interpreter, abi, platform });
    }
  }
  return tags;
}

/** `pyXY`, `py3`, then `py3(X-1)` … `py30`: the pure-Python interpreter tags a Python accepts. */
export function pyInterpreterRange(pythonVersion: readonly [number, number]): string[] {
  const [major, minor] = pythonVersion;
  const range = [`py${major}${minor}`, `py${major}`];
  for (let m = minor - 1; m >= 0; m--) range.push(`py${major}${m}`);
  return range;
}

function product(interpreter: string, abi: string, platforms: readonly string[]): Tag[] {
  return platforms.map((platform) => ({ interpreter, abi, platform }));
}

/**
 * CPython's own tags: its ABI, then the stable ABI (abi3, for 3.2+), then `none`, then abi3 of every
 * older minor version. Free-threaded builds have no stable ABI of this kind.
 */
export function cpythonTags(pythonVersion: readonly [number, number], abis: readonly string[], platforms: readonly string[]): Tag[] {
  const [major, minor] = pythonVersion;
  const interpreter = `cp${major}${minor}`;
  const abi3Applies = major === 3 && minor >= 2 && !abis.some((abi) => abi.endsWith('t'));
  const tags: Tag[] = [];
  for (const abi of abis) tags.push(...product(interpreter, abi, platforms));
  if (abi3Applies) tags.push(...product(interpreter, 'abi3', platforms));
  tags.push(...product(interpreter, 'none', platforms));
  if (abi3Applies) {
    for (let m = minor - 1; m >= 2; m--) tags.push(...product(`cp${major}${m}`, 'abi3', platforms));
  }
  return tags;
}

/** Any other implementation (PyPy included): its ABIs, then `none`, on each platform. No abi3. */
export function genericTags(interpreter: string, abis: readonly string[], platforms: readonly string[]): Tag[] {
  const tags: Tag[] = [];
  for (const abi of abis) tags.push(...product(interpreter, abi, platforms));
  if (!abis.includes('none')) tags.push(...product(interpreter, 'none', platforms));
  return tags;
}

/**
 * Tags any interpreter of this Python version accepts: `pyXY-none-<platform>` families, then
 * `<interpreter>-none-any`, then `pyXY-none-any` families.
 *
 * `anyInterpreter` is where pip and packaging differ on PyPy: packaging passes `pp3`, pip passes the
 * versioned `pp39`/`pp311`, so only pip accepts `pp311-none-any` and only packaging `pp3-none-any`.
 */
export function compatibleTags(pythonVersion: readonly [number, number], anyInterpreter: string | null, platforms: readonly string[]): Tag[] {
  const range = pyInterpreterRange(pythonVersion);
  const tags: Tag[] = [];
  for (const version of range) tags.push(...product(version, 'none', platforms));
  if (anyInterpreter) tags.push({ interpreter: anyInterpreter, abi: 'none', platform: 'any' });
  for (const version of range) tags.push({ interpreter: version, abi: 'none', platform: 'any' });
  return tags;
}
