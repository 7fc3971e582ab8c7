import { describe, expect, it } from 'vitest';
import { PackagingError } from '../../src/pep/errors.js';
import { canonicalizeName, isValidName, wheelEscapedName } from '../../src/pep/names.js';

describe('project names (PEP 503)', () => {
  it.each([
    ['Django', 'django'],
    ['psycopg2_binary', 'psycopg2-binary'],
    ['zope.interface', 'zope-interface'],
    ['Foo.._-Bar', 'foo-bar'],
    ['ruamel.yaml.clib', 'ruamel-yaml-clib'],
  ])('%s normalises to %s', (name, normalized) => {
    expect(canonicalizeName(name)).toBe(normalized);
  });

  it('validates names as PEP 508 defines them', () => {
    expect(isValidName('a')).toBe(true);
    expect(isValidName('typing_extensions')).toBe(true);
    expect(isValidName('-leading')).toBe(false);
    expect(isValidName('trailing.')).toBe(false);
    expect(isValidName('sp ace')).toBe(false);
    expect(() => canonicalizeName('bad name', { validate: true })).toThrowError(PackagingError);
  });

  it('escapes names for wheel filenames', () => {
    expect(wheelEscapedName('zope.interface')).toBe('zope_interface');
  });
});
