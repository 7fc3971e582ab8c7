/**
 * The bottom line of a scan (issue 12): one or two sentences per target that answer "can we move to
 * PyPy, and what stands in the way?", and every blocker once with the direct requirements that pull
 * it in, leaf blockers first. First on the bundled demo, scanned for real against the local index;
 * then on small hand-made results, one situation each.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { blockersByChain, bottomLine, formatBlockerChains, formatBottomLine, nameList, targetLabel } from '../../src/report/bottom-line.js';
import { renderText } from '../../src/report/text.js';
import type { Finding, ReportTarget, ScanResult } from '../../src/scan/types.js';
import { scanDemo } from '../support/demo.js';

// ---------------------------------------------------------------- building results by hand

const PP73: ReportTarget = { id: 'pypy3.11-7.3-manylinux_x86_64', interpreter: 'pypy3.11-7.3', implementation: 'pypy', pythonVersion: '3.11.13', abi: 'pypy311_pp73', platform: 'manylinux_x86_64', baseline: 'glibc 2.28' };
const PP80: ReportTarget = { id: 'pypy3.11-8.0-manylinux_x86_64', interpreter: 'pypy3.11-8.0', implementation: 'pypy', pythonVersion: '3.11.13', abi: 'pypy311_pp80', platform: 'manylinux_x86_64', baseline: 'glibc 2.28' };
const CP311: ReportTarget = { id: 'cpython3.11-manylinux_x86_64', interpreter: 'cpython3.11', implementation: 'cpython', pythonVersion: '3.11.14', abi: 'cp311', platform: 'manylinux_x86_64', baseline: 'glibc 2.28' };

function finding(name: string, target: ReportTarget, fields: Partial<Finding> = {}): Finding {
  return {
    name, version: '1.0', target: target.id, verdict: 'pure', severity: 'ok', file: `${name}-1.0-py3-none-any.whl`,
    evidence: [], suggestion: null, project: '.', groups: ['main'], locations: [{ file: 'requirements.txt', line: 1, column: 1 }], via: [], unchecked: [],
    ...fields,
  };
}

/** The same story on every target given. */
const onEach = (name: string, targets: ReportTarget[], fields: Partial<Finding> = {}): Finding[] => targets.map((t) => finding(name, t, fields));

const broken = (via: string[] = []): Partial<Finding> => ({ verdict: 'known-broken', severity: 'error', file: 'x-1.0.tar.gz', via, suggestion: 'Replace with y' });
/** A pp73 wheel on 7.3 and only the sdist on 8.0: the ABI loss. */
const pp73Only = (name: string): Finding[] => [
  finding(name, PP73, { verdict: 'pypy-wheel', severity: 'info', file: `${name}-1.0-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl` }),
  finding(name, PP80, { verdict: 'abi-mismatch', severity: 'warning', file: `${name}-1.0.tar.gz` }),
];

function result(targets: ReportTarget[], findings: Finding[], extra: Partial<ScanResult> = {}): ScanResult {
  const projects = [...new Set(findings.map((f) => f.project))];
  return { schemaVersion: 1, tool: { name: 'pypy-ready', version: '0.1.0' }, targets, projects, requirements: [], findings, notInstalled: [], errors: [], indexReachable: true, ...extra };
}

const sentences = (r: ScanResult): string[] => bottomLine(r).map((s) => s.sentence);

// ---------------------------------------------------------------- the demo, for real

describe('the bottom line of the bundled Django demo (scanned against the local index)', () => {
  let demo: ScanResult;
  beforeAll(async () => {
    demo = await scanDemo(['pypy3.11-7.3', 'pypy3.11-8.0', 'cpython3.11']);
  }, 60_000);

  it('answers per target: two blockers everywhere on PyPy, where the code uses them, and 8.0 loses the pp73 wheels, so move on 7.3 first', () => {
    // fixtures/demo-django/ledger/serialize.py imports orjson under try/except ImportError;
    // ledger/views.py (the web tier) is the only file importing psycopg2.
    const used = 'orjson: only an optional import; psycopg2-binary: imported by the web tier only';
    expect(sentences(demo)).toEqual([
      `PyPy 3.11 (7.3): 2 blockers (${used}); 5 packages run through cpyext, 1 of them built from source (hiredis).`,
      `PyPy 3.11 (8.0): 2 blockers (${used}); 5 packages run through cpyext, all 5 built from source (cryptography, hiredis, lxml, numpy and 1 more). ` +
        'It also loses the pp73 wheels of cryptography, lxml, numpy, pillow, which PyPy 3.11 (7.3) installs → move on 7.3 first.',
      'CPython 3.11: nothing blocks.',
    ]);
  });

  it('keeps the lists behind the sentences as data', () => {
    const [on73, on80, cpython] = bottomLine(demo);
    expect(on73).toMatchObject({ target: 'pypy3.11-7.3-manylinux_x86_64', label: 'PyPy 3.11 (7.3)', blockerUse: { orjson: 'only an optional import', 'psycopg2-binary': 'imported by the web tier only' }, cpyext: ['cryptography', 'hiredis', 'lxml', 'numpy', 'pillow'], builtFromSource: ['hiredis'], lostAgainst: [], recommend: null, unknown: [] });
    expect(on80!.lostAgainst).toEqual([{ target: on73!.target, label: 'PyPy 3.11 (7.3)', abi: 'pp73', packages: ['cryptography', 'lxml', 'numpy', 'pillow'] }]);
    expect(on80!.recommend).toBe(on73!.target);
    expect(on80!.otherAbiOnly).toEqual(['cryptography', 'lxml', 'numpy', 'pillow']);
    // CPython is the baseline: no cpyext there, and PyPy is not compared with it.
    expect(cpython).toMatchObject({ implementation: 'cpython', blockers: [], cpyext: [], lostAgainst: [] });
  });

  it('lists each blocker once with how it is reached: both are direct requirements, blocking on both PyPy lines', () => {
    const chains = blockersByChain(demo);
    expect(chains.map((c) => [c.name, c.direct, c.through, c.targets, c.height])).toEqual([
      ['orjson', true, [], ['pypy3.11-7.3-manylinux_x86_64', 'pypy3.11-8.0-manylinux_x86_64'], 0],
      ['psycopg2-binary', true, [], ['pypy3.11-7.3-manylinux_x86_64', 'pypy3.11-8.0-manylinux_x86_64'], 0],
    ]);
    expect(chains[1]!.locations).toEqual([{ file: 'fixtures/demo-django/requirements/base.txt', line: 10, column: 1 }]);
    // The Django settings (fixtures/demo-django/ledger/settings.py) say it in Django's terms.
    expect(chains[1]!.suggestions[0]).toMatch(/^Keep ENGINE "django\.db\.backends\.postgresql": .* install psycopg\[binary\] instead of psycopg2-binary/);
  });

  it('the text report starts with the same bottom line and has a "Blockers by chain" section', () => {
    const lines = renderText(demo).split('\n');
    expect(lines.slice(0, 4)).toEqual([...sentences(demo), '']);
    expect(lines[4]).toMatch(/^pypy-ready [\d.]+: \d+ package\(s\) from \d+ requirement\(s\), checked for /);
    expect(lines.slice(5, 9)).toEqual(['', 'Blockers by chain (2):', '  orjson blocks you directly (pypy3.11-7.3, pypy3.11-8.0)', '  psycopg2-binary blocks you directly (pypy3.11-7.3, pypy3.11-8.0)']);
  });
});

// ---------------------------------------------------------------- one situation each

describe('bottomLine', () => {
  it('says "nothing blocks" when nothing does, and what runs through cpyext', () => {
    expect(sentences(result([PP73], [finding('django', PP73), finding('lxml', PP73, { verdict: 'pypy-wheel', severity: 'info', file: 'lxml-6.0-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl' })]))).toEqual([
      'PyPy 3.11 (7.3): nothing blocks; 1 package runs through cpyext.',
    ]);
    expect(sentences(result([PP73], [finding('django', PP73)]))).toEqual(['PyPy 3.11 (7.3): nothing blocks.']);
    expect(sentences(result([PP73], []))).toEqual(['PyPy 3.11 (7.3): no packages to assess.']);
  });

  it('names a blocker pulled in through a chain like any other, sorted by name', () => {
    const r = result([PP73], [finding('mylib', PP73), finding('midlib', PP73, { via: ['mylib'] }), finding('orjson', PP73, broken(['mylib', 'midlib'])), finding('aiohttp-jinja', PP73, broken())]);
    expect(sentences(r)).toEqual(['PyPy 3.11 (7.3): 2 blockers (aiohttp-jinja, orjson).']);
  });

  it('says where the code imports each blocker, when the code was read: roles without the optional imports', () => {
    const at = (file: string, role: NonNullable<Finding['usedIn']>[number]['role'], optional = false) => ({ file, line: 1, role, optional });
    const r = result([PP73], [
      finding('psycopg2', PP73, { ...broken(), usedIn: [at('app/views.py', 'web'), at('app/tests/test_db.py', 'tests')] }),
      finding('orjson', PP73, { ...broken(), usedIn: [at('app/fast.py', 'other', true)] }),
      finding('ujson', PP73, { ...broken(), usedIn: [at('app/tasks.py', 'workers'), at('app/fast.py', 'other', true)] }),
      finding('mysqlclient', PP73, { ...broken(), imported: false }),
      finding('pulled-in', PP73, broken(['celery'])),
    ]);
    expect(sentences(r)).toEqual([
      'PyPy 3.11 (7.3): 5 blockers (mysqlclient: imported by no file; orjson: only an optional import; psycopg2: imported by the web tier and tests; pulled-in and 1 more).',
    ]);
    expect(bottomLine(r)[0]!.blockerUse).toEqual({
      mysqlclient: 'imported by no file',
      orjson: 'only an optional import',
      psycopg2: 'imported by the web tier and tests',
      ujson: 'imported by the workers only',
    });
    // Without the code read, the names alone, as before.
    expect(sentences(result([PP73], [finding('orjson', PP73, broken())]))).toEqual(['PyPy 3.11 (7.3): 1 blocker (orjson).']);
  });

  it('shows four names at most, then "and N more"', () => {
    const names = ['f', 'e', 'd', 'c', 'b', 'a'];
    expect(sentences(result([PP73], names.map((n) => finding(n, PP73, broken()))))).toEqual(['PyPy 3.11 (7.3): 6 blockers (a, b, c, d and 2 more).']);
    expect(nameList(['a', 'b', 'c', 'd'])).toBe('a, b, c, d');
  });

  it('says when PyPy 8.0 loses the pp73 wheels 7.3 installs, and recommends moving on 7.3 first', () => {
    const r = result([PP73, PP80], [...pp73Only('lxml'), ...pp73Only('pillow'), ...onEach('django', [PP73, PP80])]);
    expect(sentences(r)).toEqual([
      'PyPy 3.11 (7.3): nothing blocks; 2 packages run through cpyext.',
      'PyPy 3.11 (8.0): nothing blocks; 2 packages run through cpyext, both built from source (lxml, pillow). It also loses the pp73 wheels of lxml, pillow, which PyPy 3.11 (7.3) installs → move on 7.3 first.',
    ]);
    expect(bottomLine(r).map((s) => [s.recommend, s.severity])).toEqual([
      [null, 'info'],
      [PP73.id, 'warning'],
    ]);
  });

  it('is no loss when 8.0 installs the package as pure Python from its sdist (PyPy skips the speed-ups)', () => {
    const r = result([PP73, PP80], [
      finding('markupsafe', PP73, { verdict: 'pypy-wheel', severity: 'info', file: 'markupsafe-3.0-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl' }),
      finding('markupsafe', PP80, { verdict: 'pure-fallback', severity: 'info', file: 'markupsafe-3.0.tar.gz' }),
    ]);
    expect(bottomLine(r).map((s) => [s.sentence, s.lostAgainst, s.recommend, s.severity])).toEqual([
      ['PyPy 3.11 (7.3): nothing blocks; 1 package runs through cpyext.', [], null, 'info'],
      ['PyPy 3.11 (8.0): nothing blocks.', [], null, 'ok'],
    ]);
  });

  it('does not recommend 7.3 when 7.3 has more blockers than 8.0', () => {
    const r = result([PP73, PP80], [...pp73Only('lxml'), finding('oldlib', PP73, { verdict: 'requires-python', severity: 'error', file: null }), finding('oldlib', PP80)]);
    expect(sentences(r)[1]).toBe('PyPy 3.11 (8.0): nothing blocks; 1 package runs through cpyext, built from source (lxml). It also loses the pp73 wheels of lxml, which PyPy 3.11 (7.3) installs.');
    expect(bottomLine(r)[1]!.recommend).toBeNull();
  });

  it('on 8.0 alone, says the wheels are for another PyPy ABI (there is no 7.3 in the scan to compare with)', () => {
    const r = result([PP80], [pp73Only('lxml')[1]!]);
    expect(sentences(r)).toEqual(['PyPy 3.11 (8.0): nothing blocks; 1 package runs through cpyext, built from source (lxml); 1 has wheels only for another PyPy ABI (lxml).']);
  });

  it('names packages it could not check as not checked, never as fine', () => {
    const r = result([PP73], [
      finding('django', PP73),
      finding('private-lib', PP73, { verdict: 'unknown', severity: 'unknown', file: null }),
      finding('hidden-deps', PP73, { severity: 'warning', unchecked: ['dependencies not checked: the metadata file answered HTTP 500'] }),
    ]);
    const [summary] = bottomLine(r);
    expect(summary!.sentence).toBe('PyPy 3.11 (7.3): nothing blocks among the packages checked; 1 package not checked (private-lib); the dependencies of hidden-deps not fully checked.');
    expect(summary).toMatchObject({ unknown: ['private-lib'], uncheckedDependencies: ['hidden-deps'], warnings: ['hidden-deps'] });
    expect(summary!.sentence).not.toMatch(/\bfine\b|nothing blocks\./);
  });

  it('mentions warnings the sentence has not named otherwise', () => {
    const r = result([PP73], [finding('oldpin', PP73, { severity: 'warning', evidence: ['oldpin-1.0-py3-none-any.whl is yanked'] })]);
    expect(sentences(r)).toEqual(['PyPy 3.11 (7.3): nothing blocks; 1 other package needs attention (oldpin).']);
  });

  it('counts cpyext from the verdicts: compiled extensions only, not pure, CFFI, pure-fallback or sdist-only packages', () => {
    const findings = [
      finding('lxml', PP73, { verdict: 'pypy-wheel', severity: 'info', file: 'lxml-6.0-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl' }),
      finding('hiredis', PP73, { verdict: 'lost-pypy-wheels', severity: 'warning', file: 'hiredis-3.3.0.tar.gz' }),
      finding('ujson', PP73, { verdict: 'source-build', severity: 'warning', file: 'ujson-5.0.tar.gz', evidence: ['a compiled extension: it installs only with a C compiler and headers, then runs through cpyext'] }),
      finding('oldwheel', PP73, { verdict: 'lost-pypy-wheels', severity: 'warning', file: 'oldwheel-1.0-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl' }),
      // Not through cpyext:
      finding('crontab', PP73, { verdict: 'source-build', severity: 'info', file: 'crontab-0.7.tar.gz', evidence: ['only a source distribution is published and no compiled wheels exist for any platform, so it is probably pure Python; the sdist was not inspected'] }),
      finding('purefallback', PP73, { verdict: 'lost-pypy-wheels', severity: 'warning', file: 'purefallback-1.0-py3-none-any.whl' }),
      finding('markupsafe', PP73, { verdict: 'pure-fallback', severity: 'info', file: 'markupsafe-3.0.tar.gz' }),
      finding('argon2-cffi', PP73, { verdict: 'cffi', file: 'argon2_cffi-23.1-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl' }),
      finding('gone', PP73, { verdict: 'lost-pypy-wheels', severity: 'error', file: null }),
    ];
    const [summary] = bottomLine(result([PP73], findings));
    expect(summary!.cpyext).toEqual(['hiredis', 'lxml', 'oldwheel', 'ujson']);
    expect(summary!.builtFromSource).toEqual(['hiredis', 'ujson']);
    expect(summary!.blockers).toEqual(['gone']);
    // Nothing runs through cpyext on CPython: a compiled wheel there is native.
    expect(bottomLine(result([CP311], [finding('lxml', CP311, { verdict: 'native-wheel', file: 'lxml-6.0-cp311-cp311-manylinux_2_28_x86_64.whl' })]))[0]).toMatchObject({ cpyext: [], sentence: 'CPython 3.11: nothing blocks.' });
  });

  it('merges projects: a package counts once per target, the worst of its projects', () => {
    const r = result([PP73], [
      finding('orjson', PP73, { ...broken(), project: 'services/api' }),
      finding('orjson', PP73, { ...broken(['mylib']), project: 'services/worker' }),
      finding('psycopg2', PP73, { ...broken(), project: 'services/worker' }),
      finding('django', PP73, { project: 'services/api' }),
    ]);
    expect(sentences(r)).toEqual(['PyPy 3.11 (7.3): 2 blockers (orjson, psycopg2).']);
    expect(bottomLine(r)[0]!.packages).toBe(3);
  });

  it('labels targets by implementation, Python and PyPy line, with the platform when the scan covers several', () => {
    const arm: ReportTarget = { ...PP73, id: 'pypy3.11-7.3-manylinux_aarch64', platform: 'manylinux_aarch64' };
    expect(targetLabel(result([PP73, CP311], []), PP73.id)).toBe('PyPy 3.11 (7.3)');
    expect(targetLabel(result([PP73, CP311], []), CP311.id)).toBe('CPython 3.11');
    expect(targetLabel(result([PP73, arm], []), arm.id)).toBe('PyPy 3.11 (7.3) on manylinux_aarch64');
    // An x86_64 wheel is no loss for aarch64: only targets of one platform are compared.
    const r = result([PP73, { ...PP80, platform: 'manylinux_aarch64', id: 'pypy3.11-8.0-manylinux_aarch64' }], [pp73Only('lxml')[0]!, finding('lxml', { ...PP80, id: 'pypy3.11-8.0-manylinux_aarch64' }, { verdict: 'abi-mismatch', severity: 'warning', file: 'lxml-1.0.tar.gz' })]);
    expect(bottomLine(r)[1]!.lostAgainst).toEqual([]);
  });

  it('strips control characters from names in its sentences, and keeps the raw names as data', () => {
    const r = result([PP73], [finding('evil\u001b]0;pwned\u0007', PP73, broken())]);
    expect(bottomLine(r)[0]!.blockers).toEqual(['evil\u001b]0;pwned\u0007']);
    expect(bottomLine(r)[0]!.sentence).toBe('PyPy 3.11 (7.3): 1 blocker (evil]0;pwned).');
    expect(formatBottomLine(bottomLine(r))).toEqual(['PyPy 3.11 (7.3): 1 blocker (evil]0;pwned).']);
  });
});

describe('blockersByChain', () => {
  // mylib (direct) → midlib → orjson; mylib itself also blocks (requires-python), and so does a
  // direct requirement, zz-direct. orjson is at the bottom of the chain: a leaf blocker.
  const chained = result(
    [PP73, PP80],
    [
      ...onEach('mylib', [PP73, PP80], { verdict: 'requires-python', severity: 'error', file: null }),
      ...onEach('midlib', [PP73, PP80], { via: ['mylib'] }),
      ...onEach('orjson', [PP73, PP80], broken(['mylib', 'midlib'])),
      ...onEach('zz-direct', [PP73], broken()),
    ],
  );

  it('lists each blocker once, leaf blockers first (orjson before mylib, which pulls it in), then by name', () => {
    const chains = blockersByChain(chained);
    expect(chains.map((c) => [c.name, c.height, c.blockersBelow])).toEqual([
      ['orjson', 0, []],
      ['zz-direct', 0, []],
      ['mylib', 1, ['orjson']],
    ]);
    expect(chains[0]).toMatchObject({ direct: false, through: ['mylib'], chains: [['mylib', 'midlib']], targets: [PP73.id, PP80.id], verdicts: ['known-broken'] });
  });

  it('says in one line per blocker what pulls it in and where it blocks', () => {
    const label = (id: string) => id.replace(/-manylinux_x86_64$/, '');
    expect(formatBlockerChains(blockersByChain(chained), { label })).toEqual([
      'orjson blocks you via mylib → midlib (pypy3.11-7.3, pypy3.11-8.0)',
      'zz-direct blocks you directly (pypy3.11-7.3)',
      'mylib blocks you directly (pypy3.11-7.3, pypy3.11-8.0)',
    ]);
  });

  it('gathers the chains of all targets: directly and via two libraries', () => {
    const r = result([PP73, PP80], [finding('orjson', PP73, broken()), finding('orjson', PP80, broken(['b-lib', 'mid'])), finding('orjson', PP80, { ...broken(['a-lib']), project: 'other' })]);
    const chains = blockersByChain(r);
    expect(chains.map((c) => [c.project, c.direct, c.through])).toEqual([
      ['.', true, ['b-lib']],
      ['other', false, ['a-lib']],
    ]);
    expect(formatBlockerChains(chains, { projects: true })).toEqual([
      '.: orjson blocks you directly and via b-lib → mid (pypy3.11-7.3-manylinux_x86_64, pypy3.11-8.0-manylinux_x86_64)',
      'other: orjson blocks you via a-lib (pypy3.11-8.0-manylinux_x86_64)',
    ]);
  });

  it('ends cycles that different targets can form, and is empty when nothing blocks', () => {
    const r = result([PP73, PP80], [finding('a', PP73, broken(['b'])), finding('b', PP73, broken()), finding('b', PP80, broken(['a'])), finding('a', PP80, broken())]);
    const chains = blockersByChain(r);
    expect(chains.map((c) => [c.name, c.blockersBelow]).sort()).toEqual([
      ['a', ['b']],
      ['b', ['a']],
    ]);
    expect(chains.map((c) => c.height).sort()).toEqual([0, 1]);
    expect(blockersByChain(result([PP73], [finding('django', PP73)]))).toEqual([]);
  });
});
