/**
 * src/pep/versions.ts against pip's own answers: fixtures/pep440/specifier-table.json is written by
 * fixtures/pep440/generate.py from the `packaging` that pip vendors (see its "generatedBy").
 * Every disagreement is listed in one failure message, so a regression reads as a list of cases.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allowedVersions, compareVersions, isPrerelease, isValidSpecifier, satisfies } from '../../src/pep/versions.js';

/** [version, specifier set, contains(prereleases=True), contains(), contains(prereleases=False)] */
type Pair = [string, string, boolean, boolean, boolean];
interface Filter {
  list: string;
  specifier: string;
  default: string[];
  prereleases: string[];
}
interface Table {
  generatedBy: string;
  versions: string[];
  specifiers: string[];
  pairs: Pair[];
  filters: Filter[];
  ordering: string[][];
  validity: [string, boolean][];
}

const table = JSON.parse(readFileSync(new URL('../../fixtures/pep440/specifier-table.json', import.meta.url), 'utf8')) as Table;
const lists: Record<string, string[]> = {
  all: table.versions,
  'finals-and-newer-pre': ['0.9', '1.0', '1.1a1', '2.0b1', '1!1.0rc1'],
  'pre-only': ['1.0a1', '1.0rc1', '1.0.dev0', '1.1.dev0', '2.0b1'],
};

function report(what: string, mismatches: string[]): string {
  return `${mismatches.length} of ${what} disagree with ${table.generatedBy}:\n${mismatches.join('\n')}`;
}

/** Compares one mode of satisfies() with one column of the table, for every pair. */
function pairMismatches(column: 2 | 3 | 4, options: { prereleases?: boolean }): string[] {
  const label = options.prereleases === undefined ? '' : `, { prereleases: ${String(options.prereleases)} }`;
  return table.pairs.flatMap((pair) => {
    const [version, specifier] = pair;
    const expected = pair[column];
    const actual = satisfies(version, specifier, options);
    return actual === expected ? [] : [`satisfies(${JSON.stringify(version)}, ${JSON.stringify(specifier)}${label}) is ${String(actual)}, packaging: ${String(expected)}`];
  });
}

const sortedSet = (versions: Iterable<string>): string[] => [...new Set(versions)].sort();

describe('the committed table', () => {
  it('was made by pip’s vendored packaging and is big enough to mean something', () => {
    expect(table.generatedBy).toMatch(/pip \d+\.\d+(\.\d+)?, vendored packaging \d+\.\d+/);
    expect(table.pairs.length).toBeGreaterThanOrEqual(2000);
    for (const operator of ['<', '<=', '>', '>=', '==', '!=', '~=', '===']) {
      expect(table.specifiers.some((s) => s.startsWith(operator)), operator).toBe(true);
    }
    for (const kind of [/a\d/, /b\d/, /rc\d/, /\.post\d/, /\.dev\d/, /\+abc/, /^1!/]) {
      expect(table.versions.some((v) => kind.test(v)), String(kind)).toBe(true);
    }
    expect(table.specifiers).toEqual(expect.arrayContaining(['==1.*', '!=1.0.*', '']));
  });
});

describe('satisfies agrees with packaging’s SpecifierSet.contains', () => {
  it('with pre-releases allowed (contains(v, prereleases=True))', () => {
    const mismatches = pairMismatches(2, { prereleases: true });
    expect(mismatches.length, report('the pairs with prereleases=True', mismatches)).toBe(0);
  });

  it('by default, where a specifier naming a pre-release admits them (prereleases=None)', () => {
    const mismatches = pairMismatches(3, {});
    expect(mismatches.length, report('the pairs with prereleases=None', mismatches)).toBe(0);
  });

  it('with pre-releases refused (prereleases=False)', () => {
    const mismatches = pairMismatches(4, { prereleases: false });
    expect(mismatches.length, report('the pairs with prereleases=False', mismatches)).toBe(0);
  });
});

describe('exclusive ordered comparisons (PEP 440), the cases @renovatebot/pep440 gets wrong', () => {
  it('>V admits the final release after a pre-release V', () => {
    expect(satisfies('1.0', '>1.0rc1')).toBe(true);
  });

  it('<V admits the final release before a post-release V', () => {
    expect(satisfies('1.0', '<1.0.post1')).toBe(true);
  });

  it('>V admits a later post-release when V is itself a post-release', () => {
    expect(satisfies('1.0.post2', '>1.0.post1')).toBe(true);
  });

  it('>V and <V order pre-releases of one release when V is a pre-release', () => {
    expect(satisfies('1.0rc2', '>1.0rc1', { prereleases: true })).toBe(true);
    expect(satisfies('1.0a1', '<1.0a2', { prereleases: true })).toBe(true);
    // Without the option they are refused, but for being pre-releases: `<` and `>` naming one does
    // not admit pre-releases (packaging), unlike `>=1.0rc1`.
    expect(satisfies('1.0rc2', '>1.0rc1')).toBe(false);
    expect(satisfies('1.0rc2', '>=1.0rc1')).toBe(true);
  });

  it('still refuse what PEP 440 excludes: post-releases of V for >V, pre-releases of V for <V, local versions of V', () => {
    expect(satisfies('1.0.post1', '>1.0')).toBe(false);
    expect(satisfies('1.0rc1', '<1.0', { prereleases: true })).toBe(false);
    expect(satisfies('1.0+abc', '>1.0')).toBe(false);
    expect(satisfies('1.0.post2+abc', '>1.0.post1')).toBe(false);
    // A pre-release spec does not lift the rule for post-releases: 1.0.post1 is a post-release of 1.0.
    expect(satisfies('1.0.post1', '>1.0rc1')).toBe(false);
  });

  it('compare epochs, not just release numbers', () => {
    // The library's "same release" test ignores the epoch, so it refused both.
    expect(satisfies('1.0', '<1!1.0')).toBe(true);
    expect(satisfies('1!1.0', '>1.0')).toBe(true);
  });

  it('decide pre-release permission for the whole set, as packaging does', () => {
    // ">=2.0b1" names a pre-release, so the set admits 2.0b2 although "<3" alone would not.
    expect(satisfies('2.0b2', '>=2.0b1,<3')).toBe(true);
    // Only inclusive operators (==, >=, <=, ~=, ===) naming a pre-release admit pre-releases.
    expect(satisfies('2.0b1', '>1.0a1')).toBe(false);
  });
});

describe('allowedVersions agrees with packaging’s SpecifierSet.filter', () => {
  it('with pre-releases allowed', () => {
    const mismatches = table.filters.flatMap((f) => {
      const ours = sortedSet(allowedVersions(lists[f.list]!, f.specifier, { prereleases: true }));
      const theirs = sortedSet(f.prereleases);
      return JSON.stringify(ours) === JSON.stringify(theirs) ? [] : [`${f.list} ${JSON.stringify(f.specifier)}: ours ${ours.join(' ')} | packaging ${theirs.join(' ')}`];
    });
    expect(mismatches.length, report('the filters with prereleases=True', mismatches)).toBe(0);
  });

  it('by default, except that a non-empty specifier falls back to pre-releases when no final release matches', () => {
    // packaging 21.3 falls back only for an empty SpecifierSet; PEP 440 (and packaging since
    // pypa/packaging#897) falls back for every specifier. We follow PEP 440, so where packaging
    // returns nothing we must return exactly the pre-releases it would accept with prereleases=True.
    const mismatches = table.filters.flatMap((f) => {
      const ours = sortedSet(allowedVersions(lists[f.list]!, f.specifier));
      const pep440Fallback = f.default.length === 0 && f.specifier.trim() !== '' && f.prereleases.every(isPrerelease);
      const theirs = sortedSet(pep440Fallback ? f.prereleases : f.default);
      return JSON.stringify(ours) === JSON.stringify(theirs) ? [] : [`${f.list} ${JSON.stringify(f.specifier)}: ours ${ours.join(' ')} | expected ${theirs.join(' ')}`];
    });
    expect(mismatches.length, report('the filters with prereleases=None', mismatches)).toBe(0);
  });
});

describe('compareVersions agrees with packaging’s Version ordering', () => {
  it('for every pair of versions in the table', () => {
    const rank = new Map(table.ordering.flatMap((group, i) => group.map((v) => [v, i] as const)));
    const mismatches: string[] = [];
    for (const a of rank.keys()) {
      for (const b of rank.keys()) {
        const expected = Math.sign(rank.get(a)! - rank.get(b)!);
        const actual = Math.sign(compareVersions(a, b));
        if (actual !== expected) mismatches.push(`compareVersions(${JSON.stringify(a)}, ${JSON.stringify(b)}) is ${actual}, packaging: ${expected}`);
      }
    }
    expect(mismatches.length, report('the ordered pairs', mismatches)).toBe(0);
  });
});

describe('isValidSpecifier agrees with packaging’s Specifier', () => {
  it('for single clauses', () => {
    const mismatches = table.validity.flatMap(([spec, valid]) =>
      isValidSpecifier(spec) === valid ? [] : [`isValidSpecifier(${JSON.stringify(spec)}) is ${String(!valid)}, packaging: ${String(valid)}`],
    );
    expect(mismatches.length, report('the clauses', mismatches)).toBe(0);
  });
});
