/**
 * `--compare`: the PyPy lines beside the CPython the project runs today, chosen from its
 * requires-python; and the text report's side-by-side table that makes the pp73 → pp80 break and
 * the CPython baseline visible at a glance.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseScanArgs } from '../../src/cli/commands/scan.js';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import { cpythonBaseline } from '../../src/targets/compare.js';
import { captureIO } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

describe('the CPython baseline of --compare', () => {
  const pypy = ['pypy3.11-7.3', 'pypy3.11-8.0'];
  it("is the PyPy targets' Python when requires-python allows it (or says nothing)", () => {
    expect(cpythonBaseline(pypy, '>=3.10').id).toBe('cpython3.11');
    expect(cpythonBaseline(pypy, null).id).toBe('cpython3.11');
    expect(cpythonBaseline(['pypy3.12-8.0-macos_arm64'], null).id).toBe('cpython3.12');
  });
  it('else the oldest CPython it allows; an unusable requires-python falls back, saying why', () => {
    expect(cpythonBaseline(pypy, '>=3.12').id).toBe('cpython3.12');
    expect(cpythonBaseline(pypy, '~=3.13.0').id).toBe('cpython3.13');
    expect(cpythonBaseline(pypy, 'not a specifier')).toEqual({ id: 'cpython3.11', why: 'requires-python "not a specifier" is not a valid specifier: CPython 3.11' });
    expect(cpythonBaseline(pypy, '<3.0').id).toBe('cpython3.11');
  });
});

describe('--compare on a project', () => {
  let server: IndexServer;
  beforeAll(async () => {
    server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')) });
  });
  afterAll(async () => {
    await server.close();
  });

  it('adds the baseline to the default or the given targets, read from pyproject.toml (PEP 621 or Poetry)', () => {
    const pep621 = mkdtempSync(join(tmpdir(), 'pypy-ready-compare-'));
    writeFileSync(join(pep621, 'pyproject.toml'), '[project]\nname = "svc"\nrequires-python = ">=3.12"\ndependencies = ["django"]\n');
    expect(parseScanArgs(['.', '--compare'], captureIO({ cwd: pep621 })).options.targets).toEqual(['pypy3.11-7.3', 'pypy3.11-8.0', 'cpython3.12']);
    expect(parseScanArgs(['.', '--compare', '--target', 'pypy3.11-8.0'], captureIO({ cwd: pep621 })).options.targets).toEqual(['pypy3.11-8.0', 'cpython3.12']);
    const poetry = mkdtempSync(join(tmpdir(), 'pypy-ready-compare-'));
    writeFileSync(join(poetry, 'pyproject.toml'), '[tool.poetry]\nname = "svc"\n\n[tool.poetry.dependencies]\npython = "^3.11"\ndjango = "*"\n');
    expect(parseScanArgs(['.', '--compare'], captureIO({ cwd: poetry })).options.targets).toEqual(['pypy3.11-7.3', 'pypy3.11-8.0', 'cpython3.11']);
  });

  it('the text report puts the targets side by side: the pp73 → pp80 break and what CPython has today', async () => {
    const io = captureIO({ cwd: REPO_ROOT });
    const code = await main(['fixtures/demo-django', '--compare', '--index-url', server.simpleUrl, '--no-cache', '--no-interactive', '--no-config'], io);
    expect(code).toBe(1);
    const lines = io.out.split('\n');
    const at = lines.findIndex((l) => l.startsWith('Targets side by side ('));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]!.trim().split(/\s{2,}/)).toEqual(['package', 'pypy3.11-7.3', 'pypy3.11-8.0', 'cpython3.11']);
    const row = (name: string) => lines.slice(at + 2).find((l) => l.trim().startsWith(`${name} `))?.trim().split(/\s{2,}/);
    // Blocked on both PyPy lines, a compiled wheel on CPython today.
    expect(row('psycopg2-binary')).toEqual(['psycopg2-binary', 'known-broken', 'known-broken', 'native-wheel']);
    // The pp73 → pp80 break: a PyPy wheel on 7.3, only other-ABI wheels on 8.0.
    expect(row('lxml')).toEqual(['lxml', 'pypy-wheel', 'abi-mismatch', 'native-wheel']);
    // Fine everywhere: not a row.
    expect(row('django')).toBeUndefined();
  });
});
