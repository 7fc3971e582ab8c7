import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { PackagingError } from '../../src/pep/errors.js';
import {
  evaluateMarker,
  markerToString,
  markerVariables,
  parseMarker,
  type MarkerEnvironment,
} from '../../src/pep/markers.js';
import { walkFiles } from '../support/shared.js';

// Hand-written target environments (values as the interpreters report them).
const pypy311: MarkerEnvironment = {
  implementation_name: 'pypy',
  implementation_version: '7.3.19',
  platform_python_implementation: 'PyPy',
  python_version: '3.11',
  python_full_version: '3.11.13',
  sys_platform: 'linux',
  platform_system: 'Linux',
  platform_machine: 'x86_64',
  platform_release: '6.8.0-49-generic',
  platform_version: '#1 SMP PREEMPT_DYNAMIC Debian 6.12.48-1',
  os_name: 'posix',
};

const cpython313: MarkerEnvironment = {
  implementation_name: 'cpython',
  implementation_version: '3.13.5',
  platform_python_implementation: 'CPython',
  python_version: '3.13',
  python_full_version: '3.13.5',
  sys_platform: 'linux',
  platform_system: 'Linux',
  platform_machine: 'aarch64',
  platform_release: '6.8.0',
  platform_version: '#1 SMP',
  os_name: 'posix',
};

const windows310: MarkerEnvironment = {
  implementation_name: 'cpython',
  implementation_version: '3.10.11',
  platform_python_implementation: 'CPython',
  python_version: '3.10',
  python_full_version: '3.10.11',
  sys_platform: 'win32',
  platform_system: 'Windows',
  platform_machine: 'AMD64',
  platform_release: '10',
  platform_version: '10.0.19045',
  os_name: 'nt',
};

function evalOn(marker: string, env: MarkerEnvironment, extras?: string[]): boolean {
  return evaluateMarker(parseMarker(marker), env, extras ? { extras } : undefined);
}

describe('evaluateMarker on PyPy 3.11, CPython 3.13 and Windows CPython 3.10', () => {
  // [marker, pypy311, cpython313, windows310] — expected values worked out by hand from the spec.
  const table: Array<[string, boolean, boolean, boolean]> = [
    ['implementation_name != "pypy"', false, true, true],
    ['implementation_name == "pypy"', true, false, false],
    ['platform_python_implementation == "CPython"', false, true, true],
    ['platform_python_implementation != "PyPy"', false, true, true],
    ["platform_python_implementation=='PyPy'", true, false, false],
    ['python_implementation == "PyPy"', true, false, false], // setuptools' legacy spelling
    ['platform.python_implementation == "PyPy"', true, false, false], // PEP 345 spelling
    // String comparison would say "3.10" < "3.9"; PEP 440 says 3.10 >= 3.9.
    ['python_version >= "3.9"', true, true, true],
    ['python_version < "3.9"', false, false, false],
    ['python_version > "3.10"', true, true, false],
    ['python_version < "3.12"', true, false, true],
    ['python_version == "3.11"', true, false, false],
    ['python_version == "3.1"', false, false, false],
    ['python_version ~= "3.10"', true, true, true],
    ['python_version == "3.*"', true, true, true],
    ['python_version != "3.1*"', true, true, true], // not a specifier: plain string inequality
    ['python_full_version < "3.11.4"', false, false, true],
    ['python_full_version >= "3.11.13"', true, true, false],
    ['python_full_version == "3.11.*"', true, false, false],
    ['implementation_version >= "7.3.18"', true, false, false], // CPython reports its own version
    ['sys_platform == "linux"', true, true, false],
    ['"linux" in sys_platform', true, true, false],
    ["'win' in sys_platform", false, false, true],
    ['sys_platform not in "win32 cygwin"', true, true, false],
    ['os_name == "nt"', false, false, true],
    ['platform_system != "Windows"', true, true, false],
    ['platform_machine == "x86_64"', true, false, false],
    ['platform_machine in "x86_64 AMD64"', true, false, true],
    // celery's couchbase extra
    [
      "platform_python_implementation!='PyPy' and (platform_system != 'Windows' or python_version < '3.10')",
      false,
      true,
      false,
    ],
    // and binds tighter than or
    ['implementation_name == "pypy" or sys_platform == "win32" and python_version >= "3.12"', true, false, false],
    ['(implementation_name == "pypy" or sys_platform == "win32") and python_version >= "3.12"', false, false, false],
    ['python_version<"3.12"and(sys_platform=="linux")', true, false, false],
    // renovate's fixture: python_version >= "2.7" and python_full_version < "3.0.0" or python_full_version >= "3.5.0"
    ['python_version >= "2.7" and python_full_version < "3.0.0" or python_full_version >= "3.5.0"', true, true, true],
    // Literal on the left: "3.12" <= python_version is Specifier("<=3.11").contains("3.12") etc.
    ['"3.12" <= python_version', false, true, false],
  ];
  it.each(table)('%s', (marker, onPypy, onCpython, onWindows) => {
    expect([evalOn(marker, pypy311), evalOn(marker, cpython313), evalOn(marker, windows310)]).toEqual([
      onPypy,
      onCpython,
      onWindows,
    ]);
  });
});

describe('extra', () => {
  const psycopgBinary = 'implementation_name != "pypy" and extra == "binary"';

  it('psycopg[binary] installs psycopg-binary on CPython only', () => {
    expect(evalOn(psycopgBinary, cpython313, ['binary'])).toBe(true);
    expect(evalOn(psycopgBinary, pypy311, ['binary'])).toBe(false);
    expect(evalOn(psycopgBinary, cpython313, [])).toBe(false);
    expect(evalOn(psycopgBinary, cpython313)).toBe(false);
    expect(evalOn(psycopgBinary, cpython313, ['pool'])).toBe(false);
    expect(evalOn(psycopgBinary, cpython313, ['pool', 'binary'])).toBe(true);
  });

  it('compares PEP 503-normalised names (PEP 685)', () => {
    expect(evalOn('extra == "Foo_Bar"', pypy311, ['foo-bar'])).toBe(true);
    expect(evalOn('extra == "foo.bar"', pypy311, ['FOO__BAR'])).toBe(true);
    expect(evalOn('extra == "Different.punctuation..is...equal"', pypy311, ['different-punctuation-is-equal'])).toBe(
      true,
    );
    expect(evalOn('"Security" == extra', pypy311, ['security'])).toBe(true);
    expect(markerToString(parseMarker('extra == "Foo_Bar"'))).toBe('extra == "foo-bar"');
  });

  it('is the empty string when no extra is requested, as pip evaluates it', () => {
    expect(evalOn('extra != "test"', pypy311)).toBe(true);
    expect(evalOn('extra == ""', pypy311)).toBe(true);
    // Extras are names, never versions: "v2" must not equal "v2a3" through PEP 440.
    expect(evalOn('extra == "v2"', pypy311, ['v2a3'])).toBe(false);
    expect(evalOn('extra == "v2a3"', pypy311, ['v2a3'])).toBe(true);
  });

  it('tries each requested extra against the whole marker', () => {
    // Needs one extra to satisfy both clauses at once; no single extra does.
    expect(evalOn('extra == "a" and extra == "b"', pypy311, ['a', 'b'])).toBe(false);
    expect(evalOn('extra == "a" or extra == "b"', pypy311, ['b'])).toBe(true);
  });

  it('supports the set-valued extras and dependency_groups of lock files', () => {
    const m = parseMarker('"Dev_Tools" in dependency_groups or "Docs" in extras');
    expect(markerToString(m)).toBe('"dev-tools" in dependency_groups or "docs" in extras');
    expect(evaluateMarker(m, pypy311, { dependencyGroups: ['dev.tools'] })).toBe(true);
    expect(evaluateMarker(m, pypy311, { extras: ['DOCS'] })).toBe(true);
    expect(evaluateMarker(m, pypy311, { extras: ['test'] })).toBe(false);
    expect(evaluateMarker(parseMarker('"docs" not in extras'), pypy311)).toBe(true);
    expect(() => evaluateMarker(parseMarker('extras == "docs"'), pypy311)).toThrow(PackagingError);
  });
});

describe('comparison rules (packaging 26)', () => {
  it('compares ordering of non-version strings as false and <=/>= as equality', () => {
    expect(evalOn('sys_platform > "a"', pypy311)).toBe(false);
    expect(evalOn('sys_platform < "z"', pypy311)).toBe(false);
    expect(evalOn('sys_platform >= "linux"', pypy311)).toBe(true);
    expect(evalOn('sys_platform <= "linux2"', pypy311)).toBe(false);
  });

  it('does not treat version-looking values of string keys as versions', () => {
    // platform_version is a string key: "10.0.19045" vs "10.0" is no version comparison.
    expect(evalOn('platform_version >= "10.0"', windows310)).toBe(false);
    expect(evalOn('platform_version == "10.0.19045"', windows310)).toBe(true);
  });

  it('treats an unparsable version on the environment side as not contained', () => {
    // Ubuntu's kernel release "6.8.0-49-generic" is not PEP 440.
    expect(evalOn('platform_release >= "5"', pypy311)).toBe(false);
    expect(evalOn('platform_release == "6.8.0-49-generic"', pypy311)).toBe(true);
    expect(evalOn('platform_release >= "5"', cpython313)).toBe(true);
  });

  it('includes pre-releases when comparing interpreter versions', () => {
    const rc = { ...cpython313, python_full_version: '3.14.0rc2', python_version: '3.14' };
    expect(evaluateMarker(parseMarker('python_full_version >= "3.14.0rc1"'), rc)).toBe(true);
    expect(evaluateMarker(parseMarker('python_full_version >= "3.14"'), rc)).toBe(false);
    // PEP 440: "<V" excludes V's own pre-releases unless V is one, so 3.14.0rc2 is not < 3.14.
    expect(evaluateMarker(parseMarker('python_full_version < "3.14"'), rc)).toBe(false);
    expect(evaluateMarker(parseMarker('python_full_version < "3.14.0rc3"'), rc)).toBe(true);
  });

  // Exclusive ordered comparison, PEP 440 text: "<V MUST NOT allow a pre-release of the specified
  // version unless the specified version is itself a pre-release"; ">V MUST NOT allow a
  // post-release of the given version unless V itself is a post release" nor a local version.
  const exclusive: Array<[string, string, boolean]> = [
    ['3.14.dev1', '< "3.14"', false],
    ['3.14.0a1', '< "3.14.0a2"', true],
    ['3.13.9', '< "3.14"', true],
    ['7.3.19.post1', '> "7.3.19"', false],
    ['7.3.19.post2', '> "7.3.19.post1"', true],
    ['7.3.19+local', '> "7.3.19"', false],
    ['7.3.20', '> "7.3.19"', true],
    ['7.3.19', '> "7.3.19.0"', false],
    ['8.0.0rc1', '> "7.3"', true],
  ];
  it.each(exclusive)('implementation_version %s %s is %s', (version, clause, expected) => {
    const env = { ...pypy311, implementation_version: version };
    expect(evaluateMarker(parseMarker(`implementation_version ${clause}`), env)).toBe(expected);
  });

  it('repairs a "+"-suffixed python_full_version as packaging does', () => {
    const dev = { ...cpython313, python_full_version: '3.13.5+' };
    expect(evaluateMarker(parseMarker('python_full_version >= "3.13"'), dev)).toBe(true);
  });

  it('uses arbitrary equality on the raw strings', () => {
    expect(evalOn('python_version === "3.11"', pypy311)).toBe(true);
    expect(evalOn('python_full_version === "3.11"', pypy311)).toBe(false);
  });

  it('throws for comparisons the spec leaves undefined', () => {
    expect(() => evalOn('os_name ~= "posix"', pypy311)).toThrow(PackagingError);
    expect(() => evalOn("python_version ~= 'fred'", pypy311)).toThrow(/undefined comparison/);
    expect(() => evalOn('sys_platform === "linux"', pypy311)).toThrow(PackagingError);
  });

  it('treats in / not in as substring tests even on version keys', () => {
    expect(evalOn('"3.1" in python_full_version', pypy311)).toBe(true);
    expect(evalOn('python_version in "3.10 3.11 3.12"', pypy311)).toBe(true);
    expect(evalOn('python_version not in "3.10 3.11 3.12"', cpython313)).toBe(true);
  });

  it('throws PackagingError when the environment lacks a value', () => {
    const partial = { ...pypy311 } as Partial<MarkerEnvironment>;
    delete partial.platform_release;
    expect(() => evaluateMarker(parseMarker('platform_release == "x"'), partial as MarkerEnvironment)).toThrow(
      /no value for "platform_release"/,
    );
  });
});

describe('parseMarker', () => {
  it('builds and-before-or trees', () => {
    const m = parseMarker('os_name == "a" or os_name == "b" and os_name == "c"');
    expect(m.kind).toBe('or');
    if (m.kind !== 'or') return;
    expect(m.right.kind).toBe('and');
    expect(m.left).toEqual({
      kind: 'compare',
      left: { kind: 'variable', name: 'os_name' },
      op: '==',
      right: { kind: 'literal', value: 'a' },
    });
  });

  // [input, normalised form] — normalisation as packaging's str(Marker) prints it.
  const normalised: Array<[string, string]> = [
    ["python_version == '2.7'", 'python_version == "2.7"'],
    ['(python_version == "2.7")', 'python_version == "2.7"'],
    ['(python_version == "2.7" and sys_platform == "win32")', 'python_version == "2.7" and sys_platform == "win32"'],
    [
      'python_version == "2.7" and (sys_platform == "win32" or sys_platform == "linux")',
      'python_version == "2.7" and (sys_platform == "win32" or sys_platform == "linux")',
    ],
    ['python_version<"3.11"and(sys_platform=="linux")', 'python_version < "3.11" and sys_platform == "linux"'],
    ['os.name=="nt"', 'os_name == "nt"'],
    ['sys.platform  ==\t"win32"', 'sys_platform == "win32"'],
    ['python_implementation == "PyPy"', 'platform_python_implementation == "PyPy"'],
    ['"linux"in sys_platform', '"linux" in sys_platform'],
    ['os_name not   in "nt"', 'os_name not in "nt"'],
    ["'a\" == os_name or python_version >= \"0\" or \"b' == os_name", '\'a" == os_name or python_version >= "0" or "b\' == os_name'],
    ['os_name == "a" or (os_name == "b" or os_name == "c")', 'os_name == "a" or (os_name == "b" or os_name == "c")'],
    ['((os_name == "a"))', 'os_name == "a"'],
    ['python_version >= "3"   ', 'python_version >= "3"'],
    ['os_name == "tab\\there"', 'os_name == "tab\\x09here"'],
    ['os_name == "back\\\\slash"', 'os_name == "back\\\\slash"'],
    ['os_name == "unknown\\d escape"', 'os_name == "unknown\\\\d escape"'],
  ];
  it.each(normalised)('%s -> %s', (input, expected) => {
    const marker = parseMarker(input);
    expect(markerToString(marker)).toBe(expected);
    expect(parseMarker(markerToString(marker))).toEqual(marker);
  });

  it('decodes Python escapes in quoted strings', () => {
    const m = parseMarker('os_name == "a\\tb\\x41\\u00e9\\101"');
    expect(m.kind === 'compare' && m.right).toEqual({ kind: 'literal', value: 'a\tbAéA' });
  });

  // Rejected by packaging (its test_parses_invalid and malformed quoted strings) or by the grammar.
  const invalid: Array<[string, number]> = [
    ["this_isnt_a_real_variable >= '1.0'", 0],
    ['python_version', 14],
    ['(python_version)', 15],
    ['python_version >= 1.0 and (python_version)', 18],
    ['(python_version == "2.7" and os_name == "linux"', 47],
    ['(python_version == "2.7") with random text', 26],
    ['python_version >= "3"\n', 21],
    ['os_name == "C:\\"', 11],
    ['os_name == "\\x"', 11],
    ['os_name == "unterminated', 11],
    ['os_name = "nt"', 8],
    ['os_name == "nt" and', 19],
    ['os_name == "nt" or or os_name == "x"', 19],
    ['os_name notin "nt"', 8],
    ['os_name not"in" "nt"', 11],
    ['os_name == "nt")', 15],
    ['', 0],
    ['python_versionx == "3"', 0],
    ['os_name == "nt" andos_name == "x"', 16],
  ];
  it.each(invalid)('rejects %j at offset %i', (input, offset) => {
    let error: unknown;
    try {
      parseMarker(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PackagingError);
    const pe = error as PackagingError;
    expect(pe.kind).toBe('marker');
    expect(pe.offset).toBe(offset);
    expect(pe.message).not.toMatch(/\n/);
  });

  it('bounds nesting and length so hostile input cannot exhaust the stack', () => {
    expect(() => parseMarker('('.repeat(100_000))).toThrow(/nested deeper/);
    expect(() => parseMarker(Array(2000).fill('os_name == "a"').join(' and '))).toThrow(/more than/);
    const long = Array(400).fill('os_name == "a"').join(' or ');
    expect(evaluateMarker(parseMarker(long), pypy311)).toBe(false);
  });

  it('only ever throws PackagingError on random input (fuzz)', () => {
    // Deterministic LCG so a failure reproduces.
    let seed = 20261125;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pieces = [
      'python_version', 'os_name', 'extra', 'extras', 'sys.platform', '"3.11"', "'pypy'", '"a\\x"', '==', '===',
      '~=', '<', '>=', '!=', ' in ', ' not in ', 'not', ' and ', ' or ', '(', ')', ' ', '\t', '"', "'", '\\', 'x',
      '1.*', '"1.0.*"', '"*"', ';', '\n', 'é', '\u0000',
    ];
    let parsed = 0;
    for (let i = 0; i < 5000; i++) {
      let text = '';
      const count = 1 + next(12);
      for (let j = 0; j < count; j++) text += pieces[next(pieces.length)];
      try {
        const m = parseMarker(text);
        parsed++;
        expect(parseMarker(markerToString(m))).toEqual(m);
        for (const env of [pypy311, cpython313, windows310]) {
          try {
            evaluateMarker(m, env, { extras: ['x'] });
          } catch (e) {
            expect(e).toBeInstanceOf(PackagingError);
          }
        }
      } catch (e) {
        if (!(e instanceof PackagingError)) throw e;
        expect(e.message).not.toMatch(/[\n\r]/);
      }
    }
    // Hand-picked pieces produce some valid markers; the fuzz must exercise both paths.
    expect(parsed).toBeGreaterThan(0);
  });
});

describe('markerVariables', () => {
  it('lists canonical names from both sides', () => {
    const vars = markerVariables(parseMarker('"linux" in sys.platform and (extra == "x" or python_implementation != "PyPy")'));
    expect([...vars].sort()).toEqual(['extra', 'platform_python_implementation', 'sys_platform']);
  });
});

const manifests = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus/manifests');

describe.skipIf(!existsSync(manifests))('corpus lockfile markers', () => {
  it('parses every marker recorded in uv, poetry, pdm, pylock and Pipfile lockfiles', () => {
    const files = walkFiles(manifests, (f) => /\.lock$|(^|\/)pylock[^/]*\.toml$/.test(f));
    const markers: string[] = [];
    const collect = (value: unknown, key: string | null): void => {
      if (typeof value === 'string') {
        if (key === 'marker' || key === 'markers' || key === 'resolution-markers') markers.push(value);
      } else if (Array.isArray(value)) {
        for (const item of value) collect(item, key === 'resolution-markers' ? key : null);
      } else if (value !== null && typeof value === 'object') {
        // poetry writes per-group markers as an inline table: markers = {main = "…", dev = "…"}
        const inherit = key === 'markers' ? key : null;
        for (const [k, v] of Object.entries(value)) collect(v, inherit ?? k);
      }
    };
    let unreadable = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      try {
        collect(text.trimStart().startsWith('{') ? JSON.parse(text) : parseToml(text), null);
      } catch {
        unreadable++; // deliberately broken fixtures (e.g. dependabot's unparseable.lock)
      }
    }
    const failures = markers.flatMap((m) => {
      try {
        const parsed = parseMarker(m);
        expect(parseMarker(markerToString(parsed))).toEqual(parsed);
        return [];
      } catch (e) {
        return [(e as Error).message];
      }
    });
    expect(failures).toEqual([]);
    expect(unreadable).toBeLessThanOrEqual(1);
    // grep -oE '\bmarkers? = "' over the TOML lockfiles counted 410 and '"markers": "' over the
    // JSON ones 133 (2026-11-25); inline tables and resolution-markers arrays come on top.
    expect(markers.length).toBeGreaterThanOrEqual(410 + 133);
  });
});
