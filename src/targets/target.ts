/**
 * A target: one interpreter on one platform. It knows the marker environment that requirements are
 * evaluated in and the ordered list of wheel tags its installer accepts.
 */
import type { MarkerEnvironment } from '../pep/markers.js';
import { compatibleTags, cpythonTags, genericTags, tagToString, type Tag } from '../pep/tags.js';
import { findInterpreter, INTERPRETERS, type Interpreter } from './interpreters.js';
import { isPlatformId, platformFor, PLATFORM_IDS, type Platform, type PlatformId, type PlatformOptions } from './platforms.js';

/**
 * Whose list of accepted tags to model. `pip` is what actually installs and is the default;
 * `packaging` is `packaging.tags.sys_tags()`, which differs on PyPy (see `compatibleTags`).
 */
export type TagConvention = 'pip' | 'packaging';

export interface TargetOptions extends PlatformOptions {
  platform?: PlatformId;
  convention?: TagConvention;
}

export interface Target {
  /** e.g. `pypy3.11-8.0-manylinux_x86_64` */
  readonly id: string;
  readonly interpreter: Interpreter;
  readonly platform: Platform;
  readonly environment: MarkerEnvironment;
  /** Accepted tags, best first. */
  readonly tags: readonly Tag[];
  /** Position of a tag (`pp311-pypy311_pp80-manylinux_2_28_x86_64`) in `tags`; lower is better. */
  rankOf(tag: string): number | undefined;
}

export class UnknownTargetError extends Error {
  override readonly name = 'UnknownTargetError';
}

export const DEFAULT_PLATFORM: PlatformId = 'manylinux_x86_64';

function markerEnvironment(interpreter: Interpreter, platform: Platform): MarkerEnvironment {
  const [major, minor] = interpreter.pythonVersion;
  return {
    implementation_name: interpreter.implementation,
    implementation_version: interpreter.implementationVersion,
    platform_python_implementation: interpreter.implementation === 'pypy' ? 'PyPy' : 'CPython',
    python_version: `${major}.${minor}`,
    python_full_version: interpreter.pythonFullVersion,
    ...platform.markers,
  };
}

export function acceptedTags(interpreter: Interpreter, platformTags: readonly string[], convention: TagConvention = 'pip'): Tag[] {
  const version = interpreter.pythonVersion;
  const pyTag = `${version[0]}${version[1]}`;
  if (interpreter.implementation === 'cpython') {
    return [...cpythonTags(version, [interpreter.abi], platformTags), ...compatibleTags(version, `cp${pyTag}`, platformTags)];
  }
  const interpreterTag = `pp${pyTag}`;
  const anyInterpreter = convention === 'pip' ? interpreterTag : `pp${version[0]}`;
  return [...genericTags(interpreterTag, [interpreter.abi], platformTags), ...compatibleTags(version, anyInterpreter, platformTags)];
}

/** Split `pypy3.11-8.0-manylinux_x86_64` into its interpreter and platform parts. */
function splitTargetId(id: string): { interpreterId: string; platformId: string | undefined } {
  const lower = id.trim().toLowerCase();
  const platformId = PLATFORM_IDS.find((p) => lower.endsWith(`-${p}`));
  return platformId ? { interpreterId: lower.slice(0, -(platformId.length + 1)), platformId } : { interpreterId: lower, platformId: undefined };
}

export function knownTargetIds(): string[] {
  return INTERPRETERS.map((i) => i.id);
}

/**
 * Build a target from an id such as `pypy3.11-8.0` (platform from options, default manylinux x86_64)
 * or `pypy3.11-8.0-macos_arm64`.
 */
export function resolveTarget(id: string, options: TargetOptions = {}): Target {
  const { interpreterId, platformId } = splitTargetId(id);
  const interpreter = findInterpreter(interpreterId);
  if (!interpreter) {
    throw new UnknownTargetError(`unknown target ${JSON.stringify(id.slice(0, 60))}; valid targets: ${knownTargetIds().join(', ')}`);
  }
  if (platformId && options.platform && platformId !== options.platform) {
    throw new UnknownTargetError(`target ${id} names platform ${platformId} but --platform is ${options.platform}`);
  }
  const chosenPlatform = platformId ?? options.platform ?? DEFAULT_PLATFORM;
  if (!isPlatformId(chosenPlatform)) {
    throw new UnknownTargetError(`unknown platform ${JSON.stringify(String(chosenPlatform).slice(0, 60))}; valid platforms: ${PLATFORM_IDS.join(', ')}`);
  }
  const platform = platformFor(chosenPlatform, options);
  const tags = acceptedTags(interpreter, platform.tags, options.convention ?? 'pip');
  const ranks = new Map<string, number>();
  tags.forEach((tag, index) => {
    const key = tagToString(tag);
    if (!ranks.has(key)) ranks.set(key, index);
  });
  return {
    id: `${interpreter.id}-${platform.id}`,
    interpreter,
    platform,
    environment: markerEnvironment(interpreter, platform),
    tags,
    rankOf: (tag) => ranks.get(tag.toLowerCase()),
  };
}
