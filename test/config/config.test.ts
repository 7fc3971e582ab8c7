/**
 * The configuration: `[tool.pypy-ready]` in pyproject.toml or a pypy-ready.toml, found from the
 * scanned path upwards. The command line beats it, it beats the defaults; its mistakes name
 * `file:line` and stop the run (exit 2); its ignores mark findings without failing the run.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseScanArgs, SCAN_OPTIONS } from '../../src/cli/commands/scan.js';
import { findConfig, loadConfig } from '../../src/config/config.js';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import type { ScanResult } from '../../src/scan/types.js';
import { captureIO } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'pypy-ready-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

describe('finding the configuration', () => {
  it('the nearest directory above the scanned path; pypy-ready.toml before pyproject.toml; a pyproject.toml without the table does not count', () => {
    const root = project({
      '.git/HEAD': 'ref: refs/heads/main\n',
      'pyproject.toml': '[tool.pypy-ready]\nfail-on = "warning"\n',
      'services/api/pyproject.toml': '[project]\nname = "api"\n',
      'services/worker/pypy-ready.toml': 'fail-on = "never"\n',
      'services/worker/pyproject.toml': '[tool.pypy-ready]\nfail-on = "error"\n',
    });
    expect(findConfig(join(root, 'services/api'))).toBe(join(root, 'pyproject.toml'));
    expect(findConfig(join(root, 'services/worker'))).toBe(join(root, 'services/worker/pypy-ready.toml'));
    expect(findConfig(join(root, 'services/api/pyproject.toml'))).toBe(join(root, 'pyproject.toml'));
  });

  it('stops at the repository root: a configuration above it is not this project\'s', () => {
    const outer = project({ 'pypy-ready.toml': 'fail-on = "never"\n', 'repo/.git/HEAD': 'x\n', 'repo/requirements.txt': 'django\n' });
    expect(findConfig(join(outer, 'repo'))).toBeNull();
  });
});

describe('reading it', () => {
  const read = (text: string, name = 'pypy-ready.toml') => {
    const root = project({ [name]: text });
    return loadConfig(join(root, name), SCAN_OPTIONS, root, new Set(['help', 'config', 'no-config', 'interactive']));
  };

  it('every scan option is a key under its own name, with its own type; numbers where the option takes a number', () => {
    const config = read('target = ["pypy3.11-8.0"]\nfail-on = "warning"\nconcurrency = 4\ntimeout = 2.5\nprefer-binary = true\nonly-binary = ":all:"\n');
    expect(config.values).toEqual({ target: ['pypy3.11-8.0'], 'fail-on': 'warning', concurrency: '4', timeout: '2.5', 'prefer-binary': true, 'only-binary': [':all:'] });
  });

  it('unknown keys, wrong types and bad ignores are errors naming file and line', () => {
    expect(() => read('fail-on = "error"\n\nfail_on = "warning"\n')).toThrow(/^pypy-ready\.toml:3: unknown key "fail_on"; the keys are the scan options' names/);
    expect(() => read('help = true\n')).toThrow('pypy-ready.toml:1: unknown key "help" (a command-line option only)');
    expect(() => read('verbose = "yes"\n')).toThrow('pypy-ready.toml:1: verbose must be true or false, not a string');
    expect(() => read('target = ["pypy3.11-8.0", 3.11]\n')).toThrow('pypy-ready.toml:1: target must be a string or an array of strings, not a number in the array');
    expect(() => read('[project]\nname = "x"\n\n[tool.pypy-ready]\nfail-on = ["error"]\n', 'pyproject.toml')).toThrow('pyproject.toml:5: fail-on must be a string, not an array');
    expect(() => read('[[ignore]]\npackage = "orjson"\n')).toThrow('pypy-ready.toml:1: an ignore needs reason (why the finding does not matter here, for whoever reads the report)');
    expect(() => read('[[ignore]]\npackage = "orjson"\nreason = "x"\n\n[[ignore]]\npackage = "ujson"\nreason = "y"\nuntil = "next spring"\n')).toThrow('pypy-ready.toml:8: until must be a date (until = 2027-03-01), not a string');
    expect(() => read('[[ignore]]\npackage = "orjson"\nreason = "x"\nexpires = 2027-01-01\n')).toThrow('pypy-ready.toml:4: unknown ignore key "expires"; use package, verdict, target, reason and until');
    expect(() => read('fail-on = \n')).toThrow(/^pypy-ready\.toml:1: TOML syntax error/);
    expect(() => read('[[ignore]]\npackage = "lxml"\nverdict = "cpyext"\nreason = "x"\n')).toThrow(/^pypy-ready\.toml:3: unknown verdict "cpyext"; use one of pypy-wheel, /);
  });

  it('ignores: a TOML date or the same as a string, with the line of each rule', () => {
    const config = read('[tool.pypy-ready]\n\n[[tool.pypy-ready.ignore]]\npackage = "psycopg2-binary"\nreason = "web tier stays on CPython"\nuntil = 2027-03-01\n\n[[tool.pypy-ready.ignore]]\npackage = "lxml"\nverdict = "native-wheel"\ntarget = "pypy3.11-8.0"\nreason = "measured: fast enough"\nuntil = "2027-06-30"\n', 'pyproject.toml');
    expect(config.ignores).toEqual([
      { package: 'psycopg2-binary', reason: 'web tier stays on CPython', until: '2027-03-01', file: 'pyproject.toml', line: 3 },
      { package: 'lxml', verdict: 'native-wheel', target: 'pypy3.11-8.0', reason: 'measured: fast enough', until: '2027-06-30', file: 'pyproject.toml', line: 8 },
    ]);
  });
});

describe('the scan with a configuration', () => {
  let server: IndexServer;
  beforeAll(async () => {
    server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')) });
  });
  afterAll(async () => {
    await server.close();
  });
  const run = async (root: string, args: string[], now = new Date('2026-12-02T12:00:00Z')) => {
    const io = captureIO({ cwd: root, now: () => now });
    const code = await main(['.', '--index-url', server.simpleUrl, '--no-cache', ...args], io);
    return { code, io };
  };

  it('precedence: the command line beats the configuration, which beats the defaults', () => {
    const root = project({ 'pypy-ready.toml': 'fail-on = "warning"\ntarget = ["pypy3.11-8.0"]\nverbose = true\n', 'requirements.txt': 'django\n' });
    const fromConfig = parseScanArgs(['.'], captureIO({ cwd: root }));
    expect([fromConfig.failOn, fromConfig.options.targets, fromConfig.verbose]).toEqual(['warning', ['pypy3.11-8.0'], true]);
    const fromCli = parseScanArgs(['.', '--fail-on', 'never', '--target', 'pypy3.11-7.3'], captureIO({ cwd: root }));
    expect([fromCli.failOn, fromCli.options.targets, fromCli.verbose]).toEqual(['never', ['pypy3.11-7.3'], true]);
    const none = parseScanArgs(['.', '--no-config'], captureIO({ cwd: root }));
    expect([none.failOn, none.options.targets, none.verbose]).toEqual(['error', undefined, false]);
    const other = project({ 'team.toml': 'fail-on = "never"\n' });
    expect(parseScanArgs(['.', '--config', join(other, 'team.toml')], captureIO({ cwd: root })).failOn).toBe('never');
  });

  it('a value the option refuses is named by its line in the configuration, unless the command line gave it', () => {
    const root = project({ 'pypy-ready.toml': '# team settings\nfail-on = "sometimes"\n', 'requirements.txt': 'django\n' });
    expect(() => parseScanArgs(['.'], captureIO({ cwd: root }))).toThrow('pypy-ready.toml:2: unknown --fail-on "sometimes"; use error, warning or never');
    expect(parseScanArgs(['.', '--fail-on', 'never'], captureIO({ cwd: root })).failOn).toBe('never');
  });

  it('a bad configuration stops the run with one line naming file:line (exit 2)', async () => {
    const root = project({ 'pyproject.toml': '[project]\nname = "svc"\ndependencies = ["django"]\n\n[tool.pypy-ready]\nfail-on = "sometimes"\ntargets = ["pypy3.11-8.0"]\n' });
    const { code, io } = await run(root, []);
    expect(code).toBe(2);
    expect(io.err).toBe('pypy-ready: pyproject.toml:7: unknown key "targets"; the keys are the scan options\' names (see pypy-ready scan --help) and [[ignore]]\n');
    expect(io.out).toBe('');
  });

  it('an ignored blocker is reported with its reason and passes; on its until day it fails again and says the ignore expired', async () => {
    const root = project({
      'requirements.txt': 'django>=5.2\npsycopg2-binary\n',
      'pypy-ready.toml': '[[ignore]]\npackage = "psycopg2-binary"\nreason = "the web tier stays on CPython for now"\nuntil = 2027-03-01\n\n[[ignore]]\npackage = "ujson"\nreason = "removed last year"\n',
    });
    const before = await run(root, ['--format', 'json'], new Date('2027-02-28T12:00:00Z'));
    expect(before.code).toBe(0);
    const report = JSON.parse(before.io.out) as ScanResult;
    const psycopg = report.findings.filter((f) => f.name === 'psycopg2-binary');
    expect(psycopg.map((f) => [f.severity, f.ignored])).toEqual(psycopg.map(() => ['error', { reason: 'the web tier stays on CPython for now', until: '2027-03-01', rule: 'pypy-ready.toml:1' }]));
    expect(report.errors).toContainEqual({ kind: 'config', severity: 'warning', file: 'pypy-ready.toml', line: 6, message: 'the ignore of ujson matches no finding: it is stale, remove it' });

    const text = await run(root, ['--no-interactive'], new Date('2027-02-28T12:00:00Z'));
    expect(text.code).toBe(0);
    expect(text.io.out).toContain('Ignored by the configuration (1): reported, not failing the run');
    expect(text.io.out).toContain('      ignored: the web tier stays on CPython for now (until 2027-03-01, pypy-ready.toml:1)');
    expect(text.io.out.split('\n')[0]).toMatch(/^PyPy 3\.11 \(7\.3\): nothing blocks; .*1 package ignored by the configuration \(psycopg2-binary\)\.$/);

    const after = await run(root, ['--no-interactive'], new Date('2027-03-01T00:00:01Z'));
    expect(after.code).toBe(1);
    expect(after.io.out).toContain('      ignore expired on 2027-03-01, so this counts again: the web tier stays on CPython for now (pypy-ready.toml:1)');
    expect(after.io.out).not.toContain('Ignored by the configuration');
  });

  it('every report shows the ignored finding apart, with its reason: Markdown, SARIF (an accepted suppression), HTML, GitHub (no annotation, a summary line)', async () => {
    const root = project({
      'requirements.txt': 'django>=5.2\npsycopg2-binary\n',
      'pypy-ready.toml': '[[ignore]]\npackage = "psycopg2-binary"\nreason = "the web tier stays on CPython for now"\n',
    });
    const summary = join(root, 'summary.md');
    writeFileSync(summary, '');
    const io = captureIO({ cwd: root, env: { GITHUB_STEP_SUMMARY: summary } });
    const code = await main(['.', '--index-url', server.simpleUrl, '--no-cache', '--format', 'github', '--format', 'markdown=r.md', '--format', 'sarif=r.sarif', '--format', 'html=r.html'], io);
    expect(code).toBe(0);
    expect(io.out).not.toMatch(/psycopg2-binary/);
    const read = (name: string) => readFileSync(join(root, name), 'utf8');
    expect(read('summary.md')).toContain('### Ignored by the configuration (1)');
    expect(read('summary.md')).toMatch(/- psycopg2-binary \(known-broken on PyPy 3\.11 \\\(7\.3\\\), known-broken on PyPy 3\.11 \\\(8\.0\\\)\): the web tier stays on CPython for now \(pypy-ready\.toml:1\)/);
    expect(read('r.md')).toContain('### Ignored by the configuration (1)');
    expect(read('r.md')).not.toMatch(/\| .*blocker.*\| psycopg2-binary/);
    const sarif = JSON.parse(read('r.sarif')) as { runs: { results: { properties: { package: string }; suppressions?: unknown[] }[] }[] };
    const results = sarif.runs.flatMap((r) => r.results).filter((r) => r.properties.package === 'psycopg2-binary');
    expect(results).toHaveLength(2);
    for (const r of results) expect(r.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: 'the web tier stays on CPython for now; pypy-ready.toml:1' }]);
    expect(read('r.html')).toMatch(/<span class="ignored">ignored<\/span>/);
    expect(read('r.html')).toContain('<dt>Ignored</dt><dd class="ignore">the web tier stays on CPython for now (pypy-ready.toml:1): reported, not failing the run</dd>');
  });
});
