/**
 * src/usage/: imports (optional fallbacks, functions, relative, syntax errors), roles, the import
 * name → distribution mapping (a fake venv with real-format dist-info, the data table, the
 * normalised name, unmapped names listed), the walk (.gitignore, --exclude, venvs and build output
 * skipped, the file limit), and scans: this folder's shop fixture, healthchecks from the shared
 * corpus, and the demo.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileExcludes } from '../../src/manifests/ignore-rules.js';
import { renderText } from '../../src/report/text.js';
import { scan } from '../../src/scan/index.js';
import type { ScanResult } from '../../src/scan/types.js';
import { distributionOf, importTable, modulesOfRecord, readVenv, stdlibModules } from '../../src/usage/distributions.js';
import { analysePython } from '../../src/usage/imports.js';
import { roleOf } from '../../src/usage/roles.js';
import { usageOf, type ProjectUsage } from '../../src/usage/usage.js';
import { pythonFiles } from '../../src/usage/walk.js';
import { scanDemo } from '../support/demo.js';
import { REPO_ROOT, SHARED } from '../support/shared.js';

const SHOP = 'test/usage/fixtures/shop';
const HEALTHCHECKS = resolve(SHARED, 'corpus/projects/healthchecks__healthchecks');

/** `role file:line` (the file relative to the project) of each site, optional marked. */
function sitesOf(usage: ProjectUsage, dist: string, root = SHOP): string[] {
  return (usage.byDistribution.get(dist) ?? []).map((s) => `${s.role} ${s.file.slice(root.length + 1)}:${s.line}${s.optional ? ' optional' : ''}${s.inFunction ? ' in-function' : ''}`);
}

function write(root: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
}

describe('imports', () => {
  it('collects import and from-import, in functions, relative, with the line', () => {
    const facts = analysePython('import os, a.b as c\nfrom . import x\nfrom ..pkg.mod import y\n\ndef f():\n    import lazy\n\nclass K:\n    from q.r import s\n');
    expect(facts.imports.map((i) => [i.module, i.top, i.line, i.inFunction, i.relative])).toEqual([
      ['os', 'os', 1, false, false],
      ['a.b', 'a', 1, false, false],
      ['', '', 2, false, true],
      ['pkg.mod', 'pkg', 3, false, true],
      ['lazy', 'lazy', 6, true, false],
      ['q.r', 'q', 9, false, false],
    ]);
    expect(facts.syntaxErrors).toBe(0);
  });

  it('marks imports under try/except ImportError (and its kin) as optional, not the fallback or other handlers', () => {
    const src = [
      'try:',
      '    import orjson as json',
      'except ImportError:',
      '    import json',
      'try:',
      '    import a',
      'except (ValueError, ModuleNotFoundError) as e:',
      '    pass',
      'try:',
      '    import b',
      'except:',
      '    pass',
      'try:',
      '    import c',
      'except Exception:',
      '    pass',
      'try:',
      '    import d',
      'except ValueError:',
      '    pass',
      'finally:',
      '    import e',
      'try:',
      '    if True:',
      '        import f',
      'except builtins.ImportError:',
      '    pass',
    ].join('\n');
    const optional = Object.fromEntries(analysePython(src).imports.map((i) => [i.module, i.optional]));
    expect(optional).toEqual({ orjson: true, json: false, a: true, b: true, c: true, d: false, e: false, f: true });
  });

  it('never reads imports in strings or comments', () => {
    const facts = analysePython('"""\nimport fake\n"""\n# import other\nx = "from y import z"\n');
    expect(facts.imports).toEqual([]);
  });

  it('notes syntax errors and Python 2, and still reads what parsed', () => {
    const template = analysePython('{% load i18n %}\nimport {{ name }}\nfrom requests import Session\n');
    expect(template.syntaxErrors).toBeGreaterThan(0);
    expect(template.firstErrorLine).toBe(1);
    expect(template.imports.map((i) => i.module)).toContain('requests');
    const py2 = analysePython('import urllib2\nprint "hello"\n');
    expect(py2.python2Line).toBe(2);
    expect(py2.imports.map((i) => i.module)).toEqual(['urllib2']);
  });

  it('collects decorators and the main guard', () => {
    const facts = analysePython('@shared_task(bind=True)\n@app.task\ndef t(): pass\n\nif __name__ == "__main__":\n    t()\n');
    expect(facts.decorators).toEqual([{ name: 'shared_task', line: 1 }, { name: 'app.task', line: 2 }]);
    expect(facts.mainGuard).toBe(true);
  });
});

describe('roles', () => {
  const none = { imports: [], decorators: [], mainGuard: false };
  it('by path', () => {
    expect(roleOf('app/tests/test_x.py', none)).toBe('tests');
    expect(roleOf('app/foo_test.py', none)).toBe('tests');
    expect(roleOf('conftest.py', none)).toBe('tests');
    expect(roleOf('app/management/commands/sync.py', none)).toBe('management');
    expect(roleOf('manage.py', { ...none, mainGuard: true })).toBe('management');
    expect(roleOf('app/views.py', none)).toBe('web');
    expect(roleOf('proj/asgi.py', none)).toBe('web');
    expect(roleOf('app/tasks.py', none)).toBe('workers');
    expect(roleOf('proj/celery.py', none)).toBe('workers');
    expect(roleOf('app/models.py', none)).toBe('other');
    expect(roleOf('scripts/one_off.py', none)).toBe('scripts');
  });
  it('by content', () => {
    const facts = (src: string) => analysePython(src);
    expect(roleOf('app/jobs.py', facts('import dramatiq\n@dramatiq.actor\ndef f(): pass\n'))).toBe('workers');
    expect(roleOf('app/jobs.py', facts('@app.task\ndef f(): pass\n'))).toBe('workers');
    expect(roleOf('app/jobs.py', facts('from rq import Queue\n'))).toBe('workers');
    // A bare @task says nothing (invoke, fabric).
    expect(roleOf('tasks_runner.py', facts('from invoke import task\n@task\ndef build(c): pass\n'))).toBe('other');
    expect(roleOf('app/api.py', facts('from rest_framework.views import APIView\n'))).toBe('web');
    expect(roleOf('app/api.py', facts('from django.http import HttpResponse\n'))).toBe('web');
    expect(roleOf('tool.py', facts('def main(): pass\nif __name__ == "__main__":\n    main()\n'))).toBe('scripts');
    // A beat schedule in the settings does not make them a worker.
    expect(roleOf('proj/settings.py', facts('from celery.schedules import crontab\n'))).toBe('other');
  });
});

describe('the shop fixture (Django: web, Celery, a command, tests, scripts)', () => {
  let usage: ProjectUsage;
  beforeAll(async () => {
    usage = await usageOf(SHOP, { cwd: REPO_ROOT, known: new Set(['django', 'djangorestframework', 'celery', 'dramatiq', 'psycopg2-binary', 'orjson', 'pillow', 'pyyaml', 'requests', 'sentry-sdk', 'gunicorn']) });
  });

  it('each role with its files and lines', () => {
    expect(usage.files).toBe(21);
    expect(usage.roles).toEqual({ web: 5, workers: 3, management: 3, tests: 2, scripts: 1, other: 7 });
    expect(sitesOf(usage, 'psycopg2-binary')).toEqual(['web orders/views.py:3']);
    expect(sitesOf(usage, 'djangorestframework')).toEqual(['web orders/views.py:2']);
    expect(sitesOf(usage, 'pillow')).toEqual(['web orders/views.py:4', 'workers reports/jobs.py:6 in-function']);
    expect(sitesOf(usage, 'celery')).toEqual(['workers orders/tasks.py:1', 'workers shop/celery.py:3', 'other shop/settings.py:3']);
    expect(sitesOf(usage, 'pyyaml')).toEqual(['management orders/management/commands/reindex.py:2', 'workers orders/tasks.py:7 in-function']);
    expect(sitesOf(usage, 'requests')).toEqual(['workers orders/tasks.py:2', 'other orders/templates_py/email.py:4', 'scripts scripts/export_csv.py:5']);
    expect(sitesOf(usage, 'dramatiq')).toEqual(['workers reports/jobs.py:1']);
    expect(sitesOf(usage, 'django')).toContain('tests orders/tests/test_views.py:2');
    expect(sitesOf(usage, 'django')).toContain('management manage.py:9 in-function');
    expect(sitesOf(usage, 'django')).toContain('web shop/wsgi.py:3');
  });

  it('the orjson fallback is optional; the stdlib json and the own code are not packages', () => {
    expect(sitesOf(usage, 'orjson')).toEqual(['other orders/serialize.py:3 optional']);
    expect(usage.byDistribution.has('json')).toBe(false);
    expect(usage.byDistribution.has('orders')).toBe(false);
    expect(usage.byDistribution.has('shop')).toBe(false);
  });

  it('maps by the table (PIL, yaml, rest_framework, psycopg2) and lists the unmapped', () => {
    expect(usage.byDistribution.get('pillow')![0]!.mappedBy).toBe('table');
    expect(usage.byDistribution.get('pyyaml')![0]!.mappedBy).toBe('table');
    expect(usage.byDistribution.get('requests')![0]!.mappedBy).toBe('name');
    // psycopg2 is installed by both: the declared one is meant.
    expect(usage.byDistribution.has('psycopg2')).toBe(true);
    // pytest is not declared; urllib2 is Python 2's, nobody's distribution.
    expect(usage.unmapped).toEqual(['pytest', 'urllib2']);
  });

  it('notes the Python 2 file and the template named .py, and goes on', () => {
    expect(usage.parseErrors.map((e) => `${e.file.slice(SHOP.length + 1)}:${e.line}`)).toEqual(['legacy/py2_report.py:4', 'orders/templates_py/email.py:1']);
    expect(usage.parseErrors[0]!.message).toMatch(/Python 2/);
    expect(usage.parseErrors[1]!.message).toMatch(/error recovery/);
    expect(sitesOf(usage, 'urllib2')).toEqual(['other legacy/py2_report.py:2']);
  });
});

describe('distributions', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pypy-ready-venv-'));
    const site = '.venv/lib/python3.11/site-packages';
    write(dir, {
      'requirements.txt': 'Pillow\npsycopg2-binary\nprotobuf\n',
      'app.py': 'from PIL import Image\nimport psycopg2\nimport yaml\nfrom google.protobuf import message\nimport mystery_pkg\n',
      '.venv/pyvenv.cfg': 'home = /usr/bin\nversion = 3.11.7\n',
      [`${site}/pillow-11.0.0.dist-info/METADATA`]: 'Metadata-Version: 2.1\nName: pillow\nVersion: 11.0.0\n\nPython Imaging Library\n',
      [`${site}/pillow-11.0.0.dist-info/top_level.txt`]: 'PIL\n',
      [`${site}/pillow-11.0.0.dist-info/RECORD`]: 'PIL/__init__.py,sha256=abc,1234\nPIL/_imaging.cpython-311-x86_64-linux-gnu.so,sha256=def,99\npillow-11.0.0.dist-info/RECORD,,\n',
      // No top_level.txt (a wheel built by a non-setuptools backend): RECORD alone.
      [`${site}/psycopg2_binary-2.9.11.dist-info/METADATA`]: 'Metadata-Version: 2.1\nName: psycopg2-binary\nVersion: 2.9.11\n',
      [`${site}/psycopg2_binary-2.9.11.dist-info/RECORD`]:
        'psycopg2/__init__.py,sha256=x,1\npsycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so,sha256=y,2\npsycopg2_binary.libs/libpq-9b38f5e3.so.5.16,sha256=z,3\n"psycopg2/odd,name.py",sha256=w,4\npsycopg2_binary-2.9.11.dist-info/METADATA,,\n../../../bin/tool,sha256=q,5\n',
      // A namespace package: google has no __init__.py of its own.
      [`${site}/protobuf-5.28.0.dist-info/METADATA`]: 'Metadata-Version: 2.1\nName: protobuf\nVersion: 5.28.0\n',
      [`${site}/protobuf-5.28.0.dist-info/RECORD`]: 'google/protobuf/__init__.py,sha256=a,1\ngoogle/protobuf/message.py,sha256=b,2\ngoogle/_upb/_message.abi3.so,sha256=c,3\n',
      [`${site}/six-1.16.0.dist-info/METADATA`]: 'Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n',
      [`${site}/six-1.16.0.dist-info/RECORD`]: 'six.py,sha256=a,1\n__pycache__/six.cpython-311.pyc,,\n',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the venv's top_level.txt and RECORD", () => {
    const venv = readVenv(join(dir, '.venv'));
    expect(venv.distributions).toBe(4);
    expect(venv.modules.get('PIL')).toEqual(['pillow']);
    expect(venv.modules.get('psycopg2')).toEqual(['psycopg2-binary']);
    expect(venv.modules.get('six')).toEqual(['six']);
    expect(venv.modules.get('google.protobuf')).toEqual(['protobuf']);
    expect(venv.modules.has('psycopg2_binary.libs')).toBe(false);
    expect(distributionOf('psycopg2.extras', venv)).toEqual({ distributions: ['psycopg2-binary'], source: 'venv' });
    expect(distributionOf('google.protobuf.message', venv)).toEqual({ distributions: ['protobuf'], source: 'venv' });
    expect(modulesOfRecord('a/__init__.py,,\nb.py,,\nc.cpython-311-x86_64-linux-gnu.so,,\nd.pth,,\n')).toEqual(['a', 'b', 'c']);
  });

  it('without a venv: the table, then the normalised name; the standard library is nobody', () => {
    expect(distributionOf('yaml', null)).toEqual({ distributions: ['pyyaml'], source: 'table' });
    expect(distributionOf('MySQLdb', null)).toEqual({ distributions: ['mysqlclient'], source: 'table' });
    expect(distributionOf('psycopg2', null)).toEqual({ distributions: ['psycopg2', 'psycopg2-binary'], source: 'table' });
    expect(distributionOf('ruamel.yaml', null)).toEqual({ distributions: ['ruamel-yaml'], source: 'table' });
    expect(distributionOf('Django_Extensions.x', null)).toEqual({ distributions: ['django-extensions'], source: 'name' });
    expect(distributionOf('json', null)).toBeNull();
    expect(distributionOf('__future__', null)).toBeNull();
    expect(stdlibModules().has('asyncio')).toBe(true);
  });

  it('the table: every entry has distributions and sources', () => {
    const doc = JSON.parse(readFileSync(resolve(REPO_ROOT, 'data/import-names.json'), 'utf8')) as { entries: { import: string; distributions: string[]; sources: string[] }[] };
    expect(doc.entries.length).toBeGreaterThanOrEqual(60);
    for (const e of doc.entries) {
      expect(e.sources.length, e.import).toBeGreaterThan(0);
      expect(e.distributions.length, e.import).toBeGreaterThan(0);
    }
    expect(importTable().get('PIL')).toEqual(['pillow']);
  });

  it("usageOf reads the project's .venv (and does not walk it), and lists what nothing maps", async () => {
    const usage = await usageOf(dir, { cwd: dir, known: new Set(['pillow', 'psycopg2-binary', 'protobuf']) });
    expect(usage.venv).toBe('.venv');
    expect(usage.files).toBe(1);
    expect([...usage.byDistribution.keys()].sort()).toEqual(['mystery-pkg', 'pillow', 'protobuf', 'psycopg2-binary', 'pyyaml']);
    expect(usage.byDistribution.get('psycopg2-binary')![0]).toMatchObject({ file: 'app.py', line: 2, mappedBy: 'venv' });
    // yaml is not in the venv: the table maps it; mystery_pkg: only its own name, and nothing declares it.
    expect(usage.byDistribution.get('pyyaml')![0]!.mappedBy).toBe('table');
    expect(usage.unmapped).toEqual(['mystery_pkg']);
    // --venv elsewhere, relative to cwd.
    const other = await usageOf(dir, { cwd: dirname(dir), venv: join(dir.split('/').pop()!, '.venv') });
    expect(other.venv).toBe(join(dir.split('/').pop()!, '.venv'));
  });
});

describe('walk', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pypy-ready-walk-'));
    write(dir, {
      '.gitignore': 'generated/\n*_pb2.py\n!keep_pb2.py\n',
      'app/views.py': 'import django\n',
      'app/msg_pb2.py': 'import google\n',
      'app/keep_pb2.py': 'import google\n',
      'generated/x.py': 'import x\n',
      'env/pyvenv.cfg': 'home = /usr\n',
      'env/lib/python3.11/site-packages/pkg/__init__.py': 'import os\n',
      'conda/conda-meta/history': '',
      'conda/lib/a.py': 'import a\n',
      'node_modules/n/x.py': 'import n\n',
      'build/lib/app/views.py': 'import django\n',
      'dist/x.py': '',
      'mypkg.egg-info/x.py': '',
      'site-packages/s.py': '',
      '.tox/py311/x.py': '',
      'app/__pycache__/x.py': '',
      'legacy/old.py': 'import urllib2\n',
      'sub/.git/HEAD': '',
      'sub/generated/kept.py': '',
      'app/notes.txt': '',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rel = (files: string[]): string[] => files.map((f) => f.slice(dir.length + 1));

  it('honours .gitignore (and a nested repository starts afresh), skips venvs and build output', async () => {
    const walked = await pythonFiles(dir);
    expect(rel(walked.files)).toEqual(['app/keep_pb2.py', 'app/views.py', 'legacy/old.py', 'sub/generated/kept.py']);
    expect(walked.venvs.sort()).toEqual(['conda', 'env']);
    expect(walked.truncated).toBeNull();
  });

  it('--exclude, and --no-gitignore', async () => {
    const exclude = compileExcludes(['legacy/']);
    expect(exclude.ok).toBe(true);
    const walked = await pythonFiles(dir, { exclude: exclude.ok ? exclude.patterns : [] });
    expect(rel(walked.files)).toEqual(['app/keep_pb2.py', 'app/views.py', 'sub/generated/kept.py']);
    const all = await pythonFiles(dir, { gitignore: false });
    expect(rel(all.files)).toEqual(['app/keep_pb2.py', 'app/msg_pb2.py', 'app/views.py', 'generated/x.py', 'legacy/old.py', 'sub/generated/kept.py']);
  });

  it('stops at the file limit and says so; usage then claims nothing is never imported', async () => {
    const walked = await pythonFiles(dir, { maxFiles: 2 });
    expect(walked.files.length).toBe(2);
    expect(walked.truncated).toBe('stopped at 2 Python files');
  });
});

describe('scans', () => {
  it.skipIf(!existsSync(HEALTHCHECKS))('healthchecks: pycurl (a C extension) is imported by hc/lib/curl.py and a test', async () => {
    // No index is reachable on purpose (a closed port): the findings are "unknown", the usage is the same.
    const result = await scan({ paths: [HEALTHCHECKS], cwd: HEALTHCHECKS, env: {}, index: { indexUrl: 'http://127.0.0.1:9/simple/', cacheDir: null, netrc: false, retries: 0 }, targets: ['pypy3.11-7.3'] });
    const pycurl = result.findings.find((f) => f.name === 'pycurl')!;
    expect(pycurl.usedIn).toEqual([
      { file: 'hc/lib/curl.py', line: 12, role: 'other', optional: false },
      { file: 'hc/lib/tests/test_curl.py', line: 6, role: 'tests', optional: false },
    ]);
    expect(pycurl.imported).toBe(true);
    const usage = result.usage!.projects[0]!;
    expect(usage.files).toBe(653);
    expect(usage.parseErrors).toEqual([]);
    // pyjwt through the table (import jwt).
    expect(result.findings.find((f) => f.name === 'pyjwt')!.usedIn?.some((s) => /github\/client\.py$/.test(s.file) && s.line === 4)).toBe(true);
    // Loaded by Django from the settings' strings only (ENGINE, INSTALLED_APPS): no file imports them.
    expect(result.findings.find((f) => f.name === 'mysqlclient')!.imported).toBe(false);
    expect(result.findings.find((f) => f.name === 'django-compressor')!.imported).toBe(false);
    // Type stubs and the type checker are declared for development, never imported.
    expect(result.findings.find((f) => f.name === 'mypy')!.imported).toBe(false);
    console.log(`healthchecks: ${usage.files} files, roles ${JSON.stringify(usage.roles)}; pycurl in ${pycurl.usedIn!.map((s) => `${s.file}:${s.line} (${s.role})`).join(', ')}; unmapped ${usage.unmapped.join(', ') || 'none'}`);
  }, 60_000);

  describe('the demo', () => {
    let result: ScanResult;
    beforeAll(async () => {
      result = await scanDemo();
    });

    it('shows where each package is used, by role', () => {
      const at = (name: string) => result.findings.find((f) => f.name === name)!;
      expect(at('psycopg2-binary').usedIn).toEqual([{ file: 'fixtures/demo-django/ledger/views.py', line: 3, role: 'web', optional: false }]);
      expect(at('orjson').usedIn).toEqual([{ file: 'fixtures/demo-django/ledger/serialize.py', line: 3, role: 'other', optional: true }]);
      expect(at('lxml').usedIn).toEqual([{ file: 'fixtures/demo-django/ledger/tasks.py', line: 3, role: 'workers', optional: false }]);
      expect(at('cryptography').usedIn?.[0]).toMatchObject({ role: 'management' });
      expect(at('hiredis').imported).toBe(false);
      expect(result.usage!.projects[0]).toMatchObject({ project: 'fixtures/demo-django', files: 15, roles: { web: 3, workers: 2, management: 3, tests: 2, scripts: 0, other: 5 } });
    });

    it('the advice: the blocker only the web tier imports, and the workers', () => {
      const advice = result.advice!.find((a) => a.id === 'workers-first')!;
      expect(advice.text).toContain('psycopg2-binary is imported by the web tier only (ledger/views.py:3)');
      expect(advice.text).toContain('orjson is imported only under try/except ImportError fallbacks (ledger/serialize.py:3)');
      expect(advice.text).toContain("your Celery workers could move to PyPy after psycopg2-binary is replaced as the ORM's database driver");
    });

    it('the text report: a used-in line under each flagged package', () => {
      const text = renderText(result);
      expect(text).toContain('    used in: web ledger/views.py:3');
      expect(text).toContain('    used in: other ledger/serialize.py:3 (optional)');
      expect(text).toContain("    declared but never imported by the project's code");
      expect(text).toContain('Code read: 15 Python file(s) (web 3, workers 2, management 3, tests 2, other 5)');
    });

    it('--venv that names no directory is a usage error (exit 2), not a quiet fall back to the name table', async () => {
      const { main } = await import('../../src/cli/main.js');
      const { captureIO } = await import('../support/cli.js');
      for (const [venv, why] of [['no/such/venv', 'no such directory'], ['fixtures/demo-django/requirements.txt', 'not a directory']] as const) {
        const io = captureIO({ cwd: REPO_ROOT });
        expect(await main(['fixtures/demo-django', '--venv', venv, '--offline', '--no-config'], io)).toBe(2);
        expect(io.err).toBe(`pypy-ready: --venv ${venv}: ${why}\n`);
      }
    });

    it('--no-usage (usage: false) leaves it all out', async () => {
      const server = await import('../../src/devserver/index-server.js');
      const index = await server.startIndexServer({ packages: server.loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')) });
      try {
        const off = await scan({ paths: ['fixtures/demo-django'], cwd: REPO_ROOT, env: {}, usage: false, index: { indexUrl: index.simpleUrl, cacheDir: null, netrc: false, retries: 0 } });
        expect(off.usage).toBeUndefined();
        expect(off.findings.some((f) => f.usedIn !== undefined || f.imported !== undefined)).toBe(false);
        expect(off.advice!.some((a) => a.id === 'workers-first')).toBe(false);
      } finally {
        await index.close();
      }
    });
  });
});
