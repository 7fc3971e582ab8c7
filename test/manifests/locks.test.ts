import { describe, expect, it } from 'vitest';
import { parsePdmLock, parsePipfileLock, parsePoetryLock, parsePylock, parseUvLock } from '../../src/manifests/locks.js';
import { formatIssue } from '../../src/manifests/types.js';
import { fixture } from './helpers.js';

describe('uv.lock', () => {
  const r = parseUvLock(fixture('pyproject/uv/uv.lock'), 'uv.lock');
  it('reads versions and files, and takes the root package as the list of direct dependencies', () => {
    expect(r.issues).toEqual([]);
    expect(r.rootName).toBe('demo-app');
    expect([...r.direct!]).toEqual(['django', 'lxml']);
    expect(r.packages.map((p) => [p.name, p.version, p.location.line])).toEqual([['asgiref', '3.8.1', 15], ['django', '4.2.16', 24]]);
    expect(r.packages[0]!.files).toEqual([
      { filename: 'asgiref-3.8.1.tar.gz', url: 'https://files.pythonhosted.org/packages/aa/asgiref-3.8.1.tar.gz', hashes: { sha256: 'c343bd80a0bec947a9860adb4c432ffa7db769836c64238fc34bdc3fec84d590' } },
      { filename: 'asgiref-3.8.1-py3-none-any.whl', url: 'https://files.pythonhosted.org/packages/bb/asgiref-3.8.1-py3-none-any.whl', hashes: { sha256: '3e1e3ecc849832fe52ccf2cb6686b7a55f82bb1d6aee72a58826471390335e47' } },
    ]);
    expect(r.requiresPython).toBe('>=3.9');
  });
});

describe('poetry.lock', () => {
  it('reads versions, markers and files', () => {
    const r = parsePoetryLock(fixture('pyproject/poetry/poetry.lock'), 'poetry.lock');
    expect(r.issues).toEqual([]);
    expect(r.packages.map((p) => [p.name, p.version, p.markerText, p.files.length])).toEqual([
      ['requests', '2.32.3', null, 1],
      ['idna', '3.7', 'python_version >= "3.10"', 1],
    ]);
  });

  it('reads lock format 1.x files from [metadata.files]', () => {
    const text = '[[package]]\nname = "six"\nversion = "1.16.0"\ncategory = "dev"\n\n[metadata]\nlock-version = "1.1"\n\n[metadata.files]\nsix = [\n  {file = "six-1.16.0.tar.gz", hash = "sha256:abc"},\n]\n';
    const r = parsePoetryLock(text, 'poetry.lock');
    expect(r.packages[0]).toMatchObject({ name: 'six', group: 'dev', files: [{ filename: 'six-1.16.0.tar.gz', hashes: { sha256: 'abc' } }] });
  });
});

describe('pdm.lock', () => {
  it('reads groups, markers, files and requires-python', () => {
    const r = parsePdmLock(fixture('pdm/pdm.lock'), 'pdm.lock');
    expect(r.issues).toEqual([]);
    expect(r.packages.map((p) => [p.name, p.version, p.group, p.markerText])).toEqual([
      ['requests', '2.32.3', 'main', null],
      ['flake8', '7.1.1', 'group:lint', 'python_version >= "3.8"'],
    ]);
    expect(r.packages[1]!.files[0]!.filename).toBe('flake8-7.1.1-py2.py3-none-any.whl');
    expect(r.requiresPython).toBe('>=3.8');
  });
});

describe('pylock.toml (PEP 751)', () => {
  it('reads unquoted TOML datetimes (corpus quirk), markers and hashes', () => {
    const r = parsePylock(fixture('pylock/pylock.toml'), 'pylock.toml');
    expect(r.issues).toEqual([]);
    expect(r.packages.map((p) => [p.name, p.version, p.markerText, p.location.line])).toEqual([
      ['attrs', '25.1.0', null, 6],
      ['colorama', '0.4.6', "sys_platform == 'win32'", 11],
    ]);
    expect(r.packages[1]!.files).toEqual([
      { filename: 'colorama-0.4.6.tar.gz', url: 'https://files.pythonhosted.org/packages/d8/colorama-0.4.6.tar.gz', hashes: { sha256: '08695f5cb7ed6e0531a20572697297273c47b8cae5a63ffc6d6ed5c201be6e44' } },
    ]);
    expect(r.requiresPython).toBe('>=3.11');
  });
});

describe('Pipfile.lock', () => {
  it('reads sections, versions, markers and locates each entry', () => {
    const r = parsePipfileLock(fixture('pipfile/Pipfile.lock'), 'Pipfile.lock');
    expect(r.issues).toEqual([]);
    expect(r.packages.map((p) => [p.name, p.version, p.group, p.markerText, p.location.line])).toEqual([
      ['django', '4.2.7', 'main', null, 7],
      ['sqlparse', '0.5.1', 'main', "python_version >= '3.8'", 12],
      ['pytest', '8.3.3', 'dev', null, 19],
    ]);
    expect(r.requiresPython).toBe('==3.11.*');
  });

  it('reports broken JSON as one line with file:line', () => {
    const r = parsePipfileLock('{\n  "default": {\n    "x": \n}\n', 'Pipfile.lock');
    expect(r.packages).toEqual([]);
    expect(r.issues).toHaveLength(1);
    expect(formatIssue(r.issues[0]!)).toMatch(/^Pipfile\.lock:\d+: invalid JSON: [^\n]+$/);
  });
});
