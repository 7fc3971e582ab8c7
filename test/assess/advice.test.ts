/**
 * Advice drawn from the findings (issue 14): real scans of small projects against the demo's local
 * index (over HTTP on 127.0.0.1, no cache), so every statement is tied to what a scan found. A
 * web-only Django project and the same project with Celery get different advice; NumPy advice only
 * with numpy; nothing when nothing is assessed; ignored blockers are not blockers; every report
 * shows it and the JSON report validates against the schema.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADVICE_IDS, adviseOn, type Advice } from '../../src/assess/advice.js';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import { renderHtml } from '../../src/report/html.js';
import type { RenderContext } from '../../src/report/index.js';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { escapeInline } from '../../src/report/markdown-escape.js';
import { renderText } from '../../src/report/text.js';
import { compareWithBaseline } from '../../src/scan/baseline.js';
import { scan, type ScanOptions } from '../../src/scan/index.js';
import type { Finding, ScanResult } from '../../src/scan/types.js';
import { broken, finding, PP73, result } from '../support/results.js';
import { REPO_ROOT } from '../support/shared.js';

const CONTEXT: RenderContext = { color: false, verbose: false, width: 100 };

const WEB = ['Django>=5.2,<6', 'gunicorn==23.0.0', 'psycopg2-binary==2.9.11', 'requests>=2.31'];

let server: IndexServer;
beforeAll(async () => {
  server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')) });
});
afterAll(async () => {
  await server.close();
});

/** A throwaway project with this requirements.txt, scanned for real. */
async function scanProject(lines: string[], options: Partial<ScanOptions> = {}): Promise<ScanResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-advice-'));
  writeFileSync(join(dir, 'requirements.txt'), `${lines.join('\n')}\n`);
  return scan({ paths: ['.'], cwd: dir, env: {}, index: { indexUrl: server.simpleUrl, cacheDir: null, netrc: false, retries: 0 }, ...options });
}

const ids = (advice: readonly Advice[]): string[] => advice.map((a) => a.id);
const get = (advice: readonly Advice[], id: string): Advice => {
  const found = advice.find((a) => a.id === id);
  if (!found) throw new Error(`no ${id} advice in ${JSON.stringify(ids(advice))}`);
  return found;
};

describe('advice from real scans', () => {
  let webOnly: ScanResult;
  let withCelery: ScanResult;
  let withNumpy: ScanResult;
  beforeAll(async () => {
    [webOnly, withCelery, withNumpy] = await Promise.all([scanProject(WEB), scanProject([...WEB, 'celery[redis]>=5.4,<6']), scanProject([...WEB, 'numpy>=2.1,<3'])]);
  }, 60_000);

  it('is computed by scan() and is what adviseOn gives', () => {
    expect(webOnly.advice).toEqual(adviseOn(webOnly));
    expect(withCelery.advice).toEqual(adviseOn(withCelery));
  });

  it('a web-only Django project: blockers named, I/O-bound requests, management commands; no workers, no split', () => {
    const advice = webOnly.advice!;
    expect(ids(advice)).toEqual(['blockers', 'jit-gain', 'io-bound', 'warm-up', 'measure']);
    const blockers = get(advice, 'blockers');
    expect(blockers.basedOn.packages).toEqual(['psycopg2-binary']);
    expect(blockers.basedOn.targets).toEqual(webOnly.targets.map((t) => t.id));
    expect(blockers.text).toMatch(/^1 package blocks the move: psycopg2-binary on both PyPy targets\./);
    const io = get(advice, 'io-bound');
    expect(io.basedOn.packages).toEqual(['django', 'gunicorn', 'psycopg2-binary']);
    expect(io.text).toContain('django and gunicorn');
    expect(io.text).toContain('wait on psycopg2-binary');
    expect(get(advice, 'warm-up').text).toContain("Django's management commands");
    expect(get(advice, 'measure').text).toContain("the web tier's own load test against the same database");
    expect(advice.map((a) => a.text).join(' ')).not.toMatch(/celery|worker/i);
  });

  it('with Celery: workers exist, the queue is judged, the workers-only split is offered; the advice differs from the web-only one', () => {
    const advice = withCelery.advice!;
    expect(ids(advice)).toEqual(['blockers', 'jit-gain', 'io-bound', 'warm-up', 'workers', 'workers-split', 'measure']);
    const workers = get(advice, 'workers');
    expect(workers.basedOn.packages).toContain('celery');
    expect(workers.text).toMatch(/^celery means the project runs Celery workers besides its web tier \(django and gunicorn\)\./);
    // What the queue brings is fine; the blocker is a direct requirement, so its tier is not known.
    expect(workers.text).toMatch(/Of the \d+ packages the queue brings, all \d+ are fine on PyPy \(amqp, billiard, celery, click and \d+ more\)\./);
    expect(workers.text).toContain('Which tier imports');
    expect(workers.text).toContain('psycopg2-binary');
    const split = get(advice, 'workers-split');
    expect(split.text).toContain('run only the Celery workers on PyPy');
    expect(split.text).toContain('keep the web tier (django and gunicorn) on CPython');
    expect(split.text).toContain('psycopg2-binary is a database driver');
    expect(split.basedOn.packages).toEqual(['celery', 'django', 'gunicorn', 'psycopg2-binary']);
    // celery[redis] brings redis, which the web tier's requests may wait on too; hiredis is not there.
    expect(get(advice, 'io-bound').text).toContain('wait on psycopg2-binary and redis');
    expect(get(advice, 'measure').text).toContain('a batch of real Celery tasks');
    // The same rules, different statements.
    expect(get(webOnly.advice!, 'measure').text).not.toEqual(get(advice, 'measure').text);
    expect(get(webOnly.advice!, 'io-bound').text).not.toEqual(get(advice, 'io-bound').text);
  });

  it('says which problem packages the queue itself brings', () => {
    // As if kombu (which celery pulls in) were known not to work on PyPy.
    const findings = withCelery.findings.map((f) => (f.name === 'kombu' ? { ...f, verdict: 'known-broken' as const, severity: 'error' as const } : f));
    const advice = adviseOn({ ...withCelery, findings });
    const workers = get(advice, 'workers');
    expect(workers.text).toMatch(/Of the (\d+) packages the queue brings, \d+ of \1 are fine on PyPy and kombu blocks\./);
    expect(workers.basedOn.packages).toContain('kombu');
    expect(get(advice, 'blockers').text).toMatch(/^2 packages block the move: kombu and psycopg2-binary on both PyPy targets\./);
  });

  it('names the cpyext packages and where pip builds them from source', () => {
    const cpyext = get(withNumpy.advice!, 'cpyext');
    expect(cpyext.basedOn.packages).toEqual(['numpy']);
    expect(cpyext.text).toMatch(/^1 package runs through cpyext: numpy on both PyPy targets\./);
    expect(cpyext.text).toContain('Built from source (a compiler and headers needed): numpy on PyPy 3.11 (8.0).');
    expect(ids(webOnly.advice!)).not.toContain('cpyext');
  });

  it('NumPy advice only when numpy is there', () => {
    const numpy = get(withNumpy.advice!, 'numpy');
    expect(numpy.basedOn.packages).toEqual(['numpy']);
    expect(numpy.text).toContain('NumPy-heavy code gains nothing');
    expect(ids(webOnly.advice!)).not.toContain('numpy');
    expect(ids(withCelery.advice!)).not.toContain('numpy');
  });

  it('keeps the order of the rules, with measure last', () => {
    for (const result of [webOnly, withCelery, withNumpy]) {
      const order = ids(result.advice!).map((id) => ADVICE_IDS.indexOf(id as (typeof ADVICE_IDS)[number]));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(result.advice!.at(-1)!.id).toBe('measure');
    }
  });

  it('every report shows it, at the end; the JSON report carries it and validates against the schema', () => {
    const texts = withCelery.advice!.map((a) => a.text);
    const text = renderText(withCelery);
    const lines = text.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^Summary \(package x target\)/);
    const at = lines.indexOf('Advice:');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 1 + texts.length)).toEqual(texts.map((t) => `  - ${t}`));

    const markdown = renderMarkdown(withCelery, CONTEXT);
    expect(markdown).toContain(`\n### Advice\n\n${texts.map((t) => `- ${escapeInline(t)}`).join('\n')}\n`);
    expect(markdown.trimEnd().split('\n').at(-1)!.startsWith('- ')).toBe(true);

    const html = renderHtml(withCelery, CONTEXT);
    expect(html).toContain('<h2 id="h-advice">Advice</h2>');
    expect(html).toContain('data-advice="workers-split"');
    expect(html).toContain('run only the Celery workers on PyPy, where CPU-bound tasks gain, and keep the web tier (django and gunicorn) on CPython.');

    const json = JSON.parse(renderJson(withCelery)) as { advice: Advice[] };
    expect(json.advice).toEqual(withCelery.advice);
    const schema = JSON.parse(readFileSync(resolve(REPO_ROOT, 'schema/report-v1.schema.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true }).compile(schema);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...json, advice: [{ ...json.advice[0], extra: 1 }] })).toBe(false);
    expect(validate({ ...json, advice: [{ ...json.advice[0], id: 'made-up' }] })).toBe(false);
  });

  it('PR mode: the reports list only what the change adds, so no advice there; the JSON keeps the whole picture\'s', () => {
    const compared = compareWithBaseline(withCelery, { findings: [] }, 'HEAD');
    expect(renderText(compared)).not.toContain('Advice');
    expect(renderMarkdown(compared, CONTEXT)).not.toContain('### Advice');
    expect(renderHtml(compared, CONTEXT)).not.toContain('h-advice');
    expect((JSON.parse(renderJson(compared)) as { advice: Advice[] }).advice).toEqual(withCelery.advice);
  });

  it('escapes package names in every report', () => {
    const hostile = { ...webOnly, findings: webOnly.findings.map((f) => (f.name === 'psycopg2-binary' ? { ...f, name: '<img src=x onerror=alert(1)>*x*' } : f)) };
    const advised = { ...hostile, advice: adviseOn(hostile) };
    expect(get(advised.advice, 'blockers').text).toContain('<img src=x onerror=alert(1)>*x*');
    const html = renderHtml(advised, CONTEXT);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;*x*');
    const markdown = renderMarkdown(advised, CONTEXT);
    expect(markdown).not.toContain('<img');
    expect(markdown).not.toContain('*x*');
  });
});

describe('advice that needs no findings says nothing', () => {
  it('a project with nothing to assess gets no advice', async () => {
    const result = await scanProject(['# nothing yet']);
    expect(result.findings).toEqual([]);
    expect(result.advice).toEqual([]);
    expect(renderText(result)).not.toContain('Advice');
    expect(renderMarkdown(result, CONTEXT)).not.toContain('### Advice');
    expect(renderHtml(result, CONTEXT)).not.toContain('h-advice');
  });

  it('a CPython-only scan gets no advice about PyPy', async () => {
    const result = await scanProject(WEB, { targets: ['cpython3.11'] });
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.advice).toEqual([]);
  });

  it('an ignored blocker is not a blocker: computed after ignores are applied', async () => {
    const ignores = [{ package: 'psycopg2-binary', reason: 'replaced in the next sprint', file: 'pyproject.toml', line: 3 }];
    const result = await scanProject(WEB, { ignores });
    expect(result.findings.filter((f) => f.name === 'psycopg2-binary').every((f) => f.ignored !== undefined)).toBe(true);
    expect(ids(result.advice!)).not.toContain('blockers');
    expect(get(result.advice!, 'measure').text).toMatch(/^Measure before switching/);
    expect(get((await scanProject(WEB)).advice!, 'measure').text).toMatch(/^Once the blocker is replaced, measure/);
  });
});

describe('workers-first: where a blocker loads when no file imports it by name', () => {
  // Hand-made results (adviseOn is pure): a Django web tier, Celery tasks, and a blocker that only
  // a library pulls in.
  const site = (file: string, role: 'web' | 'workers' | 'other') => [{ file, line: 1, role, optional: false }];
  const usage = { projects: [{ project: '.', files: 3, roles: { web: 1, workers: 1, management: 0, tests: 0, scripts: 0, other: 1 }, parseErrors: [], unmapped: [], venv: null, truncated: null }] };
  const base = [
    finding('django', PP73, { usedIn: site('app/views.py', 'web'), imported: true }),
    finding('celery', PP73, { usedIn: site('app/tasks.py', 'workers'), imported: true }),
  ];
  const workersFirst = (findings: Finding[]): string => get(adviseOn(result([PP73], [...base, ...findings], { usage })), 'workers-first').text;

  it('a dependency of a library the tasks import is in the workers: not "could move first"', () => {
    const text = workersFirst([
      finding('fastlib', PP73, { usedIn: site('app/tasks.py', 'workers'), imported: true }),
      finding('cext-dep', PP73, broken({ via: ['fastlib'] })),
    ]);
    expect(text).toContain('could move to PyPy after cext-dep is replaced where the tasks import it (app/tasks.py:1)');
    expect(text).not.toContain('could move to PyPy first');
  });

  it('a dependency of a library only the views import is the web tier\'s, named with what pulls it in', () => {
    const text = workersFirst([
      finding('viewlib', PP73, { usedIn: site('app/views.py', 'web'), imported: true }),
      finding('cext-dep', PP73, broken({ via: ['viewlib'] })),
    ]);
    expect(text).toContain('cext-dep (through viewlib) is imported by the web tier only (app/views.py:1)');
    expect(text).toContain('could move to PyPy first: no worker file imports a blocker');
  });

  it('a dependency of something no file imports is not known to stay out of the workers', () => {
    const text = workersFirst([finding('plugin', PP73, { imported: false }), finding('cext-dep', PP73, broken({ via: ['plugin'] }))]);
    expect(text).toContain('no file imports cext-dep or what pulls it in, so where it loads is not known');
    expect(text).toContain('could move to PyPy first if they do not load cext-dep');
  });

  it('merges the sites of every project: a blocker the tasks of another project import is in the workers', () => {
    const text = workersFirst([
      finding('orjson', PP73, broken({ project: 'web', usedIn: site('web/views.py', 'web'), imported: true })),
      finding('orjson', PP73, broken({ project: 'jobs', usedIn: site('jobs/tasks.py', 'workers'), imported: true })),
    ]);
    expect(text).toContain('could move to PyPy after orjson is replaced where the tasks import it');
  });
});
