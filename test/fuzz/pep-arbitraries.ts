/**
 * Generators for packaging text, built from realistic pieces (names, extras, versions, specifiers,
 * URLs, markers) and then mutated with hostile characters and long runs.
 */
import fc from 'fast-check';
import type { MarkerEnvironment } from '../../src/pep/markers.js';

/** Characters parsers of this kind trip over: delimiters, quotes, escapes, controls, bidi, NUL. */
export const HOSTILE_CHARS = [
  ' ', '\t', '\n', '\r', '\f', '\v', '\u0000', '\u001b', '\u009b', '\u202e', '\u00a0', '\u2028', '\ufeff',
  '(', ')', '[', ']', '{', '}', ',', ';', '@', '#', '=', '<', '>', '!', '~', '*', '+', '-', '_', '.', '/',
  '\\', '"', "'", '`', '&', '%', '$', ':', '?', '|', '^', 'é', '\ud83d\ude00', '\ud800', '0', '9', 'a', 'Z',
] as const;

export const hostileChar = fc.constantFrom(...HOSTILE_CHARS);

/** A run of one hostile character (or a short hostile word), sometimes long. */
export const hostileRun = fc.oneof(
  fc.tuple(hostileChar, fc.integer({ min: 1, max: 8 })).map(([c, n]) => c.repeat(n)),
  fc.tuple(hostileChar, fc.integer({ min: 50, max: 3000 })).map(([c, n]) => c.repeat(n)),
  fc.tuple(fc.constantFrom('and ', 'or ', '((', '))', '[[', ',,', '==', '<<', '&amp;', '&#', '\\x', 'not in ', ' ; ', '-1'), fc.integer({ min: 1, max: 500 })).map(([w, n]) => w.repeat(n)),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

/**
 * Mutate `text` a few times: insert a hostile run, replace a span with one, delete a span, or
 * duplicate a span. Positions are fractions, so shrinking keeps them meaningful.
 */
export function mutated(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.constantFrom('insert', 'replace', 'delete', 'duplicate'), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 12 }), hostileRun);
  return fc.tuple(text, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([base, edits]) => {
    let s = base;
    for (const [kind, where, span, run] of edits) {
      const at = Math.floor(where * s.length);
      const end = Math.min(s.length, at + span);
      if (kind === 'insert') s = s.slice(0, at) + run + s.slice(at);
      else if (kind === 'replace') s = s.slice(0, at) + run + s.slice(end);
      else if (kind === 'delete') s = s.slice(0, at) + s.slice(end);
      else s = s.slice(0, end) + s.slice(at, end) + s.slice(end);
    }
    return s;
  });
}

// ---------------------------------------------------------------------------------------------
// Names and versions
// ---------------------------------------------------------------------------------------------

export const projectName = fc.oneof(
  fc.constantFrom('requests', 'Django', 'zope.interface', 'typing_extensions', 'ruamel.yaml', 'python-dateutil', 'A', 'x1', 'pypy-ready', 'Foo__Bar..baz'),
  fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,12}[A-Za-z0-9])?$/),
);

/** A digit string: usually small, sometimes zero-padded, rarely past 2^53. */
const number = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 30 }).map(String) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 99_999_999 }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 99 }).map((n) => `0${n}`) },
  { weight: 1, arbitrary: fc.stringMatching(/^[1-9][0-9]{15,25}$/) },
);

const sep = fc.constantFrom('', '.', '-', '_');

export interface VersionParts {
  epoch: string | null;
  release: string[];
  pre: [string, string | null] | null;
  post: string | null;
  dev: string | null;
  local: string | null;
}

export const versionParts: fc.Arbitrary<VersionParts> = fc.record({
  epoch: fc.option(number, { freq: 6 }),
  release: fc.array(number, { minLength: 1, maxLength: 5 }),
  pre: fc.option(fc.tuple(fc.constantFrom<string>('a', 'b', 'rc', 'c', 'alpha', 'beta', 'pre', 'preview'), fc.option(number, { freq: 6 }) as fc.Arbitrary<string | null>), { freq: 3 }),
  post: fc.option(number, { freq: 4 }),
  dev: fc.option(number, { freq: 4 }),
  local: fc.option(fc.stringMatching(/^[a-z0-9]{1,6}([._-][a-z0-9]{1,6}){0,2}$/), { freq: 5 }),
});

/** The plain spelling: `1!2.0rc1.post3.dev4+abc`. */
export function versionText(p: VersionParts): string {
  return (
    (p.epoch !== null ? `${p.epoch}!` : '') +
    p.release.join('.') +
    (p.pre ? `${p.pre[0]}${p.pre[1] ?? '0'}` : '') +
    (p.post !== null ? `.post${p.post}` : '') +
    (p.dev !== null ? `.dev${p.dev}` : '') +
    (p.local !== null ? `+${p.local}` : '')
  );
}

/** A valid version in a normal spelling. */
export const version = versionParts.map(versionText);

/** A valid version in one of the spellings PEP 440 normalises (`v1.0-RC_1`, `1.0-1`, `1.0.post`). */
export const spelledVersion = fc
  .tuple(versionParts, fc.boolean(), sep, sep, sep, fc.boolean(), fc.constantFrom('post', 'rev', 'r', '-'), fc.boolean())
  .map(([p, v, preSep, postSep, devSep, upper, postWord, bareWord]) => {
    let text = (v ? 'v' : '') + (p.epoch !== null ? `${p.epoch}!` : '') + p.release.join('.');
    if (p.pre) text += `${preSep}${p.pre[0]}${p.pre[1] === null ? '' : `${preSep}${p.pre[1]}`}`;
    // `1.0-1` (implicit post), `1.0.post` (implicit 0), `1.0_r_1`.
    if (p.post !== null) text += postWord === '-' ? `-${p.post}` : `${postSep}${postWord}${bareWord ? '' : `${postSep}${p.post}`}`;
    if (p.dev !== null) text += `${devSep}dev${bareWord ? '' : p.dev}`;
    if (p.local !== null) text += `+${p.local}`;
    return upper ? text.toUpperCase() : text;
  });

/** Anything that looks a bit like a version, valid or not. */
export const versionish = fc.oneof(version, spelledVersion, mutated(version), fc.stringMatching(/^[0-9a-z.!+*_-]{0,12}$/));

// ---------------------------------------------------------------------------------------------
// Specifiers
// ---------------------------------------------------------------------------------------------

export const OPERATORS = ['===', '==', '~=', '!=', '<=', '>=', '<', '>'] as const;

/** One clause: an operator and a version, sometimes with `.*`, sometimes breaking a rule. */
export const clause = fc
  .tuple(fc.constantFrom(...OPERATORS), fc.oneof({ weight: 4, arbitrary: version }, { weight: 1, arbitrary: spelledVersion }), fc.option(fc.constant('.*'), { freq: 4 }), fc.constantFrom('', ' ', '  '))
  .map(([op, v, star, space]) => `${op}${space}${v}${star ?? ''}`);

export const specifierSet = fc.array(clause, { minLength: 0, maxLength: 3 }).chain((clauses) =>
  fc.constantFrom(',', ', ', ' ,').map((joiner) => clauses.join(joiner)),
);

// ---------------------------------------------------------------------------------------------
// Markers
// ---------------------------------------------------------------------------------------------

const VERSION_VARIABLES = ['python_version', 'python_full_version', 'implementation_version', 'platform_release'];
const STRING_VARIABLES = [
  'os_name', 'sys_platform', 'platform_machine', 'platform_python_implementation', 'platform_system', 'platform_version',
  'implementation_name', 'os.name', 'sys.platform', 'platform.machine', 'platform.python_implementation', 'python_implementation', 'platform.version',
];

const stringLiteral = fc.oneof(
  fc.constantFrom('pypy', 'cpython', 'PyPy', 'CPython', 'linux', 'win32', 'darwin', 'posix', 'nt', 'x86_64', 'aarch64', 'arm64', 'AMD64', 'Linux', 'Windows', 'Darwin', ''),
  fc.string({ maxLength: 8 }),
);

function quoted(value: string, style: '"' | "'"): string {
  return `${style}${value}${style}`;
}

const quoteStyle = fc.constantFrom<'"' | "'">('"', "'");
const space = fc.constantFrom('', ' ', '  ', '\t');

/** One comparison, with the variable on either side. */
export const markerComparison = fc.oneof(
  fc.tuple(fc.constantFrom(...VERSION_VARIABLES), fc.constantFrom(...OPERATORS), fc.oneof(version, fc.constantFrom('3', '3.9', '3.11', '3.13.5', '2.7', '6.8.0')), quoteStyle, space, fc.boolean()).map(
    ([variable, op, v, q, s, flipped]) => (flipped ? `${quoted(v, q)}${s}${op}${s}${variable}` : `${variable}${s}${op}${s}${quoted(v, q)}`),
  ),
  fc.tuple(fc.constantFrom(...STRING_VARIABLES), fc.constantFrom('==', '!=', 'in', 'not in', '<', '>=', '~=', '==='), stringLiteral, quoteStyle, fc.boolean()).map(
    ([variable, op, value, q, flipped]) => {
      // A literal holding its own quote character cannot be written in that style.
      const style = value.includes(q) ? (q === '"' ? "'" : '"') : q;
      if (value.includes(style)) value = value.replaceAll(style, '');
      return flipped ? `${quoted(value, style)} ${op} ${variable}` : `${variable} ${op} ${quoted(value, style)}`;
    },
  ),
  fc.tuple(fc.constantFrom('extra == ', '"dev" in ', '"test" not in '), projectName, fc.constantFrom('extras', 'dependency_groups')).map(([start, name, set]) =>
    start === 'extra == ' ? `extra == "${name}"` : `${start}${set}`,
  ),
);

/** A marker expression: comparisons joined by and/or, some groups parenthesised. */
export const markerText: fc.Arbitrary<string> = fc.letrec<{ marker: string }>((tie) => ({
  marker: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    markerComparison,
    fc.tuple(tie('marker'), fc.constantFrom(' and ', ' or ', ' and  ', '\tor '), tie('marker')).map(([a, op, b]) => `${a}${op}${b}`),
    fc.tuple(tie('marker'), space).map(([m, s]) => `(${s}${m}${s})`),
  ),
})).marker;

export const pypy311: MarkerEnvironment = {
  implementation_name: 'pypy',
  implementation_version: '7.3.19',
  platform_python_implementation: 'PyPy',
  python_version: '3.11',
  python_full_version: '3.11.11',
  sys_platform: 'linux',
  platform_system: 'Linux',
  platform_machine: 'x86_64',
  platform_release: '6.8.0-52-generic',
  platform_version: '#53-Ubuntu SMP PREEMPT_DYNAMIC',
  os_name: 'posix',
};

export const targets: readonly MarkerEnvironment[] = [
  pypy311,
  {
    ...pypy311,
    implementation_name: 'cpython',
    implementation_version: '3.13.5',
    platform_python_implementation: 'CPython',
    python_version: '3.13',
    python_full_version: '3.13.5',
    sys_platform: 'darwin',
    platform_system: 'Darwin',
    platform_machine: 'arm64',
    platform_release: '24.1.0',
  },
  {
    ...pypy311,
    implementation_name: 'cpython',
    implementation_version: '3.10.11',
    platform_python_implementation: 'CPython',
    python_version: '3.10',
    python_full_version: '3.10.11+',
    sys_platform: 'win32',
    platform_system: 'Windows',
    platform_machine: 'AMD64',
    platform_release: '10',
    platform_version: '10.0.19045',
    os_name: 'nt',
  },
];

// ---------------------------------------------------------------------------------------------
// Requirements
// ---------------------------------------------------------------------------------------------

const url = fc.oneof(
  fc.constantFrom(
    'https://example.com/pkg-1.0.tar.gz',
    'git+https://github.com/o/r.git@v1.0#egg=r',
    'file:///tmp/x.whl',
    'https://user:pw@host/a.whl#sha256=ab',
  ),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
);

/** A well-formed PEP 508 line built from realistic pieces, with varied spacing. */
export const requirementText = fc
  .tuple(
    projectName,
    fc.option(fc.array(projectName, { maxLength: 3 }), { freq: 3 }),
    fc.oneof({ weight: 3, arbitrary: specifierSet.map((s) => ({ kind: 'spec' as const, s })) }, { weight: 1, arbitrary: url.map((u) => ({ kind: 'url' as const, s: u })) }),
    fc.boolean(),
    fc.option(markerText, { freq: 2 }),
    space,
  )
  .map(([name, extras, tail, parens, marker, s]) => {
    let out = name;
    if (extras) out += `${s}[${extras.join(`,${s}`)}]`;
    if (tail.kind === 'url') out += ` @ ${tail.s}`;
    else if (tail.s !== '') out += parens ? ` (${tail.s})` : `${s}${tail.s}`;
    if (marker !== null) out += `${tail.kind === 'url' ? ' ' : s};${s}${marker}`;
    return out;
  });

// ---------------------------------------------------------------------------------------------
// Tags and file names
// ---------------------------------------------------------------------------------------------

const interpreterTag = fc.oneof(fc.constantFrom('py3', 'py2', 'cp311', 'pp310', 'pp311', 'cp39', 'py312', 'ip27'), fc.stringMatching(/^[a-z][a-z0-9_]{0,5}$/));
const abiTag = fc.oneof(fc.constantFrom('none', 'abi3', 'cp311', 'pypy310_pp73', 'cp313t'), fc.stringMatching(/^[a-z0-9_]{1,8}$/));
const platformTag = fc.oneof(
  fc.constantFrom('any', 'manylinux_2_17_x86_64', 'manylinux2014_aarch64', 'musllinux_1_2_x86_64', 'macosx_11_0_arm64', 'win_amd64', 'linux_x86_64'),
  fc.stringMatching(/^[a-z0-9_]{1,12}$/),
);

/** A compressed tag set's three parts, each a dotted list, possibly in upper case. */
export const tagSetParts = fc.tuple(
  fc.array(interpreterTag, { minLength: 1, maxLength: 3 }),
  fc.array(abiTag, { minLength: 1, maxLength: 2 }),
  fc.array(platformTag, { minLength: 1, maxLength: 3 }),
);

/** Wheel build tag: a digit run, then word characters. */
export const buildTag = fc.stringMatching(/^[0-9]{1,4}[A-Za-z0-9_.]{0,4}$/);

export const SDIST_EXTENSIONS = ['.tar.gz', '.tar.bz2', '.tar.xz', '.tar.lz', '.tar', '.tgz', '.tbz', '.txz', '.tlz', '.zip'];
