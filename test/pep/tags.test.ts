import { describe, expect, it } from 'vitest';
import { PackagingError } from '../../src/pep/errors.js';
import { compatibleTags, cpythonTags, genericTags, parseTagSet, pyInterpreterRange, tagToString } from '../../src/pep/tags.js';

const strings = (tags: ReturnType<typeof genericTags>) => tags.map(tagToString);

describe('compatibility tags', () => {
  it('ranges pure-Python interpreter tags from the exact version down to py30', () => {
    expect(pyInterpreterRange([3, 3])).toEqual(['py33', 'py3', 'py32', 'py31', 'py30']);
  });

  it('gives PyPy its own ABI, then none, and never abi3', () => {
    const tags = strings(genericTags('pp311', ['pypy311_pp80'], ['linux_x86_64']));
    expect(tags).toEqual(['pp311-pypy311_pp80-linux_x86_64', 'pp311-none-linux_x86_64']);
  });

  it('gives CPython the stable ABI of older minors after its own', () => {
    const tags = strings(cpythonTags([3, 4], ['cp34m'], ['any_plat']));
    expect(tags).toEqual(['cp34-cp34m-any_plat', 'cp34-abi3-any_plat', 'cp34-none-any_plat', 'cp33-abi3-any_plat', 'cp32-abi3-any_plat']);
  });

  it('gives free-threaded CPython no abi3', () => {
    expect(strings(cpythonTags([3, 13], ['cp313t'], ['p'])).filter((t) => t.includes('abi3'))).toEqual([]);
  });

  it('puts the interpreter-specific any tag between platform and pure tags', () => {
    expect(strings(compatibleTags([3, 1], 'pp31', ['plat']))).toEqual([
      'py31-none-plat',
      'py3-none-plat',
      'py30-none-plat',
      'pp31-none-any',
      'py31-none-any',
      'py3-none-any',
      'py30-none-any',
    ]);
  });

  it('rejects malformed tag sets', () => {
    expect(() => parseTagSet('py3-none')).toThrowError(PackagingError);
    expect(() => parseTagSet('py3-none-any-x')).toThrowError(PackagingError);
    expect(() => parseTagSet('py3-no ne-any')).toThrowError(/invalid tag set/);
  });
});
