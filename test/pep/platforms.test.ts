import { describe, expect, it } from 'vitest';
import { macPlatforms, manylinuxPlatforms, musllinuxPlatforms, parseLibcVersion } from '../../src/pep/platforms.js';

describe('manylinux platforms', () => {
  it('lists glibc versions down to 2.5 on x86_64 with legacy aliases after their glibc', () => {
    const tags = manylinuxPlatforms('x86_64', { major: 2, minor: 28 });
    expect(tags[0]).toBe('manylinux_2_28_x86_64');
    expect(tags.at(-1)).toBe('manylinux1_x86_64');
    expect(tags.slice(tags.indexOf('manylinux_2_17_x86_64'), tags.indexOf('manylinux_2_17_x86_64') + 2)).toEqual([
      'manylinux_2_17_x86_64',
      'manylinux2014_x86_64',
    ]);
    expect(tags.indexOf('manylinux2010_x86_64')).toBe(tags.indexOf('manylinux_2_12_x86_64') + 1);
    expect(tags).toHaveLength(28 - 5 + 1 + 3);
  });

  it('stops at 2.17 on aarch64, where only manylinux2014 of the legacy names exists', () => {
    const tags = manylinuxPlatforms('aarch64', { major: 2, minor: 28 });
    expect(tags.at(-1)).toBe('manylinux2014_aarch64');
    expect(tags.some((t) => t.startsWith('manylinux1') || t.startsWith('manylinux2010'))).toBe(false);
    expect(tags).toHaveLength(28 - 17 + 1 + 1);
  });

  it('accepts nothing newer than the baseline', () => {
    expect(manylinuxPlatforms('x86_64', { major: 2, minor: 17 })).not.toContain('manylinux_2_28_x86_64');
  });
});

describe('musllinux platforms', () => {
  it('counts the musl minor down to 0', () => {
    expect(musllinuxPlatforms('x86_64', { major: 1, minor: 2 })).toEqual(['musllinux_1_2_x86_64', 'musllinux_1_1_x86_64', 'musllinux_1_0_x86_64']);
  });
});

describe('macOS platforms', () => {
  it('on 11+ counts majors down, then accepts 10.x wheels', () => {
    const tags = macPlatforms([12, 0], 'x86_64');
    expect(tags.slice(0, 2)).toEqual(['macosx_12_0_x86_64', 'macosx_12_0_intel']);
    expect(tags).toContain('macosx_11_0_universal2');
    expect(tags).toContain('macosx_10_9_x86_64');
    expect(tags).not.toContain('macosx_10_3_x86_64');
  });

  it('on arm64 accepts 10.x only as universal2', () => {
    const tags = macPlatforms([11, 0], 'arm64');
    expect(tags.slice(0, 2)).toEqual(['macosx_11_0_arm64', 'macosx_11_0_universal2']);
    expect(tags).toContain('macosx_10_9_universal2');
    expect(tags).not.toContain('macosx_10_9_arm64');
  });

  it('before 11 counts the minor down', () => {
    const tags = macPlatforms([10, 15], 'x86_64');
    expect(tags[0]).toBe('macosx_10_15_x86_64');
    expect(tags).toContain('macosx_10_4_x86_64');
    expect(tags.some((t) => t.startsWith('macosx_11'))).toBe(false);
  });
});

describe('libc versions', () => {
  it('parse with dots or underscores and reject anything else', () => {
    expect(parseLibcVersion('2.28')).toEqual({ major: 2, minor: 28 });
    expect(parseLibcVersion('2_17')).toEqual({ major: 2, minor: 17 });
    expect(parseLibcVersion('two')).toBeNull();
    expect(parseLibcVersion('2.28.1')).toBeNull();
  });
});
