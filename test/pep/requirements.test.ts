import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { PackagingError } from '../../src/pep/errors.js';
import { evaluateMarker, markerToString, type MarkerEnvironment } from '../../src/pep/markers.js';
import { parseRequirement, requirementToString, type Requirement } from '../../src/pep/requirements.js';
import { walkFiles } from '../support/shared.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const manifests = path.resolve(repoRoot, '../shared/corpus/manifests');

type Expected = Partial<Omit<Requirement, 'marker'>> & { marker?: string | null };

function check(text: string, expected: Expected): void {
  const r = parseRequirement(text);
  const { marker, ...rest } = expected;
  expect(r).toMatchObject(rest);
  if (marker !== undefined) expect(r.marker === null ? null : markerToString(r.marker)).toBe(marker);
  // The normalised text parses back to the same requirement.
  const again = parseRequirement(requirementToString(r));
  expect({ ...again, markerText: null }).toEqual({ ...r, markerText: null });
}

describe('parseRequirement', () => {
  // Forms from the PEP 508 text, packaging's behaviour and the corpus (expected values by hand).
  const table: Array<[string, Expected]> = [
    ['name', { name: 'name', normalizedName: 'name', extras: [], specifier: '', url: null, marker: null, markerText: null }],
    ['A.B-C_D', { name: 'A.B-C_D', normalizedName: 'a-b-c-d' }],
    ['name[extra1,extra2]', { extras: ['extra1', 'extra2'], specifier: '' }],
    ['Name[Extra_2, extra1 ,EXTRA1]', { name: 'Name', normalizedName: 'name', extras: ['extra-2', 'extra1'] }],
    ['name[ ]', { extras: [] }],
    ['name>=1,<2', { specifier: '>=1,<2' }],
    ['name <=1', { specifier: '<=1' }],
    ['name>=3,<2', { specifier: '>=3,<2' }], // unsatisfiable, but well-formed
    ['name >= 1.0 , < 2', { specifier: '>=1.0,<2' }],
    ['build (>=1.2.1,<2.0.0)', { name: 'build', specifier: '>=1.2.1,<2.0.0' }],
    ['name ()', { specifier: '' }],
    [
      "tomli (>=2.0.1,<3.0.0) ; python_version < '3.11'",
      { specifier: '>=2.0.1,<3.0.0', marker: 'python_version < "3.11"', markerText: "python_version < '3.11'" },
    ],
    ['name==1.*', { specifier: '==1.*' }],
    ['name~=1.4', { specifier: '~=1.4' }],
    ['name===weird', { specifier: '===weird' }],
    ['name==1.0+local.7', { specifier: '==1.0+local.7' }],
    ['name!=1!2.0.*', { specifier: '!=1!2.0.*' }],
    ['name>=1,', { specifier: '>=1' }], // packaging tolerates one trailing comma
    [
      'name @ https://example.com/name-1.0-py3-none-any.whl',
      { url: 'https://example.com/name-1.0-py3-none-any.whl', specifier: '', marker: null },
    ],
    ['name@http://foo.com', { url: 'http://foo.com' }],
    [
      'name@ git+https://github.com/a/b@v1#egg=x',
      { name: 'name', url: 'git+https://github.com/a/b@v1#egg=x', marker: null },
    ],
    [
      "name [fred,bar] @ http://foo.com ; python_version=='2.7'",
      { extras: ['bar', 'fred'], url: 'http://foo.com', marker: 'python_version == "2.7"' },
    ],
    // Without whitespace the ";…" is part of the URL, exactly as packaging reads it.
    ['name @ http://foo.com;os_name=="a"', { url: 'http://foo.com;os_name=="a"', marker: null }],
    ['name ; python_version < "3.11"', { specifier: '', marker: 'python_version < "3.11"', markerText: 'python_version < "3.11"' }],
    ['name;python_version<"3.11"', { marker: 'python_version < "3.11"', markerText: 'python_version<"3.11"' }],
    [
      "name[quux, strange];python_version<'2.7' and platform_version=='2'",
      { extras: ['quux', 'strange'], marker: 'python_version < "2.7" and platform_version == "2"' },
    ],
    ["name; os_name=='a' or os_name=='b'", { marker: 'os_name == "a" or os_name == "b"' }],
    [
      "name; os_name=='a' and (os_name=='b' or os_name=='c')",
      { marker: 'os_name == "a" and (os_name == "b" or os_name == "c")' },
    ],
    [
      "name; (os_name=='a' or os_name=='b') and os_name=='c'",
      { marker: '(os_name == "a" or os_name == "b") and os_name == "c"' },
    ],
    [
      'requests [security,tests] >= 2.8.1, == 2.8.* ; python_version < "2.7"',
      { name: 'requests', extras: ['security', 'tests'], specifier: '>=2.8.1,==2.8.*', marker: 'python_version < "2.7"' },
    ],
    [
      'psycopg-binary==3.2.9; implementation_name != "pypy" and extra == "Binary"',
      { normalizedName: 'psycopg-binary', specifier: '==3.2.9', marker: 'implementation_name != "pypy" and extra == "binary"' },
    ],
    ['  name>=1  ', { name: 'name', specifier: '>=1' }],
    ['name>=1\r\n', { specifier: '>=1' }], // a stray line ending from a CRLF file
  ];
  it.each(table)('%j', (text, expected) => check(text, expected));

  it('prints in packaging layout', () => {
    expect(requirementToString(parseRequirement('Name [b , a] ( >= 1 , <2 ) ;os_name=="nt"'))).toBe(
      'Name[a,b]>=1,<2; os_name == "nt"',
    );
    expect(requirementToString(parseRequirement('x@https://h/x.whl ; os_name=="nt"'))).toBe(
      'x @ https://h/x.whl ; os_name == "nt"',
    );
  });

  // [input, offset of the reported problem, words the message must contain]
  const invalid: Array<[string, number, RegExp]> = [
    ['', 0, /expected a package name/],
    ['foo-', 0, /invalid package name "foo-"/],
    ['_foo', 0, /invalid package name/],
    ['x 1.0', 2, /invalid version specifier "1.0"/],
    ['x>=1 0', 1, /invalid version specifier ">=1 0"/],
    ['x==1.0a1.*', 1, /invalid version specifier/],
    ['x>=1.0+local', 1, /invalid version specifier ">=1.0\+local"/],
    ['x>=1,,<2', 5, /expected a version specifier clause/],
    ['x>=1, =>2', 6, /invalid version specifier "=>2"/],
    ['x~=1', 1, /invalid version specifier "~=1"/],
    ['x[', 2, /expected an extra name/],
    ['x[a b]', 4, /expected "," or "\]"/],
    ['x[a,]', 4, /expected an extra name/],
    ['x (>=1', 2, /expected "\)"/],
    ['x (>=1) junk', 8, /expected "," or ";"/],
    ['x @ ', 3, /expected a URL/],
    ['x @ https://a/b.whl; os_name == "nt"', 21, /expected ";"/],
    ['x @ https://a/b.whl\nos_name', 19, /expected whitespace after the URL/],
    ['x; foo == "a"', 3, /unknown marker variable "foo"/],
    ['x; os_name ==', 13, /expected a marker variable or quoted string/],
    ['x>=1 ; os_name == "a" extra', 22, /expected "and", "or" or end of marker/],
    ['x ; ', 3, /expected a marker variable/],
  ];
  it.each(invalid)('rejects %j at offset %i', (text, offset, message) => {
    let error: unknown;
    try {
      parseRequirement(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PackagingError);
    const pe = error as PackagingError;
    expect(pe.kind).toBe('requirement');
    expect(pe.offset).toBe(offset);
    expect(pe.message).toMatch(message);
    expect(pe.message).not.toMatch(/[\r\n]/);
  });

  it('only ever throws PackagingError on random input (fuzz)', () => {
    let seed = 508;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pieces = [
      'name', 'x', '[', ']', ',', '(', ')', '@', ' ', ';', '>=1', '==1.*', '~=', '===', '1.0', 'https://h/x.whl',
      ' ; ', 'os_name == "a"', ' and ', '"', '\\', '\n', '-', '.', '_', '+local',
    ];
    let parsed = 0;
    for (let i = 0; i < 5000; i++) {
      let text = '';
      const count = 1 + next(10);
      for (let j = 0; j < count; j++) text += pieces[next(pieces.length)];
      try {
        const r = parseRequirement(text);
        parsed++;
        expect(parseRequirement(requirementToString(r)).normalizedName).toBe(r.normalizedName);
      } catch (e) {
        if (!(e instanceof PackagingError)) throw e;
        expect(e.message).not.toMatch(/[\r\n]/);
      }
    }
    expect(parsed).toBeGreaterThan(0);
  });
});

describe.skipIf(!existsSync(manifests))('corpus requirements with markers', () => {
  it('parses every requirement line with a marker in requirements files', () => {
    const files = walkFiles(
      manifests,
      // setup-cfg fixtures are setup.cfg bodies saved as .txt, not requirements files.
      (f) => /\.(txt|in)$/.test(f) && !f.includes('setup-cfg'),
    );
    const failures: string[] = [];
    let count = 0;
    for (const file of files) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((raw, index) => {
          const line = raw.replace(/\s+#.*$/, '').replace(/\\\s*$/, '').trim();
          if (line === '' || line.startsWith('#') || line.startsWith('-') || !line.includes(';')) return;
          count++;
          try {
            const r = parseRequirement(line);
            if (r.marker === null) failures.push(`${file}:${index + 1}: no marker`);
          } catch (e) {
            failures.push(`${file}:${index + 1}: ${(e as Error).message}`);
          }
        });
    }
    expect(failures).toEqual([]);
    // `grep -rn ';' --include='*.txt' --include='*.in'`, minus comment/option lines and the
    // setup-cfg fixture, counted 46 lines on 2026-11-25.
    expect(count).toBeGreaterThanOrEqual(46);
  });

  it('parses every pyproject.toml dependency string with a marker', () => {
    const files = walkFiles(manifests, (f) => path.basename(f) === 'pyproject.toml');
    const found: string[] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) {
        for (const item of value) {
          if (typeof item === 'string' && item.includes(';')) found.push(item);
          else collect(item);
        }
      } else if (value !== null && typeof value === 'object') {
        for (const v of Object.values(value)) collect(v);
      }
    };
    for (const file of files) collect(parseToml(readFileSync(file, 'utf8')));
    const failures = found.flatMap((text) => {
      try {
        return parseRequirement(text).marker === null ? [`${text}: no marker`] : [];
      } catch (e) {
        return [(e as Error).message];
      }
    });
    expect(failures).toEqual([]);
    // grep -rn --include=pyproject.toml -E "[\"'][A-Za-z0-9][^\"']*;[^\"']*[\"']" counted 18 lines.
    expect(found.length).toBeGreaterThanOrEqual(18);
  });

  it('evaluates corpus markers the way the PyPy-relevant ones are meant', () => {
    // celery/kombu brotli extras: brotlipy on PyPy, brotli on CPython (requirements/extras/brotli.txt).
    const file = path.join(manifests, 'celery__celery/requirements/extras/brotli.txt');
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.includes(';'));
    const pypy: MarkerEnvironment = {
      implementation_name: 'pypy', implementation_version: '7.3.19', platform_python_implementation: 'PyPy',
      python_version: '3.11', python_full_version: '3.11.13', sys_platform: 'linux', platform_system: 'Linux',
      platform_machine: 'x86_64', platform_release: '', platform_version: '', os_name: 'posix',
    };
    const chosen = lines
      .map((l) => parseRequirement(l))
      .filter((r) => r.marker !== null && evaluateMarker(r.marker, pypy))
      .map((r) => r.normalizedName);
    expect(chosen).toEqual(['brotlipy']);
  });
});
