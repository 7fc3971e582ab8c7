/**
 * Several reports from one scan: `--format FORMAT[=FILE]`, repeatable; at most one to stdout;
 * `--output` names the file of the one without `=FILE`; each file written whole.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportOutputs } from '../../src/cli/commands/scan.js';
import { main } from '../../src/cli/main.js';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import { UsageError } from '../../src/cli/io.js';
import { captureIO } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

describe('--format FORMAT[=FILE]', () => {
  const cwd = '/work';
  it.each([
    [[], undefined, [{ format: 'text', file: null }]],
    [['json'], undefined, [{ format: 'json', file: null }]],
    [['text', 'json=r.json'], undefined, [{ format: 'text', file: null }, { format: 'json', file: '/work/r.json' }]],
    [['json'], '/tmp/out.json', [{ format: 'json', file: '/tmp/out.json' }]],
    [[], '/tmp/out.txt', [{ format: 'text', file: '/tmp/out.txt' }]],
    [['json=a/b.json', 'text=c.txt'], undefined, [{ format: 'json', file: '/work/a/b.json' }, { format: 'text', file: '/work/c.txt' }]],
  ] as const)('%j with --output %j', (formats, output, expected) => {
    expect(reportOutputs(formats, output, cwd)).toEqual(expected);
  });

  it.each([
    [['yaml'], undefined, /^unknown --format "yaml"; use text, json/],
    [['text', 'json'], undefined, /^only one report can go to stdout \(text, json\)/],
    [['json='], undefined, /^--format json= needs a file name/],
    [['json=r.json'], '/tmp/x', /^--output names the file of the report given without =FILE/],
    [['json=r', 'text=r'], undefined, /^two reports would be written to \/work\/r$/],
  ] as const)('%j with --output %j is a usage error', (formats, output, message) => {
    expect(() => reportOutputs(formats, output, cwd)).toThrow(UsageError);
    expect(() => reportOutputs(formats, output, cwd)).toThrow(message);
  });
});

describe('several reports from one scan', () => {
  let server: IndexServer;
  beforeAll(async () => {
    server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')) });
  });
  afterAll(async () => {
    await server.close();
  });

  it('text on stdout and JSON in a file, from the same result; nothing but the reports is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-formats-'));
    const io = captureIO();
    const code = await main(['fixtures/demo-django', '--index-url', server.simpleUrl, '--no-cache', '--format', 'text', '--format', `json=${join(dir, 'report.json')}`], io);
    expect(code).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { findings: { name: string; severity: string }[] };
    const blockers = [...new Set(report.findings.filter((f) => f.severity === 'error').map((f) => f.name))];
    for (const name of blockers) expect(io.out).toContain(name);
    expect(io.err).toBe(`report written to ${join(dir, 'report.json')}\n`);
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('SARIF and Markdown files beside the text report: one SARIF run per target, the Markdown headed and under 65,536 characters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-formats-'));
    const io = captureIO();
    await main(['fixtures/demo-django', '--index-url', server.simpleUrl, '--no-cache', '--format', `sarif=${join(dir, 'r.sarif')}`, '--format', `markdown=${join(dir, 'r.md')}`, '--format', 'text'], io);
    const sarif = JSON.parse(readFileSync(join(dir, 'r.sarif'), 'utf8')) as { version: string; runs: { automationDetails: { id: string }; results: unknown[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs.map((r) => r.automationDetails.id)).toEqual(['pypy-ready/pypy3.11-7.3-manylinux_x86_64/', 'pypy-ready/pypy3.11-8.0-manylinux_x86_64/']);
    expect(sarif.runs.every((r) => r.results.length > 0)).toBe(true);
    const markdown = readFileSync(join(dir, 'r.md'), 'utf8');
    expect(markdown).toContain('psycopg2-binary');
    expect(markdown.length).toBeLessThan(65_536);
    expect(readdirSync(dir).sort()).toEqual(['r.md', 'r.sarif']);
  });

  it('--format github: workflow commands on stdout with files relative to GITHUB_WORKSPACE; the job summary appended to GITHUB_STEP_SUMMARY', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pypy-ready-gh-'));
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# an earlier step\n');
    const io = captureIO({ env: { GITHUB_WORKSPACE: resolve(REPO_ROOT, '..'), GITHUB_STEP_SUMMARY: summary } });
    const code = await main(['fixtures/demo-django', '--index-url', server.simpleUrl, '--no-cache', '--format', 'github'], io);
    expect(code).toBe(1);
    const lines = io.out.trimEnd().split('\n');
    expect(lines.every((l) => /^::(error|warning|notice)( [^:]+)?::/.test(l)), io.out).toBe(true);
    const errors = lines.filter((l) => l.startsWith('::error '));
    expect(errors.some((l) => l.includes('psycopg2-binary'))).toBe(true);
    const base = REPO_ROOT.split('/').pop()!;
    expect(errors.every((l) => l.includes(`file=${base}/fixtures/demo-django/`))).toBe(true);
    const written = readFileSync(summary, 'utf8');
    expect(written.startsWith('# an earlier step\n')).toBe(true);
    expect(written).toContain('psycopg2-binary');
  });
});
