/**
 * End to end through the CLI, over real HTTP against the local test index: one dependency per
 * verdict (fixtures/e2e), asserting the verdict, the file pip would install, the evidence and the
 * manifest line that declared it.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import type { Finding, ScanResult } from '../../src/scan/types.js';
import { captureIO } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

const PROJECT = resolve(REPO_ROOT, 'fixtures/e2e/project');
let server: IndexServer;

beforeAll(async () => {
  server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/e2e/index')) });
});
afterAll(async () => {
  await server.close();
});

async function run(args: string[], cwd = PROJECT) {
  const io = captureIO({ cwd });
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

async function scanJson(extra: string[] = []): Promise<{ code: number; report: ScanResult; err: string }> {
  const { code, out, err } = await run(['.', '--index-url', server.simpleUrl, '--no-cache', '--format', 'json', ...extra]);
  return { code, report: JSON.parse(out) as ScanResult, err };
}

function finding(report: ScanResult, name: string, target: string): Finding {
  const found = report.findings.find((f) => f.name === name && f.target.startsWith(`${target}-`));
  if (!found) throw new Error(`no finding for ${name} on ${target}: ${report.findings.map((f) => `${f.name}@${f.target}`).join(', ')}`);
  return found;
}

describe('pypy-ready scan, one verdict per dependency', () => {
  let report: ScanResult;
  let code: number;
  beforeAll(async () => {
    ({ report, code } = await scanJson());
  });

  // [name, target, verdict, severity, file pip would install, evidence pattern, manifest line]
  const CASES: Array<[string, string, string, string, string | null, RegExp, number]> = [
    ['binext', 'pypy3.11-7.3', 'pypy-wheel', 'info', 'binext-1.2.0-pp311-pypy311_pp73-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', /cpyext/, 3],
    ['binext', 'pypy3.11-8.0', 'pypy-wheel', 'info', 'binext-1.2.0-pp311-pypy311_pp80-manylinux_2_28_x86_64.whl', /tag pp311-pypy311_pp80-manylinux_2_28_x86_64/, 3],
    ['purelib', 'pypy3.11-8.0', 'pure', 'ok', 'purelib-1.0.0-py3-none-any.whl', /tag py3-none-any/, 4],
    ['markupsafe', 'pypy3.11-7.3', 'pure-fallback', 'info', 'markupsafe-3.0.2.tar.gz', /knowledge base: pure-fallback/, 5],
    ['argon2-cffi-bindings', 'pypy3.11-7.3', 'cffi', 'ok', 'argon2_cffi_bindings-25.1.0-pp311-pypy311_pp73-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl', /tag pp311-pypy311_pp73-manylinux_2_28_x86_64/, 6],
    ['compiledonly', 'pypy3.11-7.3', 'source-build', 'warning', 'compiledonly-5.10.0.tar.gz', /compiled wheel\(s\) for other interpreters/, 7],
    ['abionly', 'pypy3.11-8.0', 'abi-mismatch', 'warning', 'abionly-6.0.0.tar.gz', /wheels for pypy311_pp73 but not for pypy311_pp80/, 8],
    ['abionly', 'pypy3.11-7.3', 'pypy-wheel', 'info', 'abionly-6.0.0-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl', /cpyext/, 8],
    ['hiredis', 'pypy3.11-7.3', 'lost-pypy-wheels', 'warning', 'hiredis-3.3.0.tar.gz', /3\.2\.1 had wheels for pypy311_pp73; 3\.3\.0 has none/, 9],
    ['django', 'pypy3.11-7.3', 'requires-python', 'error', null, /requires-python >=3\.12 excludes Python 3\.11/, 10],
    ['winonly', 'pypy3.11-7.3', 'no-distribution', 'error', null, /no release has a wheel for pypy3\.11-7\.3-manylinux_x86_64 or a source distribution/, 11],
    ['psycopg2-binary', 'pypy3.11-8.0', 'known-broken', 'error', 'psycopg2-binary-2.9.10.tar.gz', /knowledge base: broken/, 12],
    ['not-on-this-index', 'pypy3.11-7.3', 'unknown', 'unknown', null, /not found/, 13],
    ['cffi', 'pypy3.11-8.0', 'cffi', 'ok', null, /built into PyPy/, 15],
  ];

  for (const [name, target, verdict, severity, file, evidence, line] of CASES) {
    it(`${name} on ${target}: ${verdict}`, () => {
      const f = finding(report, name, target);
      expect(f.verdict).toBe(verdict);
      expect(f.severity).toBe(severity);
      expect(f.file).toBe(file);
      expect(f.evidence.join('\n')).toMatch(evidence);
      expect(f.locations).toContainEqual({ file: 'requirements.txt', line, column: 1 });
      expect(f.via).toEqual([]);
    });
  }

  it('suggests the fix: psycopg for psycopg2-binary, Django 5.2.8 for PyPy 3.11, the last good hiredis', () => {
    expect(finding(report, 'psycopg2-binary', 'pypy3.11-7.3').suggestion).toMatch(/psycopg/);
    expect(finding(report, 'django', 'pypy3.11-7.3').suggestion).toMatch(/5\.2\.8/);
    expect(finding(report, 'hiredis', 'pypy3.11-7.3').suggestion).toMatch(/hiredis==3\.2\.1/);
  });

  it('follows dependencies with markers evaluated for the target and records the chain', () => {
    const helper = finding(report, 'helperlib', 'pypy3.11-7.3');
    expect(helper).toMatchObject({ verdict: 'pure', via: ['purelib'], file: 'helperlib-2.1-py2.py3-none-any.whl' });
    expect(helper.locations).toEqual([{ file: 'requirements.txt', line: 4, column: 1 }]);
    // helperlib requires purelib back: the cycle ends, each package is assessed once per target.
    expect(report.findings.filter((f) => f.name === 'purelib')).toHaveLength(2);
    // implementation_name == "cpython" and an extra nobody asked for: not installed on PyPy.
    expect(report.findings.some((f) => f.name === 'cpython-speedups' || f.name === 'docs-only')).toBe(false);
  });

  it('psycopg[binary] adds nothing on PyPy: its extras carry implementation_name != "pypy"', () => {
    expect(finding(report, 'psycopg', 'pypy3.11-7.3').verdict).toBe('pure');
    expect(finding(report, 'typing-extensions', 'pypy3.11-7.3').via).toEqual(['psycopg']);
    expect(report.findings.some((f) => f.name === 'psycopg-binary')).toBe(false);
  });

  it('lists the requirements with normalised names and locations', () => {
    expect(report.requirements).toHaveLength(13);
    expect(report.requirements.find((r) => r.name === 'psycopg')).toMatchObject({ extras: ['binary'], specifier: '>=3.2', group: 'main', location: { file: 'requirements.txt', line: 14, column: 1 } });
  });

  it('exits 1 because there are errors (default --fail-on error)', () => {
    expect(code).toBe(1);
  });

  it('matches the JSON schema in the repository', () => {
    const schema = JSON.parse(readFileSync(resolve(REPO_ROOT, 'schema/report-v1.schema.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true }).compile(schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...report, findings: [{ ...report.findings[0], verdict: 'great' }] })).toBe(false);
  });
});

describe('pypy-ready scan options and exit codes', () => {
  it('--fail-on never exits 0; --fail-on warning counts warnings', async () => {
    expect((await scanJson(['--fail-on', 'never'])).code).toBe(0);
    const { code } = await run(['.', '--index-url', server.simpleUrl, '--no-cache', '--fail-on', 'warning', '--target', 'pypy3.11-8.0'], resolve(REPO_ROOT, 'fixtures/e2e/project'));
    expect(code).toBe(1);
  });

  it('--target picks the targets, --platform the platform', async () => {
    const { report } = await scanJson(['--target', 'pypy3.10-7.3', '--platform', 'win_amd64']);
    expect(report.targets.map((t) => t.id)).toEqual(['pypy3.10-7.3-win_amd64']);
  });

  it('exits 3 when the index cannot be reached at all', async () => {
    const { code, err } = await run(['.', '--index-url', 'http://127.0.0.1:9/simple/', '--no-cache', '--target', 'pypy3.11-8.0']);
    expect(code).toBe(3);
    expect(err).toMatch(/no index could be reached/);
  });

  it('--offline with an empty cache still lists every requirement, the rest is unknown, and it exits 3: no index answered', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'pypy-ready-cache-'));
    const { code, out } = await run(['.', '--index-url', server.simpleUrl, '--offline', '--cache-dir', cache, '--format', 'json']);
    const report = JSON.parse(out) as ScanResult;
    expect(report.requirements).toHaveLength(13);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.every((f) => f.verdict === 'unknown' || f.name === 'cffi')).toBe(true);
    expect(code).toBe(3);
  });

  it('--output writes the whole report to a file and nothing to stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-out-'));
    const { out, err } = await run(['.', '--index-url', server.simpleUrl, '--no-cache', '--format', 'json', '--output', join(dir, 'report.json')]);
    expect(out).toBe('');
    expect(err).toMatch(/report written/);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).schemaVersion).toBe(1);
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('uses the --index-url that a requirements file declares', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-idx-'));
    writeFileSync(join(dir, 'requirements.txt'), `--index-url ${server.simpleUrl}\npurelib\n`);
    const { code, out } = await run(['.', '--no-cache', '--target', 'pypy3.11-8.0', '--format', 'json'], dir);
    expect(code).toBe(0);
    expect((JSON.parse(out) as ScanResult).findings.find((f) => f.name === 'purelib')).toMatchObject({ verdict: 'pure', version: '1.0.0' });
  });

  it('never prints index credentials', async () => {
    const url = server.simpleUrl.replace('http://', 'http://alice:s3cr3t-token@');
    const { out, err } = await run(['.', '--index-url', url, '--no-cache', '--target', 'pypy3.11-8.0', '--format', 'json']);
    const { out: text } = await run(['.', '--index-url', url.replace(/:\d+\//, ':9/'), '--no-cache', '--target', 'pypy3.11-8.0']);
    for (const output of [out, err, text]) expect(output).not.toContain('s3cr3t-token');
  });

  it('documents itself: scan --help lists the options and exit codes', async () => {
    const { code, out } = await run(['scan', '--help']);
    expect(code).toBe(0);
    for (const option of ['--target', '--platform', '--index-url', '--extra-index-url', '--format', '--output', '--fail-on', '--offline', '--cache-dir']) expect(out).toContain(option);
    expect(out).toMatch(/3 no index answered/);
  });

  it('rejects bad options with one line and exit 2', async () => {
    for (const args of [['--format', 'xml'], ['--fail-on', 'sometimes'], ['--target', 'pypy2'], ['--concurrency', '0'], ['no/such/dir']]) {
      const { code, err } = await run(args);
      expect(code, args.join(' ')).toBe(2);
      expect(err.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('text output: grouped by severity, fixes, summary counts, no colour when not a TTY', async () => {
    const { out } = await run(['.', '--index-url', server.simpleUrl, '--no-cache', '--target', 'pypy3.11-7.3']);
    expect(out).toMatch(/^Will not install or will not work \(error: \d+\)$/m);
    expect(out).toMatch(/^ {2}psycopg2-binary {2}\(requirements\.txt:12, group main\)\n {4}pypy3\.11-7\.3: known-broken 2\.9\.10 -> psycopg2-binary-2\.9\.10\.tar\.gz$/m);
    // Fine packages are listed compactly, with their versions.
    expect(out).toMatch(/^Works \(ok: \d+\)\n {2}.*purelib 1\.0\.0/m);
    expect(out).toMatch(/fix: Replace with psycopg/);
    expect(out).toMatch(/^Summary \(package x target\): .*\d+ error/m);
    expect(out).not.toContain('\u001b[');
  });

  it('colours only for a TTY, and NO_COLOR / FORCE_COLOR override it', async () => {
    const args = ['.', '--index-url', server.simpleUrl, '--no-cache', '--target', 'pypy3.11-7.3'];
    const colourOf = async (overrides: Parameters<typeof captureIO>[0]) => {
      const io = captureIO({ cwd: PROJECT, ...overrides });
      await main(args, io);
      return io.out.includes('\u001b[');
    };
    expect(await colourOf({ stdoutIsTTY: true })).toBe(true);
    expect(await colourOf({ stdoutIsTTY: true, env: { NO_COLOR: '1' } })).toBe(false);
    expect(await colourOf({ stdoutIsTTY: false, env: { FORCE_COLOR: '1' } })).toBe(true);
    expect(await colourOf({ stdoutIsTTY: false })).toBe(false);
  });

  it('assesses a package whose marker cannot be evaluated, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-marker-'));
    writeFileSync(join(dir, 'requirements.txt'), 'helperlib; sys_platform ~= "linux"\n');
    const { code, out } = await run(['.', '--index-url', server.simpleUrl, '--no-cache', '--target', 'pypy3.11-8.0', '--format', 'json'], dir);
    expect(code).toBe(0);
    const helper = (JSON.parse(out) as ScanResult).findings.find((f) => f.name === 'helperlib');
    expect(helper?.evidence.join(' ')).toMatch(/marker could not be evaluated/);
  });

  it('strips control characters that came from the manifest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-ctl-'));
    writeFileSync(join(dir, 'requirements.txt'), 'purelib\nevil\u001b]0;pwned\u0007pkg==1\n');
    const { out, err } = await run(['.', '--index-url', server.simpleUrl, '--no-cache', '--target', 'pypy3.11-8.0'], dir);
    expect(out + err).not.toMatch(/[\u0007\u001b]/);
  });
});
