/**
 * The operating systems and machines a target can run on, with the libc/OS baselines that decide
 * which platform tags it accepts.
 */
import type { MarkerEnvironment } from '../pep/markers.js';
import {
  manylinuxPlatforms,
  macPlatforms,
  musllinuxPlatforms,
  parseLibcVersion,
  type LibcVersion,
  type LinuxArch,
  type MacArch,
} from '../pep/platforms.js';
import { PackagingError } from '../pep/errors.js';
import { quote } from '../safe-text.js';

export const PLATFORM_IDS = [
  'manylinux_x86_64',
  'manylinux_aarch64',
  'musllinux_x86_64',
  'musllinux_aarch64',
  'macos_x86_64',
  'macos_arm64',
  'win_amd64',
] as const;

export type PlatformId = (typeof PLATFORM_IDS)[number];

export interface PlatformOptions {
  /** glibc baseline for manylinux targets, "2.28" by default (PyPy 8.0's own Linux builds need it). */
  glibc?: string;
  /** musl baseline for musllinux targets, "1.2" by default. */
  musl?: string;
  /** Oldest macOS the target must support; defaults to the oldest PyPy's own builds run on. */
  macos?: string;
}

export const DEFAULT_GLIBC = '2.28';
export const DEFAULT_MUSL = '1.2';
const DEFAULT_MACOS: Record<MacArch, string> = { x86_64: '10.15', arm64: '11.0' };

export interface Platform {
  readonly id: PlatformId;
  /** Platform tags best first. */
  readonly tags: readonly string[];
  /** The platform half of a marker environment. */
  readonly markers: Pick<MarkerEnvironment, 'sys_platform' | 'platform_system' | 'platform_machine' | 'os_name' | 'platform_release' | 'platform_version'>;
  /** Human description of the baseline, e.g. "glibc 2.28". */
  readonly baseline: string;
}

export function isPlatformId(id: string): id is PlatformId {
  return (PLATFORM_IDS as readonly string[]).includes(id);
}

function libc(text: string, what: string): LibcVersion {
  const version = parseLibcVersion(text);
  if (!version) throw new PackagingError('tag', `invalid ${what} version ${quote(text)}: expected MAJOR.MINOR, e.g. 2.28`);
  return version;
}

function macVersion(text: string): [number, number] {
  const match = /^(\d{1,2})(?:[._](\d{1,2}))?$/.exec(text.trim());
  if (!match || Number(match[1]) < 10) throw new PackagingError('tag', `invalid macOS version ${quote(text)}: expected e.g. 11.0 or 10.15`);
  return [Number(match[1]), Number(match[2] ?? 0)];
}

export function platformFor(id: PlatformId, options: PlatformOptions = {}): Platform {
  switch (id) {
    case 'manylinux_x86_64':
    case 'manylinux_aarch64':
    case 'musllinux_x86_64':
    case 'musllinux_aarch64': {
      const [family, arch] = id.split(/_(.*)/) as ['manylinux' | 'musllinux', LinuxArch];
      const glibc = family === 'manylinux';
      const libcVersion = glibc ? libc(options.glibc ?? DEFAULT_GLIBC, 'glibc') : libc(options.musl ?? DEFAULT_MUSL, 'musl');
      const tags = glibc ? manylinuxPlatforms(arch, libcVersion) : musllinuxPlatforms(arch, libcVersion);
      return {
        id,
        tags: [...tags, `linux_${arch}`],
        markers: { sys_platform: 'linux', platform_system: 'Linux', platform_machine: arch, os_name: 'posix', platform_release: '', platform_version: '' },
        baseline: `${glibc ? 'glibc' : 'musl'} ${libcVersion.major}.${libcVersion.minor}`,
      };
    }
    case 'macos_x86_64':
    case 'macos_arm64': {
      const arch = id.slice('macos_'.length) as MacArch;
      const version = macVersion(options.macos ?? DEFAULT_MACOS[arch]);
      return {
        id,
        tags: macPlatforms(version, arch),
        markers: { sys_platform: 'darwin', platform_system: 'Darwin', platform_machine: arch, os_name: 'posix', platform_release: '', platform_version: '' },
        baseline: `macOS ${version[0]}.${version[1]}`,
      };
    }
    case 'win_amd64':
      return {
        id,
        tags: ['win_amd64'],
        markers: { sys_platform: 'win32', platform_system: 'Windows', platform_machine: 'AMD64', os_name: 'nt', platform_release: '', platform_version: '' },
        baseline: 'Windows x64',
      };
  }
}
