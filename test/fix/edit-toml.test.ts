/**
 * Edits of pyproject.toml: PEP 621 and PDM strings keep their quotes, Poetry entries stay Poetry
 * entries (a constraint string becomes an inline table only when a marker needs one), and what
 * cannot be rewritten without changing more than the entry is refused with the reason. tomllib
 * (Python's own TOML reader) must read every result.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parsePyproject } from '../../src/manifests/pyproject.js';
import { editPyprojectFile } from '../../src/fix/edit-toml.js';
import type { EditRequest } from '../../src/fix/edit-requirements.js';
import { NOT_ON_PYPY } from '../../src/fix/plan.js';
import type { Change } from '../../src/fix/pep508-edit.js';

const PYPROJECT = `[project]
name = "demo"
dependencies = [
  "Django>=4.2,<7",  # the web framework
  'hiredis>=3.1',
  "psycopg2-binary==2.9.11 ; python_version >= \\"3.9\\"",
  """numpy>=2.1""",
]

[project.optional-dependencies]
fast = ["orjson>=3", "ujson"]

[tool.pdm.dev-dependencies]
test = ["pytest>=8", "time-machine>=2"]
`;

/** Poetry 1's layout (no [project] dependencies): [tool.poetry.dependencies] declares them. */
const POETRY = `[tool.poetry]
name = "demo"

[tool.poetry.dependencies]
python = "^3.11"
Django = ">=4.2"
hiredis = "^3.1"
psycopg2-binary = { version = "^2.9", markers = "python_version >= '3.9'" }
lxml = { version = "^5.3", extras = ["html-clean"] }
numpy = "^2.1"

[tool.poetry.dependencies.pillow]
version = "^11"
`;

const marker: Change = { kind: 'marker', marker: NOT_ON_PYPY };
const below6: Change = { kind: 'upper-bound', bound: { op: '<', version: '6' } };
const psycopg: Change = { kind: 'replace', name: 'psycopg', extras: ['binary'] };

/** The request for the requirement the project's parser reads at that line (its reported position). */
function at(line: number, change: Change, text = PYPROJECT): EditRequest {
  const r = parsePyproject(text, 'pyproject.toml').requirements.find((x) => x.location.line === line);
  if (!r) throw new Error(`no requirement on line ${line}`);
  return { line, column: r.location.column, name: r.normalizedName, change };
}

const poetryAt = (line: number, change: Change): EditRequest => at(line, change, POETRY);

const lineOf = (text: string, n: number): string => text.split('\n')[n - 1]!;

function tomllib(text: string): unknown {
  return JSON.parse(execFileSync('python3', ['-c', 'import json,sys,tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))'], { input: text, encoding: 'utf8' }));
}

describe('editing pyproject.toml', () => {
  it('PEP 621 strings: each keeps its quotes; a new marker literal takes the other quote', () => {
    const out = editPyprojectFile(PYPROJECT, 'pyproject.toml', [at(4, below6), at(5, marker), at(11, marker)]);
    expect(out.refused).toEqual([]);
    expect(lineOf(out.text, 4)).toBe('  "Django>=4.2,<6",  # the web framework');
    expect(lineOf(out.text, 5)).toBe(`  'hiredis>=3.1; platform_python_implementation != "PyPy"',`);
    expect(lineOf(out.text, 11)).toBe(`fast = ["orjson>=3; platform_python_implementation != 'PyPy'", "ujson"]`);
    const data = tomllib(out.text) as { project: { dependencies: string[] } };
    expect(data.project.dependencies.slice(0, 2)).toEqual(['Django>=4.2,<6', 'hiredis>=3.1; platform_python_implementation != "PyPy"']);
  });

  it('PDM dev-dependencies are PEP 508 strings too', () => {
    const out = editPyprojectFile(PYPROJECT, 'pyproject.toml', [at(14, { kind: 'pin', version: '8.3.5' })]);
    expect(lineOf(out.text, 14)).toBe('test = ["pytest==8.3.5", "time-machine>=2"]');
  });

  it('refuses strings written with escapes and multi-line strings, saying so', () => {
    const out = editPyprojectFile(PYPROJECT, 'pyproject.toml', [at(6, psycopg), at(7, below6)]);
    expect(out.text).toBe(PYPROJECT);
    expect(out.refused.map((r) => r.reason)).toEqual(['the string is written with escapes; edit it by hand', 'a multi-line string is not rewritten; edit it by hand']);
  });

  it('Poetry: a bound is added to the constraint, a pin replaces it, a marker makes an inline table', () => {
    const out = editPyprojectFile(POETRY, 'pyproject.toml', [poetryAt(6, below6), poetryAt(7, marker), poetryAt(10, { kind: 'pin', version: '2.4.3' })]);
    expect(out.refused).toEqual([]);
    expect(lineOf(out.text, 6)).toBe('Django = ">=4.2,<6"');
    expect(lineOf(out.text, 7)).toBe(`hiredis = { version = "^3.1", markers = "platform_python_implementation != 'PyPy'" }`);
    expect(lineOf(out.text, 10)).toBe('numpy = "==2.4.3"');
    const poetry = (tomllib(out.text) as { tool: { poetry: { dependencies: Record<string, unknown> } } }).tool.poetry.dependencies;
    expect(poetry['hiredis']).toEqual({ version: '^3.1', markers: "platform_python_implementation != 'PyPy'" });
    // Our parser reads the Poetry entries back as the same packages, now with the fix.
    const again = parsePyproject(out.text, 'pyproject.toml').requirements;
    expect(again.find((r) => r.name === 'Django' && r.group === 'main' && r.location.line === 6)?.specifier).toBe('>=4.2,<6');
  });

  it('Poetry inline tables: markers are joined, versions edited in place, a replacement keeps the markers', () => {
    const out = editPyprojectFile(POETRY, 'pyproject.toml', [poetryAt(8, psycopg), poetryAt(9, marker)]);
    expect(out.refused).toEqual([]);
    expect(lineOf(out.text, 8)).toBe(`psycopg = { version = "*", extras = ["binary"], markers = "python_version >= '3.9'" }`);
    expect(lineOf(out.text, 9)).toBe(`lxml = { version = "^5.3", extras = ["html-clean"], markers = "platform_python_implementation != 'PyPy'" }`);
    const joined = editPyprojectFile(POETRY, 'pyproject.toml', [poetryAt(8, marker)]);
    expect(lineOf(joined.text, 8)).toBe(`psycopg2-binary = { version = "^2.9", markers = "(python_version >= '3.9') and platform_python_implementation != 'PyPy'" }`);
    tomllib(out.text);
    tomllib(joined.text);
  });

  it('Poetry: a dependency written as its own table is refused', () => {
    const out = editPyprojectFile(POETRY, 'pyproject.toml', [poetryAt(12, marker)]);
    expect(out.refused.map((r) => r.reason)).toEqual(['the dependency is written as a table of its own; edit it by hand']);
  });

  it('a request for a place that holds no such dependency is refused, never guessed', () => {
    const out = editPyprojectFile(PYPROJECT, 'pyproject.toml', [{ line: 2, column: 9, name: 'demo', change: marker }]);
    expect(out.text).toBe(PYPROJECT);
    expect(out.refused[0]!.reason).toMatch(/no dependency demo at pyproject.toml:2:9/);
  });
});
