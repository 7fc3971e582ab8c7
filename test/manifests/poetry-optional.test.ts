/**
 * Poetry `optional = true` dependencies (issue 9, class 12): installed only through the extras that
 * list them, so their group is `optional:<extra>`, never `main`. Rules follow poetry-core's
 * Factory._configure_package_dependencies and DependencyGroup.dependencies.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, loadManifests } from '../../src/manifests/index.js';
import { parsePyproject } from '../../src/manifests/pyproject.js';
import { fixture, fixturesDir } from './helpers.js';

const rows = (r: { requirements: { normalizedName: string; specifier: string; markerText: string | null; group: string }[] }) =>
  r.requirements.map((q) => [q.normalizedName, q.specifier, q.markerText, q.group]);

describe('Poetry optional dependencies: [tool.poetry.dependencies] + [tool.poetry.extras]', () => {
  const r = parsePyproject(fixture('poetry-optional/legacy/pyproject.toml'), 'pyproject.toml');

  it('gives each optional dependency one record per extra that lists it, and never `main`', () => {
    expect(rows(r)).toEqual([
      ['django', '>=4.2,<5.0', null, 'main'],
      ['psycopg2', '>=2.9,<3.0', null, 'optional:pg'],
      ['psycopg2', '>=2.9,<3.0', null, 'optional:databases'],
      ['mysqlclient', '>=2.2,<3.0', null, 'optional:databases'],
      ['orjson', '>=3.9,<4.0', null, 'optional:(none)'],
      ['uvloop', '>=0.19,<0.20', "(sys_platform != 'win32')", 'optional:fast'],
      ['uvloop', '>=0.17,<0.18', "(sys_platform == 'win32')", 'optional:fast'],
      ['pytest', '>=8.0,<9.0', null, 'group:dev'],
      ['pytest-xdist', '>=3.5,<4.0', null, 'group:dev'],
    ]);
  });

  it('warns, with file:line, about an optional dependency no extra lists, an optional one in a group, and an extra naming no main dependency', () => {
    expect(r.issues.map(formatIssue)).toEqual([
      'pyproject.toml:21:14: warning: extra "parallel" lists "pytest-xdist", which [tool.poetry.dependencies] does not declare: Poetry installs nothing for it',
      'pyproject.toml:11:1: warning: optional dependency "orjson" is not listed in any [tool.poetry.extras] entry: no extra installs it (recorded as group optional:(none))',
      'pyproject.toml:25:1: warning: "pytest-xdist" is optional = true in a dependency group: Poetry ties extras to [tool.poetry.dependencies] only, so it is checked with its group',
    ]);
  });

  it('gives the lock-derived records of optional packages the extra group too (no `main` copy from poetry.lock)', async () => {
    const dir = path.join(fixturesDir, 'poetry-optional/legacy');
    const [p] = await loadManifests([dir], { cwd: dir, env: {} });
    const psycopg2 = p!.requirements.filter((q) => q.normalizedName === 'psycopg2');
    expect(psycopg2.map((q) => [q.group, q.lockedVersion, q.direct])).toEqual([
      ['optional:pg', '2.9.9', true],
      ['optional:databases', '2.9.9', true],
    ]);
    expect(p!.requirements.filter((q) => q.normalizedName === 'mysqlclient').map((q) => [q.group, q.lockedVersion])).toEqual([['optional:databases', '2.2.4']]);
    // asgiref is only in the lock: a transitive record of the main group.
    expect(p!.requirements.filter((q) => q.normalizedName === 'asgiref').map((q) => [q.group, q.direct])).toEqual([['main', false]]);
    expect(p!.requirements.some((q) => q.group === 'main' && ['psycopg2', 'mysqlclient', 'orjson', 'uvloop'].includes(q.normalizedName))).toBe(false);
  });
});

describe('Poetry 2: [project] with [tool.poetry.dependencies]', () => {
  const r = parsePyproject(fixture('poetry-optional/pep621/pyproject.toml'), 'pyproject.toml');

  it('takes the dependencies from [project]; [tool.poetry.dependencies] adds no records and its extras are ignored', () => {
    expect(rows(r)).toEqual([
      ['django', '>=4.2', null, 'main'],
      ['requests', '>=2.31', null, 'main'],
      ['psycopg', '>=3.1', null, 'optional:pg'],
      ['pytest', '>=8.0,<9.0', null, 'group:dev'],
      ['pytest-cov', '>=5.0,<6.0', null, 'group:dev'],
    ]);
  });

  it('says which [tool.poetry] entries Poetry 2 ignores', () => {
    expect(r.issues.map(formatIssue)).toEqual([
      'pyproject.toml:20:1: warning: [tool.poetry.extras] is ignored: Poetry 2 takes extras from [project.optional-dependencies] when [project] declares dependencies',
      'pyproject.toml:17:1: warning: [tool.poetry.dependencies] "httpx" is not in [project] dependencies or optional-dependencies: Poetry 2 only uses this table to add details to those, so nothing installs it',
      'pyproject.toml:18:1: warning: [tool.poetry.dependencies] "orjson" is not in [project] dependencies or optional-dependencies: Poetry 2 only uses this table to add details to those, so nothing installs it',
      'pyproject.toml:25:1: warning: "pytest-cov" is optional = true in a dependency group: Poetry ties extras to [tool.poetry.dependencies] only, so it is checked with its group',
    ]);
  });

  it('with "dependencies" in [project.dynamic], takes the required ones from [tool.poetry.dependencies] and the optional ones from [project]', () => {
    const d = parsePyproject(fixture('poetry-optional/dynamic/pyproject.toml'), 'pyproject.toml');
    expect(rows(d)).toEqual([
      ['psycopg2', '>=2.9', null, 'optional:pg'],
      ['django', '>=4.2,<5.0', null, 'main'],
    ]);
    expect(d.issues).toEqual([]);
    expect(d.requiresPython).toBe('>=3.10,<4.0');
  });

  it('with an empty [project] dependencies list and no optional ones, reads [tool.poetry] as Poetry 1 does', () => {
    const text = '[project]\nname = "x"\ndependencies = []\n\n[tool.poetry.dependencies]\npg8000 = { version = "^1.30", optional = true }\n\n[tool.poetry.extras]\npg = ["pg8000"]\n';
    const e = parsePyproject(text, 'pyproject.toml');
    expect(rows(e)).toEqual([['pg8000', '>=1.30,<2.0', null, 'optional:pg']]);
    expect(e.issues).toEqual([]);
  });

  it('an optional dependency inside a multiple-constraints array is optional per entry', () => {
    const text = '[tool.poetry.dependencies]\nnumpy = [\n  { version = "^1.24", python = "<3.12", optional = true },\n  { version = "^2.0", python = ">=3.12" },\n]\n\n[tool.poetry.extras]\nsci = ["numpy"]\n';
    const e = parsePyproject(text, 'pyproject.toml');
    expect(rows(e)).toEqual([
      ['numpy', '>=1.24,<2.0', '(python_version < "3.12")', 'optional:sci'],
      ['numpy', '>=2.0,<3.0', '(python_version >= "3.12")', 'main'],
    ]);
  });
});
