import { describe, expect, it } from 'vitest';
import { parseHatchToml, parsePyproject } from '../../src/manifests/pyproject.js';
import { formatIssue } from '../../src/manifests/types.js';
import { fixture } from './helpers.js';

describe('pyproject.toml: PEP 621, PEP 735, build-system, uv', () => {
  const r = parsePyproject(fixture('pyproject/uv/pyproject.toml'), 'pyproject.toml');
  const find = (name: string, group?: string) => {
    const x = r.requirements.find((q) => q.normalizedName === name && (group === undefined || q.group === group));
    if (!x) throw new Error(`missing ${name} ${group ?? ''}`);
    return x;
  };

  it('reads every declaration with its group', () => {
    expect(r.issues).toEqual([]);
    expect(r.requirements.map((q) => `${q.group}:${q.normalizedName}`)).toEqual([
      'build:hatchling',
      'main:django', 'main:lxml', 'main:psycopg2-binary',
      'optional:fast:orjson', 'optional:fast:ujson',
      'group:test:pytest',
      'group:dev:pytest', 'group:dev:ruff',
      'dev:mypy',
    ]);
    expect(r.projectName).toBe('demo-app');
    expect(r.requiresPython).toBe('>=3.9');
  });

  it('points inside multi-line arrays at the string content (lines counted in the fixture)', () => {
    // `cat -n` of the fixture: django on 11 (after a comment line), lxml 12, psycopg2-binary 13.
    expect(find('django').location).toMatchObject({ line: 11, column: 6, endLine: 11, endColumn: 20 });
    expect(find('lxml').location).toMatchObject({ line: 12, column: 6 });
    expect(find('psycopg2-binary').location).toMatchObject({ line: 13, column: 6 });
    expect(find('hatchling').location).toMatchObject({ line: 2, column: 14 });
    expect(find('ujson').location).toMatchObject({ line: 17, column: 23 });
  });

  it('expands {include-group = …} (mixed-type array, corpus quirk) and keeps the original location', () => {
    expect(find('pytest', 'group:dev').location.line).toBe(20);
    expect(find('ruff', 'group:dev').location).toMatchObject({ line: 21, column: 35 });
  });

  it('applies [tool.uv.sources]', () => {
    expect(find('lxml').url).toBe('git+https://github.com/lxml/lxml@lxml-5.3.0');
  });

  it('keeps markers', () => {
    expect(find('psycopg2-binary').markerText).toBe('platform_python_implementation == "CPython"');
    expect(find('psycopg2-binary').marker).not.toBeNull();
  });

  it('reports include-group cycles and unknown groups where they are written', () => {
    const c = parsePyproject('[dependency-groups]\na = [{include-group = "b"}]\nb = [{include-group = "a"}, "x"]\nc = [{include-group = "nope"}]\n', 'p.toml');
    const messages = c.issues.map(formatIssue);
    expect(messages).toEqual([
      'p.toml:3:24: dependency group include cycle: a -> b -> a',
      'p.toml:4:24: dependency group "c" includes unknown group "nope"',
    ]);
    expect(c.requirements.filter((q) => q.name === 'x').map((q) => q.group).sort()).toEqual(['group:a', 'group:b']);
  });

  it('reads parenthesised specifiers (corpus quirk: "build (>=1.2.1,<2.0.0)")', () => {
    const p = parsePyproject('[project]\ndependencies = ["build (>=1.2.1,<2.0.0)"]\n', 'p.toml');
    expect(p.requirements[0]).toMatchObject({ name: 'build', specifier: '>=1.2.1,<2.0.0' });
  });
});

describe('pyproject.toml: Poetry', () => {
  const r = parsePyproject(fixture('pyproject/poetry/pyproject.toml'), 'pyproject.toml');
  const find = (name: string) => r.requirements.find((q) => q.normalizedName === name)!;

  it('translates caret, tilde, exact and wildcard constraints and ignores python', () => {
    expect(r.issues).toEqual([]);
    expect(r.requirements.map((q) => [q.normalizedName, q.specifier, q.group])).toEqual([
      ['requests', '>=2.31,<3.0', 'main'],
      ['attrs', '>=23.1.0,<23.2.0', 'main'],
      ['pendulum', '>=0.2.3,<0.3', 'main'],
      ['mysqlclient', '==2.2.0', 'optional:mysql'],
      ['legacy', '', 'main'],
      ['black', '==23.1', 'dev'],
      ['pytest', '>=7,<9', 'group:test'],
    ]);
    expect(r.requiresPython).toBe('>=3.10,<4.0');
  });

  it('turns a python constraint and extras on a dependency into a marker and extras', () => {
    expect(find('pendulum').markerText).toBe('(python_version >= "3.10")');
    expect(find('pendulum').extras).toEqual(['test']);
  });

  it('points at the key of a table entry and at the string of a plain one', () => {
    expect(find('requests').location).toMatchObject({ line: 7, column: 13 });
    expect(find('pendulum').location).toMatchObject({ line: 9, column: 1, endColumn: 9 });
    expect(find('black').pinnedVersion).toBe('23.1');
  });
});

describe('pyproject.toml: PDM and Hatch', () => {
  it('reads PDM dev-dependency groups, editables included', () => {
    const r = parsePyproject(fixture('pdm/pyproject.toml'), 'pyproject.toml');
    expect(r.issues).toEqual([]);
    expect(r.requirements.map((q) => [q.name, q.group, q.editable])).toEqual([
      ['requests', 'main', false],
      ['flake8', 'group:lint', false],
      ['helper', 'group:test', true],
      ['pytest', 'group:test', false],
    ]);
    expect(r.requirements[2]!.localPath).toBe('/${PROJECT_ROOT}/packages/helper');
  });

  it('reads Hatch environments from hatch.toml', () => {
    const r = parseHatchToml(fixture('hatch/hatch.toml'), 'hatch.toml');
    expect(r.requirements.map((q) => [q.name, q.group, q.location.line])).toEqual([
      ['coverage', 'group:hatch.default', 3],
      ['pytest', 'group:hatch.default', 4],
      ['mkdocs', 'group:hatch.docs', 8],
    ]);
  });

  it('reads Hatch environments under [tool.hatch.envs]', () => {
    const r = parsePyproject('[tool.hatch.envs.test]\ndependencies = ["pytest"]\n', 'p.toml');
    expect(r.requirements.map((q) => q.group)).toEqual(['group:hatch.test']);
  });
});

describe('pyproject.toml: malformed input', () => {
  it('reports a TOML syntax error as one line with file:line', () => {
    const r = parsePyproject('[project]\ndependencies = ["a",\nname = 1\n', 'bad.toml');
    expect(r.requirements).toEqual([]);
    expect(r.issues).toHaveLength(1);
    expect(formatIssue(r.issues[0]!)).toMatch(/^bad\.toml:3:\d+: TOML syntax error: [^\n]+$/);
  });

  it('reports an invalid PEP 508 string and keeps the rest', () => {
    const r = parsePyproject('[project]\ndependencies = [\n  "ok",\n  "no good ==",\n  "fine>=1",\n]\n', 'p.toml');
    expect(r.requirements.map((q) => q.name)).toEqual(['ok', 'fine']);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ line: 4, severity: 'error' });
    expect(formatIssue(r.issues[0]!)).toMatch(/^p\.toml:4:\d+: invalid requirement: /);
  });

  it('reports a wrong type instead of crashing', () => {
    const r = parsePyproject('[project]\ndependencies = "requests"\n[project.optional-dependencies]\nx = [1]\n', 'p.toml');
    expect(r.requirements).toEqual([]);
    expect(r.issues.map((i) => i.line)).toEqual([2, 4]);
  });
});
