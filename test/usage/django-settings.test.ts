/**
 * Django settings read statically (issue 16): the settings module found from manage.py, wsgi/asgi,
 * a Dockerfile or an explicit choice; DATABASES, CACHES, CHANNEL_LAYERS, ASGI_APPLICATION,
 * INSTALLED_APPS and the web server turned into facts with their file:line, on our own fixture
 * projects (fixtures/django-settings/), a real project from the shared corpus, and the bundled demo
 * scanned end to end against the local index.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import { scan } from '../../src/scan/index.js';
import type { Finding, ScanResult } from '../../src/scan/types.js';
import { fsReader, pythonString, readDjangoSettings, withDjangoSettings, type ProjectReader, type SettingsFact } from '../../src/usage/django-settings.js';
import { scanDemo } from '../support/demo.js';
import { REPO_ROOT } from '../support/shared.js';

const FIXTURES = 'fixtures/django-settings';
const disk = fsReader(REPO_ROOT);
const read = (project: string, packages: string[] = []) => readDjangoSettings(`${FIXTURES}/${project}`, disk, { packages });
const at = (facts: SettingsFact[], where: string): SettingsFact[] => facts.filter((f) => `${f.file}:${f.line}` === where);
const one = (facts: SettingsFact[], where: string): SettingsFact => {
  const found = at(facts, where);
  expect(found.map((f) => f.text), `one fact at ${where}`).toHaveLength(1);
  return found[0]!;
};

/** A reader over files given in memory (directories are listed from the paths). */
function memoryReader(files: Record<string, string>): ProjectReader {
  return {
    read: (file) => files[file] ?? null,
    list: (dir) => {
      const prefix = dir === '.' || dir === '' ? '' : `${dir}/`;
      const names = new Set<string>();
      for (const f of Object.keys(files)) {
        if (!f.startsWith(prefix)) continue;
        const rest = f.slice(prefix.length);
        names.add(rest.includes('/') ? `${rest.split('/')[0]}/` : rest);
      }
      return [...names];
    },
  };
}

describe('a Django project with dj_database_url, django-redis with the hiredis parser, Channels and uvicorn workers', () => {
  const settings = read('dburl-redis', ['psycopg2-binary', 'hiredis', 'httptools']);
  const file = `${FIXTURES}/dburl-redis/shop/settings.py`;

  it('finds the settings module from manage.py (asgi.py names the same one)', () => {
    expect(settings.django).toBe(true);
    expect(settings.modules).toEqual([{ module: 'shop.settings', file, namedIn: `${FIXTURES}/dburl-redis/manage.py:7` }]);
    expect(settings.notes).toEqual([]);
  });

  it('DATABASES from dj_database_url: the URL decides; the default URL shows only its scheme', () => {
    const db = one(settings.facts, `${file}:18`);
    expect(db.text).toBe('DATABASES["default"] comes from dj_database_url.config(): the database URL (DATABASE_URL) decides the engine; its default is a postgres:// URL (postgresql)');
    expect(db.text).not.toContain('not-a-secret');
    expect(db.concerns).toEqual(expect.arrayContaining(['psycopg2-binary', 'psycopg', 'mysqlclient']));
    expect(db.suggestion).toMatch(/^Keep the postgres:\/\/ database URL \(ENGINE django\.db\.backends\.postgresql\): Django 4\.2\+ runs it on psycopg 3, so install psycopg\[binary\] instead of psycopg2-binary;/);
    expect(db.suggestionFor).toContain('psycopg2-binary');
  });

  it('CACHES with django-redis and PARSER_CLASS HiredisParser: hiredis, with the line of the parser class', () => {
    expect(one(settings.facts, `${file}:28`)).toMatchObject({ concerns: ['django-redis', 'redis', 'hiredis'], text: expect.stringMatching(/^CACHES\["default"\] uses django-redis \(BACKEND "django_redis\.cache\.RedisCache"\)/) });
    const parser = one(settings.facts, `${file}:32`);
    expect(parser.concerns).toEqual(['hiredis']);
    expect(parser.text).toBe('CACHES["default"]["OPTIONS"] sets PARSER_CLASS to "redis.connection.HiredisParser", which needs hiredis, a C extension');
    expect(parser.suggestion).toMatch(/^Remove the parser class "redis\.connection\.HiredisParser" from CACHES\["default"\]\["OPTIONS"\] and leave hiredis out on PyPy/);
  });

  it('CHANNEL_LAYERS with channels_redis, ASGI_APPLICATION', () => {
    expect(one(settings.facts, `${file}:39`).concerns).toEqual(['channels-redis', 'channels', 'redis', 'msgpack', 'hiredis']);
    expect(one(settings.facts, `${file}:44`).text).toMatch(/^ASGI_APPLICATION is "shop\.asgi\.application": the project is served through ASGI/);
  });

  it('INSTALLED_APPS: third-party apps by distribution, not django.contrib nor the project’s own apps', () => {
    const apps = settings.facts.filter((f) => f.text.startsWith('INSTALLED_APPS'));
    expect(apps.map((f) => [f.concerns, f.line])).toEqual([
      [['djangorestframework'], 11],
      [['django-cors-headers'], 12],
      [['channels'], 13],
    ]);
  });

  it('the Procfile runs gunicorn with uvicorn workers: uvloop and httptools, and the H11 worker for PyPy', () => {
    const web = one(settings.facts, `${FIXTURES}/dburl-redis/Procfile:1`);
    expect(web.concerns).toEqual(expect.arrayContaining(['uvloop', 'httptools', 'uvicorn']));
    expect(web.text).toBe(
      "the Procfile's web process runs gunicorn with uvicorn workers (uvicorn.workers.UvicornWorker): uvicorn uses uvloop and httptools whenever they are installed; uvicorn[standard] installs uvloop only on CPython (by its marker) but httptools on PyPy too",
    );
    expect(web.suggestion).toBe('On PyPy run gunicorn with -k uvicorn.workers.UvicornH11Worker (asyncio and the pure-Python h11 parser), or install uvicorn without [standard].');
    expect(at(settings.facts, `${FIXTURES}/dburl-redis/Procfile:2`)).toEqual([]); // runworker is not a web server
  });
});

describe('a settings package: base.py and production.py with from .base import *', () => {
  const settings = read('split-settings', ['psycopg2', 'pylibmc']);
  const dir = `${FIXTURES}/split-settings`;

  it('reads the module manage.py names and the one the Dockerfile sets', () => {
    expect(settings.modules).toEqual([
      { module: 'conf.settings.base', file: `${dir}/conf/settings/base.py`, namedIn: `${dir}/manage.py:6` },
      { module: 'conf.settings.production', file: `${dir}/conf/settings/production.py`, namedIn: `${dir}/Dockerfile:6` },
    ]);
  });

  it('follows the star import: the ENGINE from the environment with its default, in base.py, once', () => {
    const db = one(settings.facts, `${dir}/conf/settings/base.py:10`);
    expect(db.text).toBe('DATABASES["default"] ENGINE comes from the environment (DB_ENGINE), default "django.db.backends.postgresql"');
    expect(db.concerns).toContain('psycopg2');
    expect(db.suggestion).toMatch(/^Keep ENGINE \(from the environment \(DB_ENGINE\), default "django\.db\.backends\.postgresql"\): .* instead of psycopg2;/);
  });

  it('production.py: pylibmc replaced by PyMemcacheCache in Django terms; INSTALLED_APPS += ["storages"]', () => {
    const cache = one(settings.facts, `${dir}/conf/settings/production.py:9`);
    expect(cache.concerns).toContain('pylibmc');
    expect(cache.suggestion).toBe('Change BACKEND to "django.core.cache.backends.memcached.PyMemcacheCache" (Django 3.2+) and install pymemcache, which is pure Python, instead of pylibmc; LOCATION stays as it is.');
    expect(one(settings.facts, `${dir}/conf/settings/production.py:5`).concerns).toEqual(['django-storages']);
    // base.py's LocMemCache says nothing about a package.
    expect(settings.facts.filter((f) => f.text.includes('LocMem'))).toEqual([]);
  });

  it('the Dockerfile CMD runs gunicorn -c deploy/gunicorn.conf.py, whose worker_class is uvicorn_worker.UvicornWorker', () => {
    const cmd = one(settings.facts, `${dir}/Dockerfile:8`);
    expect(cmd.text).toMatch(/^the Dockerfile's CMD runs gunicorn with uvicorn workers \(uvicorn_worker\.UvicornWorker, set in fixtures\/django-settings\/split-settings\/deploy\/gunicorn\.conf\.py:5\)/);
    expect(cmd.suggestion).toMatch(/-k uvicorn_worker\.UvicornH11Worker/);
  });
});

describe('MySQL through PyMySQL, with django-environ', () => {
  const settings = read('mysql-pymysql', ['mysqlclient', 'pymysql']);
  const file = `${FIXTURES}/mysql-pymysql/bookings/settings.py`;

  it("env.db(): the URL decides, a mysql:// default; pymysql.install_as_MySQLdb() in the package's __init__.py", () => {
    const db = one(settings.facts, `${file}:6`);
    expect(db.text).toBe(
      `DATABASES["default"] comes from env.db() (django-environ): the database URL (DATABASE_URL) decides the engine; its default is a mysql:// URL (mysql); PyMySQL stands in for MySQLdb (pymysql.install_as_MySQLdb() at ${FIXTURES}/mysql-pymysql/bookings/__init__.py:3)`,
    );
    expect(db.suggestion).toMatch(/^Keep the mysql:\/\/ database URL: PyMySQL already stands in for MySQLdb, so mysqlclient is not needed on PyPy/);
    expect(db.suggestionFor).toEqual(['mysqlclient']);
  });

  it('PyMemcacheCache: pymemcache, pure Python, no suggestion', () => {
    expect(one(settings.facts, `${file}:11`)).toMatchObject({ concerns: ['pymemcache'], text: expect.stringMatching(/pure-Python memcached client$/) });
    expect(one(settings.facts, `${file}:11`).suggestion).toBeUndefined();
  });
});

describe('bad input and projects that are not Django', () => {
  it('a settings file with a syntax error is read with error recovery and noted, never fatal', () => {
    const settings = read('broken-settings', ['mysqlclient']);
    const file = `${FIXTURES}/broken-settings/proj/settings.py`;
    expect(settings.notes).toEqual([{ file, line: 3, message: `${file}: a Python syntax error at line 3; the file was read with error recovery, so some settings may be missed` }]);
    const db = one(settings.facts, `${file}:8`);
    expect(db.text).toBe('DATABASES["default"] ENGINE is "django.db.backends.mysql"; Django imports MySQLdb for it, which is mysqlclient unless pymysql.install_as_MySQLdb() runs first');
    expect(db.suggestion).toMatch(/^Keep ENGINE "django\.db\.backends\.mysql": install PyMySQL instead of mysqlclient and call pymysql\.install_as_MySQLdb\(\)/);
  });

  it('a project that is not Django: no facts, no notes, nothing fails (its Procfile is not read)', () => {
    expect(read('not-django')).toEqual({ django: false, modules: [], facts: [], notes: [] });
  });

  it('a settings module that is named but missing is noted; garbage never throws', () => {
    const reader = memoryReader({ 'p/manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "gone.settings")\n' });
    const settings = readDjangoSettings('p', reader);
    expect(settings.django).toBe(false);
    expect(settings.notes.map((n) => n.message)).toEqual(['p/manage.py:2: the settings module "gone.settings" was not found under p']);
    for (const text of ['\u0000\u0001', 'DATABASES = {{{{', 'DATABASES = {"default": {"ENGINE": ', '"""', 'x = ' + '('.repeat(5000), 'INSTALLED_APPS = [' + '"a",'.repeat(2000)]) {
      const r = memoryReader({ 'p/manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "s")\n', 'p/s.py': text });
      expect(() => readDjangoSettings('p', r)).not.toThrow();
    }
  });

  it('an explicit settings module (--settings); os.environ["X"], f-strings and + in ENGINE; `from os import getenv`', () => {
    const reader = memoryReader({
      'p/cfg.py': [
        'from os import getenv',
        'import os',
        'PREFIX = "django.db.backends."',
        'DATABASES = {"default": {"ENGINE": PREFIX + getenv("DB", "postgresql")}, "other": {"ENGINE": f"django.db.backends.{os.environ["DB2"]}"}}',
        'DATABASES["legacy"] = {"ENGINE": "django.db.backends.postgresql_psycopg2"}',
        '',
      ].join('\n'),
    });
    const settings = readDjangoSettings('p', reader, { settings: 'cfg', packages: ['psycopg2-binary'] });
    expect(settings.modules).toEqual([{ module: 'cfg', file: 'p/cfg.py', namedIn: '--settings' }]);
    expect(settings.facts.map((f) => `${f.line} ${f.text}`)).toEqual([
      '4 DATABASES["default"] ENGINE comes from the environment (DB), default "django.db.backends.postgresql"',
      '4 DATABASES["other"] ENGINE comes from the environment (DB2), with no default',
      '5 DATABASES["legacy"] ENGINE is "django.db.backends.postgresql_psycopg2"',
    ]);
    expect(settings.facts[2]!.suggestion).toMatch(/^Change ENGINE to "django\.db\.backends\.postgresql" \(the postgresql_psycopg2 alias is gone since Django 3\.0\)/);
  });

  it('reads Python string literals', () => {
    expect(pythonString('"a\\"b"')).toBe('a"b');
    expect(pythonString("r'a\\n'")).toBe('a\\n');
    expect(pythonString('"""x\ny"""')).toBe('x\ny');
    expect(pythonString('u"\\x41"')).toBe('A');
    expect(pythonString('nope')).toBeNull();
  });
});

const HEALTHCHECKS = '../shared/corpus/projects/healthchecks__healthchecks';
const haveHealthchecks = existsSync(resolve(REPO_ROOT, HEALTHCHECKS, 'hc/settings.py'));

describe(`healthchecks from the shared corpus${haveHealthchecks ? '' : ' (skipped: ../shared/corpus/projects/healthchecks__healthchecks is not present)'}`, () => {
  it.skipIf(!haveHealthchecks)('its settings choose the database engine from the environment (DB): sqlite3 by default, postgresql or mysql', () => {
    const settings = readDjangoSettings(HEALTHCHECKS, disk, { packages: ['psycopg'] });
    const file = `${HEALTHCHECKS}/hc/settings.py`;
    expect(settings.modules[0]).toEqual({ module: 'hc.settings', file, namedIn: `${HEALTHCHECKS}/manage.py:7` });
    const choice = `the settings choose the database engine from the environment: sqlite3 by default (${file}:209), postgresql when os.getenv("DB") == "postgres" (${file}:223), mysql when os.getenv("DB") in ["mysql", "mariadb"] (${file}:244)`;
    expect(one(settings.facts, `${file}:209`).text).toBe(`DATABASES["default"] ENGINE is "django.db.backends.sqlite3" by default; ${choice}`);
    const pg = one(settings.facts, `${file}:223`);
    expect(pg.text).toBe(`DATABASES["default"] ENGINE is "django.db.backends.postgresql" when os.getenv("DB") == "postgres"; ${choice}`);
    expect(pg.concerns).toContain('psycopg');
    expect(one(settings.facts, `${file}:244`).concerns).toEqual(['mysqlclient', 'pymysql']);
    // Its own apps (hc.*) are not distributions; compressor is django-compressor.
    expect(settings.facts.filter((f) => f.text.startsWith('INSTALLED_APPS')).map((f) => f.concerns)).toEqual([['django-compressor']]);
    expect(settings.notes).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Onto a scan's findings

const finding = (name: string, severity: Finding['severity'], project: string, suggestion: string | null = null): Finding =>
  ({ name, severity, target: 't', project, version: '1', verdict: 'pure', file: null, evidence: ['e'], suggestion, groups: ['main'], locations: [], via: [], unchecked: [] }) as Finding;
const resultOf = (projects: string[], findings: Finding[]): ScanResult => ({ schemaVersion: 1, tool: { name: 'pypy-ready', version: '0' }, targets: [], projects, requirements: [], findings, notInstalled: [], errors: [], indexReachable: true });

describe('withDjangoSettings', () => {
  it('adds each fact as evidence with file:line; the suggestion only on warnings and errors it is for', () => {
    const root = `${FIXTURES}/dburl-redis`;
    const before = resultOf([root], [finding('psycopg2-binary', 'error', root, 'Replace with psycopg'), finding('hiredis', 'warning', root, 'Pin hiredis==3.2.1'), finding('redis', 'ok', root), finding('djangorestframework', 'ok', root)]);
    const after = withDjangoSettings(before, REPO_ROOT);
    const [pg, hiredis, redis, drf] = after.findings;
    expect(pg!.evidence).toEqual(['e', `DATABASES["default"] comes from dj_database_url.config(): the database URL (DATABASE_URL) decides the engine; its default is a postgres:// URL (postgresql) (${root}/shop/settings.py:18)`]);
    expect(pg!.suggestion).toMatch(/^Keep the postgres:\/\/ database URL .* instead of psycopg2-binary;/);
    expect(hiredis!.evidence.slice(1).map((e) => /\(([^()]*:\d+)\)$/.exec(e)?.[1])).toEqual([`${root}/shop/settings.py:28`, `${root}/shop/settings.py:32`, `${root}/shop/settings.py:39`]);
    expect(hiredis!.suggestion).toMatch(/^Remove the parser class "redis\.connection\.HiredisParser"/);
    expect(redis!.suggestion).toBeNull();
    expect(redis!.evidence).toHaveLength(3); // the cache and the channel layer
    expect(drf!.evidence.at(-1)).toBe(`INSTALLED_APPS lists "rest_framework": Django imports it at start-up, in every process that loads the settings (${root}/shop/settings.py:11)`);
    expect(before.findings[0]!.evidence).toEqual(['e']); // the input is not changed
  });

  it('a syntax error becomes a warning in errors; a project that is not Django is left as it is', () => {
    const broken = `${FIXTURES}/broken-settings`;
    const after = withDjangoSettings(resultOf([broken], [finding('mysqlclient', 'warning', broken)]), REPO_ROOT);
    expect(after.errors).toEqual([{ kind: 'manifest', severity: 'warning', message: expect.stringContaining('a Python syntax error at line 3'), file: `${broken}/proj/settings.py`, line: 3 }]);
    expect(after.findings[0]!.suggestion).toMatch(/^Keep ENGINE "django\.db\.backends\.mysql": install PyMySQL/);
    const plain = resultOf([`${FIXTURES}/not-django`], [finding('redis', 'ok', `${FIXTURES}/not-django`)]);
    expect(withDjangoSettings(plain, REPO_ROOT)).toEqual(plain);
  });
});

describe('end to end over the local index', () => {
  let server: IndexServer;
  beforeAll(async () => {
    server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')) });
  });
  afterAll(async () => {
    await server.close();
  });
  const scanOf = (path: string, djangoSettings?: boolean) =>
    scan({ paths: [path], cwd: REPO_ROOT, env: {}, index: { indexUrl: server.simpleUrl, cacheDir: null, netrc: false, retries: 0 }, ...(djangoSettings === undefined ? {} : { djangoSettings }) });

  it("the demo's psycopg2-binary finding carries the settings' ENGINE and the suggestion in Django's terms", async () => {
    const demo = await scanDemo();
    const pg = demo.findings.filter((f) => f.name === 'psycopg2-binary' && f.target.startsWith('pypy'));
    expect(pg).toHaveLength(2);
    for (const f of pg) {
      expect(f.evidence).toContain('DATABASES["default"] ENGINE is "django.db.backends.postgresql" (fixtures/demo-django/ledger/settings.py:42)');
      expect(f.suggestion).toBe(
        'Keep ENGINE "django.db.backends.postgresql": Django 4.2+ runs it on psycopg 3, so install psycopg[binary] instead of psycopg2-binary; on PyPy the [binary] part is skipped by its marker and psycopg runs in pure-Python mode over the system libpq.',
      );
    }
    // On CPython psycopg2-binary is fine: the evidence is there, the suggestion is not.
    const cpython = demo.findings.find((f) => f.name === 'psycopg2-binary' && !f.target.startsWith('pypy'));
    if (cpython) expect(cpython.suggestion).toBeNull();
    const hiredis = demo.findings.find((f) => f.name === 'hiredis' && f.target.startsWith('pypy3.11-7.3'))!;
    expect(hiredis.evidence.at(-1)).toMatch(/^CACHES\["default"\] uses Django's own RedisCache .* \(fixtures\/demo-django\/ledger\/settings\.py:53\)$/);
    expect(demo.findings.find((f) => f.name === 'gunicorn')!.evidence.at(-1)).toBe("the Procfile's web process runs gunicorn with sync workers (fixtures/demo-django/Procfile:1)");
    expect(demo.findings.find((f) => f.name === 'djangorestframework')!.evidence.at(-1)).toMatch(/^INSTALLED_APPS lists "rest_framework".*\(fixtures\/demo-django\/ledger\/settings\.py:22\)$/);
  });

  it('a fixture project: the hiredis finding names the PARSER_CLASS line; djangoSettings: false leaves the settings out', async () => {
    const root = `${FIXTURES}/dburl-redis`;
    const withSettings = await scanOf(root);
    const hiredis = withSettings.findings.find((f) => f.name === 'hiredis' && f.target.startsWith('pypy') && f.severity === 'warning')!;
    expect(hiredis.evidence).toContain(`CACHES["default"]["OPTIONS"] sets PARSER_CLASS to "redis.connection.HiredisParser", which needs hiredis, a C extension (${root}/shop/settings.py:32)`);
    expect(hiredis.suggestion).toMatch(/^Remove the parser class "redis\.connection\.HiredisParser" from CACHES\["default"\]\["OPTIONS"\]/);
    const without = await scanOf(root, false);
    expect(without.findings.flatMap((f) => f.evidence).filter((e) => e.includes('settings.py:'))).toEqual([]);
  });
});
