/**
 * Generators for the manifest fuzz properties (issue 10): real-looking pieces of every manifest
 * format (requirement lines, pip options, TOML tables of pyproject.toml, Pipfile and the locks,
 * setup.cfg sections), mutated with the characters that have broken parsers before, plus the
 * checks every parse result must pass.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { formatIssue, type DeclaredRequirement, type ManifestIssue } from '../../src/manifests/index.js';
import { LineMap } from '../../src/manifests/source-text.js';

/** Characters that have made a parser quadratic, crash or print more than one line. */
export const HOSTILE_CHARS = [
  ' ', '\t', '[', ']', '#', '\\', '"', "'", '.', '=', ';', '@', '{', '}', '(', ')', ',', '-', '%', '$', ':', '<', '>', '!', '~', '*', '/',
  '\n', '\r', '\r\n', '\u2028', '\u2029', '\u0085', '\u000b', '\f', '\u0000', '\u001b', '\u009b', '\u202e', '\ufeff', '\u00a0', '\ud800', '\udfff', '😀',
  '${', '%(', '"""', "'''", '#egg=', '--', '-e ', '-r ', ' @ ', '; ', '==', '[[', ']]', '= ', '\\\n',
];

export const hostileChar = fc.constantFrom(...HOSTILE_CHARS);

/** A run of one hostile character or piece: `c` repeated up to `max` times. */
export const hostileRun = (max = 300): fc.Arbitrary<string> =>
  fc.tuple(hostileChar, fc.integer({ min: 1, max })).map(([c, n]) => c.repeat(n));

// ------------------------------------------------------------------------------------------------
// Real-looking pieces

export const REQUIREMENT_LINES = [
  'requests==2.31.0',
  'Django>=4.2,<5 ; python_version >= "3.8"',
  'uvicorn[standard]>=0.20',
  "numpy; platform_machine != 'aarch64'",
  'pkg @ https://example.com/pkg-1.0.tar.gz#sha256=abc',
  'name@ git+https://github.com/org/name.git@v1.0',
  '-e git+https://github.com/org/repo.git@main#egg=repo',
  '-e ./src/local',
  './local/project',
  'dist/pkg-1.0-py3-none-any.whl',
  'https://example.com/archive/pkg-2.0.zip#egg=pkg',
  '-r base.txt',
  '-c constraints.txt',
  '--requirement=other.txt',
  '--index-url https://pypi.org/simple',
  '--extra-index-url https://user:token@private.example/simple  # second index',
  '-f ./wheels',
  '--only-binary :all:',
  '--no-binary lxml,psycopg2',
  '--pre',
  '--prefer-binary',
  '--trusted-host mirror.example.com',
  'aiohttp==3.9.1 \\',
  '    --hash=sha256:c3f9d0113123803ccadfdf3f0faa505bc78e6a72d1cc4806cbd719826e943558 \\',
  '    --hash=sha256:f349ba8f4b75cb25c99c5c2d84e997e485204d2902a9597802b0371f09331fb8',
  '    # via aiohttp',
  '    # via',
  '    #   -r requirements.in',
  '# a comment',
  'flask  # trailing comment',
  'pywin32>=300; sys_platform == "win32"',
  'private-pkg==${PKG_VERSION}',
  'foo===1.0',
  'bar~=1.4.2',
  'baz (>=1.0,<2)',
  'qux[a,b]>=1; extra == "test"',
  'couchbase>=3.0.0; platform_python_implementation!=\'PyPy\' and (platform_system != \'Windows\' or python_version < \'3.10\')',
  'importlib-metadata; python_version<"3.10"',
  'zope.interface>=5',
  'setuptools_scm[toml]>=6.2',
];

const PYPROJECT = `[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "demo-app"
requires-python = ">=3.9"
dependencies = [
  "requests>=2.31",
  "django (>=4.2,<5)",
  "uvicorn[standard]; python_version >= '3.10'",
]

[project.optional-dependencies]
test = ["pytest>=8", "coverage[toml]"]

[dependency-groups]
dev = ["ruff", {include-group = "test"}]
test = ["pytest"]

[tool.poetry.dependencies]
python = "^3.9"
requests = { version = "^2.31", extras = ["socks"] }
lxml = { git = "https://github.com/lxml/lxml.git", rev = "master" }

[tool.poetry.group.dev.dependencies]
black = "*"

[[tool.poetry.source]]
name = "private"
url = "https://pkgs.example/simple/"

[tool.uv.sources]
requests = { git = "https://github.com/psf/requests", tag = "v2.31.0" }

[tool.pdm.dev-dependencies]
lint = ["flake8>=6", "-e file:///\${PROJECT_ROOT}/sub"]

[tool.hatch.envs.docs]
dependencies = ["mkdocs"]
`;

const PIPFILE = `[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[packages]
requests = "*"
django = "==4.2.7"
lxml = {version = ">=4", extras = ["html5"], markers = "sys_platform != 'win32'"}
mylib = {git = "https://github.com/org/mylib.git", ref = "main", editable = true}
local = {path = "./local", editable = true}

[dev-packages]
pytest = ">=8"

[requires]
python_version = "3.11"
`;

const UV_LOCK = `version = 1
revision = 2
requires-python = ">=3.9"

[[package]]
name = "demo-app"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "django" },
    { name = "uvicorn", extra = ["standard"], marker = "python_full_version >= '3.10'" },
]

[[package]]
name = "django"
version = "4.2.16"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "asgiref" }, { name = "sqlparse" }]
sdist = { url = "https://files.example/Django-4.2.16.tar.gz", hash = "sha256:aa", size = 10 }
wheels = [{ url = "https://files.example/Django-4.2.16-py3-none-any.whl", hash = "sha256:bb", size = 10 }]

[package.optional-dependencies]
argon2 = [{ name = "argon2-cffi" }]

[[package]]
name = "asgiref"
version = "3.8.1"
source = { registry = "https://pypi.org/simple" }
`;

const POETRY_LOCK = `[[package]]
name = "requests"
version = "2.32.3"
description = "HTTP"
optional = false
python-versions = ">=3.8"
files = [
    {file = "requests-2.32.3-py3-none-any.whl", hash = "sha256:70"},
]

[package.dependencies]
idna = ">=2.5,<4"
urllib3 = {version = ">=1.21.1,<3", markers = "python_version >= \\"3.10\\""}
PySocks = {version = ">=1.5.6,!=1.5.7", optional = true}

[package.extras]
socks = ["PySocks (>=1.5.6,!=1.5.7)"]

[[package]]
name = "idna"
version = "3.7"
python-versions = ">=3.5"
markers = {main = "python_version >= \\"3.10\\""}

[metadata]
lock-version = "2.0"
python-versions = "^3.9"
content-hash = "abc"
`;

const PDM_LOCK = `[metadata]
groups = ["default", "test"]
strategy = ["cross_platform"]
lock_version = "4.4.1"
content_hash = "sha256:abc"

[[metadata.targets]]
requires_python = ">=3.9"

[[package]]
name = "coverage"
version = "7.13.5"
requires_python = ">=3.9"
groups = ["test"]
files = [{file = "coverage-7.13.5.tar.gz", hash = "sha256:aa"}]

[[package]]
name = "coverage"
version = "7.13.5"
extras = ["toml"]
groups = ["test"]
dependencies = ["coverage==7.13.5", "tomli; python_full_version <= \\"3.11.0a6\\""]
`;

const PYLOCK = `lock-version = "1.0"
requires-python = ">=3.9"
created-by = "uv"

[[packages]]
name = "attrs"
version = "25.1.0"
sdist = { name = "attrs-25.1.0.tar.gz", url = "https://files.example/attrs-25.1.0.tar.gz", upload-time = 2025-01-25T11:30:10Z, size = 1, hashes = { sha256 = "aa" } }
wheels = [{ url = "https://files.example/attrs-25.1.0-py3-none-any.whl", hashes = { sha256 = "bb" } }]

[[packages]]
name = "colorama"
version = "0.4.6"
marker = "sys_platform == 'win32'"
`;

const PIPFILE_LOCK = `{
    "_meta": {"hash": {"sha256": "aa"}, "pipfile-spec": 6, "requires": {"python_version": "3.11"},
              "sources": [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": true}]},
    "default": {
        "django": {"hashes": ["sha256:aa", "sha256:bb"], "index": "pypi", "version": "==4.2.7"},
        "sqlparse": {"hashes": ["sha256:cc"], "markers": "python_version >= '3.8'", "version": "==0.5.1"},
        "mylib": {"git": "https://github.com/org/mylib.git", "ref": "abc", "editable": true}
    },
    "develop": {"pytest": {"version": "==8.3.3"}}
}
`;

const SETUP_CFG = `[metadata]
name = cfg-demo

[options]
python_requires = >=3.8
setup_requires =
    setuptools_scm
install_requires =
    # the core
    requests>=2
    importlib-metadata; python_version<"3.10"

[options.extras_require]
asyncio =
    greenlet!=0.4.17
postgresql_asyncpg =
    %(asyncio)s
    asyncpg
single = foo; bar>=1
`;

export type FuzzFormat = 'pyproject' | 'pipfile' | 'uv-lock' | 'poetry-lock' | 'pdm-lock' | 'pylock' | 'pipfile-lock' | 'setup-cfg' | 'hatch';

export const DOCUMENTS: Record<FuzzFormat, string> = {
  pyproject: PYPROJECT,
  hatch: '[envs.default]\ndependencies = ["pytest", "coverage[toml]>=6"]\n[envs.lint]\nextra-dependencies = ["ruff"]\n',
  pipfile: PIPFILE,
  'uv-lock': UV_LOCK,
  'poetry-lock': POETRY_LOCK,
  'pdm-lock': PDM_LOCK,
  pylock: PYLOCK,
  'pipfile-lock': PIPFILE_LOCK,
  'setup-cfg': SETUP_CFG,
};

// ------------------------------------------------------------------------------------------------
// Mutation

/** One edit of a text: insert, replace, delete, duplicate or cut at a position. */
type Edit = { kind: 'insert' | 'replace' | 'delete' | 'duplicate' | 'truncate'; at: number; length: number; piece: string };

const edit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom<Edit['kind']>('insert', 'insert', 'insert', 'replace', 'delete', 'duplicate', 'truncate'),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 40 }),
  piece: fc.oneof(
    { weight: 5, arbitrary: hostileChar },
    { weight: 2, arbitrary: hostileRun(200) },
    { weight: 2, arbitrary: fc.constantFrom(...REQUIREMENT_LINES) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  ),
});

function applyEdit(text: string, e: Edit): string {
  const at = text.length === 0 ? 0 : e.at % (text.length + 1);
  switch (e.kind) {
    case 'insert':
      return text.slice(0, at) + e.piece + text.slice(at);
    case 'replace':
      return text.slice(0, at) + e.piece + text.slice(at + e.length);
    case 'delete':
      return text.slice(0, at) + text.slice(at + e.length);
    case 'duplicate':
      return text.slice(0, at + e.length) + text.slice(at, at + e.length) + text.slice(at + e.length);
    case 'truncate':
      return text.slice(0, at);
  }
}

/** `base` with one to `max` edits. */
export const mutated = (base: fc.Arbitrary<string>, max = 4): fc.Arbitrary<string> =>
  fc.tuple(base, fc.array(edit, { minLength: 1, maxLength: max })).map(([text, edits]) => edits.reduce(applyEdit, text));

/** A requirement line: a real-looking one, mutated, or random text. */
export const requirementLine: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...REQUIREMENT_LINES) },
  { weight: 6, arbitrary: mutated(fc.constantFrom(...REQUIREMENT_LINES), 3) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.array(hostileChar, { maxLength: 20 }).map((cs) => cs.join('')) },
);

/** A whole requirements file: lines of the kinds above, joined by any line ending. */
export const requirementsFile: fc.Arbitrary<string> = fc
  .tuple(fc.array(requirementLine, { maxLength: 25 }), fc.constantFrom('\n', '\r\n', '\r'), fc.boolean())
  .map(([lines, eol, final]) => lines.join(eol) + (final ? eol : ''));

/** A TOML or JSON manifest of `format`, mutated. */
export const document = (format: FuzzFormat): fc.Arbitrary<string> =>
  fc.oneof({ weight: 1, arbitrary: fc.constant(DOCUMENTS[format]) }, { weight: 9, arbitrary: mutated(fc.constant(DOCUMENTS[format]), 5) });

/** A requirement name and version nobody could read two ways. */
export const goodRequirement: fc.Arbitrary<{ name: string; line: string }> = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))
  .map(([name, a, b]) => ({ name, line: `${name}==${a}.${b}` }));

// ------------------------------------------------------------------------------------------------
// Checks

/** The longest line an issue may print: `file:line:column: ` and a bounded message. */
export const MAX_ISSUE_LINE = 400;
/** Issues one file may yield (MAX_ISSUES_PER_FILE plus a few summaries). */
export const MAX_ISSUES = 110;

/**
 * What every parse result must satisfy: each issue is one line that starts with `file:line`,
 * names a line of the file, and is bounded; each requirement points into the file.
 */
export function expectWellFormed(r: { requirements: DeclaredRequirement[]; issues: ManifestIssue[] }, file: string, text: string): void {
  const lineCount = new LineMap(text).lineCount;
  expect(r.issues.length).toBeLessThanOrEqual(MAX_ISSUES);
  for (const issue of r.issues) {
    const shown = formatIssue(issue);
    expect(shown.startsWith(`${file}:${issue.line}`), shown).toBe(true);
    expect(shown, 'one line, no control characters').not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(shown.length).toBeLessThanOrEqual(MAX_ISSUE_LINE);
    expect(Number.isInteger(issue.line) && issue.line >= 1 && issue.line <= lineCount, `line ${issue.line} of ${lineCount}`).toBe(true);
    if (issue.column !== undefined) expect(Number.isInteger(issue.column) && issue.column >= 1).toBe(true);
    expect(['error', 'warning']).toContain(issue.severity);
  }
  for (const q of r.requirements) {
    expect(q.location.file).toBe(file);
    expect(q.location.line >= 1 && q.location.line <= lineCount, `requirement at line ${q.location.line} of ${lineCount}`).toBe(true);
    expect(q.location.column).toBeGreaterThanOrEqual(1);
    expect(q.location.endLine).toBeGreaterThanOrEqual(q.location.line);
    expect(typeof q.normalizedName).toBe('string');
  }
}
