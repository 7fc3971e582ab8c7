/**
 * Which fixes the plan makes, from real scans over the local demo index (fixtures/demo-index), and
 * from hand-made findings for what the demo does not show (transitive packages, lock files,
 * targets that disagree).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKnowledgeBase, parseKnowledgeBase } from '../../src/assess/knowledge.js';
import { assess } from '../../src/assess/rules.js';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import { planFixes, type FixPlan } from '../../src/fix/plan.js';
import { groupFilesByVersion } from '../../src/resolve/candidates.js';
import { resolveListing } from '../../src/resolve/resolve.js';
import { scan } from '../../src/scan/index.js';
import type { Finding, ScanResult } from '../../src/scan/types.js';
import { resolveTarget } from '../../src/targets/index.js';
import { scanDemo } from '../support/demo.js';
import { REPO_ROOT } from '../support/shared.js';

const kb = loadKnowledgeBase();
const edits = (plan: FixPlan) => plan.edits.map((e) => `${e.file.split('/').pop()}:${e.line} ${e.name}: ${JSON.stringify(e.change)}`);

describe('the plan for the demo project', () => {
  let plan: FixPlan;
  beforeAll(async () => {
    plan = planFixes(await scanDemo(), kb);
  });

  it('makes one edit per fixable requirement: a replacement, a marker, two upper bounds', () => {
    expect(edits(plan)).toEqual([
      'base.txt:4 django: {"kind":"upper-bound","bound":{"op":"<","version":"6"}}',
      'base.txt:10 psycopg2-binary: {"kind":"replace","name":"psycopg","extras":["binary"]}',
      'base.txt:13 hiredis: {"kind":"marker","marker":{"variable":"platform_python_implementation","op":"!=","value":"PyPy"}}',
      'base.txt:22 numpy: {"kind":"upper-bound","bound":{"op":"<","version":"2.5"}}',
    ]);
  });

  it('says why, from the knowledge base: the drop-in and for what, the fallback, the version limit', () => {
    const why = Object.fromEntries(plan.edits.map((e) => [e.name, e.why]));
    expect(why['psycopg2-binary']).toMatch(/a drop-in only for Django's postgresql backend/);
    expect(why['psycopg2-binary']).toMatch(/"==2.9.11" were psycopg2-binary's and are dropped/);
    expect(why['hiredis']).toMatch(/redis, already required, takes over: redis-py falls back/);
    expect(why['django']).toMatch(/^Django 6 requires Python >= 3.12/);
  });

  it('lists what it does not fix and why; an upper bound fixes no finding of its own', () => {
    const notFixed = plan.notFixed.map((n) => `${n.name} (${n.targets.map((t) => t.split('-manylinux')[0]).join(', ')}): ${n.reason.split(':')[0]}`);
    expect(notFixed).toEqual([
      'lxml (pypy3.11-8.0): no automatic fix (abi-mismatch)',
      'pillow (pypy3.11-8.0): no automatic fix (abi-mismatch)',
      'cryptography (pypy3.11-8.0): no automatic fix (abi-mismatch)',
      // numpy gets its upper bound, which does not make pp73 wheels load on PyPy 8.0.
      'numpy (pypy3.11-8.0): no automatic fix (abi-mismatch)',
      'orjson (pypy3.11-7.3, pypy3.11-8.0): no automatic fix',
    ]);
    expect(plan.relock).toEqual([]);
  });
});

describe('pins, from real scans of small projects', () => {
  let server: IndexServer;
  let dir: string;
  beforeAll(async () => {
    server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')) });
    dir = mkdtempSync(join(tmpdir(), 'pypy-ready-plan-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const planFor = async (requirements: string): Promise<FixPlan> => {
    writeFileSync(join(dir, 'requirements.txt'), requirements);
    return planFixes(await scan({ paths: ['.'], cwd: dir, env: {}, index: { indexUrl: server.simpleUrl, cacheDir: null, netrc: false, retries: 0 } }), kb);
  };

  it('hiredis without redis is no optional speed-up: pinned to 3.2.1, the last release with pp73 wheels, for PyPy 7.3 only', async () => {
    const plan = await planFor('hiredis>=3.1\n');
    expect(edits(plan)).toEqual(['requirements.txt:1 hiredis: {"kind":"pin","version":"3.2.1"}']);
    expect(plan.edits[0]!.targets).toEqual(['pypy3.11-7.3-manylinux_x86_64']);
    // PyPy 8.0 (pp80) never had hiredis wheels: the pin does not help there, and the plan says so.
    expect(plan.notFixed.map((n) => [n.name, n.targets])).toEqual([['hiredis', ['pypy3.11-8.0-manylinux_x86_64']]]);
  });

  it('an exact pin that excludes the Python of PyPy 3.11 moves to the newest release that installs', async () => {
    const plan = await planFor('Django==6.0.1\n');
    expect(edits(plan)).toEqual(['requirements.txt:1 django: {"kind":"pin","version":"5.2.9"}']);
  });

  it('a range that already keeps Django 6 out is left alone', async () => {
    expect((await planFor('Django>=4.2,<6\n')).edits).toEqual([]);
  });
});

describe('what the plan never edits', () => {
  const target = { id: 'pypy', interpreter: 'pypy3.11-7.3', implementation: 'pypy' as const, pythonVersion: '3.11.13', abi: 'pypy311_pp73', platform: 'manylinux_x86_64', baseline: '2.28' };
  const finding = (over: Partial<Finding>): Finding => ({
    name: 'psycopg2-binary', version: '2.9.11', target: 'pypy', verdict: 'known-broken', severity: 'error', file: null, evidence: [], suggestion: null,
    project: '.', groups: ['main'], locations: [{ file: 'requirements.txt', line: 1, column: 1 }], via: [], unchecked: [], ...over,
  });
  const result = (findings: Finding[], requirements: ScanResult['requirements'] = []): ScanResult => ({ schemaVersion: 1, tool: { name: 'pypy-ready', version: '0' }, targets: [target], projects: ['.'], requirements, findings, notInstalled: [], errors: [], indexReachable: true });

  it('a transitive dependency: a note naming the chain', () => {
    const plan = planFixes(result([finding({ via: ['django-backend'], locations: [{ file: 'requirements.txt', line: 3, column: 1 }] })]), kb);
    expect(plan.edits).toEqual([]);
    expect(plan.notFixed[0]!.reason).toMatch(/^pulled in by django-backend: a transitive dependency is not edited/);
  });

  it('a package declared only in a lock file: a note with the re-lock command', () => {
    const plan = planFixes(result([finding({ locations: [{ file: 'poetry.lock', line: 40, column: 1 }] })]), kb);
    expect(plan.edits).toEqual([]);
    expect(plan.notFixed[0]!.reason).toMatch(/lock files are never edited: .* re-lock with `poetry lock`$/);
  });

  it('an edit in a locked project says to re-lock, with the lock\'s own tool', () => {
    const req = (file: string, line: number) => ({ name: 'psycopg2-binary', specifier: '==2.9.11', marker: null, extras: [], group: 'main', version: '2.9.11', direct: true, location: { file, line, column: 1 }, project: '.' });
    const plan = planFixes(result([finding({ locations: [{ file: 'pyproject.toml', line: 5, column: 4 }] })], [req('pyproject.toml', 5), req('uv.lock', 80)]), kb);
    expect(plan.edits.map((e) => e.change.kind)).toEqual(['replace']);
    expect(plan.relock).toEqual([{ project: '.', lockFile: 'uv.lock', command: 'uv lock' }]);
  });

  it('targets that need different pins: no edit, a note naming both', () => {
    const lost = (t: string, v: string) => finding({ name: 'hiredis', verdict: 'lost-pypy-wheels', severity: 'warning', target: t, version: '3.3.0', evidence: [`${v} had wheels for x; 3.3.0 has none`], lastVersionWithWheels: v });
    const two = { ...result([lost('pypy', '3.2.1'), lost('pypy2', '3.1.0')]), targets: [target, { ...target, id: 'pypy2' }] };
    const plan = planFixes(two, kb);
    expect(plan.edits).toEqual([]);
    expect(plan.notFixed[0]!.reason).toMatch(/the targets need different fixes \(pypy: pin ==3.2.1; pypy2: pin ==3.1.0\)/);
  });

  it('a CPython target is not what fix is for', () => {
    const plan = planFixes({ ...result([finding({})]), targets: [{ ...target, implementation: 'cpython' }] }, kb);
    expect(plan).toEqual({ edits: [], notFixed: [], relock: [] });
  });
});

describe('the plan reads the findings\' facts, never their sentences', () => {
  const target = { id: 'pypy', interpreter: 'pypy3.11-7.3', implementation: 'pypy' as const, pythonVersion: '3.11.13', abi: 'pypy311_pp73', platform: 'manylinux_x86_64', baseline: '2.28' };
  const at = { file: 'requirements.txt', line: 1, column: 1 };
  const finding = (over: Partial<Finding>): Finding => ({
    name: 'hiredis', version: '3.3.0', target: 'pypy', verdict: 'lost-pypy-wheels', severity: 'warning', file: null, evidence: ['reworded'], suggestion: 'reworded too',
    project: '.', groups: ['main'], locations: [at], via: [], unchecked: [], ...over,
  });
  const requirement = (name: string, specifier: string, version: string | null) => ({ name, specifier, marker: null, extras: [], group: 'main', version, direct: true, location: at, project: '.' });
  const result = (findings: Finding[], requirements: ScanResult['requirements']): ScanResult => ({ schemaVersion: 1, tool: { name: 'pypy-ready', version: '0' }, targets: [target], projects: ['.'], requirements, findings, notInstalled: [], errors: [], indexReachable: true });
  // hiredis has a knowledge-base alternative (redis) that would make a marker win: a name without an entry keeps the pin in view.
  const name = 'somelib';
  it('uses a package the knowledge base does not know', () => expect(kb.get(name)).toBeUndefined());

  it('lost-pypy-wheels: the pin comes from lastVersionWithWheels, whatever the evidence says', () => {
    const plan = planFixes(result([finding({ name, lastVersionWithWheels: '3.2.1', evidence: ['wheels for pp73 stopped after 3.2.1'] })], [requirement(name, '>=3.1', null)]), kb);
    expect(edits(plan)).toEqual(['requirements.txt:1 somelib: {"kind":"pin","version":"3.2.1"}']);
    expect(plan.edits[0]!.why).toMatch(/^3\.2\.1 is the last release of somelib with wheels/);
  });

  it('lost-pypy-wheels where pip already falls back: the field names the assessed version, the pin makes it explicit', () => {
    const plan = planFixes(result([finding({ name, version: '1.0', lastVersionWithWheels: '1.0' })], [requirement(name, '', null)]), kb);
    expect(edits(plan)).toEqual(['requirements.txt:1 somelib: {"kind":"pin","version":"1.0"}']);
    expect(plan.edits[0]!.why).toMatch(/^pip falls back to 1\.0/);
  });

  it('the sentences the plan once parsed, without the field: no pin, a note', () => {
    const plan = planFixes(result([finding({ name, evidence: ['3.2.1 had wheels for pypy311_pp73; 3.3.0 has none'], suggestion: `Pin ${name}==3.2.1 (last release with pypy311_pp73 wheels)` })], [requirement(name, '>=3.1', null)]), kb);
    expect(plan.edits).toEqual([]);
    expect(plan.notFixed.map((n) => n.reason)).toEqual([expect.stringMatching(/^no automatic fix: the scan did not establish the last release with wheels here/)]);
  });

  it('requires-python: an exact pin moves to newestInstallable, whatever the suggestion says', () => {
    const plan = planFixes(
      result([finding({ name, version: '6.0.1', verdict: 'requires-python', severity: 'error', newestInstallable: '5.2.9', suggestion: 'try 5.2.9' })], [requirement(name, '==6.0.1', '6.0.1')]),
      kb,
    );
    expect(edits(plan)).toEqual(['requirements.txt:1 somelib: {"kind":"pin","version":"5.2.9"}']);
  });

  it('requires-python: the old sentence alone moves nothing', () => {
    const suggestion = 'On pypy3.11-7.3 (Python 3.11.13) the newest installable release is 5.2.9: require somelib<=5.2.9 for this target, or move to a PyPy with a newer Python.';
    const plan = planFixes(result([finding({ name, version: '6.0.1', verdict: 'requires-python', severity: 'error', suggestion })], [requirement(name, '==6.0.1', '6.0.1')]), kb);
    expect(plan.edits).toEqual([]);
    expect(plan.notFixed).toHaveLength(1);
  });

  it('a yanked exact pin, whose sentence the rules put first, still gets its pin (from the real rules)', () => {
    const listing = ['hiredis-3.2.1-pp311-pypy311_pp73-manylinux_2_17_x86_64.whl', 'hiredis-3.3.0-cp311-cp311-manylinux_2_17_x86_64.whl', 'hiredis-3.3.0.tar.gz'].map((filename) => ({
      filename, url: `https://example.invalid/${filename}`, requiresPython: null, yanked: filename.endsWith('.tar.gz') ? 'bad sdist' : false, hashes: {}, coreMetadata: false,
    }));
    const assessment = assess(resolveListing('hiredis', groupFilesByVersion('hiredis', listing), resolveTarget('pypy3.11-7.3'), { specifier: '==3.3.0', fixedVersion: '3.3.0' }));
    expect(assessment.evidence[0]).toMatch(/is yanked/);
    const f = { ...assessment, target: 'pypy', project: '.', groups: ['main'], locations: [at], via: [], unchecked: [] };
    // No knowledge base: hiredis's entry (redis takes over) would plan a marker instead.
    const plan = planFixes(result([f], [requirement('hiredis', '==3.3.0', '3.3.0')]), parseKnowledgeBase({ schemaVersion: 1, entries: [] }, 'test'));
    expect(edits(plan)).toEqual(['requirements.txt:1 hiredis: {"kind":"pin","version":"3.2.1"}']);
  });

  it('a field that is no version is not written into a manifest', () => {
    const plan = planFixes(result([finding({ name, lastVersionWithWheels: '3.2.1; os_name == "nt"' })], [requirement(name, '>=3.1', null)]), kb);
    expect(plan.edits).toEqual([]);
  });
});
