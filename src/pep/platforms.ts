/**
 * Platform tags a target accepts, best first: manylinux (PEP 600, with the PEP 513/571/599 legacy
 * aliases), musllinux (PEP 656), macOS and Windows. The host's libc or OS version is never read: the
 * caller says which baseline the target runs on.
 */

export type LinuxArch = 'x86_64' | 'i686' | 'aarch64' | 'armv7l' | 'ppc64le' | 's390x';
export type MacArch = 'x86_64' | 'arm64';

export interface LibcVersion {
  readonly major: number;
  readonly minor: number;
}

const LEGACY_MANYLINUX: Record<string, string> = {
  '2_17': 'manylinux2014',
  '2_12': 'manylinux2010',
  '2_5': 'manylinux1',
};

/** manylinux1 and manylinux2010 were defined for x86 only; manylinux2014 for more architectures. */
const LEGACY_ARCHES: Record<string, readonly string[]> = {
  manylinux1: ['x86_64', 'i686'],
  manylinux2010: ['x86_64', 'i686'],
  manylinux2014: ['x86_64', 'i686', 'aarch64', 'armv7l', 'ppc64', 'ppc64le', 's390x'],
};

/**
 * `manylinux_2_<minor>_<arch>` from the target's glibc down to the oldest glibc the architecture was
 * ever built for (2.5 on x86, 2.17 elsewhere), each legacy alias right after its glibc version.
 */
export function manylinuxPlatforms(arch: LinuxArch, glibc: LibcVersion): string[] {
  const oldestMinor = arch === 'x86_64' || arch === 'i686' ? 5 : 17;
  const platforms: string[] = [];
  if (glibc.major !== 2) return platforms;
  for (let minor = glibc.minor; minor >= oldestMinor; minor--) {
    platforms.push(`manylinux_2_${minor}_${arch}`);
    const legacy = LEGACY_MANYLINUX[`2_${minor}`];
    if (legacy && LEGACY_ARCHES[legacy]?.includes(arch)) platforms.push(`${legacy}_${arch}`);
  }
  return platforms;
}

/** `musllinux_1_<minor>_<arch>` from the target's musl down to 1.0. */
export function musllinuxPlatforms(arch: LinuxArch, musl: LibcVersion): string[] {
  const platforms: string[] = [];
  for (let minor = musl.minor; minor >= 0; minor--) platforms.push(`musllinux_${musl.major}_${minor}_${arch}`);
  return platforms;
}

/** Binary formats a macOS wheel may declare that still run on `arch` at that macOS version. */
function macBinaryFormats(version: readonly [number, number], arch: MacArch): string[] {
  if (arch === 'arm64') return ['arm64', 'universal2'];
  if (version[0] === 10 && version[1] < 4) return [];
  return ['x86_64', 'intel', 'fat64', 'fat32', 'universal2', 'universal'];
}

/**
 * macOS platform tags, newest first. Before macOS 11 every yearly release bumped the minor version;
 * from 11 on, the major. An 11+ machine also accepts 10.x wheels (arm64 only as universal2, since
 * there were no arm64 Macs before 11).
 */
export function macPlatforms(version: readonly [number, number], arch: MacArch): string[] {
  const platforms: string[] = [];
  const emit = (major: number, minor: number, formats: readonly string[]): void => {
    for (const format of formats) platforms.push(`macosx_${major}_${minor}_${format}`);
  };
  const [major, minor] = version;
  if (major === 10) {
    for (let m = minor; m >= 0; m--) emit(10, m, macBinaryFormats([10, m], arch));
    return platforms;
  }
  for (let m = major; m > 10; m--) emit(m, 0, macBinaryFormats([m, 0], arch));
  for (let m = 16; m > 3; m--) emit(10, m, arch === 'x86_64' ? macBinaryFormats([10, m], arch) : ['universal2']);
  return platforms;
}

/** Parse "2.28" or "2_28" into a libc version. Returns null for anything else. */
export function parseLibcVersion(text: string): LibcVersion | null {
  const match = /^(\d{1,3})[._](\d{1,3})$/.exec(text.trim());
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2]) };
}
