/**
 * Time linear in the input for every src/pep/ parser (issue 10), run by `npm run fuzz` only: for
 * inputs of 100 KB and 200 KB built from the same hostile pattern (long runs of one character,
 * deep `((((`, repeated `and`, …), the median time at most ~triples, and 5 MB finishes in 2 s.
 */
import { describe, it } from 'vitest';
import { parseSdistFilename, parseWheelFilename } from '../../src/pep/filenames.js';
import { evaluateMarker, parseMarker } from '../../src/pep/markers.js';
import { canonicalizeName, isValidName } from '../../src/pep/names.js';
import { parseRequirement } from '../../src/pep/requirements.js';
import { parseTagSet } from '../../src/pep/tags.js';
import { canonicalVersion, compareVersions, isValidSpecifier, isValidVersion, satisfies } from '../../src/pep/versions.js';
import { pypy311 } from './pep-arbitraries.js';
import { expectLinear, HOSTILE_PATTERNS, repeatTo, type LinearityCase } from './pep-support.js';

const salted = (text: string, salt: number): string => `${text}${'~'.repeat(salt)}`;

/** Requirement, marker, version and file-name shapes around a hostile run `run`. */
function cases(pattern: string): LinearityCase[] {
  const P = JSON.stringify(pattern);
  const run = (n: number): string => repeatTo(pattern, n);
  return [
    { label: `requirement name${P}…`, build: (n, s) => salted(`name${run(n)}x`, s), run: parseRequirement },
    { label: `requirement name>=1${P}…`, build: (n, s) => salted(`name>=1${run(n)}x`, s), run: parseRequirement },
    { label: `requirement name[${P}…`, build: (n, s) => salted(`name[${run(n)}`, s), run: parseRequirement },
    { label: `requirement name @ ${P}…`, build: (n, s) => salted(`name @ ${run(n)} ;x`, s), run: parseRequirement },
    { label: `requirement name; ${P}…`, build: (n, s) => salted(`name; os_name ==${run(n)}`, s), run: parseRequirement },
    { label: `marker ${P}…`, build: (n, s) => salted(run(n), s), run: parseMarker },
    { label: `marker os_name == ${P}…`, build: (n, s) => salted(`os_name == "${run(n)}"`, s), run: (t) => evaluateMarker(parseMarker(t), pypy311) },
    { label: `version 1${P}…`, build: (n, s) => salted(`1${run(n)}`, s), run: (t) => [isValidVersion(t), canonicalVersion(t), compareVersions(t, '1.0')] },
    { label: `specifier >=1${P}…`, build: (n, s) => salted(`>=1${run(n)}`, s), run: (t) => [isValidSpecifier(t), satisfies('1.0', t)] },
    { label: `specifier ==${P}…`, build: (n, s) => salted(`==${run(n)}`, s), run: (t) => [isValidSpecifier(t), satisfies('1.0', t)] },
    { label: `wheel a-1${P}…`, build: (n, s) => salted(`a-1${run(n)}-py3-none-any.whl`, s), run: parseWheelFilename },
    { label: `wheel tags py3${P}…`, build: (n, s) => `a-1-py3${run(n)}${'~'.repeat(s)}-none-any.whl`, run: parseWheelFilename },
    { label: `sdist a${P}…`, build: (n, s) => `a${run(n)}${'~'.repeat(s)}.tar.gz`, run: (t) => parseSdistFilename(t) },
    { label: `sdist a${P}… for project "a"`, build: (n, s) => `a${run(n)}${'~'.repeat(s)}.tar.gz`, run: (t) => parseSdistFilename(t, 'a') },
    { label: `tag set py3${P}…`, build: (n, s) => salted(`py3${run(n)}-none-any`, s), run: parseTagSet },
    { label: `name a${P}…`, build: (n, s) => salted(`a${run(n)}b`, s), run: (t) => [isValidName(t), canonicalizeName(t)] },
  ];
}

describe('src/pep/ parsers take time linear in the input', () => {
  for (const pattern of HOSTILE_PATTERNS) {
    it(`hostile pattern ${JSON.stringify(pattern)}`, () => {
      for (const c of cases(pattern)) expectLinear(c);
    });
  }

  it('deep nesting and long operator chains', () => {
    const shapes: LinearityCase[] = [
      { label: 'marker ((((…', build: (n, s) => salted(`${'('.repeat(n)}os_name == "posix"`, s), run: parseMarker },
      { label: 'marker x and x and …', build: (n, s) => salted(repeatTo('os_name == "a" and ', n), s), run: parseMarker },
      { label: 'requirement x; ((((…', build: (n, s) => salted(`x; ${'('.repeat(n)}`, s), run: parseRequirement },
      { label: 'requirement x[a,a,a,…]', build: (n, s) => `x[${repeatTo('a,', n)}a${'~'.repeat(s)}]`, run: parseRequirement },
      { label: 'requirement x>=1,>=1,…', build: (n, s) => salted(`x${repeatTo('>=1,', n)}>=1`, s), run: parseRequirement },
      { label: 'specifier >=1,>=1,…', build: (n, s) => `${repeatTo('>=1,', n)}>=1${'.0'.repeat(s)}`, run: (t) => satisfies('1.0', t) },
      { label: 'version 1.1.1.…', build: (n, s) => `${repeatTo('1.', n)}1${'.0'.repeat(s)}`, run: (t) => compareVersions(t, '1.0') },
      { label: 'wheel tags a.a.a.…', build: (n, s) => `a-1-${repeatTo('py3.', n)}py3${'0'.repeat(s)}-none-any.whl`, run: parseWheelFilename },
    ];
    for (const c of shapes) expectLinear(c);
  });
});
