import { describe, expect, it } from 'vitest';
import { PackagingError } from '../../src/pep/errors.js';
import { parseDistributionFilename, parseSdistFilename, parseWheelFilename } from '../../src/pep/filenames.js';
import { tagToString } from '../../src/pep/tags.js';

describe('wheel filenames (PEP 427)', () => {
  it('splits name, version and one tag', () => {
    const wheel = parseWheelFilename('Django-5.1.4-py3-none-any.whl');
    expect(wheel).toMatchObject({ name: 'Django', normalizedName: 'django', version: '5.1.4', build: null });
    expect(wheel.tags.map(tagToString)).toEqual(['py3-none-any']);
  });

  it('expands compressed tag sets on every axis', () => {
    expect(parseWheelFilename('six-1.17.0-py2.py3-none-any.whl').tags.map(tagToString)).toEqual(['py2-none-any', 'py3-none-any']);
    expect(parseWheelFilename('mixed_pkg-1.0-cp39.pp39-cp39.pypy39_pp73-manylinux2014_x86_64.whl').tags.map(tagToString)).toEqual([
      'cp39-cp39-manylinux2014_x86_64',
      'cp39-pypy39_pp73-manylinux2014_x86_64',
      'pp39-cp39-manylinux2014_x86_64',
      'pp39-pypy39_pp73-manylinux2014_x86_64',
    ]);
    expect(
      parseWheelFilename('psutil-6.1.0-cp36-abi3-manylinux_2_12_x86_64.manylinux2010_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl').tags,
    ).toHaveLength(4);
  });

  it('reads the build tag as a number and a rest, so 10 sorts above 9', () => {
    expect(parseWheelFilename('pkg-1.0-10abc-py3-none-any.whl').build).toEqual([10, 'abc']);
    expect(parseWheelFilename('pkg-1.0-9-py3-none-any.whl').build).toEqual([9, '']);
  });

  it('lower-cases tags like pip', () => {
    expect(parseWheelFilename('pkg-1.0-PY3-NONE-ANY.whl').tags.map(tagToString)).toEqual(['py3-none-any']);
  });

  it.each([
    ['pkg-1.0-py3-none-any.zip', 'must end in .whl'],
    ['pkg-1.0-py3-any.whl', 'expected name-version'],
    ['pkg-1.0-x-y-py3-none-any.whl', 'expected name-version'],
    ['pkg-notaversion!-py3-none-any.whl', 'invalid version'],
    ['pkg-1.0-abc-py3-none-any.whl', 'build tag'],
    ['pk g-1.0-py3-none-any.whl', 'invalid project name'],
    ['pkg-1.0-py3-none-any$x.whl', 'invalid tags'],
  ])('rejects %s with a one-line reason', (filename, reason) => {
    expect(() => parseWheelFilename(filename)).toThrowError(PackagingError);
    expect(() => parseWheelFilename(filename)).toThrowError(reason);
    try {
      parseWheelFilename(filename);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
      expect((error as PackagingError).kind).toBe('wheel-filename');
    }
  });
});

describe('source distribution filenames', () => {
  it.each([
    ['lxml-6.0.0.tar.gz', 'lxml', '6.0.0', '.tar.gz'],
    ['Django-5.2.8.tar.gz', 'Django', '5.2.8', '.tar.gz'],
    ['pyparsing-3.2.0.zip', 'pyparsing', '3.2.0', '.zip'],
    ['psycopg2_binary-2.9.10.tar.gz', 'psycopg2_binary', '2.9.10', '.tar.gz'],
    ['python-dateutil-2.8.2.tar.gz', 'python-dateutil', '2.8.2', '.tar.gz'],
    ['old-thing-0.1.tar.bz2', 'old-thing', '0.1', '.tar.bz2'],
  ])('%s -> %s %s', (filename, name, version, format) => {
    expect(parseSdistFilename(filename)).toMatchObject({ name, version, format });
  });

  it('follows the project name when versions contain dashes (legacy)', () => {
    expect(parseSdistFilename('foo-bar-1.0-beta.tar.gz', 'foo-bar')).toMatchObject({ name: 'foo-bar', version: '1.0-beta', normalizedName: 'foo-bar' });
    expect(parseSdistFilename('Foo_Bar-2.0.zip', 'foo.bar')).toMatchObject({ name: 'Foo_Bar', version: '2.0' });
  });

  it('rejects unknown archives and names that do not match', () => {
    expect(() => parseSdistFilename('pkg-1.0.exe')).toThrowError(/unknown archive format/);
    expect(() => parseSdistFilename('other-1.0.tar.gz', 'pkg')).toThrowError(/does not start with the project name/);
    expect(() => parseSdistFilename('nodash.tar.gz')).toThrowError(/expected name-version/);
  });

  it('classifies any distribution file', () => {
    expect(parseDistributionFilename('a-1.0-py3-none-any.whl').kind).toBe('wheel');
    expect(parseDistributionFilename('a-1.0.tar.gz').kind).toBe('sdist');
  });
});
