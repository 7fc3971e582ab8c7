/**
 * Monorepos (issue 14), through the CLI in-process over the local index: the three-project
 * monorepo (services/api, services/worker, tools/legacy; a build directory that .gitignore leaves
 * out) scanned with `--exclude tools/legacy`, and with the same key in pypy-ready.toml: two projects,
 * a combined summary and one section or line of counts per project in every human format.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadFixtureDir, startIndexServer, type IndexServer } from '../../src/devserver/index-server.js';
import type { ScanResult } from '../../src/scan/types.js';
import { captureIO } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

let server: IndexServer;
let repo: string;
const write = (rel: string, text: string): void => {
  mkdirSync(join(repo, rel, '..'), { recursive: true });
  writeFileSync(join(repo, rel), text);
};

beforeAll(async () => {
  server = await startIndexServer({ packages: loadFixtureDir(resolve(REPO_ROOT, 'fixtures/demo-index')) });
  repo = mkdtempSync(join(tmpdir(), 'pypy-ready-monorepo-'));
  execFileSync('git', ['init', '-q'], { cwd: repo, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
  write('.gitignore', '# build output\nbuild/\n');
  write('services/api/requirements.txt', 'django>=5.2\norjson\n');
  write('services/worker/requirements.txt', 'celery\nredis\n');
  write('tools/legacy/requirements.txt', 'psycopg2-binary\n');
  // Ignored by .gitignore: a copy of a dependency's tree in the build output.
  write('services/api/build/lib/requirements.txt', 'numpy\n');
  write('node_modules/some-tool/requirements.txt', 'lxml\n');
});
afterAll(async () => {
  await server.close();
  rmSync(repo, { recursive: true, force: true });
});

const run = async (args: string[], env: Record<string, string> = {}) => {
  const io = captureIO({ cwd: repo, env });
  const code = await main(['.', '--index-url', server.simpleUrl, '--no-cache', '--no-interactive', ...args], io);
  return { code, out: io.out, err: io.err };
};
const json = async (args: string[]): Promise<ScanResult> => JSON.parse((await run([...args, '--format', 'json'])).out) as ScanResult;

describe('the three-project monorepo', () => {
  it('without an exclude: three projects; the build directory .gitignore names is not scanned', async () => {
    const report = await json([]);
    expect(report.projects).toEqual(['services/api', 'services/worker', 'tools/legacy']);
    expect(report.findings.some((f) => f.name === 'numpy' || f.name === 'lxml')).toBe(false);
  });

  it('--no-gitignore scans the build directory too', async () => {
    expect((await json(['--no-gitignore'])).projects).toEqual(['services/api/build/lib', 'services/api', 'services/worker', 'tools/legacy']); // in walk order
  });

  it('--exclude tools/legacy: two projects, each with its section, and a combined summary with a line per project (text)', async () => {
    const report = await json(['--exclude', 'tools/legacy']);
    expect(report.projects).toEqual(['services/api', 'services/worker']);
    expect(report.findings.some((f) => f.name === 'psycopg2-binary')).toBe(false);

    const { code, out } = await run(['--exclude', 'tools/legacy']);
    expect(code).toBe(1); // orjson blocks services/api
    expect(out).toContain('20 package(s) in 2 projects');
    expect(out).toMatch(/^Project services\/api \(4 package\(s\)\)$/m);
    expect(out).toMatch(/^Project services\/worker \(16 package\(s\)\)$/m);
    expect(out).not.toContain('tools/legacy');
    const tail = out.trimEnd().split('\n').slice(-4);
    expect(tail).toEqual([
      'Summary (package x target): 38 ok, 2 error',
      'By project (2):',
      '  services/api: 4 packages: 1 blocker, 0 warnings, 0 not checked',
      '  services/worker: 16 packages: 0 blockers, 0 warnings, 0 not checked',
    ]);
  });

  it('Markdown, HTML and the GitHub job summary carry the combined summary and a line of counts per project', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pypy-ready-monorepo-out-'));
    try {
      const summary = join(out, 'summary.md');
      writeFileSync(summary, '');
      const { code } = await run(['--exclude', 'tools/legacy', '--format', `markdown=${join(out, 'r.md')}`, '--format', `html=${join(out, 'r.html')}`, '--format', `github=${join(out, 'gh.txt')}`], { GITHUB_STEP_SUMMARY: summary });
      expect(code).toBe(1);
      const markdown = readFileSync(join(out, 'r.md'), 'utf8');
      expect(markdown).toContain('checked 20 packages in 2 projects');
      expect(markdown).toContain('| Project | Packages | Blockers | Warnings | Not checked |\n| --- | --- | --- | --- | --- |\n| services/api | 4 | 1 | 0 | 0 |\n| services/worker | 16 | 0 | 0 | 0 |');
      const html = readFileSync(join(out, 'r.html'), 'utf8');
      expect(html).toContain('<h2 id="h-projects">By project (2)</h2>');
      expect(html).toContain('<tr class="project-counts"><th scope="row">services/api</th><td>4</td><td>1</td><td>0</td><td>0</td><td>0</td></tr>');
      expect(html).toContain('<tr class="project-counts"><th scope="row">services/worker</th><td>16</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>');
      const job = readFileSync(summary, 'utf8');
      expect(job).toContain('| services/api | 4 | 1 | 0 | 0 |\n| services/worker | 16 | 0 | 0 | 0 |');
      // The annotations name their project.
      expect(readFileSync(join(out, 'gh.txt'), 'utf8')).toContain('title=services/api%3A orjson');
      for (const text of [markdown, html, job]) expect(text).not.toContain('tools/legacy');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('the same through the configuration: exclude = ["tools/legacy"] in pypy-ready.toml at the root', async () => {
    write('pypy-ready.toml', 'exclude = ["tools/legacy"]\n');
    try {
      expect((await json([])).projects).toEqual(['services/api', 'services/worker']);
      // The command line replaces the configuration's list, as for every option.
      expect((await json(['--exclude', 'services/worker'])).projects).toEqual(['services/api', 'tools/legacy']);
      expect((await json(['--no-config'])).projects).toEqual(['services/api', 'services/worker', 'tools/legacy']);
    } finally {
      rmSync(join(repo, 'pypy-ready.toml'));
    }
  });

  it('patterns: unanchored names match at any depth, ** and a trailing / work; a bad pattern is a usage error, named by its line in the configuration', async () => {
    expect((await json(['--exclude', 'worker'])).projects).toEqual(['services/api', 'tools/legacy']);
    expect((await json(['--exclude', 'services/*', '--exclude', '!services/api/'])).projects).toEqual(['services/api', 'tools/legacy']);
    // As in git: `services/**` matches every file inside, so re-including the directory brings nothing back.
    expect((await run(['--exclude', 'services/**', '--exclude', '!services/api/', '--exclude', 'tools/'])).err).toContain('no Python manifest');
    expect((await json(['--exclude', '/services/'])).projects).toEqual(['tools/legacy']);
    const bad = await run(['--exclude', 'tools/[legacy']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--exclude "tools/[legacy" can match nothing');
    write('pypy-ready.toml', 'fail-on = "never"\nexclude = [""]\n');
    try {
      const fromConfig = await run([]);
      expect(fromConfig.code).toBe(2);
      expect(fromConfig.err).toContain('pypy-ready.toml:2: --exclude "" is not a pattern');
    } finally {
      rmSync(join(repo, 'pypy-ready.toml'));
    }
  });

  it('excluding everything is said as such: no manifest under the path', async () => {
    const { code, err } = await run(['--exclude', '*.txt']);
    expect(code).toBe(2);
    expect(err).toContain('no Python manifest');
  });

  it('a path named on the command line is scanned even when .gitignore or --exclude would leave it out', async () => {
    const io = captureIO({ cwd: repo });
    const code = await main(['services/api/build/lib/requirements.txt', 'tools/legacy', '--exclude', 'tools/legacy', '--index-url', server.simpleUrl, '--no-cache', '--format', 'json'], io);
    expect(code).toBe(1); // psycopg2-binary blocks
    expect((JSON.parse(io.out) as ScanResult).projects).toEqual(['services/api/build/lib', 'tools/legacy']);
  });
});
