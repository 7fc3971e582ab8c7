/**
 * The SARIF 2.1.0 report (issue 13). First the bundled demo, scanned for real against the local
 * index: valid against the official schema (vendored in test/fixtures/sarif), one run per target,
 * rules, levels, regions, and fingerprints that survive a second scan and a blank line inserted at
 * the top of the manifest. Then small hand-made results: GitHub's limits, locations, hostile text.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Log, Result, Run } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERDICTS, type Severity } from '../../src/assess/types.js';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import type { RenderContext } from '../../src/report/index.js';
import { GITHUB_LIMITS, renderSarif } from '../../src/report/sarif.js';
import { scan } from '../../src/scan/index.js';
import type { Finding, ReportTarget, ScanResult } from '../../src/scan/types.js';
import { REPO_ROOT } from '../support/shared.js';

// ---------------------------------------------------------------- the official schema

/**
 * The vendored schema is draft-04; apart from the schema `id` it uses only keywords that mean the
 * same in draft-07 (see test/fixtures/sarif/README.md), so Ajv's draft-07 validator checks it once
 * `id` reads `$id`. Formats are checked here rather than by an extra package.
 */
function sarifValidator(): ValidateFunction {
  const raw = JSON.parse(readFileSync(resolve(REPO_ROOT, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8')) as Record<string, unknown>;
  expect(raw['$schema']).toBe('http://json-schema.org/draft-04/schema#');
  const { id, $schema: _draft04, ...rest } = raw;
  const ajv = new Ajv({ strict: false, allErrors: true });
  const parses = (text: string, base?: string): boolean => {
    try {
      new URL(text, base);
      return !/\s/.test(text);
    } catch {
      return false;
    }
  };
  ajv.addFormat('uri', (text: string) => parses(text));
  ajv.addFormat('uri-reference', (text: string) => parses(text, 'file:///'));
  ajv.addFormat('date-time', (text: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(text));
  return ajv.compile({ $schema: 'http://json-schema.org/draft-07/schema#', $id: String(id), ...rest });
}

const validate = sarifValidator();

function schemaProblems(text: string): unknown[] {
  return validate(JSON.parse(text)) ? [] : (validate.errors ?? []).slice(0, 5);
}

describe('the vendored schema', () => {
  it('rejects what SARIF forbids (so a pass means something)', () => {
    const log = (result: unknown) => JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [result] }] });
    const at = { physicalLocation: { artifactLocation: { uri: 'requirements.txt' }, region: { startLine: 1 } } };
    expect(schemaProblems(log({ message: { text: 'm' }, level: 'error', locations: [at] }))).toEqual([]);
    expect(schemaProblems(log({ message: { text: 'm' }, level: 'info', locations: [at] }))).not.toEqual([]);
    expect(schemaProblems(log({ message: { text: 'm' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'r.txt' }, region: { startColumn: 1 } } }] }))).not.toEqual([]);
    expect(schemaProblems(log({ message: { text: 'm' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'has space' } } }] }))).not.toEqual([]);
    expect(schemaProblems(log({ level: 'error' }))).not.toEqual([]);
  });
});

const CONTEXT: RenderContext = { color: false, verbose: false, width: 100 };
const TARGETS = ['pypy3.11-7.3', 'pypy3.11-8.0', 'cpython3.11'];
const LEVEL: Record<Severity, string | null> = { error: 'error', warning: 'warning', unknown: 'warning', info: 'note', ok: null };

const parse = (text: string): Log => JSON.parse(text) as Log;
const results = (run: Run): Result[] => run.results ?? [];
const prop = (r: Result, key: string): unknown => r.properties?.[key];
const region = (r: Result) => r.locations?.[0]?.physicalLocation?.region;
const uri = (r: Result) => r.locations?.[0]?.physicalLocation?.artifactLocation?.uri;

/** Each result's fingerprint by run (category), rule and package. */
function fingerprints(log: Log): Map<string, string> {
  const out = new Map<string, string>();
  for (const run of log.runs) {
    for (const r of results(run)) out.set(`${run.automationDetails?.id} ${r.ruleId} ${String(prop(r, 'package'))}`, r.partialFingerprints!['primaryLocationLineHash']!);
  }
  return out;
}

function startLines(log: Log): Map<string, number> {
  const out = new Map<string, number>();
  for (const run of log.runs) for (const r of results(run)) out.set(`${run.automationDetails?.id} ${r.ruleId} ${String(prop(r, 'package'))}`, region(r)!.startLine!);
  return out;
}

// ---------------------------------------------------------------- the demo, for real

describe('the SARIF report of the bundled Django demo (scanned against the local index)', () => {
  let server: IndexServer;
  let demo: ScanResult;
  let again: ScanResult;
  let text: string;
  let log: Log;
  const scanAt = (cwd: string, path: string): Promise<ScanResult> =>
    scan({ paths: [path], cwd, env: {}, targets: TARGETS, index: { indexUrl: server.simpleUrl, cacheDir: null, netrc: false, retries: 0 } });

  beforeAll(async () => {
    server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')) });
    demo = await scanAt(REPO_ROOT, 'fixtures/demo-django');
    again = await scanAt(REPO_ROOT, 'fixtures/demo-django');
    text = renderSarif(demo, CONTEXT);
    log = parse(text);
  }, 60_000);
  afterAll(async () => {
    await server.close();
  });

  it('validates against the official SARIF 2.1.0 schema', () => {
    expect(schemaProblems(text)).toEqual([]);
    expect(log.version).toBe('2.1.0');
  });

  it('has one run per target, each named by automationDetails.id (a GitHub category of its own)', () => {
    expect(log.runs.map((r) => r.automationDetails?.id)).toEqual(demo.targets.map((t) => `pypy-ready/${t.id}/`));
    expect(log.runs.map((r) => r.automationDetails?.id)).toEqual([
      'pypy-ready/pypy3.11-7.3-manylinux_x86_64/',
      'pypy-ready/pypy3.11-8.0-manylinux_x86_64/',
      'pypy-ready/cpython3.11-manylinux_x86_64/',
    ]);
    for (const run of log.runs) {
      expect(run.tool.driver).toMatchObject({ name: 'pypy-ready', version: demo.tool.version, informationUri: 'https://github.com/pypy-ready/pypy-ready' });
      const target = (run.properties as { target: ReportTarget }).target;
      expect(results(run).every((r) => prop(r, 'target') === target.id)).toBe(true);
    }
  });

  it('has the same rules in every run, one per verdict, and every result names one by id and index', () => {
    const ids = VERDICTS.map((v) => `pypy-ready/${v}`);
    for (const run of log.runs) {
      const rules = run.tool.driver.rules!;
      expect(rules.map((r) => r.id)).toEqual(ids);
      for (const rule of rules) {
        expect(rule.shortDescription?.text).toBeTruthy();
        expect(rule.fullDescription?.text).toBeTruthy();
        expect(rule.help?.text).toContain('What to do');
        expect(rule.help?.markdown).toContain('**What to do**');
        expect((rule.properties?.tags ?? []).length).toBeGreaterThan(0);
        expect((rule.properties?.tags ?? []).length).toBeLessThanOrEqual(10);
      }
      for (const r of results(run)) expect(rules[r.ruleIndex!]!.id).toBe(r.ruleId);
    }
    expect(parse(renderSarif(again, CONTEXT)).runs[0]!.tool.driver.rules).toEqual(log.runs[0]!.tool.driver.rules);
    expect(log.runs[0]!.tool.driver.rules!.find((r) => r.id === 'pypy-ready/known-broken')?.defaultConfiguration?.level).toBe('error');
  });

  it('gives every finding that is not ok a result whose level follows its severity, and fine packages none', () => {
    for (const [i, target] of demo.targets.entries()) {
      const findings = demo.findings.filter((f) => f.target === target.id);
      const shown = findings.filter((f) => f.severity !== 'ok');
      const run = log.runs[i]!;
      expect(results(run)).toHaveLength(shown.length);
      for (const finding of shown) {
        const r = results(run).find((x) => prop(x, 'package') === finding.name)!;
        expect(r.level).toBe(LEVEL[finding.severity]);
        expect(r.ruleId).toBe(`pypy-ready/${finding.verdict}`);
      }
    }
    // The demo's blockers on PyPy, and the notes: errors first.
    const on73 = results(log.runs[0]!);
    expect(on73.filter((r) => r.level === 'error').map((r) => prop(r, 'package'))).toEqual(['psycopg2-binary', 'orjson']);
    expect(on73.map((r) => r.level)).toEqual([...on73.map((r) => r.level)].sort((a, b) => ['error', 'warning', 'note'].indexOf(a!) - ['error', 'warning', 'note'].indexOf(b!)));
    expect(new Set(results(log.runs[2]!).map((r) => r.level))).toEqual(new Set(['note']));
  });

  it('says in the message which package, version and target, and what to do', () => {
    const orjson = results(log.runs[1]!).find((r) => prop(r, 'package') === 'orjson')!;
    expect(orjson.message.text).toMatch(/^orjson 3\.11\.4 on PyPy 3\.11 \(8\.0\), target pypy3\.11-8\.0-manylinux_x86_64: known not to work on PyPy\. Fix: Replace with /);
    expect(orjson.properties).toMatchObject({ package: 'orjson', version: '3.11.4', verdict: 'known-broken', severity: 'error', project: 'fixtures/demo-django' });
    // Where the demo's code imports it (fixtures/demo-django/ledger/serialize.py:3, under try/except ImportError).
    expect(orjson.message.text).toContain(' Used in: other ledger/serialize.py:3 (optional).');
    expect(orjson.properties).toMatchObject({ usedIn: [{ file: 'fixtures/demo-django/ledger/serialize.py', line: 3, role: 'other', optional: true }], usedInCount: 1 });
  });

  it('puts each result on the manifest line and column that declares the package (or pulls it in)', () => {
    const orjson = results(log.runs[0]!).find((r) => prop(r, 'package') === 'orjson')!;
    expect(orjson.locations![0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'fixtures/demo-django/requirements/base.txt', uriBaseId: '%SRCROOT%' }, region: { startLine: 23, startColumn: 1 } });
    for (const run of log.runs) {
      for (const r of results(run)) {
        const lines = readFileSync(resolve(REPO_ROOT, uri(r)!), 'utf8').split('\n');
        const declared = lines[region(r)!.startLine! - 1]!.slice(region(r)!.startColumn! - 1).toLowerCase();
        const via = prop(r, 'via') as string[];
        expect(declared.startsWith(via[0] ?? String(prop(r, 'package')))).toBe(true);
      }
    }
  });

  it('is the same, fingerprints and all, for a second scan', () => {
    expect(renderSarif(again, CONTEXT)).toBe(text);
    expect(fingerprints(log).size).toBe(results(log.runs[0]!).length + results(log.runs[1]!).length + results(log.runs[2]!).length);
  });

  it('keeps every fingerprint when a blank line is inserted at the top of the manifest, and moves the lines by one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-sarif-'));
    try {
      cpSync(resolve(REPO_ROOT, 'fixtures/demo-django'), join(dir, 'demo-django'), { recursive: true });
      const before = parse(renderSarif(await scanAt(dir, 'demo-django'), CONTEXT));
      // base.txt declares both blockers (orjson and psycopg2-binary).
      const manifest = join(dir, 'demo-django/requirements/base.txt');
      expect(readFileSync(manifest, 'utf8')).toContain('orjson==');
      writeFileSync(manifest, `\n${readFileSync(manifest, 'utf8')}`);
      const after = parse(renderSarif(await scanAt(dir, 'demo-django'), CONTEXT));

      expect(fingerprints(after)).toEqual(fingerprints(before));
      const linesBefore = startLines(before);
      const linesAfter = startLines(after);
      const moved = [...linesBefore].filter(([key]) => key.includes('orjson') || key.includes('psycopg2-binary'));
      expect(moved.length).toBe(4);
      for (const run of before.runs) {
        for (const r of results(run)) {
          const key = `${run.automationDetails?.id} ${r.ruleId} ${String(prop(r, 'package'))}`;
          expect(linesAfter.get(key)).toBe(linesBefore.get(key)! + (uri(r) === 'demo-django/requirements/base.txt' ? 1 : 0));
        }
      }
      expect(schemaProblems(JSON.stringify(after))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

// ---------------------------------------------------------------- hand-made results

const TARGET: ReportTarget = { id: 'pypy3.11-8.0-manylinux_x86_64', interpreter: 'pypy3.11-8.0', implementation: 'pypy', pythonVersion: '3.11.13', abi: 'pypy311_pp80', platform: 'manylinux_x86_64', baseline: 'glibc 2.28' };

function finding(fields: Partial<Finding> = {}): Finding {
  return {
    name: 'psycopg2', version: '2.9.10', target: TARGET.id, verdict: 'known-broken', severity: 'error', file: 'psycopg2-2.9.10.tar.gz',
    evidence: ['knowledge base: broken'], suggestion: 'Replace with psycopg (a drop-in only for most uses)', project: '.', groups: ['main'],
    locations: [{ file: 'requirements.txt', line: 3, column: 1 }], via: [], unchecked: [],
    ...fields,
  };
}

function result(findings: Finding[], extra: Partial<ScanResult> = {}): ScanResult {
  return { schemaVersion: 1, tool: { name: 'pypy-ready', version: '0.1.0' }, targets: [TARGET], projects: ['.'], requirements: [], findings, notInstalled: [], errors: [], indexReachable: true, ...extra };
}

describe('GitHub limits', () => {
  it('keeps at most 25,000 results per run, the worst ones, and says so', () => {
    const many = Array.from({ length: GITHUB_LIMITS.resultsPerRun + 1 }, (_, i) => finding({ name: `pkg-${String(i).padStart(5, '0')}` }));
    const note = finding({ name: 'aaa-note', verdict: 'pypy-wheel', severity: 'info' });
    const text = renderSarif(result([note, ...many]), CONTEXT);
    const run = parse(text).runs[0]!;
    expect(results(run)).toHaveLength(25_000);
    expect(results(run).every((r) => r.level === 'error')).toBe(true);
    expect(run.properties?.['truncated']).toMatchObject({ results: 25_002, kept: 25_000 });
    const notices = run.invocations![0]!.toolExecutionNotifications!;
    expect(notices.map((n) => n.message.text)).toContainEqual(expect.stringContaining('Only the 25000 most severe of 25002 results'));
    expect(gzipSync(text).length).toBeLessThan(GITHUB_LIMITS.gzippedBytes);
    expect(schemaProblems(text)).toEqual([]);
  }, 60_000);

  it('drops results until the gzipped file fits', () => {
    const findings = Array.from({ length: 400 }, (_, i) => finding({ name: `pkg-${i}`, evidence: [`evidence ${i} ${'x'.repeat(200)} ${Math.random()}`] }));
    const limits = { ...GITHUB_LIMITS, gzippedBytes: 20_000 };
    const text = renderSarif(result(findings), CONTEXT, limits);
    expect(gunzipSync(gzipSync(text)).toString()).toBe(text);
    expect(gzipSync(text).length).toBeLessThanOrEqual(20_000);
    const run = parse(text).runs[0]!;
    expect(results(run).length).toBeGreaterThan(0);
    expect(results(run).length).toBeLessThan(400);
    expect(String((run.properties?.['truncated'] as { reason: string }).reason)).toContain('gzipped');
  });

  it('writes at most 20 runs and names the targets left out', () => {
    const targets = Array.from({ length: 22 }, (_, i) => ({ ...TARGET, id: `t${i}` }));
    const log = parse(renderSarif(result([finding({ target: 't21' })], { targets }), CONTEXT));
    expect(log.runs).toHaveLength(20);
    expect(log.runs[0]!.invocations![0]!.toolExecutionNotifications![0]!.message.text).toContain('t20, t21');
  });
});

describe('locations', () => {
  it('encodes the manifest path as a URI relative to the repository root, with forward slashes', () => {
    const log = parse(
      renderSarif(
        result([
          finding({ name: 'a', locations: [{ file: 'sub dir\\ré qs#1.txt', line: 2, column: 5 }] }),
          finding({ name: 'b', locations: [{ file: '/abs/path/req.txt', line: 1, column: 1 }] }),
        ]),
        CONTEXT,
      ),
    );
    const [a, b] = ['a', 'b'].map((name) => results(log.runs[0]!).find((r) => prop(r, 'package') === name));
    expect(a!.locations![0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'sub%20dir/r%C3%A9%20qs%231.txt', uriBaseId: '%SRCROOT%' }, region: { startLine: 2, startColumn: 5 } });
    expect(b!.locations![0]!.physicalLocation!.artifactLocation).toEqual({ uri: 'file:///abs/path/req.txt' });
  });

  it('puts a finding no manifest line declares on line 1 of its project’s first manifest, and says so', () => {
    const requirements = [{ name: 'x', specifier: '', marker: null, extras: [], group: 'main', version: null, direct: true, location: { file: 'app/requirements.txt', line: 4, column: 1 }, project: 'app' }];
    const text = renderSarif(result([finding({ project: 'app', locations: [] })], { requirements, projects: ['app'] }), CONTEXT);
    const r = results(parse(text).runs[0]!)[0]!;
    expect(r.locations![0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'app/requirements.txt', uriBaseId: '%SRCROOT%' }, region: { startLine: 1, startColumn: 1 } });
    expect(prop(r, 'locationApproximate')).toBe(true);
    expect(r.message.text).toContain('No manifest line declares it');
    expect(schemaProblems(text)).toEqual([]);
  });

  it('lists further declaring lines as related locations', () => {
    const r = results(parse(renderSarif(result([finding({ locations: [{ file: 'requirements.txt', line: 3, column: 1 }, { file: 'pyproject.toml', line: 7, column: 5 }] })]), CONTEXT)).runs[0]!)[0]!;
    expect(r.locations).toHaveLength(1);
    expect(r.relatedLocations).toEqual([{ id: 1, physicalLocation: { artifactLocation: { uri: 'pyproject.toml', uriBaseId: '%SRCROOT%' }, region: { startLine: 7, startColumn: 5 } }, message: { text: 'also declared here' } }]);
  });

  it('changes the fingerprint with the rule, the file or the package, not with the line, column, version or target', () => {
    const base = finding();
    const fp = (f: Finding) => results(parse(renderSarif(result([f], { targets: [{ ...TARGET, id: f.target }] }), CONTEXT)).runs[0]!)[0]!.partialFingerprints!['primaryLocationLineHash'];
    expect(fp(base)).toMatch(/^[0-9a-f]{32}$/);
    expect(fp({ ...base, locations: [{ file: 'requirements.txt', line: 90, column: 7 }], version: '2.9.11', target: 'other' })).toBe(fp(base));
    expect(fp({ ...base, verdict: 'source-build', severity: 'warning' })).not.toBe(fp(base));
    expect(fp({ ...base, locations: [{ file: 'other.txt', line: 3, column: 1 }] })).not.toBe(fp(base));
    expect(fp({ ...base, name: 'psycopg2-binary' })).not.toBe(fp(base));
  });

  it('reports manifest and index errors as tool notifications in every run', () => {
    const errors = [{ kind: 'manifest' as const, severity: 'error' as const, message: 'cannot read x.txt', file: 'x.txt', line: 2 }];
    const log = parse(renderSarif(result([], { errors }), CONTEXT));
    expect(log.runs[0]!.invocations![0]).toMatchObject({ executionSuccessful: false, toolExecutionNotifications: [{ level: 'error', message: { text: 'cannot read x.txt' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'x.txt' }, region: { startLine: 2 } } }] }] });
  });
});

describe('hostile text', () => {
  const evil = '::warning::evil\u009b31m\u202eexe.txt\u2066 </script><b>&amp; ::error::pwned [click](1) {0} \u0085\u2028';
  const hostile = finding({ name: evil, version: `1.0${evil}`, evidence: [`summary ${evil}`], suggestion: `Replace with ${evil}`, via: [evil], unchecked: [evil], project: evil, groups: [evil], locations: [{ file: `req ${evil}.txt`, line: 1, column: 1 }, { file: evil, line: 2, column: 1 }] });
  const errors = [{ kind: 'index' as const, severity: 'warning' as const, message: evil, url: `https://evil.example/${evil}` }];
  const text = renderSarif(result([hostile], { errors }), CONTEXT);
  const log = parse(text);
  const r = results(log.runs[0]!)[0]!;

  it('is valid SARIF that parses back to the same strings in the properties', () => {
    expect(schemaProblems(text)).toEqual([]);
    expect(r.properties).toMatchObject({ package: evil, version: `1.0${evil}`, evidence: [`summary ${evil}`], suggestion: `Replace with ${evil}`, via: [evil], unchecked: [evil], project: evil, groups: [evil] });
    expect(log.runs[0]!.invocations![0]!.toolExecutionNotifications![0]!.properties).toMatchObject({ url: `https://evil.example/${evil}` });
  });

  it('holds no raw control, C1, bidi or separator character, nor a raw <, > or &', () => {
    expect([...text].filter((c) => (c !== '\n' && /[\u0000-\u001f\u007f-\u009f]/.test(c)) || /[\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069<>&]/.test(c))).toEqual([]);
    expect(text).toContain('\\u009b');
    expect(text).toContain('\\u202e');
    expect(text).toContain('\\u003c/script\\u003e');
  });

  it('never starts a line with a workflow command', () => {
    expect(text.split('\n').filter((line) => line.trimStart().startsWith('::'))).toEqual([]);
  });

  it('shows the text in messages on one line, without control or bidi characters, placeholders or embedded links', () => {
    const messages = [r.message.text!, log.runs[0]!.invocations![0]!.toolExecutionNotifications![0]!.message.text!];
    for (const message of messages) {
      expect(message).toContain('evil31mexe.txt </script><b>&amp; ::error::pwned');
      expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
      expect(message).toContain('{{0}}');
      expect(message.trimStart().startsWith('::')).toBe(false);
      expect(message).not.toMatch(/\]\(\d+\)/);
      expect(message.replace(/\{\{|\}\}/g, '')).not.toMatch(/[{}]/);
    }
    expect(r.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe(`req ${evil}.txt`.split('/').map(encodeURIComponent).join('/'));
  });
});
