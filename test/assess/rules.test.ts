/**
 * Each verdict from the rules, on small hand-made index listings. The expectations follow from the
 * target's accepted tags (checked against real interpreters elsewhere) and pip's selection rules.
 */
import { describe, expect, it } from 'vitest';
import { parseKnowledgeBase } from '../../src/assess/knowledge.js';
import type { KnowledgeEntry } from '../../src/assess/knowledge.js';
import { assess } from '../../src/assess/rules.js';
import type { DistributionFile } from '../../src/pypi/types.js';
import { groupFilesByVersion, type FilesByVersion } from '../../src/resolve/candidates.js';
import { resolveListing } from '../../src/resolve/resolve.js';
import type { VersionRequest } from '../../src/resolve/version.js';
import { resolveTarget, type Target } from '../../src/targets/index.js';

const PP73 = resolveTarget('pypy3.11-7.3');
const PP80 = resolveTarget('pypy3.11-8.0');

type FileSpec = string | { filename: string; requiresPython?: string; yanked?: boolean | string };

function files(name: string, specs: FileSpec[]) {
  const list: DistributionFile[] = specs.map((spec) => {
    const s = typeof spec === 'string' ? { filename: spec } : spec;
    return { filename: s.filename, url: `https://example.invalid/${s.filename}`, requiresPython: s.requiresPython ?? null, yanked: s.yanked ?? false, hashes: {}, coreMetadata: false };
  });
  return groupFilesByVersion(name, list);
}

/** A package as the rules see it before resolution: its listing (or why there is none), the request, its knowledge. */
interface PackageFacts {
  name: string;
  files: FilesByVersion | null;
  fetchError?: string;
  request: VersionRequest;
  knowledge?: KnowledgeEntry | undefined;
}

function facts(name: string, specs: FileSpec[], request: Partial<VersionRequest> = {}, extra: Partial<PackageFacts> = {}): PackageFacts {
  return { name, files: files(name, specs), request: { specifier: '', ...request }, ...extra };
}

/** Resolve the listing as a direct requirement (no graph), then apply the rules. */
function assessPackage(f: PackageFacts, target: Target) {
  const resolved = resolveListing(f.name, f.files ?? groupFilesByVersion(f.name, []), target, f.request);
  const pkg = f.files ? resolved : { ...resolved, files: null, choice: null, fetchError: f.fetchError ?? null };
  return { assessment: assess(pkg, f.knowledge) };
}

const kb = parseKnowledgeBase(
  {
    schemaVersion: 1,
    entries: [
      { name: 'psycopg2-binary', status: 'broken', summary: 'fails at import on PyPy', alternative: { name: 'psycopg', note: 'pure-Python mode' }, sources: ['measured: on PyPy'] },
      { name: 'markupsafe', status: 'pure-fallback', summary: 'falls back to pure Python', sources: ['https://example.invalid/upstream'] },
      { name: 'cffi-thing', status: 'cffi', summary: 'a CFFI binding', sources: ['https://example.invalid/upstream'] },
      { name: 'mystery', status: 'unverified', summary: 'compiled; nothing says PyPy', sources: ['https://example.invalid/upstream'] },
      {
        name: 'pg2',
        status: 'broken',
        summary: 'fails at import',
        alternative: { name: 'psycopg', note: 'pure-Python mode', dropIn: 'partial', dropInFor: "Django's postgresql backend" },
        sources: ['https://example.invalid/upstream'],
      },
      { name: 'oldjson', status: 'broken', summary: 'no PyPy', alternative: { name: 'json (standard library)', note: 'fast', dropIn: 'no' }, sources: ['https://example.invalid/upstream'] },
      {
        name: 'sci',
        status: 'no-gain',
        summary: 'cpyext',
        pythonLimit: { specifier: '>=2', note: 'sci 2 needs Python 3.12', requiresPython: '>=3.12' },
        sources: ['https://example.invalid/upstream'],
      },
    ],
  },
  'test',
);

describe('verdicts', () => {
  it('pypy-wheel: a wheel for exactly this PyPy ABI, with a cpyext note', () => {
    const { assessment } = assessPackage(
      facts('lxml', ['lxml-6.0.0-cp311-cp311-manylinux_2_28_x86_64.whl', 'lxml-6.0.0-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl', 'lxml-6.0.0.tar.gz']),
      PP73,
    );
    expect(assessment).toMatchObject({ verdict: 'pypy-wheel', severity: 'info', version: '6.0.0', file: 'lxml-6.0.0-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl' });
    expect(assessment.evidence.join('\n')).toMatch(/tag pp311-pypy311_pp73-manylinux_2_28_x86_64/);
    expect(assessment.evidence.join('\n')).toMatch(/cpyext/);
  });

  it('abi-mismatch: the same files on PyPy 8.0 (pp73 wheels do not load on pp80)', () => {
    const { assessment } = assessPackage(
      facts('lxml', ['lxml-6.0.0-cp311-cp311-manylinux_2_28_x86_64.whl', 'lxml-6.0.0-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl', 'lxml-6.0.0.tar.gz']),
      PP80,
    );
    expect(assessment).toMatchObject({ verdict: 'abi-mismatch', severity: 'warning', file: 'lxml-6.0.0.tar.gz' });
    expect(assessment.evidence[0]).toContain('pypy311_pp73 but not for pypy311_pp80');
  });

  it('pure: a py3-none-any wheel', () => {
    const { assessment } = assessPackage(facts('requests', ['requests-2.32.5-py3-none-any.whl', 'requests-2.32.5.tar.gz']), PP80);
    expect(assessment).toMatchObject({ verdict: 'pure', severity: 'ok', file: 'requests-2.32.5-py3-none-any.whl' });
  });

  it('pure-fallback: CPython-only wheels, but the knowledge base knows the sdist falls back to pure Python', () => {
    const { assessment } = assessPackage(
      facts('markupsafe', ['MarkupSafe-3.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'markupsafe-3.0.2.tar.gz'], {}, { knowledge: kb.get('markupsafe') }),
      PP73,
    );
    expect(assessment).toMatchObject({ verdict: 'pure-fallback', file: 'markupsafe-3.0.2.tar.gz' });
  });

  it('cffi: a CFFI binding is PyPy\'s fast path', () => {
    const { assessment } = assessPackage(facts('cffi-thing', ['cffi_thing-1.0-pp311-pypy311_pp73-manylinux_2_17_x86_64.whl'], {}, { knowledge: kb.get('cffi-thing') }), PP73);
    expect(assessment).toMatchObject({ verdict: 'cffi', severity: 'ok' });
  });

  it('source-build: compiled wheels for CPython only, and an sdist', () => {
    const { assessment } = assessPackage(facts('ujson', ['ujson-5.10.0-cp311-cp311-manylinux_2_17_x86_64.whl', 'ujson-5.10.0.tar.gz']), PP73);
    expect(assessment).toMatchObject({ verdict: 'source-build', severity: 'warning', file: 'ujson-5.10.0.tar.gz' });
  });

  it('source-build (info): only an sdist anywhere, so it is probably pure but unverified', () => {
    const { assessment } = assessPackage(facts('oldlib', ['oldlib-0.3.tar.gz']), PP73);
    expect(assessment).toMatchObject({ verdict: 'source-build', severity: 'info' });
    expect(assessment.evidence.join(' ')).toMatch(/not inspected/);
  });

  it('lost-pypy-wheels: an older release had wheels for this ABI, the newest builds from source', () => {
    const { assessment } = assessPackage(
      facts('hiredis', [
        'hiredis-3.2.1-pp311-pypy311_pp73-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
        'hiredis-3.2.1.tar.gz',
        'hiredis-3.3.0-cp311-cp311-manylinux_2_17_x86_64.whl',
        'hiredis-3.3.0.tar.gz',
      ]),
      PP73,
    );
    expect(assessment).toMatchObject({ verdict: 'lost-pypy-wheels', severity: 'warning', version: '3.3.0', file: 'hiredis-3.3.0.tar.gz' });
    expect(assessment.suggestion).toContain('hiredis==3.2.1');
  });

  it('lost-pypy-wheels: pip falls back to an older release when the newest has nothing installable', () => {
    const { assessment } = assessPackage(
      facts('wheelonly', ['wheelonly-2.0-cp311-cp311-manylinux_2_17_x86_64.whl', 'wheelonly-1.0-pp311-pypy311_pp73-manylinux_2_17_x86_64.whl']),
      PP73,
    );
    expect(assessment).toMatchObject({ verdict: 'lost-pypy-wheels', version: '1.0', file: 'wheelonly-1.0-pp311-pypy311_pp73-manylinux_2_17_x86_64.whl' });
  });

  it('requires-python: a pinned release that excludes the target Python, with the newest that installs', () => {
    const listing = [
      { filename: 'Django-6.0-py3-none-any.whl', requiresPython: '>=3.12' },
      { filename: 'django-6.0.tar.gz', requiresPython: '>=3.12' },
      { filename: 'Django-5.2.8-py3-none-any.whl', requiresPython: '>=3.10' },
    ];
    const pinned = assessPackage(facts('django', listing, { specifier: '==6.0', fixedVersion: '6.0' }), PP73).assessment;
    expect(pinned).toMatchObject({ verdict: 'requires-python', severity: 'error', version: '6.0' });
    expect(pinned.suggestion).toContain('5.2.8');
    // Unpinned, pip simply takes 5.2.8 on PyPy 3.11: fine, with the skipped release as evidence.
    const ranged = assessPackage(facts('django', listing, { specifier: '>=4.2,<7' }), PP73).assessment;
    expect(ranged).toMatchObject({ verdict: 'pure', severity: 'ok', version: '5.2.8' });
    expect(ranged.evidence.join(' ')).toMatch(/6\.0 \(requires-python >=3\.12 excludes Python 3\.11/);
    // And on Python 3.12 the newest is taken.
    expect(assessPackage(facts('django', listing, { specifier: '>=4.2,<7' }), resolveTarget('pypy3.12-8.0')).assessment.version).toBe('6.0');
  });

  it('no-distribution: nothing installs and there is no sdist', () => {
    const { assessment } = assessPackage(facts('winonly', ['winonly-1.0-cp311-cp311-win_amd64.whl']), PP73);
    expect(assessment).toMatchObject({ verdict: 'no-distribution', severity: 'error', file: null });
  });

  it('known-broken: the knowledge base wins over an installable sdist, with the alternative', () => {
    const { assessment } = assessPackage(
      facts('psycopg2-binary', ['psycopg2_binary-2.9.10-cp311-cp311-manylinux_2_17_x86_64.whl', 'psycopg2-binary-2.9.10.tar.gz'], {}, { knowledge: kb.get('psycopg2-binary') }),
      PP73,
    );
    expect(assessment).toMatchObject({ verdict: 'known-broken', severity: 'error', file: 'psycopg2-binary-2.9.10.tar.gz' });
    expect(assessment.suggestion).toMatch(/psycopg/);
    expect(assessment.evidence[0]).toMatch(/source: measured/);
  });

  it('unknown: the index could not answer, and unknown is never ok', () => {
    const { assessment } = assessPackage({ name: 'private-pkg', files: null, fetchError: 'https://idx/simple/private-pkg/: HTTP 401', request: { specifier: '' } }, PP73);
    expect(assessment).toMatchObject({ verdict: 'unknown', severity: 'unknown', file: null });
    expect(assessment.evidence).toEqual(['https://idx/simple/private-pkg/: HTTP 401']);
  });

  it('yanked files count only for an exact pin', () => {
    const listing = [{ filename: 'pkg-2.0-py3-none-any.whl', yanked: 'broken upload' }, 'pkg-1.0-py3-none-any.whl'];
    expect(assessPackage(facts('pkg', listing), PP73).assessment.version).toBe('1.0');
    expect(assessPackage(facts('pkg', listing, { specifier: '==2.0' }), PP73).assessment.version).toBe('2.0');
  });
});

describe('pinned and locked versions', () => {
  it('prefer the non-yanked file of the pinned version, as pip does', () => {
    const listing = [{ filename: 'pkg-1.0-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl', yanked: 'bad build' }, 'pkg-1.0-pp311-pypy311_pp73-manylinux_2_17_x86_64.whl'];
    expect(assessPackage(facts('pkg', listing, { specifier: '==1.0', fixedVersion: '1.0' }), PP73).assessment.file).toBe('pkg-1.0-pp311-pypy311_pp73-manylinux_2_17_x86_64.whl');
  });

  it('still take a yanked file when it is all the pinned version has', () => {
    const listing = [{ filename: 'pkg-1.0-py3-none-any.whl', yanked: true }];
    expect(assessPackage(facts('pkg', listing, { specifier: '==1.0', fixedVersion: '1.0' }), PP73).assessment).toMatchObject({ verdict: 'pure', file: 'pkg-1.0-py3-none-any.whl' });
  });
});

describe('CPython baselines are judged as CPython', () => {
  const CP311 = resolveTarget('cpython3.11');

  it('a compiled CPython wheel is a native wheel, with no cpyext note', () => {
    const { assessment } = assessPackage(facts('ujson', ['ujson-5.10.0-cp311-cp311-manylinux_2_17_x86_64.whl', 'ujson-5.10.0.tar.gz']), CP311);
    expect(assessment).toMatchObject({ verdict: 'native-wheel', severity: 'ok', file: 'ujson-5.10.0-cp311-cp311-manylinux_2_17_x86_64.whl' });
    expect(assessment.evidence.join('\n')).not.toMatch(/cpyext/);
  });

  it('the PyPy knowledge base does not apply: a package broken on PyPy is judged by its files', () => {
    const listing = ['psycopg2_binary-2.9.10-cp311-cp311-manylinux_2_17_x86_64.whl', 'psycopg2-binary-2.9.10.tar.gz'];
    const { assessment } = assessPackage(facts('psycopg2-binary', listing, {}, { knowledge: kb.get('psycopg2-binary') }), CP311);
    expect(assessment.verdict).toBe('native-wheel');
    expect(assessment.evidence.join('\n')).not.toMatch(/knowledge base/);
  });

  it('building from source on CPython is said without cpyext', () => {
    const { assessment } = assessPackage(facts('ujson', ['ujson-5.10.0-cp312-cp312-manylinux_2_17_x86_64.whl', 'ujson-5.10.0.tar.gz']), CP311);
    expect(assessment.verdict).toBe('source-build');
    expect([...assessment.evidence, assessment.suggestion].join('\n')).not.toMatch(/cpyext|PyPy/);
  });
});

describe('what raises a verdict to a warning', () => {
  it('a yanked release that an exact pin installs: warning, with the yank reason and a way off it', () => {
    const listing = [{ filename: 'pkg-2.0-py3-none-any.whl', yanked: 'broken upload' }, 'pkg-1.0-py3-none-any.whl'];
    const { assessment } = assessPackage(facts('pkg', listing, { specifier: '==2.0', fixedVersion: '2.0' }), PP73);
    expect(assessment).toMatchObject({ verdict: 'pure', severity: 'warning', version: '2.0' });
    expect(assessment.evidence[0]).toMatch(/yanked \(broken upload\)/);
    expect(assessment.suggestion).toMatch(/pkg==1\.0/);
  });

  it('dependencies that were not checked make an ok package a warning, and say why', () => {
    const resolved = resolveListing('purelib', files('purelib', ['purelib-1.0-py3-none-any.whl']), PP73, { specifier: '' });
    const assessment = assess({ ...resolved, unchecked: ['dependencies not checked: HTTP 500'] });
    expect(assessment).toMatchObject({ verdict: 'pure', severity: 'warning' });
    expect(assessment.evidence).toContain('dependencies not checked: HTTP 500');
  });

  it('unknown stays unknown when also unchecked', () => {
    const resolved = resolveListing('x', files('x', []), PP73, { specifier: '' });
    expect(assess({ ...resolved, files: null, fetchError: 'HTTP 401', unchecked: ['marker could not be evaluated'] }).severity).toBe('unknown');
  });
});

describe('knowledge base fields of issue 17', () => {
  const PP312 = resolveTarget('pypy3.12-8.0');

  it('unverified: a compiled package with only an sdist for PyPy is a source build, never ok', () => {
    const listing = ['mystery-1.0-cp311-cp311-manylinux_2_17_x86_64.whl', 'mystery-1.0.tar.gz'];
    const { assessment } = assessPackage(facts('mystery', listing, {}, { knowledge: kb.get('mystery') }), PP73);
    expect(assessment).toMatchObject({ verdict: 'source-build', severity: 'warning' });
    expect(assessment.evidence.join('\n')).toMatch(/knowledge base: unverified: compiled; nothing says PyPy/);
    expect(assessment.evidence.join('\n')).toMatch(/1 compiled wheel\(s\) for other interpreters/);
    // Nothing is claimed about how it runs: that is what unverified means.
    expect(assessment.evidence.join('\n')).not.toMatch(/then runs through cpyext/);
    expect(assessment.suggestion).toMatch(/PyPy image/);
  });

  it('unverified: even an sdist with no compiled wheels anywhere stays a warning (not the "probably pure" info)', () => {
    const { assessment } = assessPackage(facts('mystery', ['mystery-1.0.tar.gz'], {}, { knowledge: kb.get('mystery') }), PP73);
    expect(assessment).toMatchObject({ verdict: 'source-build', severity: 'warning' });
    expect(assessment.evidence.join('\n')).toMatch(/unverified/);
    expect(assessment.evidence.join('\n')).not.toMatch(/probably pure Python/);
  });

  it('unverified: a real PyPy wheel still decides (the status only adds a note)', () => {
    const listing = ['mystery-1.0-pp311-pypy311_pp73-manylinux_2_17_x86_64.whl', 'mystery-1.0.tar.gz'];
    const { assessment } = assessPackage(facts('mystery', listing, {}, { knowledge: kb.get('mystery') }), PP73);
    expect(assessment.verdict).toBe('pypy-wheel');
    expect(assessment.evidence.join('\n')).toMatch(/unverified/);
  });

  it('says whether the alternative is a drop-in, and for which use', () => {
    const partial = assessPackage(facts('pg2', ['pg2-1.0.tar.gz'], {}, { knowledge: kb.get('pg2') }), PP73).assessment;
    expect(partial.suggestion).toBe("Replace with psycopg (a drop-in only for Django's postgresql backend): pure-Python mode");
    const none = assessPackage(facts('oldjson', ['oldjson-1.0.tar.gz'], {}, { knowledge: kb.get('oldjson') }), PP73).assessment;
    expect(none.suggestion).toBe('Replace with json (standard library) (not a drop-in: code changes needed): fast');
    const unsaid = assessPackage(facts('psycopg2-binary', ['psycopg2_binary-2.9.11.tar.gz'], {}, { knowledge: kb.get('psycopg2-binary') }), PP73).assessment;
    expect(unsaid.suggestion).toBe('Replace with psycopg: pure-Python mode');
  });

  it('reports a version limit only on PyPy lines whose Python its Requires-Python excludes', () => {
    const listing = [{ filename: 'sci-2.0.tar.gz', requiresPython: '>=3.12' }, 'sci-1.0.tar.gz'];
    const on311 = assessPackage(facts('sci', listing, {}, { knowledge: kb.get('sci') }), PP73).assessment;
    expect(on311.version).toBe('1.0');
    expect(on311.evidence.join('\n')).toMatch(/version limit: sci 2 needs Python 3\.12/);
    const on312 = assessPackage(facts('sci', listing, {}, { knowledge: kb.get('sci') }), PP312).assessment;
    expect(on312.version).toBe('2.0');
    expect(on312.evidence.join('\n')).not.toMatch(/version limit/);
  });
});

describe('the facts behind the sentences, as fields (what `fix` reads)', () => {
  const hiredis = [
    'hiredis-3.2.1-pp311-pypy311_pp73-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    'hiredis-3.2.1.tar.gz',
    'hiredis-3.3.0-cp311-cp311-manylinux_2_17_x86_64.whl',
    'hiredis-3.3.0.tar.gz',
  ];

  it('lost-pypy-wheels to an sdist: the last release with wheels for the ABI', () => {
    const { assessment } = assessPackage(facts('hiredis', hiredis), PP73);
    expect(assessment).toMatchObject({ verdict: 'lost-pypy-wheels', version: '3.3.0', lastVersionWithWheels: '3.2.1' });
    expect(assessment.newestInstallable).toBeUndefined();
  });

  it('lost-pypy-wheels with nothing installable: the last release with wheels, though the pin installs nothing', () => {
    const listing = ['cponly-2.0-cp311-cp311-manylinux_2_17_x86_64.whl', 'cponly-1.0-pp311-pypy311_pp73-manylinux_2_17_x86_64.whl'];
    const { assessment } = assessPackage(facts('cponly', listing, { specifier: '==2.0', fixedVersion: '2.0' }), PP73);
    expect(assessment).toMatchObject({ verdict: 'lost-pypy-wheels', severity: 'error', version: '2.0', lastVersionWithWheels: '1.0' });
  });

  it('lost-pypy-wheels where pip falls back: the release it falls back to', () => {
    const listing = ['wheelonly-2.0-cp311-cp311-manylinux_2_17_x86_64.whl', 'wheelonly-1.0-pp311-pypy311_pp73-manylinux_2_17_x86_64.whl'];
    expect(assessPackage(facts('wheelonly', listing), PP73).assessment).toMatchObject({ verdict: 'lost-pypy-wheels', version: '1.0', lastVersionWithWheels: '1.0' });
  });

  it('a yanked exact pin puts its sentence first; the field does not move', () => {
    const listing = [...hiredis.slice(0, 3), { filename: 'hiredis-3.3.0.tar.gz', yanked: 'bad sdist' }];
    const { assessment } = assessPackage(facts('hiredis', listing, { specifier: '==3.3.0', fixedVersion: '3.3.0' }), PP73);
    expect(assessment.evidence[0]).toMatch(/is yanked/);
    expect(assessment).toMatchObject({ verdict: 'lost-pypy-wheels', severity: 'warning', lastVersionWithWheels: '3.2.1', newestInstallable: '3.2.1' });
  });

  it('requires-python: the newest installable release', () => {
    const listing = [{ filename: 'Django-6.0-py3-none-any.whl', requiresPython: '>=3.12' }, { filename: 'Django-5.2.8-py3-none-any.whl', requiresPython: '>=3.10' }];
    const { assessment } = assessPackage(facts('django', listing, { specifier: '==6.0', fixedVersion: '6.0' }), PP73);
    expect(assessment).toMatchObject({ verdict: 'requires-python', newestInstallable: '5.2.8' });
    expect(assessment.lastVersionWithWheels).toBeUndefined();
  });

  it('no-distribution: the newest installable release when there is one, absent when none', () => {
    const listing = ['pkg-2.0-cp311-cp311-win_amd64.whl', 'pkg-1.0-py3-none-any.whl'];
    expect(assessPackage(facts('pkg', listing, { specifier: '==2.0', fixedVersion: '2.0' }), PP73).assessment).toMatchObject({ verdict: 'no-distribution', newestInstallable: '1.0' });
    const none = assessPackage(facts('winonly', ['winonly-1.0-cp311-cp311-win_amd64.whl']), PP73).assessment;
    expect(none.verdict).toBe('no-distribution');
    expect('newestInstallable' in none).toBe(false);
  });

  it('a verdict that establishes neither fact carries neither field (absent, not null)', () => {
    const { assessment } = assessPackage(facts('requests', ['requests-2.32.5-py3-none-any.whl']), PP73);
    expect(assessment.verdict).toBe('pure');
    expect(Object.keys(assessment)).not.toContain('lastVersionWithWheels');
    expect(Object.keys(assessment)).not.toContain('newestInstallable');
  });
});
