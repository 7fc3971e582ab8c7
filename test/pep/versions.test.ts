import { describe, expect, it } from 'vitest';
import { allowedVersions, canonicalVersion, compareVersions, isValidSpecifier, parseVersion, satisfies } from '../../src/pep/versions.js';

describe('versions (PEP 440)', () => {
  it('orders releases, pre-releases, post-releases and epochs', () => {
    const sorted = ['1.0.post1', '1!0.1', '1.0', '1.0rc1', '1.0.dev0', '0.9', '1.0a1'].sort(compareVersions);
    expect(sorted).toEqual(['0.9', '1.0.dev0', '1.0a1', '1.0rc1', '1.0', '1.0.post1', '1!0.1']);
  });

  it('orders 3.10 after 3.9 (not as strings)', () => {
    expect(compareVersions('3.10', '3.9')).toBeGreaterThan(0);
  });

  it('parses components', () => {
    expect(parseVersion('2.0rc1+local.7')).toMatchObject({ release: [2, 0], isPrerelease: true, local: 'local.7' });
    expect(() => parseVersion('not a version')).toThrowError(/invalid version "not a version"/);
  });
});

describe('specifiers', () => {
  it('match like pip', () => {
    expect(satisfies('5.2.8', '>=4.2,<6')).toBe(true);
    expect(satisfies('6.0', '>=4.2,<6')).toBe(false);
    expect(satisfies('1.4.5', '~=1.4')).toBe(true);
    expect(satisfies('2.0', '~=1.4')).toBe(false);
    expect(satisfies('2.1.3', '==2.1.*')).toBe(true);
    expect(satisfies('1.0', '')).toBe(true);
  });

  it('exclude pre-releases unless asked for or named by the specifier', () => {
    expect(satisfies('2.0b1', '>=1.0')).toBe(false);
    expect(satisfies('2.0b1', '>=1.0', { prereleases: true })).toBe(true);
    expect(satisfies('2.0b1', '>=2.0b1')).toBe(true);
  });

  it('fall back to pre-releases only when no final release matches', () => {
    expect(allowedVersions(['1.0', '2.0b1', '0.9'], '>=0.5')).toEqual(['1.0', '0.9']);
    expect(allowedVersions(['1.0', '2.0b1'], '>=1.5')).toEqual(['2.0b1']);
    expect(allowedVersions(['1.0', '2.0b1'], '>=1.5', { prereleases: false })).toEqual([]);
  });

  it('validate', () => {
    expect(isValidSpecifier('>=1.0,<2')).toBe(true);
    expect(isValidSpecifier('')).toBe(true);
    expect(isValidSpecifier('>>1')).toBe(false);
    expect(isValidSpecifier('~=1')).toBe(false);
  });
});

describe('canonical versions', () => {
  it('give equal versions one spelling', () => {

    expect(canonicalVersion('1.0.0')).toBe(canonicalVersion('1.0'));
    expect(canonicalVersion('1.0-RC1')).toBe(canonicalVersion('1.0rc1'));
    expect(canonicalVersion('1.0-1')).toBe(canonicalVersion('1.0.post1'));
    expect(canonicalVersion('1!2.0')).not.toBe(canonicalVersion('2.0'));
    expect(canonicalVersion('1.0+local')).not.toBe(canonicalVersion('1.0'));
    expect(canonicalVersion('1.0.dev0')).not.toBe(canonicalVersion('1.0'));
    expect(canonicalVersion('garbage!')).toBeNull();
  });
});
